"""History is kept by the database: every write path leaves an event with its context."""

import pghistory
import pytest
from django.db import ProgrammingError, transaction

from alliances.models import Country, Source
from core.history import public_reason, record_history
from core.models import Status
from tests import factories
from threats.models import ThreatEntry

pytestmark = pytest.mark.django_db


def events(obj):
    return list(obj.events.order_by("pgh_id"))


def test_queryset_update_is_recorded_with_actor_and_reason(editor):
    first, second = factories.threat(), factories.threat()
    with pghistory.context(user=editor.pk, reason="Severity reassessed in bulk"):
        updated = ThreatEntry.objects.filter(pk__in=[first.pk, second.pk]).update(
            severity=3
        )
    assert updated == 2
    for entry in (first, second):
        last = record_history(entry)[-1]
        assert last.kind == "update"
        assert last.user == editor
        assert last.reason == "Severity reassessed in bulk"
        assert [(c.name, c.before, c.after) for c in last.changes] == [
            ("severity", "", "3 – significant")
        ] or [c.name for c in last.changes] == ["severity"]


def test_bulk_create_and_delete_are_recorded(editor):
    with pghistory.context(user=editor.pk, reason="Loaded a batch"):
        Country.objects.bulk_create(
            [Country(iso2="XQ", name="Qland"), Country(iso2="XW", name="Wland")]
        )
    qland = Country.objects.get(iso2="XQ")
    assert [e.pgh_label for e in events(qland)] == ["insert"]
    with pghistory.context(user=editor.pk, reason="Test rows"):
        Country.objects.filter(iso2__in=["XQ", "XW"]).delete()
    deleted = (
        Country._meta.get_field("events")
        .related_model.objects.filter(pgh_obj_id=qland.pk)
        .last()
    )
    assert deleted.pgh_label == "delete"
    assert deleted.pgh_context.metadata == {"user": editor.pk, "reason": "Test rows"}


def test_a_change_without_any_context_is_still_recorded():
    """A raw UPDATE from a shell still leaves a trace, only without who and why."""
    entry = factories.threat()
    ThreatEntry.objects.filter(pk=entry.pk).update(title="Renamed outside the app")
    last = record_history(entry)[-1]
    assert last.kind == "update"
    assert last.user is None
    assert last.reason == ""
    assert [c.after for c in last.changes if c.name == "title"] == [
        "Renamed outside the app"
    ]


def test_changes_show_before_and_after_in_words(editor):
    entry = factories.threat(title="Old title")
    cyber = factories.category("cyber-attack")
    with pghistory.context(user=editor.pk, reason="Corrected the title"):
        entry.title = "New title"
        entry.category = cyber
        entry.save()
    last = record_history(entry)[-1]
    changes = {c.name: (c.before, c.after) for c in last.changes}
    assert changes["title"] == ("Old title", "New title")
    assert "updated" not in changes
    assert last.reason == "Corrected the title"


def test_source_changes_are_part_of_a_records_history(editor):
    entry = factories.threat()
    added = factories.source(title="Ministry statement")
    with pghistory.context(user=editor.pk, reason="Added the ministry's statement"):
        entry.sources.add(added)
    last = record_history(entry)[-1]
    assert last.kind == "sources.add"
    assert last.reason == "Added the ministry's statement"
    assert [c.after for c in last.changes] == [str(added)]
    with pghistory.context(user=editor.pk, reason="Wrong article"):
        entry.sources.remove(added)
    assert record_history(entry)[-1].kind == "sources.remove"


def test_the_public_log_starts_at_publication_and_hides_internal_fields(
    editor, reviewer
):
    entry = factories.threat(publication_status=Status.DRAFT, published_at=None)
    with pghistory.context(user=editor.pk, reason="Draft polish"):
        entry.notes = "Call the ministry before publishing"
        entry.save()
    assert record_history(entry, public=True) == []

    with pghistory.context(user=reviewer.pk, reason="Reviewed and published"):
        ThreatEntry.objects.filter(pk=entry.pk).update(
            publication_status=Status.PUBLISHED, published_at=entry.created
        )
    with pghistory.context(user=editor.pk, reason="Casualty figure corrected"):
        entry.refresh_from_db()
        entry.summary = "Corrected summary"
        entry.notes = "Internal: second source pending"
        entry.save()

    public = record_history(entry, public=True)
    assert [e.reason for e in public] == [
        "Reviewed and published",
        "Casualty figure corrected",
    ]
    assert all(e.user is None for e in public)
    names = {c.name for e in public for c in e.changes}
    assert "summary" in names
    assert "notes" not in names
    # The full history, for editors, has everything.
    assert [e.kind for e in record_history(entry)] == [
        "insert",
        "sources.add",
        "update",  # the ratings its source gives it (refresh_assessment)
        "update",
        "update",
        "update",
    ]


@pytest.mark.parametrize(
    ("recorded", "shown"),
    [
        # What import_records wrote before it wrote plain reasons.
        ("import_records fixtures/", "Imported from the Atlas's verified facts"),
        (
            "import_records fixtures/threats.yaml fixtures/exercises.yaml",
            "Imported from the Atlas's verified facts",
        ),
        (
            "import_records /home/rasa/exports/2026-11/threats.yaml",
            "Imported from a data file",
        ),
        (
            ".venv/bin/python manage.py import_records ../data/x.csv",
            "Imported from a data file",
        ),
        # What people wrote stays as they wrote it, addresses included.
        (
            "Corrected from https://kam.lt/lt/naujienos/2026/11/x.csv",
            "Corrected from https://kam.lt/lt/naujienos/2026/11/x.csv",
        ),
        ("Figures for 2024/25 corrected", "Figures for 2024/25 corrected"),
    ],
)
def test_the_public_sees_reasons_not_command_lines(recorded, shown):
    assert public_reason({"reason": recorded}) == shown


def test_a_reason_an_import_was_given_with_a_path_is_shown_plainly():
    metadata = {
        "reason": "Loaded /srv/atlas/incoming/x.yaml",
        "command": "import_records",
    }
    assert public_reason(metadata) == "Imported from a data file"


def test_the_public_change_log_words_old_import_reasons_plainly(client, editor):
    entry = factories.threat(slug="old-import", summary="First words")
    path = "/home/rasa/projektai/atlas/exports/2026-11-24/threats.yaml"
    with pghistory.context(reason=f"import_records {path}", command="import_records"):
        entry.summary = "Second words"
        entry.save()

    page = client.get("/threats/old-import/").content.decode()
    assert "Imported from a data file" in page
    assert "import_records" not in page
    assert path not in page
    api = client.get("/api/v1/threats/old-import/history/").content.decode()
    assert "Imported from a data file" in api
    assert path not in api
    # Editors still see exactly what was recorded.
    assert record_history(entry)[-1].reason == f"import_records {path}"

    client.cookies["django_language"] = "lt"
    page = client.get("/threats/old-import/", HTTP_ACCEPT_LANGUAGE="lt").content
    assert "Importuota iš duomenų failo" in page.decode()


def test_history_cannot_be_rewritten():
    entry = factories.threat()
    event = entry.events.first()
    with (
        pytest.raises(ProgrammingError, match="Cannot update or delete"),
        transaction.atomic(),
    ):
        type(event).objects.filter(pk=event.pk).update(title="Forged")
    with (
        pytest.raises(ProgrammingError, match="Cannot update or delete"),
        transaction.atomic(),
    ):
        type(event).objects.filter(pk=event.pk).delete()


def test_reading_history_takes_the_same_queries_for_few_and_many_events(
    django_assert_num_queries, editor
):
    entry = factories.threat()
    source = Source.objects.first()

    def edit(times):
        for n in range(times):
            with pghistory.context(user=editor.pk, reason=f"Edit {n}"):
                entry.title = f"Title {n}"
                entry.save()
                entry.sources.remove(source)
                entry.sources.add(source)

    edit(1)
    # events, one per many-to-many table (4: targets, follow-ups, related
    # exercises, sources), labels for the category, location country and
    # coordinates source, users
    with django_assert_num_queries(7) as few:
        record_history(entry)
    edit(5)
    with django_assert_num_queries(len(few.captured_queries)):
        record_history(entry)
