"""``GET /api/v1/<resource>/<id>/history/`` and what API writes leave in the
history: the token's user (pghistory's middleware sees DRF's authentication)
and the ``change_reason``."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from core.history import record_history
from tests import factories
from tests.queries import VERSION_LOOKUP
from threats.models import ThreatEntry

pytestmark = pytest.mark.django_db


def events_of(record):
    """The pghistory rows of a record, oldest first, with their context."""
    model = type(record)._meta.get_field("events").related_model
    return list(
        model.objects.filter(pgh_obj_id=record.pk)
        .select_related("pgh_context")
        .order_by("pgh_id")
    )


def test_an_api_create_and_update_record_the_token_user_and_reason(editor_api, editor):
    created = editor_api.post(
        "/api/v1/threats/",
        {
            "slug": "new",
            "title": "New",
            "category": "cyber-attack",
            "occurred_start": "2025-10-01",
            "occurred_start_precision": "month",
            "sources": [factories.source().pk],
            "change_reason": "Reported by LRT today.",
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    entry = ThreatEntry.objects.get(slug="new")
    editor_api.patch(
        "/api/v1/threats/new/",
        {"severity": 3, "change_reason": "Rated by the desk."},
        format="json",
    )
    # (between them, the ratings derived from the sources: an update of their own)
    insert, *_, update = events_of(entry)
    assert (insert.pgh_label, update.pgh_label) == ("insert", "update")
    assert insert.pgh_context.metadata["user"] == editor.pk
    assert insert.pgh_context.metadata["reason"] == "Reported by LRT today."
    assert insert.pgh_context.metadata["url"] == "/api/v1/threats/"
    assert update.pgh_context.metadata["user"] == editor.pk
    assert update.pgh_context.metadata["reason"] == "Rated by the desk."
    assert update.severity == 3
    assert update.last_edited_by_id == editor.pk

    [*_, last] = record_history(entry)
    assert (last.user, last.reason) == (editor, "Rated by the desk.")
    assert [change.name for change in last.changes] == ["severity"]


def test_a_deletion_keeps_its_reason(reviewer_api, reviewer):
    # Only reviewers delete a published record.
    entry = factories.threat(slug="gone")
    response = reviewer_api.delete(
        "/api/v1/threats/gone/?change_reason=A+duplicate.",
        HTTP_IF_MATCH=reviewer_api.get("/api/v1/threats/gone/")["ETag"],
    )
    assert response.status_code == 204
    *_, deleted = events_of(entry)
    assert deleted.pgh_label == "delete"
    assert deleted.pgh_context.metadata["reason"] == "A duplicate."
    assert deleted.pgh_context.metadata["user"] == reviewer.pk


def test_the_history_lists_changes_oldest_first(editor_api):
    old, new = factories.source(), factories.source(title="Second report")
    # A draft: the editor's change is written at once.
    entry = factories.threat(
        slug="told", sources=[old], publication_status="draft", published_at=None
    )
    editor_api.patch(
        "/api/v1/threats/told/",
        {"sources": [old.pk, new.pk], "title": "Told twice", "change_reason": "More"},
        format="json",
        HTTP_IF_MATCH=editor_api.get("/api/v1/threats/told/")["ETag"],
    )
    events = editor_api.get("/api/v1/threats/told/history/").json()
    # An update follows each change of sources: the ratings derived from them.
    assert [event["action"] for event in events] == [
        "insert",
        "sources.add",
        "update",
        "update",
        "sources.add",
    ]
    assert len({event["id"] for event in events}) == len(events)
    assert [event["at"] for event in events] == sorted(event["at"] for event in events)
    update = next(
        event
        for event in events
        if event["action"] == "update"
        and any(change["field"] == "title" for change in event["changes"])
    )
    assert update["user"] == "edita"
    assert {"field": "title", "before": entry.title, "after": "Told twice"} in update[
        "changes"
    ]
    assert events[4]["changes"] == [
        {"field": "sources", "before": "", "after": str(new)}
    ]
    assert set(events[0]) == {"id", "at", "action", "reason", "changes", "user"}


def test_the_public_log_hides_names_notes_and_drafts(editor_api, reviewer, anon):
    entry = factories.threat(
        slug="later", publication_status="draft", published_at=None, notes="Doubtful"
    )
    editor_api.patch(
        "/api/v1/threats/later/",
        {"title": "Still a draft", "change_reason": "Typo"},
        format="json",
    )
    assert anon.get("/api/v1/threats/later/history/").status_code == 404
    editor_api.post("/api/v1/threats/later/submit/", {}, format="json")
    reviewing = APIClient()
    reviewing.force_login(reviewer)
    reviewing.post("/api/v1/threats/later/publish/", {"reason": "OK"}, format="json")
    pending = editor_api.patch(
        "/api/v1/threats/later/",
        {"severity": 4, "change_reason": "Assessed"},
        format="json",
        HTTP_IF_MATCH=editor_api.get("/api/v1/threats/later/")["ETag"],
    )
    # Published: the change waits for a reviewer, who approves it.
    reviewing.post(f"{pending['Location']}approve/", {}, format="json")

    public = anon.get("/api/v1/threats/later/history/").json()
    assert [event["reason"] for event in public] == ["OK", "Assessed"]
    for event in public:
        assert "user" not in event
        fields = {change["field"] for change in event["changes"]}
        assert not fields & {"notes", "last_edited_by", "reviewed_by"}
    full = editor_api.get("/api/v1/threats/later/history/").json()
    assert [event["reason"] for event in full][-2:] == ["OK", "Assessed"]
    assert len(full) > len(public)
    assert {"edita", "rita"} <= {event["user"] for event in full}
    assert entry.notes == "Doubtful"


def test_reference_records_have_a_public_history(anon, editor_api):
    factories.country("LT", "Lithuania")
    editor_api.patch(
        "/api/v1/countries/LT/",
        {"name_lt": "Lietuva", "change_reason": "Lithuanian name"},
        format="json",
    )
    events = anon.get("/api/v1/countries/LT/history/").json()
    assert events[-1]["changes"] == [
        {"field": "name_lt", "before": "", "after": "Lietuva"}
    ]
    assert "user" not in events[-1]
    assert anon.get("/api/v1/countries/QQ/history/").status_code == 404
    assert anon.get("/api/v1/countries/LT/history/?format=csv").status_code == 404


def _history_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, response.content
    return len(queries), [query["sql"] for query in queries]


def _edit(client, times):
    for n in range(times):
        response = client.patch(
            "/api/v1/threats/busy/",
            {"severity": 1 + n % 5, "change_reason": f"Edit {n}"},
            format="json",
            HTTP_IF_MATCH=client.get("/api/v1/threats/busy/")["ETag"],
        )
        assert response.status_code == 200, response.content
    entry = ThreatEntry.objects.get(slug="busy")
    entry.sources.add(factories.source())


# The record (1); its events with their context (1); the events of each of its
# many-to-many tables: sources, target countries, related exercises, the entries
# it follows up (4); the
# labels of the foreign keys the events name: category, location country (2).
# Editors add their token (1), their permissions (2: user and group
# permissions), the labels of the internal last_edited_by column (1) and the
# users who made the changes (1).
# Anonymous readers: the data-version lookup of the HTTP cache (1) first.
PUBLIC_HISTORY_QUERIES = 8 + VERSION_LOOKUP
FULL_HISTORY_QUERIES = 13


def test_history_queries_do_not_grow_with_events(anon, editor_api, reviewer_api):
    lithuania = factories.country("LT", "Lithuania")
    factories.threat(slug="busy", location_country=lithuania, targets=[lithuania])
    url = "/api/v1/threats/busy/history/"
    # A reviewer's edits of a published record are written at once.
    _edit(reviewer_api, 1)
    few_public, _ = _history_queries(anon, url)
    few_full, _ = _history_queries(editor_api, url)
    _edit(reviewer_api, 6)
    many_public, sql = _history_queries(anon, url)
    assert few_public == many_public == PUBLIC_HISTORY_QUERIES, sql
    many_full, sql = _history_queries(editor_api, url)
    assert few_full == many_full == FULL_HISTORY_QUERIES, "\n".join(sql)
    assert len(editor_api.get(url).json()) > 10
