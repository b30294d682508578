"""The editorial workflow in the admin: who may do what, why records changed,
no lost updates, possible duplicates, and records due for review."""

import datetime
import importlib
import threading

import pghistory
import pytest
from django.apps import apps
from django.contrib.admin import helpers
from django.contrib.auth.models import Group, Permission
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from alliances.models import Membership, Organisation
from core import revisions
from core.history import record_history
from core.models import Deletion, Revision, Status
from exercises.models import Exercise
from tests import factories
from threats.models import ThreatEntry

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/threats/threatentry/"
ADD = "/admin/threats/threatentry/add/"


def change_url(obj):
    opts = obj._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])


def workflow_url(obj, transition):
    opts = obj._meta
    return reverse(
        f"admin:{opts.app_label}_{opts.model_name}_workflow", args=[obj.pk, transition]
    )


def logged_in(user):
    """A browser of its own for ``user`` (two people at once need two)."""
    client = Client()
    client.force_login(user)
    return client


def messages_of(response):
    return [str(message) for message in response.context["messages"]]


def page_data(response):
    """What the browser sends back for a change page as it was loaded."""
    forms = [response.context["adminform"].form]
    data = {}
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        management = formset.management_form
        data.update(
            {
                f"{management.prefix}-{key}": value
                for key, value in management.initial.items()
            }
        )
        forms.extend(formset.forms)
    for form in forms:
        for field in form:
            value = field.value()
            if value is None or value is False:
                continue
            if value is True:
                data[field.html_name] = "on"
            elif isinstance(value, list | tuple):
                data[field.html_name] = [str(item) for item in value]
            else:
                data[field.html_name] = str(value)
    return data


def threat_form(**changes):
    data = {
        "title": "Balloons over Vilnius airport",
        "slug": "balloons-over-vilnius-airport",
        "category": factories.category("hybrid-operation").pk,
        "occurred_start": "2025-10-05",
        "occurred_start_precision": "day",
        "confidence": "high",
        "sources": [factories.source().pk],
        "attributions-TOTAL_FORMS": "0",
        "attributions-INITIAL_FORMS": "0",
    }
    data.update(changes)
    return data


def approve_pending(reviewer):
    """A reviewer approves the revisions waiting (an editor's changes to
    published records)."""
    for revision in Revision.objects.pending():
        revisions.approve(revision, reviewer)


def run_action(client, action, *records, **extra):
    data = {
        "action": action,
        "index": "0",
        helpers.ACTION_CHECKBOX_NAME: [str(record.pk) for record in records],
        **extra,
    }
    return client.post(CHANGELIST, data, follow=True)


def action_names(client):
    form = client.get(CHANGELIST).context["action_form"]
    if form is None:  # no action at all
        return set()
    return {name for name, _label in form.fields["action"].choices if name}


# Roles


def test_reviewers_group_may_publish_and_view_only():
    reviewers = Group.objects.get(name="Reviewers")
    codenames = set(reviewers.permissions.values_list("codename", flat=True))
    assert {
        "publish_organisation",
        "publish_agreement",
        "publish_exercise",
        "publish_threatentry",
    } <= codenames
    assert all(name.startswith(("publish_", "view_")) for name in codenames)


def test_a_new_record_is_a_draft_edited_by_its_author(editor_client, editor):
    response = editor_client.post(ADD, threat_form())
    assert response.status_code == 302, response.context["adminform"].form.errors
    entry = ThreatEntry.objects.get()
    assert entry.publication_status == Status.DRAFT
    assert entry.last_edited_by == editor


def test_publication_fields_cannot_be_set_through_the_form(editor_client):
    response = editor_client.post(
        ADD,
        threat_form(
            publication_status="published",
            published_at="2025-01-01 10:00",
            retraction_reason="forged",
        ),
    )
    assert response.status_code == 302
    entry = ThreatEntry.objects.get()
    assert (entry.publication_status, entry.published_at, entry.retraction_reason) == (
        Status.DRAFT,
        None,
        "",
    )


def test_editor_is_offered_submit_but_not_publish(editor_client, reviewer):
    factories.threat()
    names = action_names(editor_client)
    assert {"submit_for_review", "mark_verified"} <= names
    assert not names & {"publish", "send_back", "retract"}
    assert {"publish", "send_back", "retract"} <= action_names(logged_in(reviewer))


def test_a_staff_member_without_edit_rights_is_offered_no_workflow_action(
    django_user_model,
):
    reader = django_user_model.objects.create_user("vera", is_staff=True)
    reader.user_permissions.add(Permission.objects.get(codename="view_threatentry"))
    factories.threat()
    assert action_names(logged_in(reader)) == set()


def test_a_reader_with_view_permission_sees_status_and_history_only(
    django_user_model,
):
    reader = django_user_model.objects.create_user("vera", is_staff=True)
    reader.user_permissions.add(Permission.objects.get(codename="view_threatentry"))
    entry = factories.threat(publication_status=Status.DRAFT, published_at=None)
    client = logged_in(reader)
    page = client.get(change_url(entry)).content.decode()
    assert "Status:" in page
    assert 'name="change_reason"' not in page
    assert workflow_url(entry, "submit") not in page
    history = reverse("admin:threats_threatentry_history", args=[entry.pk])
    assert client.get(history).status_code == 200
    assert client.post(workflow_url(entry, "submit")).status_code == 403


def test_editor_submits_a_draft_for_review(editor_client, editor):
    draft = factories.threat(publication_status=Status.DRAFT, published_at=None)
    response = run_action(editor_client, "submit_for_review", draft)
    assert "1 threat entry submitted for review." in messages_of(response)
    draft.refresh_from_db()
    assert (draft.publication_status, draft.submitted_by) == (Status.REVIEW, editor)


def test_editor_cannot_publish_with_an_action(editor_client, editor):
    entry = factories.threat_in_review(editor)
    response = run_action(editor_client, "publish", entry)
    assert "No action selected." in messages_of(response)
    entry.refresh_from_db()
    assert entry.publication_status == Status.REVIEW


def test_editor_sees_no_publish_button_and_cannot_post_one(editor_client, editor):
    entry = factories.threat_in_review(editor)
    page = editor_client.get(change_url(entry)).content.decode()
    assert workflow_url(entry, "publish") not in page
    assert editor_client.post(workflow_url(entry, "publish")).status_code == 403
    entry.refresh_from_db()
    assert entry.publication_status == Status.REVIEW


def test_reviewer_publishes_what_an_editor_submitted(editor, reviewer):
    entry = factories.threat_in_review(editor)
    response = run_action(logged_in(reviewer), "publish", entry)
    assert "1 threat entry published." in messages_of(response)
    entry.refresh_from_db()
    assert entry.publication_status == Status.PUBLISHED
    assert entry.reviewed_by == reviewer
    assert entry.published_at is not None


def test_reviewer_publishes_with_the_button_on_the_change_page(editor, reviewer):
    entry = factories.threat_in_review(editor)
    client = logged_in(reviewer)
    page = client.get(change_url(entry)).content.decode()
    assert workflow_url(entry, "publish") in page
    response = client.post(workflow_url(entry, "publish"), follow=True)
    assert response.redirect_chain[-1][0] == change_url(entry)
    assert "Published." in messages_of(response)
    entry.refresh_from_db()
    assert entry.publication_status == Status.PUBLISHED


def test_the_buttons_need_a_post_with_a_csrf_token(editor, reviewer):
    entry = factories.threat_in_review(editor)
    client = Client(enforce_csrf_checks=True)
    client.force_login(reviewer)
    assert client.get(workflow_url(entry, "publish")).status_code == 405
    assert client.post(workflow_url(entry, "publish")).status_code == 403
    entry.refresh_from_db()
    assert entry.publication_status == Status.REVIEW


def test_reviewer_cannot_publish_a_record_they_submitted(editor, reviewer):
    own = factories.threat_in_review(reviewer, title="Own work")
    other = factories.threat_in_review(editor, title="Editor's work")
    response = run_action(logged_in(reviewer), "publish", own, other)
    messages = messages_of(response)
    assert "1 threat entry published." in messages
    assert (
        "“Own work” was not changed: You submitted or last edited this record: "
        "another reviewer must publish it." in messages
    )
    own.refresh_from_db()
    assert own.publication_status == Status.REVIEW


def test_reviewer_cannot_publish_a_record_they_last_edited(editor, reviewer):
    entry = factories.threat_in_review(editor)
    client = logged_in(reviewer)
    data = page_data(client.get(change_url(entry)))
    data["summary"] = "A sharper summary"
    assert client.post(change_url(entry), data).status_code == 302
    entry.refresh_from_db()
    assert entry.last_edited_by == reviewer

    page = client.get(change_url(entry)).content.decode()
    assert workflow_url(entry, "publish") not in page
    assert "another reviewer must publish it" in page
    response = client.post(workflow_url(entry, "publish"), follow=True)
    assert any("another reviewer must publish it" in m for m in messages_of(response))
    entry.refresh_from_db()
    assert entry.publication_status == Status.REVIEW


def test_editing_only_an_inline_row_counts_as_an_edit(editor, reviewer):
    entry = factories.threat_in_review(editor)
    factories.attribution(entry=entry, basis="First basis")
    client = logged_in(reviewer)
    data = page_data(client.get(change_url(entry)))
    data["attributions-0-basis"] = "Better basis"
    assert client.post(change_url(entry), data).status_code == 302
    entry.refresh_from_db()
    assert entry.last_edited_by == reviewer


def test_reviewer_sends_a_record_back_to_draft(editor, reviewer):
    entry = factories.threat_in_review(editor)
    response = run_action(logged_in(reviewer), "send_back", entry)
    assert "1 threat entry sent back to draft." in messages_of(response)
    entry.refresh_from_db()
    assert entry.publication_status == Status.DRAFT


def test_refusals_say_why(editor_client):
    published = factories.threat(title="Already out")
    response = run_action(editor_client, "submit_for_review", published)
    messages = messages_of(response)
    assert (
        "“Already out” was not changed: Only a draft can be submitted for review."
        in (messages)
    )
    assert len(messages) == 1


# Retraction


def test_retract_asks_for_a_public_reason_first(reviewer):
    entry = factories.threat(title="Misattributed outage")
    client = logged_in(reviewer)
    confirmation = run_action(client, "retract", entry)
    assert "Public reason for the retraction" in confirmation.content.decode()
    entry.refresh_from_db()
    assert entry.publication_status == Status.PUBLISHED

    empty = run_action(client, "retract", entry, post="yes", reason="  ")
    assert "This field is required." in empty.content.decode()
    entry.refresh_from_db()
    assert entry.publication_status == Status.PUBLISHED
    assert not Deletion.objects.exists()

    reason = "The outage was a technical fault, not an attack."
    done = run_action(client, "retract", entry, post="yes", reason=reason)
    assert "1 threat entry retracted." in messages_of(done)
    entry.refresh_from_db()
    assert entry.publication_status == Status.RETRACTED
    assert entry.retraction_reason == reason
    deletion = Deletion.objects.get()
    assert (deletion.object_id, deletion.retracted, deletion.reason) == (
        entry.pk,
        True,
        reason,
    )


def test_retract_from_the_change_page(reviewer):
    entry = factories.threat()
    client = logged_in(reviewer)
    url = workflow_url(entry, "retract")
    assert url in client.get(change_url(entry)).content.decode()
    assert "Public reason for the retraction" in client.get(url).content.decode()
    response = client.post(url, {"post": "yes", "reason": "Duplicate of another entry"})
    assert response.status_code == 302
    assert Deletion.objects.get(retracted=True).reason == "Duplicate of another entry"


def test_editor_cannot_open_the_retract_page(editor_client):
    entry = factories.threat()
    assert editor_client.get(workflow_url(entry, "retract")).status_code == 403


# History and the reason for a change


def test_history_of_an_admin_create_update_and_delete(editor_client, editor):
    editor_client.post(ADD, threat_form(change_reason="Seen in two press releases"))
    entry = ThreatEntry.objects.get()
    data = page_data(editor_client.get(change_url(entry)))
    data.update(title="Balloons over Vilnius airport again", change_reason="Title fix")
    assert editor_client.post(change_url(entry), data).status_code == 302
    delete_url = reverse("admin:threats_threatentry_delete", args=[entry.pk])
    assert editor_client.post(delete_url, {"post": "yes"}).status_code == 302

    history = record_history(ThreatEntry(pk=entry.pk))
    rows = [
        (e.kind, e.user.username if e.user else None, e.reason)
        for e in history
        if e.kind in ("insert", "update", "delete")
    ]
    assert rows[0] == ("insert", "edita", "Seen in two press releases")
    assert ("update", "edita", "Title fix") in rows
    assert rows[-1] == ("delete", "edita", "")
    title = next(
        c for e in history for c in e.changes if c.name == "title" and c.before
    )
    assert (title.before, title.after) == (
        "Balloons over Vilnius airport",
        "Balloons over Vilnius airport again",
    )
    assert any(e.kind == "sources.add" for e in history)


def test_history_page_shows_who_why_and_what_changed(editor_client, editor):
    entry = factories.threat(title="Old title")
    source = factories.source(title="Delfi report")
    with pghistory.context(user=editor.pk, reason="Renamed after the report"):
        entry.title = "New title"
        entry.save()
        entry.sources.add(source)
    url = reverse("admin:threats_threatentry_history", args=[entry.pk])
    page = editor_client.get(url).content.decode()
    for text in (
        "Renamed after the report",
        "edita",
        "Old title",
        "New title",
        "Added to sources",
        "Delfi report",
    ):
        assert text in page, text


def test_history_page_queries_do_not_grow_with_events(editor_client, editor):
    with pghistory.context(user=editor.pk, reason="Entered"):
        entry = factories.threat(targets=[factories.country()])
    url = reverse("admin:threats_threatentry_history", args=[entry.pk])
    with CaptureQueriesContext(connection) as few:
        assert editor_client.get(url).status_code == 200
    for n in range(4):
        with pghistory.context(user=editor.pk, reason=f"Edit {n}"):
            entry.summary = f"Summary {n}"
            entry.save()
            entry.sources.add(factories.source())
            entry.target_countries.add(factories.country())
    with CaptureQueriesContext(connection) as many:
        assert editor_client.get(url).status_code == 200
    # Session, user, the entry, the editor's own and group permissions; its
    # events, one query per tracked many-to-many table (target countries,
    # related exercises, sources, the entries it follows up), the category named
    # in the events, the users.
    assert (len(few), len(many)) == (12, 12), [
        q["sql"][:300] for q in many.captured_queries
    ]


def test_editing_a_published_record_needs_a_reason(editor_client, reviewer):
    entry = factories.threat(title="Jamming near Klaipėda")
    data = page_data(editor_client.get(change_url(entry)))
    data["title"] = "Jamming over Klaipėda"
    response = editor_client.post(change_url(entry), data)
    assert response.status_code == 200
    assert "This record is published: say why you change it." in (
        response.content.decode()
    )
    entry.refresh_from_db()
    assert entry.title == "Jamming near Klaipėda"

    data["change_reason"] = "The sources say over, not near"
    assert editor_client.post(change_url(entry), data).status_code == 302
    # A revision: written once a reviewer approves it (tests/test_admin_review.py).
    approve_pending(reviewer)
    entry.refresh_from_db()
    assert entry.title == "Jamming over Klaipėda"
    assert entry.publication_status == Status.PUBLISHED
    assert record_history(entry)[-1].reason == "The sources say over, not near"


def test_a_draft_can_be_edited_without_a_reason(editor_client):
    entry = factories.threat(publication_status=Status.DRAFT, published_at=None)
    data = page_data(editor_client.get(change_url(entry)))
    data["summary"] = "More detail"
    assert editor_client.post(change_url(entry), data).status_code == 302


def test_a_child_of_a_published_record_needs_a_reason_too(editor_client, reviewer):
    membership = factories.membership(
        organisation_obj=factories.organisation(), role="member"
    )
    url = change_url(membership)
    data = page_data(editor_client.get(url))
    data["note"] = "Observer first"
    response = editor_client.post(url, data)
    assert "This record is published: say why you change it." in (
        response.content.decode()
    )
    data["change_reason"] = "Source found"
    assert editor_client.post(url, data).status_code == 302
    approve_pending(reviewer)
    assert Membership.objects.get().note == "Observer first"


def test_deleting_a_published_record_needs_a_reason(reviewer_client, reviewer):
    # Only reviewers delete published records (tests/test_admin_review.py).
    editor_client, editor = reviewer_client, reviewer
    entry = factories.threat(title="Hoax bomb threats")
    url = reverse("admin:threats_threatentry_delete", args=[entry.pk])
    assert "Reason for deleting this published record" in (
        editor_client.get(url).content.decode()
    )
    refused = editor_client.post(url, {"post": "yes"}, follow=True)
    assert (
        "“Hoax bomb threats” is published: say why you delete it."
        in (messages_of(refused)[0])
    )
    assert ThreatEntry.objects.filter(pk=entry.pk).exists()

    editor_client.post(url, {"post": "yes", "reason": "Entered twice"})
    assert not ThreatEntry.objects.filter(pk=entry.pk).exists()
    deleted = record_history(ThreatEntry(pk=entry.pk))[-1]
    assert (deleted.kind, deleted.user, deleted.reason) == (
        "delete",
        editor,
        "Entered twice",
    )


def test_published_records_are_not_deleted_in_bulk(editor_client):
    published = factories.threat(title="Out there")
    draft = factories.threat(publication_status=Status.DRAFT, published_at=None)
    response = run_action(
        editor_client, "delete_selected", published, draft, post="yes"
    )
    assert any(
        "Published records cannot be deleted in bulk" in m and "“Out there”" in m
        for m in messages_of(response)
    )
    assert ThreatEntry.objects.count() == 2
    run_action(editor_client, "delete_selected", draft, post="yes")
    assert list(ThreatEntry.objects.all()) == [published]


# No lost updates


def test_the_second_of_two_concurrent_edits_is_refused(editor, reviewer):
    entry = factories.threat(
        publication_status=Status.DRAFT, published_at=None, summary="Original"
    )
    first, second = logged_in(editor), logged_in(reviewer)
    first_data = page_data(first.get(change_url(entry)))
    second_data = page_data(second.get(change_url(entry)))

    first_data["summary"] = "Edita's summary"
    assert first.post(change_url(entry), first_data).status_code == 302
    second_data["summary"] = "Rita's summary"
    response = second.post(change_url(entry), second_data)

    assert response.status_code == 200
    page = response.content.decode()
    assert "This record was changed by edita at" in page
    assert "your changes were not saved — reload to see them." in page
    entry.refresh_from_db()
    assert entry.summary == "Edita's summary"
    assert entry.last_edited_by == editor


@pytest.mark.django_db(transaction=True)
def test_two_saves_at_the_same_moment_cannot_both_win(django_user_model):
    """The second save waits for the first one's row lock, then sees its change."""
    for module, function in [
        ("threats.migrations.0002_threat_categories", "create_categories"),
        ("core.migrations.0003_reviewers_group", "set_up_groups"),
    ]:  # a transactional test starts after another one's flush
        getattr(importlib.import_module(module), function)(apps, None)
    editors = Group.objects.get(name="Editors")
    edita = django_user_model.objects.create_user("edita", is_staff=True)
    rasa = django_user_model.objects.create_user("rasa", is_staff=True)
    edita.groups.add(editors)
    rasa.groups.add(editors)
    entry = factories.threat(
        publication_status=Status.DRAFT, published_at=None, summary="Original"
    )
    url = change_url(entry)
    first, second = logged_in(edita), logged_in(rasa)
    first_data = page_data(first.get(url))
    second_data = page_data(second.get(url))
    responses = []

    def second_save():
        try:
            responses.append(second.post(url, {**second_data, "summary": "Rasa's"}))
        finally:
            connection.close()

    with transaction.atomic():
        # The first save is under way and holds the row...
        ThreatEntry.objects.select_for_update().get(pk=entry.pk)
        thread = threading.Thread(target=second_save)
        thread.start()
        thread.join(timeout=2)
        assert thread.is_alive(), "the second save did not wait for the first"
        assert first.post(url, {**first_data, "summary": "Edita's"}).status_code == 302
    thread.join(timeout=30)

    assert "This record was changed by edita at" in responses[0].content.decode()
    entry.refresh_from_db()
    assert entry.summary == "Edita's"


def test_an_edit_after_a_workflow_step_is_refused_too(editor, reviewer):
    entry = factories.threat_in_review(editor)
    client = logged_in(editor)
    data = page_data(client.get(change_url(entry)))
    logged_in(reviewer).post(workflow_url(entry, "publish"))
    data.update(summary="Late change", change_reason="late")
    response = client.post(change_url(entry), data)
    assert "This record was changed by rita at" in response.content.decode()
    entry.refresh_from_db()
    assert entry.summary != "Late change"


def test_a_change_made_outside_the_admin_is_not_overwritten_either(editor_client):
    entry = factories.threat(publication_status=Status.DRAFT, published_at=None)
    data = page_data(editor_client.get(change_url(entry)))
    ThreatEntry.objects.get(pk=entry.pk).save()  # a script, no user known
    response = editor_client.post(change_url(entry), {**data, "summary": "Mine"})
    assert "This record was changed by someone else at" in response.content.decode()


def test_a_damaged_form_is_refused_with_a_message(editor_client):
    entry = factories.threat(publication_status=Status.DRAFT, published_at=None)
    data = page_data(editor_client.get(change_url(entry)))
    data["loaded_updated"] = "yesterday"
    response = editor_client.post(change_url(entry), data)
    assert response.status_code == 200
    assert "The form was damaged" in response.content.decode()


def test_reference_data_is_protected_from_lost_updates_as_well(editor, reviewer):
    country = factories.country("XQ", "Old name")
    url = change_url(country)
    first, second = logged_in(editor), logged_in(reviewer)
    first_data, second_data = page_data(first.get(url)), page_data(second.get(url))
    why = {"change_reason": "Renamed"}  # reference data changes need a reason
    first.post(url, {**first_data, "name": "First name", **why})
    response = second.post(url, {**second_data, "name": "Second name", **why})
    assert "This record was changed by edita" in response.content.decode()
    country.refresh_from_db()
    assert country.name == "First name"


# Possible duplicates


@pytest.fixture
def jamming():
    return factories.threat(
        title="GPS jamming over Klaipėda",
        occurred_start=datetime.date(2025, 3, 1),
        occurred_start_precision="month",
        publication_status=Status.DRAFT,
        published_at=None,
    )


def test_possible_duplicate_is_shown_when_adding(editor_client, jamming):
    data = threat_form(
        title="gps jamming near KLAIPEDA",
        slug="gps-jamming",
        occurred_start="2025-04-10",
    )
    response = editor_client.post(ADD, data)
    assert response.status_code == 200
    page = response.content.decode()
    assert "This may be a record that already exists" in page
    assert f'href="{change_url(jamming)}"' in page
    assert "March 2025" in page
    assert "draft" in page
    assert "This is not a duplicate, save anyway" in page
    assert ThreatEntry.objects.count() == 1

    response = editor_client.post(ADD, {**data, "not_duplicate": "on"})
    assert response.status_code == 302
    assert ThreatEntry.objects.count() == 2


@pytest.mark.parametrize(
    ("title", "day"),
    [
        ("Cyber attack on Lithuanian railways", "2025-03-15"),  # another title
        ("GPS jamming over Klaipėda", "2025-06-10"),  # months apart
    ],
)
def test_no_duplicate_warning_for_a_different_record(
    editor_client, jamming, title, day
):
    factories.threat(
        title="Cyber attack on Seimas",
        occurred_start=datetime.date(2025, 3, 15),
        occurred_start_precision="day",
    )
    response = editor_client.post(
        ADD, threat_form(title=title, slug="other", occurred_start=day)
    )
    assert response.status_code == 302, response.context["adminform"].form.errors


@pytest.mark.parametrize("day", ["0001-01-05", "9999-12-20"])
def test_dates_at_the_ends_of_the_calendar_are_checked_too(editor_client, day):
    factories.threat(
        title="Balloons over Vilnius airport",
        occurred_start=datetime.date.fromisoformat(day),
        occurred_start_precision="day",
    )
    response = editor_client.post(ADD, threat_form(occurred_start=day))
    assert response.status_code == 200
    assert "This may be a record that already exists" in response.content.decode()


def test_editing_a_record_does_not_warn_about_duplicates(editor_client, jamming):
    twin = factories.threat(
        title="GPS jamming over Klaipeda",
        occurred_start=datetime.date(2025, 3, 5),
        occurred_start_precision="day",
        publication_status=Status.DRAFT,
        published_at=None,
    )
    data = page_data(editor_client.get(change_url(twin)))
    data["summary"] = "Aircraft reported loss of GPS"
    assert editor_client.post(change_url(twin), data).status_code == 302


def test_an_exercise_without_a_date_can_still_be_a_duplicate(editor_client):
    undated = factories.exercise(name="Iron Wolf 2031", start=None, start_precision="")
    source = factories.source()
    data = {
        "name": "Iron Wolf 2031",
        "slug": "iron-wolf-2031-b",
        "domain": "land",
        "start": "2031-06-10",
        "start_precision": "day",
        "confidence": "high",
        "sources": [source.pk],
        "participations-TOTAL_FORMS": "0",
        "participations-INITIAL_FORMS": "0",
        "locations-TOTAL_FORMS": "0",
        "locations-INITIAL_FORMS": "0",
    }
    url = reverse("admin:exercises_exercise_add")
    response = editor_client.post(url, data)
    assert f'href="{change_url(undated)}"' in response.content.decode()
    assert Exercise.objects.count() == 1


# Review due


def test_review_due_filter_lists_published_records_not_verified_lately(
    editor_client, settings
):
    settings.REVIEW_INTERVAL_DAYS = 365
    today = timezone.localdate()
    factories.threat(title="Never verified")
    factories.threat(title="Verified long ago", last_verified=today.replace(year=2000))
    factories.threat(title="Verified this week", last_verified=today)
    factories.threat(
        title="Unpublished draft", publication_status=Status.DRAFT, published_at=None
    )
    response = editor_client.get(CHANGELIST, {"review_due": "overdue"})
    shown = {entry.title for entry in response.context["cl"].result_list}
    assert shown == {"Never verified", "Verified long ago"}
    assert "review due" in response.content.decode()


def test_mark_verified_today(editor_client):
    entry = factories.threat()
    response = run_action(editor_client, "mark_verified", entry)
    assert "1 threat entry marked as verified today." in messages_of(response)
    entry.refresh_from_db()
    assert entry.last_verified == timezone.localdate()
    assert record_history(entry)[-1].reason == "Verified against sources"
    assert not ThreatEntry.objects.filter(pk=entry.pk).review_overdue().exists()


def test_changelists_show_status_and_last_verified(editor_client):
    organisation = factories.organisation(name="Nordic-Baltic Eight")
    organisation.last_verified = datetime.date(2026, 1, 5)
    organisation.save()
    response = editor_client.get(
        "/admin/alliances/organisation/", {"publication_status__exact": "published"}
    )
    page = response.content.decode()
    assert "Nordic-Baltic Eight" in page
    assert "column-publication_status" in page
    assert "column-last_verified" in page
    assert Organisation.objects.get().publication_status == Status.PUBLISHED
