"""Who sees what, continued: the tests that build and count records of their
own (related records, country counts, resources without a workflow). They are
apart from tests/api/test_visibility.py, whose records are built once for its
module and would be counted here too."""

import pytest

from alliances.models import AgreementParty
from tests import factories
from tests.api.test_visibility import STATUSES, build

pytestmark = pytest.mark.django_db


def test_only_the_reviewed_resources_take_a_publication_status(anon):
    factories.actor()
    # Other resources have no workflow: the parameter means nothing there.
    response = anon.get("/api/v1/actors/", {"publication_status": "draft"})
    assert response.status_code == 200
    assert response.json()["count"] == 1


def test_related_records_name_only_published_ones(public, insider):
    draft_organisation = factories.organisation(
        slug="draft-org", publication_status="draft", published_at=None
    )
    child = factories.organisation(slug="child", parent=draft_organisation)
    exercise = factories.exercise(slug="led", lead_organisation=draft_organisation)
    draft_exercise = factories.exercise(
        slug="draft-exercise", publication_status="draft", published_at=None
    )
    entry = factories.threat(slug="linked")
    entry.related_exercises.set([exercise, draft_exercise])
    lithuania = factories.country("LT", "Lithuania")
    agreement = factories.agreement(slug="pact", parties=[lithuania])
    AgreementParty.objects.create(agreement=agreement, organisation=draft_organisation)

    assert public.get("/api/v1/organisations/child/").json()["parent"] is None
    assert public.get("/api/v1/exercises/led/").json()["lead_organisation"] is None
    related = public.get("/api/v1/threats/linked/").json()["related_exercises"]
    assert [row["slug"] for row in related] == ["led"]
    parties = public.get("/api/v1/agreements/pact/").json()["parties"]
    assert parties == [
        {
            "country": {
                "id": lithuania.pk,
                "url": "http://testserver/api/v1/countries/LT/",
                "iso2": "LT",
                "name": "Lithuania",
            },
            "organisation": None,
            "name": "",
        }
    ]
    in_list = public.get("/api/v1/organisations/").json()["results"]
    assert {row["slug"]: row["parent"] for row in in_list} == {"child": None}

    assert insider.get("/api/v1/organisations/child/").json()["parent"]["slug"] == (
        "draft-org"
    )
    assert insider.get("/api/v1/exercises/led/").json()["lead_organisation"]
    related = insider.get("/api/v1/threats/linked/").json()["related_exercises"]
    assert sorted(row["slug"] for row in related) == ["draft-exercise", "led"]
    assert len(insider.get("/api/v1/agreements/pact/").json()["parties"]) == 2
    assert child.parent == draft_organisation


def test_country_counts_count_published_records(public, insider):
    lithuania = factories.country("LT", "Lithuania")
    for status in STATUSES:
        organisation = build("organisations", status)
        factories.membership(organisation_obj=organisation, country_obj=lithuania)
        agreement = build("agreements", status, slug=f"{status}-pact")
        AgreementParty.objects.create(agreement=agreement, country=lithuania)
        build("exercises", status, hosts=[lithuania])
        build("threats", status, targets=[lithuania])
    counts = ["membership_count", "agreement_count", "exercise_count", "threat_count"]
    body = public.get("/api/v1/countries/LT/").json()
    assert [body[name] for name in counts] == [1, 1, 1, 1]
    listed = public.get("/api/v1/countries/", {"q": "Lithuania"}).json()["results"]
    assert [listed[0][name] for name in counts] == [1, 1, 1, 1]
    body = insider.get("/api/v1/countries/LT/").json()
    assert [body[name] for name in counts] == [4, 4, 4, 4]


def test_a_country_named_only_in_drafts_is_not_listed(public):
    hidden = factories.country()
    build("threats", "draft", targets=[hidden])
    shown = factories.country()
    build("threats", "published", targets=[shown])
    listed = [row["iso2"] for row in public.get("/api/v1/countries/").json()["results"]]
    assert shown.iso2 in listed
    assert hidden.iso2 not in listed
