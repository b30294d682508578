"""The data version changes with every change to what the public can read,
whichever way the change is made (workflow steps, revisions, the API, bulk
updates, the importer), and not with what the public never sees."""

import datetime

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.core.management import call_command
from django.db import connection
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from core import revisions, workflow
from core.dataversion import current_version, public_tables
from core.models import Status
from tests import factories
from tests.test_import_records import exercise_record, write
from threats.models import ThreatEntry

pytestmark = pytest.mark.django_db


def number():
    return current_version().number


def test_every_public_table_has_the_trigger_and_no_other_does():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT DISTINCT event_object_table FROM information_schema.triggers "
            "WHERE trigger_name = 'atlas_data_version'"
        )
        triggered = {row[0] for row in cursor.fetchall()}
    assert triggered == set(public_tables())
    # Many-to-many tables and the kernel's deletions are public; history,
    # sessions, tokens, revisions and the version itself are not.
    assert {"threats_threatentry_sources", "atlas_deletion"} <= triggered
    assert (
        not {
            "threats_threatentryevent",
            "django_session",
            "authtoken_token",
            "atlas_revision",
            "atlas_dataversion",
        }
        & triggered
    )


def test_publishing_and_retracting_change_it(editor, reviewer):
    entry = factories.threat_in_review(editor)
    before = number()
    workflow.publish(entry, reviewer)
    published = number()
    assert published != before
    workflow.retract(entry, reviewer, "Our only source withdrew it.")
    assert number() != published


def test_an_approved_revision_of_a_published_record_changes_it(editor, reviewer):
    entry = factories.threat()
    revision = revisions.propose_change(
        entry, entry, editor, "A better title.", {"title": "A better title"}
    )
    proposed = number()
    revisions.approve(revision, reviewer)
    assert number() != proposed
    assert ThreatEntry.objects.get(pk=entry.pk).title == "A better title"


def test_an_edit_through_the_api_changes_it(editor):
    entry = factories.threat(publication_status=Status.DRAFT, published_at=None)
    client = APIClient()
    token, _created = Token.objects.get_or_create(user=editor)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    before = number()
    response = client.patch(
        f"/api/v1/threats/{entry.slug}/", {"summary": "Reworded."}, format="json"
    )
    assert response.status_code == 200, response.content
    assert number() != before


def test_a_bulk_update_and_raw_sql_change_it():
    factories.threat()
    before = number()
    ThreatEntry.objects.update(location_name="Vilnius")
    after_update = number()
    assert after_update != before
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM threats_threatentry_target_countries")
    assert number() != after_update


def test_a_change_to_a_source_shown_on_records_changes_it():
    entry = factories.threat()
    before = number()
    source = entry.sources.get()
    source.title = "Renamed report"
    source.save()
    assert number() != before


def test_the_importer_changes_it_once(tmp_path, editor):
    factories.country("XA")
    factories.country("XB")
    before = current_version()
    call_command("import_records", write(tmp_path, [exercise_record()]), stdout=None)
    after = current_version()
    assert after.number != before.number
    assert after.changed_at >= (before.changed_at or after.changed_at)


def test_what_the_public_never_sees_leaves_it_alone(editor):
    before = number()
    session = SessionStore()
    session["seen"] = True
    session.save()
    Token.objects.get_or_create(user=editor)
    editor.last_login = timezone.now() - datetime.timedelta(days=1)
    editor.save()
    assert number() == before


def test_numbers_are_not_reused_after_a_rollback():
    from django.db import transaction

    before = number()
    with pytest.raises(RuntimeError), transaction.atomic():
        factories.country("XC")
        rolled_back = number()
        raise RuntimeError
    assert number() == before
    factories.country("XD")
    assert number() not in (before, rolled_back)
