"""Review that cannot be bypassed, through the API: an editor's change to a
published record (or to a row of one) waits for a reviewer as a revision
(202); only reviewers delete published records; a source that published
records cite cannot be deleted; reference data changes need a reason; and a
change to what a record embeds gives it a new ``updated``."""

import datetime

import pytest
from django.utils import timezone

from alliances.models import Membership, Source
from core.history import record_history
from core.models import Revision
from exercises.models import Participation
from tests import factories
from threats.models import Attribution, ThreatEntry

pytestmark = pytest.mark.django_db

WHY = {"change_reason": "The ministry's report gives a higher figure."}


# These tests are about review, not preconditions: their clients read before
# they write and send If-Match (tests/api/test_writes.py covers the 428).
@pytest.fixture
def editor_api(careful_editor_api):
    return careful_editor_api


@pytest.fixture
def reviewer_api(careful_reviewer_api):
    return careful_reviewer_api


def approve(reviewer_api, response, note=""):
    assert response.status_code == 202, response.json()
    decided = reviewer_api.post(
        f"{response['Location']}approve/", {"note": note}, format="json"
    )
    assert decided.status_code == 200, decided.json()
    assert decided.json()["status"] == "approved"
    return decided


# Changing a published record ---------------------------------------------------------


def test_an_editors_patch_to_a_published_record_waits_for_a_reviewer(
    client, anon, editor, editor_api, reviewer, reviewer_api
):
    entry = factories.threat(title="Cyber attack on the Seimas", severity=2)
    path = f"/api/v1/threats/{entry.slug}/"
    before = anon.get(path).json()

    response = editor_api.patch(path, {"severity": 4, **WHY}, format="json")

    assert response.status_code == 202, response.json()
    body = response.json()
    assert body["status"] == "pending"
    assert response["Location"] == body["url"]
    assert body["url"].endswith(f"/api/v1/revisions/{body['id']}/")
    assert body["record"]["kind"] == "threats"
    assert body["record"]["id"] == entry.pk
    assert body["author"] == "edita"
    severity = [c for c in body["changes"] if c["field"] == "severity"]
    assert severity[0]["before"].startswith("2")
    assert severity[0]["after"].startswith("4")
    # The public (the API and the page) still reads the published version.
    assert anon.get(path).json() == before
    assert ThreatEntry.objects.get(pk=entry.pk).severity == 2
    page = client.get(f"/threats/{entry.slug}/").text
    assert "Severity 2 of 5" in page
    assert "Severity 4 of 5" not in page

    approve(reviewer_api, response)

    entry.refresh_from_db()
    assert entry.severity == 4
    assert entry.publication_status == "published"
    assert entry.last_edited_by == editor  # the editor made it
    assert entry.reviewed_by == reviewer  # the reviewer reviewed it
    assert anon.get(path).json()["severity"] == 4
    last = record_history(entry)[-1]
    assert last.kind == "update"
    assert last.reason == WHY["change_reason"]
    assert last.user == reviewer
    assert last.event.pgh_context.metadata["revision"] == body["id"]
    assert "severity" in {change.name for change in last.changes}


def test_a_put_with_the_rows_of_a_record_waits_and_applies_them_together(
    anon, editor_api, reviewer_api
):
    lithuania, poland = factories.country("LT"), factories.country("PL")
    exercise = factories.exercise(participants=[lithuania], hosts=[lithuania])
    kept = Participation.objects.get(exercise=exercise)
    path = f"/api/v1/exercises/{exercise.slug}/"
    body = {
        key: value
        for key, value in editor_api.get(path).json().items()
        if key not in ("publication_status", "published_at")
    }
    body["sources"] = [source["id"] for source in body["sources"]]
    body["host_countries"] = ["LT"]
    body["participants"] = [
        {"country": "LT", "personnel": 900, "note": ""},
        {"country": "PL", "personnel": 150, "note": ""},
    ]
    body["series"] = None
    body.update(WHY)

    response = editor_api.put(path, body, format="json")

    assert response.status_code == 202, response.json()
    shown = anon.get(path).json()["participants"]
    assert [row["country"]["iso2"] for row in shown] == ["LT"]
    assert Participation.objects.filter(exercise=exercise).count() == 1

    approve(reviewer_api, response)

    rows = {p.country_id: p for p in Participation.objects.filter(exercise=exercise)}
    assert rows[lithuania.pk].pk == kept.pk  # the stored row was updated, not replaced
    assert rows[lithuania.pk].personnel == 900
    assert rows[poland.pk].personnel == 150


def test_an_editors_change_to_a_draft_is_written_straight_away(editor_api):
    entry = factories.threat(publication_status="draft", published_at=None)
    response = editor_api.patch(
        f"/api/v1/threats/{entry.slug}/", {"severity": 3}, format="json"
    )
    assert response.status_code == 200
    assert ThreatEntry.objects.get(pk=entry.pk).severity == 3
    assert not Revision.objects.exists()


def test_a_reviewers_own_change_is_written_straight_away(reviewer_api):
    entry = factories.threat(severity=2)
    response = reviewer_api.patch(
        f"/api/v1/threats/{entry.slug}/", {"severity": 3, **WHY}, format="json"
    )
    assert response.status_code == 200
    assert ThreatEntry.objects.get(pk=entry.pk).severity == 3


# Rows of a published record ------------------------------------------------------------


def test_changing_adding_and_deleting_rows_of_published_records_wait(
    anon, editor_api, reviewer_api
):
    membership = factories.membership(role="member")
    organisation = membership.organisation
    changed = editor_api.patch(
        f"/api/v1/memberships/{membership.pk}/",
        {"role": "partner", **WHY},
        format="json",
    )
    added = editor_api.post(
        "/api/v1/memberships/",
        {
            "organisation": organisation.slug,
            "country": factories.country().iso2,
            "role": "observer",
            "sources": [factories.source().pk],
            **WHY,
        },
        format="json",
    )
    attribution = factories.attribution()
    deleted = editor_api.delete(
        f"/api/v1/attributions/{attribution.pk}/", WHY, format="json"
    )

    for response in (changed, added, deleted):
        assert response.status_code == 202, response.json()
    assert Membership.objects.get(pk=membership.pk).role == "member"
    assert Membership.objects.filter(organisation=organisation).count() == 1
    assert Attribution.objects.filter(pk=attribution.pk).exists()
    assert anon.get(f"/api/v1/attributions/{attribution.pk}/").status_code == 200
    assert [r.json()["action"] for r in (changed, added, deleted)] == [
        "change",
        "add",
        "delete",
    ]

    for response in (changed, added, deleted):
        approve(reviewer_api, response)

    assert Membership.objects.get(pk=membership.pk).role == "partner"
    new = Membership.objects.get(organisation=organisation, role="observer")
    assert new.sources.count() == 1
    assert not Attribution.objects.filter(pk=attribution.pk).exists()


# Deciding ----------------------------------------------------------------------------


def test_a_rejected_revision_changes_nothing_and_says_why(editor_api, reviewer_api):
    entry = factories.threat(severity=2)
    response = editor_api.patch(
        f"/api/v1/threats/{entry.slug}/", {"severity": 5, **WHY}, format="json"
    )
    rejected = reviewer_api.post(
        f"{response['Location']}reject/", {"note": "The report says 2."}, format="json"
    )
    assert rejected.status_code == 200
    assert rejected.json()["status"] == "rejected"
    assert rejected.json()["decided_by"] == "rita"
    assert rejected.json()["decision_note"] == "The report says 2."
    assert ThreatEntry.objects.get(pk=entry.pk).severity == 2
    again = reviewer_api.post(f"{response['Location']}approve/")
    assert again.status_code == 409


def test_only_reviewers_decide_and_never_on_their_own_change(
    anon, analyst_api, editor_api, reviewer_api, reviewer
):
    entry = factories.threat(severity=2)
    response = editor_api.patch(
        f"/api/v1/threats/{entry.slug}/", {"severity": 5, **WHY}, format="json"
    )
    url = response["Location"]
    assert anon.post(f"{url}approve/").status_code == 401
    assert analyst_api.post(f"{url}approve/").status_code == 404  # not theirs to see
    assert editor_api.post(f"{url}approve/").status_code == 403
    assert editor_api.post(f"{url}reject/").status_code == 403
    Revision.objects.filter(pk=response.json()["id"]).update(author=reviewer)
    assert reviewer_api.post(f"{url}approve/").status_code == 409
    assert ThreatEntry.objects.get(pk=entry.pk).severity == 2


def test_a_revision_made_stale_by_another_change_is_refused(editor_api, reviewer_api):
    entry = factories.threat(severity=2)
    path = f"/api/v1/threats/{entry.slug}/"
    first = editor_api.patch(path, {"severity": 4, **WHY}, format="json")
    second = editor_api.patch(path, {"severity": 5, **WHY}, format="json")
    approve(reviewer_api, first)
    stale = reviewer_api.post(f"{second['Location']}approve/")
    assert stale.status_code == 409
    assert "changed since" in stale.json()["detail"]
    assert ThreatEntry.objects.get(pk=entry.pk).severity == 4


def test_editors_and_reviewers_list_revisions_and_nobody_else(
    anon, analyst_api, editor_api, reviewer_api
):
    entry = factories.threat(severity=2)
    editor_api.patch(
        f"/api/v1/threats/{entry.slug}/", {"severity": 4, **WHY}, format="json"
    )
    assert anon.get("/api/v1/revisions/").status_code == 401
    assert analyst_api.get("/api/v1/revisions/").json()["results"] == []
    for client in (editor_api, reviewer_api):
        listed = client.get("/api/v1/revisions/?status=pending&kind=threats")
        assert [row["record"]["id"] for row in listed.json()["results"]] == [entry.pk]
    assert editor_api.get("/api/v1/revisions/?status=approved").json()["results"] == []


# Deleting ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "builder", [factories.organisation, factories.agreement, factories.threat]
)
def test_only_reviewers_delete_a_published_record(
    anon, editor_api, reviewer_api, builder
):
    record = builder()
    path = f"/api/v1/{type(record).api_kind}/{record.slug}/"
    refused = editor_api.delete(path, WHY, format="json")
    assert refused.status_code == 403
    assert "reviewer" in refused.json()["detail"]
    assert type(record).objects.filter(pk=record.pk).exists()
    assert anon.get(path).status_code == 200
    assert reviewer_api.delete(path, WHY, format="json").status_code == 204
    assert not type(record).objects.filter(pk=record.pk).exists()


def test_a_source_cited_by_a_published_record_cannot_be_deleted(anon, editor_api):
    source = factories.source()
    entry = factories.threat(sources=[source])
    updated = entry.updated

    response = editor_api.delete(f"/api/v1/sources/{source.pk}/", WHY, format="json")

    assert response.status_code == 409
    assert {"kind": "threats", "id": entry.pk, "name": entry.title} in response.json()[
        "cited_by"
    ]
    assert Source.objects.filter(pk=source.pk).exists()
    entry.refresh_from_db()
    assert list(entry.sources.all()) == [source]
    assert entry.updated == updated
    public = anon.get(f"/api/v1/threats/{entry.slug}/").json()
    assert [row["id"] for row in public["sources"]] == [source.pk]


def test_a_source_cited_only_by_drafts_is_deleted_with_a_reason(editor_api):
    source = factories.source()
    draft = factories.threat(
        sources=[source], publication_status="draft", published_at=None
    )
    assert editor_api.delete(f"/api/v1/sources/{source.pk}/").status_code == 400
    deleted = editor_api.delete(f"/api/v1/sources/{source.pk}/", WHY, format="json")
    assert deleted.status_code == 204
    assert not draft.sources.exists()


# Reference data ----------------------------------------------------------------------


def test_renaming_reference_data_needs_a_reason(editor_api):
    country = factories.country("LT", "Lithuania")
    path = "/api/v1/countries/LT/"
    for body in (
        {"name": "Spring Storm (Kevadtorm)"},
        {"name": "X", "change_reason": " "},
    ):
        response = editor_api.patch(path, body, format="json")
        assert response.status_code == 400
        assert response.json()["change_reason"]
    country.refresh_from_db()
    assert country.name == "Lithuania"
    response = editor_api.patch(
        path, {"name_lt": "Lietuvos Respublika", **WHY}, format="json"
    )
    assert response.status_code == 200
    assert record_history(country)[-1].reason == WHY["change_reason"]


def test_renaming_an_actor_gives_its_threat_entries_a_new_updated(anon, editor_api):
    actor = factories.actor(name="Fancy Bear")
    entry = factories.threat()
    factories.attribution(entry=entry, actor_obj=actor)
    other = factories.threat()
    entry.refresh_from_db()
    other.refresh_from_db()
    since = timezone.now() + datetime.timedelta(microseconds=1)
    before = entry.updated, other.updated

    response = editor_api.patch(
        f"/api/v1/actors/{actor.slug}/", {"name": "APT28", **WHY}, format="json"
    )

    assert response.status_code == 200
    entry.refresh_from_db()
    other.refresh_from_db()
    assert entry.updated > before[0]
    assert other.updated == before[1]
    mirrored = anon.get("/api/v1/threats/", {"updated_since": since.isoformat()})
    rows = mirrored.json()["results"]
    assert [row["slug"] for row in rows] == [entry.slug]
    assert rows[0]["attributions"][0]["actor"]["name"] == "APT28"
    # Not a change of the entry's own content: its history says nothing new.
    assert (
        record_history(entry)[-1].kind != "update" or record_history(entry)[-1].changes
    )


@pytest.mark.parametrize(
    ("path", "change", "embedding"),
    [
        ("countries", {"name": "Lithuania (renamed)"}, "location_country"),
        ("threat-categories", {"name": "Cyber attacks (renamed)"}, "category"),
        ("sources", {"title": "A new title"}, "sources"),
    ],
)
def test_renaming_what_an_entry_embeds_gives_it_a_new_updated(
    editor_api, path, change, embedding
):
    entry = factories.threat(location_country=factories.country("LT", "Lithuania"))
    entry.refresh_from_db()
    embedded = {
        "location_country": lambda: entry.location_country.iso2,
        "category": lambda: entry.category.slug,
        "sources": lambda: entry.sources.get().pk,
    }[embedding]()
    before = entry.updated
    response = editor_api.patch(
        f"/api/v1/{path}/{embedded}/", {**change, **WHY}, format="json"
    )
    assert response.status_code == 200, response.json()
    entry.refresh_from_db()
    assert entry.updated > before
