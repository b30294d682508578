"""Every database constraint, broken through the API, answers 400 with a message
on the field (never a 500), and nothing is written.

DRF checks only some unique constraints by itself; the serializers run the
model's clean() and each constraint (core.api.serializers.AtlasModelSerializer), and an
IntegrityError that still gets through (two writers racing) is turned into the
same 400 by core.api.exceptions.exception_handler.

The editorial workflow's constraints (a published record has a publication date,
a retraction a reason, the status is a known one) are about fields the API does
not let a client write: the workflow endpoints set them together. They cannot be
broken through the API, which the last tests here show.
"""

from datetime import date

import pytest
from django.apps import apps

from alliances.models import Membership, Organisation
from tests import factories
from tests.api import test_crud

pytestmark = pytest.mark.django_db

RESOURCES = {
    "countries": test_crud.TestCountries,
    "publishers": test_crud.TestPublishers,
    "sources": test_crud.TestSources,
    "organisations": test_crud.TestOrganisations,
    "memberships": test_crud.TestMemberships,
    "agreements": test_crud.TestAgreements,
    "exercise-series": test_crud.TestExerciseSeries,
    "exercises": test_crud.TestExercises,
    "threat-categories": test_crud.TestThreatCategories,
    "actors": test_crud.TestActors,
    "threats": test_crud.TestThreats,
    "attributions": test_crud.TestAttributions,
}


def post(resource, changes, *where):
    """A new record of ``resource``, valid but for ``changes`` (a callable, so
    it may build the record it clashes with); the error is expected at
    ``where`` (a field, or a list field, row and field)."""

    def build():
        data = RESOURCES[resource]().create_data()
        data.update(changes() if callable(changes) else changes)
        return "post", f"/api/v1/{resource}/", data, where

    return build


def _published_without_severity():
    entry = factories.threat(severity=3)
    return (
        "patch",
        f"/api/v1/threats/{entry.slug}/",
        {"severity": None, "change_reason": "Not sure any more."},
        ("severity",),
    )


def _own_parent():
    # A draft: written without If-Match (a published one would need it).
    organisation = factories.organisation(publication_status="draft", published_at=None)
    return (
        "patch",
        f"/api/v1/organisations/{organisation.slug}/",
        {"parent": organisation.slug},
        ("parent",),
    )


def _overlapping_membership():
    existing = factories.membership(
        joined=date(2004, 3, 29), joined_precision="day", left=None, left_precision=""
    )
    data = RESOURCES["memberships"]().create_data()
    data.update(
        organisation=existing.organisation.slug,
        country=existing.country.iso2,
        joined="2010-01-01",
        joined_precision="day",
    )
    return "post", "/api/v1/memberships/", data, ("joined",)


def _repeated_party(party):
    def changes():
        return {"parties": [party(), party()]}

    return changes


def _lithuania_party():
    return {"country": factories.country("LT", "Lithuania").iso2}


def _nato_party():
    organisation = Organisation.objects.filter(slug="nato").first()
    organisation = organisation or factories.organisation(slug="nato", name="NATO")
    return {"organisation": organisation.slug}


def _location(**values):
    return {"locations": [{"name": "Range", **values}]}


def _duplicate_attribution():
    existing = factories.attribution(attributed_by="Lithuanian government")
    return {
        "entry": existing.entry.slug,
        "actor": existing.actor.slug,
        "attributed_by": "Lithuanian government",
    }


RECIPES = {
    # countries
    "country_iso2_unique": post(
        "countries", lambda: {"iso2": factories.country().iso2}, "iso2"
    ),
    "country_name_unique_ci": post(
        "countries", lambda: {"name": factories.country().name.upper()}, "name"
    ),
    "country_iso2_format": post("countries", {"iso2": "lt"}, "iso2"),
    # sources
    "source_url_unique": post(
        "sources", lambda: {"document_url": factories.source().url}, "document_url"
    ),
    "source_published_precision": post(
        "sources",
        {"published": "2024-05-15", "published_precision": "month"},
        "published_precision",
    ),
    # organisations
    "organisation_slug_unique": post(
        "organisations", lambda: {"slug": factories.organisation().slug}, "slug"
    ),
    "organisation_name_unique_ci": post(
        "organisations",
        lambda: {"name": factories.organisation().name.lower()},
        "name",
    ),
    "organisation_not_own_parent": _own_parent,
    "organisation_founded_precision": post(
        "organisations",
        {"founded": "1994-03-01", "founded_precision": "year"},
        "founded_precision",
    ),
    # memberships
    "membership_left_not_before_joined": post(
        "memberships", {"left": "2001-01-01", "left_precision": "day"}, "left"
    ),
    "membership_joined_precision": post(
        "memberships", {"joined_precision": ""}, "joined_precision"
    ),
    "membership_left_precision": post(
        "memberships", {"left": "2010-01-01"}, "left_precision"
    ),
    "membership_no_overlap": _overlapping_membership,
    # agreements and their parties
    "agreement_slug_unique": post(
        "agreements", lambda: {"slug": factories.agreement().slug}, "slug"
    ),
    "agreement_signed_precision": post(
        "agreements", {"signed_precision": ""}, "signed_precision"
    ),
    "agreement_entry_into_force_precision": post(
        "agreements",
        {"entry_into_force": "2023-06-15", "entry_into_force_precision": "year"},
        "entry_into_force_precision",
    ),
    "agreement_ended_precision": post(
        "agreements", {"ended": "2030-01-01"}, "ended_precision"
    ),
    "agreement_entry_into_force_not_before_signed": post(
        "agreements",
        {"entry_into_force": "2022-01-01", "entry_into_force_precision": "day"},
        "entry_into_force",
    ),
    "agreement_ended_not_before_signed": post(
        "agreements", {"ended": "2022-01-01", "ended_precision": "day"}, "ended"
    ),
    "agreement_party_exactly_one": post(
        "agreements",
        lambda: {"parties": [{"country": factories.country().iso2, "name": "Acme"}]},
        "parties",
        0,
        "country",
    ),
    "agreement_party_country_unique": post(
        "agreements", _repeated_party(_lithuania_party), "parties"
    ),
    "agreement_party_organisation_unique": post(
        "agreements", _repeated_party(_nato_party), "parties"
    ),
    "agreement_party_name_unique": post(
        "agreements", _repeated_party(lambda: {"name": "KNDS"}), "parties"
    ),
    # exercise series, exercises, participants, locations
    "exercise_series_slug_unique": post(
        "exercise-series", lambda: {"slug": factories.series().slug}, "slug"
    ),
    "exercise_series_name_unique_ci": post(
        "exercise-series", lambda: {"name": factories.series().name.upper()}, "name"
    ),
    "exercise_slug_unique": post(
        "exercises", lambda: {"slug": factories.exercise().slug}, "slug"
    ),
    "exercise_start_precision": post(
        "exercises", {"start": "2024-06-15"}, "start_precision"
    ),
    "exercise_end_precision": post("exercises", {"end_precision": ""}, "end_precision"),
    "exercise_end_not_before_start": post("exercises", {"end": "2024-05-31"}, "end"),
    "participation_unique": post(
        "exercises",
        lambda: {
            "participants": [{"country": factories.country("LT", "Lithuania").iso2}] * 2
        },
        "participants",
    ),
    "exercise_location_unique": post(
        "exercises", {"locations": [{"name": "Pabradė"}] * 2}, "locations"
    ),
    "exercise_location_latitude_range": post(
        "exercises",
        _location(latitude=95, longitude=25),
        "locations",
        0,
        "latitude",
    ),
    "exercise_location_longitude_range": post(
        "exercises",
        _location(latitude=55, longitude=-181),
        "locations",
        0,
        "longitude",
    ),
    "exercise_location_coordinates_paired": post(
        "exercises", _location(latitude=55), "locations", 0, "longitude"
    ),
    # threat categories, actors, threat entries, attributions
    "threat_category_slug_unique": post(
        "threat-categories", {"slug": "cyber-attack"}, "slug"
    ),
    "threat_category_name_unique_ci": post(
        "threat-categories", {"name": "CYBER ATTACK"}, "name"
    ),
    "actor_slug_unique": post(
        "actors", lambda: {"slug": factories.actor().slug}, "slug"
    ),
    "actor_name_unique_ci": post(
        "actors", lambda: {"name": factories.actor().name.lower()}, "name"
    ),
    "threat_entry_slug_unique": post(
        "threats", lambda: {"slug": factories.threat().slug}, "slug"
    ),
    "threat_entry_occurred_start_precision": post(
        "threats", {"occurred_start": "2024-03-15"}, "occurred_start_precision"
    ),
    "threat_entry_occurred_end_precision": post(
        "threats", {"occurred_end": "2024-04-01"}, "occurred_end_precision"
    ),
    "threat_entry_occurred_end_not_before_occurred_start": post(
        "threats",
        {"occurred_end": "2024-02-01", "occurred_end_precision": "day"},
        "occurred_end",
    ),
    "threat_entry_severity_range": post("threats", {"severity": 6}, "severity"),
    "threat_entry_published_has_severity": _published_without_severity,
    "threat_entry_credibility_override_range": post(
        "threats", {"credibility_override": 7}, "credibility_override"
    ),
    "threat_entry_geo_precision_valid": post(
        "threats", {"geo_precision": "street"}, "geo_precision"
    ),
    "threat_entry_sea_area_valid": post(
        "threats", {"sea_area": "north_sea"}, "sea_area"
    ),
    "threat_entry_sea_area_given": post(
        "threats", {"geo_precision": "sea_area"}, "sea_area"
    ),
    "threat_entry_sea_area_detail_needs_area": post(
        "threats", {"sea_area_detail": "east of Gotland"}, "sea_area"
    ),
    "threat_entry_coordinates_sourced": post(
        "threats", {"coordinates_source": None}, "coordinates_source"
    ),
    "publisher_name_unique": post(
        "publishers", lambda: {"name": factories.publisher("Taken").name}, "name"
    ),
    "publisher_name_not_empty": post("publishers", {"name": ""}, "name"),
    "publisher_reliability_letter": post(
        "publishers", {"reliability": "G"}, "reliability"
    ),
    "threat_entry_latitude_range": post("threats", {"latitude": -90.5}, "latitude"),
    "threat_entry_longitude_range": post("threats", {"longitude": 180.5}, "longitude"),
    "threat_entry_coordinates_paired": post(
        "threats", {"longitude": None}, "longitude"
    ),
    "attribution_unique": post("attributions", _duplicate_attribution, "actor"),
    "attribution_attributed_on_precision": post(
        "attributions",
        {"attributed_on_precision": "day", "attributed_on": None},
        "attributed_on_precision",
    ),
}


def all_constraints():
    return {
        constraint.name: (model, constraint)
        for label in ("alliances", "exercises", "threats")
        for model in apps.get_app_config(label).get_models()
        for constraint in model._meta.constraints
    }


REVIEWED = {
    "organisation": "organisations",
    "agreement": "agreements",
    "exercise": "exercises",
    "threat_entry": "threats",
}
# Constraint -> the write that would break it if the fields were writable.
WORKFLOW_WRITES = {
    "published_has_date": {"publication_status": "published", "published_at": None},
    "retraction_has_reason": {
        "publication_status": "retracted",
        "retracted_at": None,
        "retraction_reason": "",
    },
    "publication_status_valid": {"publication_status": "nonsense"},
}
UNREACHABLE = {
    f"{prefix}_{rule}": (resource, WORKFLOW_WRITES[rule])
    for prefix, resource in REVIEWED.items()
    for rule in WORKFLOW_WRITES
}
# Rows edited only inline in the admin, with no API resource: the admin's form
# answers (tests/threats/test_targets_and_actors.py).
ADMIN_ONLY = {"actor_alias_name_unique_ci"}
# Ratings derived from the sources: read-only, so a write cannot break them.
DERIVED = {
    "threat_entry_reliability_range": {"source_reliability": "G"},
    "threat_entry_credibility_range": {"information_credibility": 7},
}


def test_every_constraint_has_an_api_test():
    assert set(all_constraints()) == (
        set(RECIPES) | set(UNREACHABLE) | set(DERIVED) | ADMIN_ONLY
    )
    assert not set(RECIPES) & set(UNREACHABLE)


@pytest.mark.parametrize("name", sorted(DERIVED))
def test_derived_ratings_cannot_be_written_through_the_api(name, editor_api):
    data = {**RESOURCES["threats"]().create_data(), **DERIVED[name]}

    created = editor_api.post("/api/v1/threats/", data, format="json")

    assert created.status_code == 201, created.content
    body = created.json()
    # The one source of create_data, by a publisher not rated: derived values.
    assert (body["source_reliability"], body["information_credibility"]) == (None, 6)


@pytest.mark.parametrize("name", sorted(RECIPES))
def test_constraint_violation_answers_400_on_the_field(name, editor_api):
    method, url, data, where = RECIPES[name]()
    model, constraint = all_constraints()[name]
    before = {m: m.objects.count() for m in (model, Membership)}

    # A careful client sends the ETag it read (writes to published records need it).
    read = editor_api.get(url) if method in ("patch", "put") else None
    headers = (
        {"HTTP_IF_MATCH": read["ETag"]}
        if read is not None and read.has_header("ETag")
        else {}
    )
    response = getattr(editor_api, method)(url, data, format="json", **headers)

    assert response.status_code == 400, response.content
    found = response.json()
    for step in where:
        # DRF gives a list field's row errors as {"0": {...}}
        found = found[step] if isinstance(found, list) else found[str(step)]
    assert found and all(isinstance(message, str) for message in found), found
    if constraint.violation_error_message != constraint.default_violation_error_message:
        # DRF's own field checks (choices, uniqueness of a single column) may
        # answer first with their wording; the model's rules give theirs.
        messages = " ".join(found)
        assert str(constraint.violation_error_message) in messages or where[-1] in (
            "severity",
            "credibility_override",
            "geo_precision",
            "sea_area",
            "name",
            "reliability",
        ), messages
    assert {m: m.objects.count() for m in before} == before


@pytest.mark.parametrize("name", sorted(UNREACHABLE))
def test_workflow_constraints_cannot_be_broken_through_the_api(name, editor_api):
    """The workflow fields are read-only: a write that names them is applied
    without them (new records are drafts; a record keeps its status)."""
    resource, fields = UNREACHABLE[name]
    model, _constraint = all_constraints()[name]
    data = RESOURCES[resource]().create_data()
    created = editor_api.post(f"/api/v1/{resource}/", {**data, **fields}, format="json")
    assert created.status_code == 201, created.content
    assert created.json()["publication_status"] == "draft"
    record = model.objects.get(pk=created.json()["id"])
    assert (record.publication_status, record.published_at) == ("draft", None)

    changed = editor_api.patch(
        f"/api/v1/{resource}/{record.slug}/", fields, format="json"
    )
    assert changed.status_code == 200, changed.content
    record.refresh_from_db()
    assert record.publication_status == "draft"
    assert (record.published_at, record.retracted_at) == (None, None)
