"""Writing safely: ETag and If-Match, transactions, oversized bodies, records
still in use, and the database's own refusal as a last resort."""

import json
from unittest import mock

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from alliances.models import Agreement, AgreementParty, Country
from core.api.serializers import AtlasModelSerializer
from exercises.models import Exercise
from tests import factories
from threats.models import ThreatEntry

pytestmark = pytest.mark.django_db

REASON = {"change_reason": "Corrected from the ministry's release."}


# ETag and If-Match ----------------------------------------------------------------


def test_a_write_with_the_current_etag_goes_through(editor_api):
    # A draft: an editor's write to it is written at once (a published one
    # waits for a reviewer, tests/api/test_review.py).
    entry = factories.threat(
        slug="incident", publication_status="draft", published_at=None
    )
    etag = editor_api.get("/api/v1/threats/incident/")["ETag"]
    response = editor_api.patch(
        "/api/v1/threats/incident/",
        {"severity": 3, **REASON},
        format="json",
        HTTP_IF_MATCH=etag,
    )
    assert response.status_code == 200
    assert response["ETag"] != etag
    entry.refresh_from_db()
    assert entry.severity == 3


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_a_write_with_a_stale_etag_answers_412_and_changes_nothing(editor_api, method):
    entry = factories.threat(
        slug="incident",
        title="First title",
        publication_status="draft",
        published_at=None,
    )
    stale = editor_api.get("/api/v1/threats/incident/")["ETag"]
    someone_else = editor_api.patch(
        "/api/v1/threats/incident/",
        {"title": "Someone else's", **REASON},
        format="json",
        HTTP_IF_MATCH=stale,
    )
    assert someone_else.status_code == 200
    data = {"title": "My title", **REASON}
    if method == "put":
        data = editor_api.get("/api/v1/threats/incident/").json()
        data.update(
            REASON,
            title="My title",
            category="cyber-attack",
            sources=[source["id"] for source in data["sources"]],
            target_countries=[],
            related_exercises=[],
            location_country=None,
            coordinates_source=None,
        )
    response = getattr(editor_api, method)(
        "/api/v1/threats/incident/", data, format="json", HTTP_IF_MATCH=stale
    )
    assert response.status_code == 412
    entry.refresh_from_db()
    assert entry.title == "Someone else's"


def test_a_published_record_needs_if_match_and_then_takes_the_write(reviewer_api):
    # A reviewer: their writes to published records are not held for review.
    entry = factories.threat(slug="incident", title="First title")
    refused = reviewer_api.patch(
        "/api/v1/threats/incident/", {"title": "Mine", **REASON}, format="json"
    )
    assert refused.status_code == 428
    assert "send If-Match with the ETag you read" in refused.json()["detail"]
    entry.refresh_from_db()
    assert entry.title == "First title"
    etag = reviewer_api.get("/api/v1/threats/incident/")["ETag"]
    accepted = reviewer_api.patch(
        "/api/v1/threats/incident/",
        {"title": "Mine", **REASON},
        format="json",
        HTTP_IF_MATCH=etag,
    )
    assert accepted.status_code == 200
    entry.refresh_from_db()
    assert entry.title == "Mine"


def test_drafts_and_their_rows_are_written_without_if_match(editor_api):
    factories.threat(slug="draft", publication_status="draft", published_at=None)
    response = editor_api.patch(
        "/api/v1/threats/draft/", {"severity": 2}, format="json"
    )
    assert response.status_code == 200, response.json()
    organisation = factories.organisation(publication_status="draft", published_at=None)
    membership = factories.membership(organisation)
    response = editor_api.patch(
        f"/api/v1/memberships/{membership.pk}/", {"role": "partner"}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert editor_api.delete("/api/v1/threats/draft/").status_code == 204


def test_if_match_star_and_lists_of_etags(editor_api):
    factories.actor(slug="gru")
    etag = editor_api.get("/api/v1/actors/gru/")["ETag"]
    for template in ["*", '"0-0", {etag}']:
        header = template.format(etag=etag)
        response = editor_api.patch(
            "/api/v1/actors/gru/",
            {"description": header, **REASON},
            format="json",
            HTTP_IF_MATCH=header,
        )
        assert response.status_code == 200, header
        etag = response["ETag"]
    weak = f"W/{etag}"  # a weak tag never matches for a write (RFC 9110)
    response = editor_api.patch(
        "/api/v1/actors/gru/",
        {"description": "x", **REASON},
        format="json",
        HTTP_IF_MATCH=weak,
    )
    assert response.status_code == 412


def test_if_match_locks_the_row_until_the_write_commits(editor_api):
    factories.actor(slug="gru")
    etag = editor_api.get("/api/v1/actors/gru/")["ETag"]
    with CaptureQueriesContext(connection) as queries:
        editor_api.patch(
            "/api/v1/actors/gru/", {"name": "GRU"}, format="json", HTTP_IF_MATCH=etag
        )
    assert any("FOR UPDATE" in query["sql"] for query in queries)


# Nested rows ----------------------------------------------------------------------


def test_agreement_parties_are_replaced_as_a_list_keeping_unchanged_rows(editor_api):
    lithuania = factories.country("LT", "Lithuania")
    poland = factories.country("PL", "Poland")
    agreement = factories.agreement(
        slug="pact",
        parties=[lithuania, poland],
        publication_status="draft",
        published_at=None,
    )
    kept = AgreementParty.objects.get(agreement=agreement, country=lithuania).pk
    response = editor_api.patch(
        "/api/v1/agreements/pact/",
        {"parties": [{"country": "LT"}, {"name": "KNDS Deutschland"}], **REASON},
        format="json",
        HTTP_IF_MATCH=editor_api.get("/api/v1/agreements/pact/")["ETag"],
    )
    assert response.status_code == 200, response.json()
    parties = AgreementParty.objects.filter(agreement=agreement)
    assert {(p.country_id, p.name) for p in parties} == {
        (lithuania.pk, ""),
        (None, "KNDS Deutschland"),
    }
    assert parties.filter(pk=kept).exists()


def test_a_failed_nested_write_leaves_nothing_behind(editor_api):
    data = {
        "slug": "half",
        "name": "Half",
        "domain": "land",
        "sources": [factories.source().pk],
        "locations": [{"name": "A"}, {"name": "B"}],
    }
    with (
        mock.patch(
            "core.api.serializers.NestedListSerializer.save_for",
            side_effect=RuntimeError("boom"),
        ),
        pytest.raises(RuntimeError),
    ):
        editor_api.post("/api/v1/exercises/", data, format="json")
    assert not Exercise.objects.filter(slug="half").exists()


# Bodies ---------------------------------------------------------------------------


def test_oversized_bodies_answer_413(editor_api, settings):
    settings.API_MAX_BODY_SIZE = 1000
    body = json.dumps({"slug": "big", "name": "Big", "description": "x" * 2000})
    response = editor_api.post(
        "/api/v1/exercise-series/", body, content_type="application/json"
    )
    assert response.status_code == 413
    assert response.json()["detail"]


def test_nul_bytes_and_bad_json_answer_400(editor_api):
    response = editor_api.post(
        "/api/v1/exercise-series/", {"slug": "x", "name": "A\x00B"}, format="json"
    )
    assert response.status_code == 400
    assert "name" in response.json()
    response = editor_api.post(
        "/api/v1/threats/", {"category": "cyber\x00"}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["category"] == ["Null characters are not allowed."]
    response = editor_api.post(
        "/api/v1/exercise-series/", "{not json", content_type="application/json"
    )
    assert response.status_code == 400


def test_related_records_are_written_by_slug_iso_code_or_id(editor_api):
    response = editor_api.post(
        "/api/v1/actors/",
        {"slug": "x", "name": "X", "kind": "state", "country": "ZZ"},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["country"] == ["There is no country “ZZ”."]
    response = editor_api.post(
        "/api/v1/organisations/",
        {"slug": "o", "name": "O", "type": "other", "sources": ["abc"]},
        format="json",
    )
    assert response.status_code == 400
    assert "sources" in response.json()


# Records in use, and the database's last word -------------------------------------


def test_deleting_a_record_still_in_use_answers_409(editor_api):
    country = factories.country("LT", "Lithuania")
    factories.membership(country_obj=country)
    response = editor_api.delete("/api/v1/countries/LT/", REASON, format="json")
    assert response.status_code == 409
    assert "memberships" in response.json()["detail"]
    assert Country.objects.filter(pk=country.pk).exists()


def _skip_model_checks(self, attrs):
    return attrs


@pytest.mark.parametrize(
    ("path", "data", "field"),
    [
        (
            "/api/v1/exercises/",
            {"start": "2024-06-10", "end": "2024-06-01", "end_precision": "day"},
            "end",
        ),
        ("/api/v1/threat-categories/", {"name": "CYBER ATTACK"}, "name"),
    ],
)
def test_integrity_errors_that_slip_through_still_answer_400(
    editor_api, path, data, field
):
    """Two writers racing past validate(): the database refuses the second row
    and the client gets the same field message, not a 500."""
    from tests.api.test_constraints import RESOURCES

    resource = path.split("/")[3]
    payload = RESOURCES[resource]().create_data()
    payload.update(data)
    with mock.patch.object(AtlasModelSerializer, "validate", _skip_model_checks):
        response = editor_api.post(path, payload, format="json")
    assert response.status_code == 400, response.content
    assert response.json()[field]


def test_a_refused_write_in_the_database_leaves_no_half_record(editor_api):
    lithuania = factories.country("LT", "Lithuania")
    data = {
        "slug": "pact",
        "title": "Pact",
        "type": "treaty",
        "sources": [factories.source().pk],
        "parties": [{"country": "LT", "name": "Also a name"}],
    }
    with mock.patch.object(AtlasModelSerializer, "validate", _skip_model_checks):
        response = editor_api.post("/api/v1/agreements/", data, format="json")
    assert response.status_code == 400
    assert not Agreement.objects.filter(slug="pact").exists()
    assert lithuania.agreement_parties.count() == 0


def test_an_api_write_of_targets_and_place_is_what_the_target_filter_finds(editor_api):
    # The countries an entry targets are kept on it by the database
    # (targeted_country_ids): a write through the API changes the filter's
    # answer in the same request.
    lithuania, norway = factories.country("LT"), factories.country("NO")
    entry = factories.threat(
        slug="draft", publication_status="draft", published_at=None, targets=[]
    )
    response = editor_api.patch(
        "/api/v1/threats/draft/",
        {"target_countries": ["NO"], "location_country": "LT"},
        format="json",
    )
    assert response.status_code == 200, response.json()
    stored = ThreatEntry.objects.values_list("targeted_country_ids", flat=True)
    assert stored.get(pk=entry.pk) == sorted([lithuania.pk, norway.pk])
    response = editor_api.patch(
        "/api/v1/threats/draft/",
        {"target_countries": [], "location_country": None},
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert stored.get(pk=entry.pk) == []
