"""Review that cannot be bypassed, in the admin: an editor's change to a
published record (its inlines included) becomes a revision that a reviewer
approves or rejects on its page; only reviewers delete published records; a
source that published records cite is not deleted; reference data changes need
a reason."""

import pytest
from django.contrib.admin import helpers
from django.urls import reverse

from alliances.models import Country, Membership, Source
from core.history import record_history
from core.models import Revision
from exercises.models import Participation
from tests import factories
from tests.test_admin_workflow import change_url, logged_in, messages_of, page_data
from tests.test_import_export import THREATS, csv_file, threat_row, upload
from threats.models import ThreatEntry

pytestmark = pytest.mark.django_db

WHY = "The ministry corrected its statement"


def revision_url(revision):
    return reverse("admin:atlas_revision_change", args=[revision.pk])


def decide(client, revision, decision, note=""):
    return client.post(
        reverse("admin:atlas_revision_decide", args=[revision.pk]),
        {"decision": decision, "note": note},
        follow=True,
    )


def test_an_editors_change_to_a_published_record_waits_for_a_reviewer(
    client, editor, reviewer
):
    entry = factories.threat(title="Jamming near Klaipėda")
    editor_browser = logged_in(editor)
    data = page_data(editor_browser.get(change_url(entry)))
    data["title"] = "Jamming over Klaipėda"
    data["change_reason"] = WHY

    response = editor_browser.post(change_url(entry), data, follow=True)

    revision = Revision.objects.get()
    assert response.redirect_chain[-1][0] == revision_url(revision)
    assert any("waits for a reviewer" in m for m in messages_of(response))
    page = response.content.decode()
    # The editor reads old against new.
    assert "Jamming near Klaipėda" in page
    assert "Jamming over Klaipėda" in page
    assert "Approve and publish the change" not in page  # not theirs to decide
    entry.refresh_from_db()
    assert entry.title == "Jamming near Klaipėda"
    assert "Jamming near Klaipėda" in client.get(f"/threats/{entry.slug}/").text

    reviewer_browser = logged_in(reviewer)
    assert "Approve and publish the change" in (
        reviewer_browser.get(revision_url(revision)).content.decode()
    )
    decided = decide(reviewer_browser, revision, "approve")

    assert any("approved" in m for m in messages_of(decided))
    entry.refresh_from_db()
    assert entry.title == "Jamming over Klaipėda"
    assert entry.publication_status == "published"
    last = record_history(entry)[-1]
    assert (last.user, last.reason) == (reviewer, WHY)
    assert "Jamming over Klaipėda" in client.get(f"/threats/{entry.slug}/").text


def test_a_change_to_an_inline_row_waits_with_its_record(editor, reviewer):
    lithuania = factories.country("LT", "Lithuania")
    exercise = factories.exercise(participants=[lithuania])
    browser = logged_in(editor)
    data = page_data(browser.get(change_url(exercise)))
    data["participations-0-personnel"] = "1200"
    data["change_reason"] = WHY

    browser.post(change_url(exercise), data)

    assert Participation.objects.get(exercise=exercise).personnel is None
    revision = Revision.objects.get()
    assert "1200" in browser.get(revision_url(revision)).content.decode()
    decide(logged_in(reviewer), revision, "approve")
    assert Participation.objects.get(exercise=exercise).personnel == 1200


def test_a_rejected_change_is_never_written(editor, reviewer):
    entry = factories.threat(title="Jamming near Klaipėda")
    browser = logged_in(editor)
    data = page_data(browser.get(change_url(entry)))
    data.update(title="Something else", change_reason=WHY)
    browser.post(change_url(entry), data)
    revision = Revision.objects.get()

    decide(logged_in(reviewer), revision, "reject", note="Not what the source says")

    revision.refresh_from_db()
    assert revision.status == "rejected"
    assert revision.decision_note == "Not what the source says"
    assert ThreatEntry.objects.get(pk=entry.pk).title == "Jamming near Klaipėda"


def test_an_editor_cannot_approve_from_the_changelist_or_the_page(editor):
    entry = factories.threat(severity=2)
    browser = logged_in(editor)
    data = page_data(browser.get(change_url(entry)))
    data.update(severity="5", change_reason=WHY)
    browser.post(change_url(entry), data)
    revision = Revision.objects.get()

    decided = decide(browser, revision, "approve")
    assert any("not decided" in m for m in messages_of(decided))
    browser.post(
        "/admin/atlas/revision/",
        {
            "action": "approve_selected",
            "index": "0",
            helpers.ACTION_CHECKBOX_NAME: [str(revision.pk)],
        },
    )
    assert ThreatEntry.objects.get(pk=entry.pk).severity == 2
    assert Revision.objects.get().status == "pending"


def test_a_reviewer_approves_from_the_changelist(editor, reviewer):
    membership = factories.membership(role="member")
    browser = logged_in(editor)
    data = page_data(browser.get(change_url(membership)))
    data.update(role="partner", change_reason=WHY)
    browser.post(change_url(membership), data)
    revision = Revision.objects.get()
    assert revision.action == "change"

    logged_in(reviewer).post(
        "/admin/atlas/revision/",
        {
            "action": "approve_selected",
            "index": "0",
            helpers.ACTION_CHECKBOX_NAME: [str(revision.pk)],
        },
    )

    assert Membership.objects.get(pk=membership.pk).role == "partner"
    assert Revision.objects.get().status == "approved"


def test_deleting_a_row_of_a_published_record_waits_for_a_reviewer(editor, reviewer):
    membership = factories.membership()
    url = reverse("admin:alliances_membership_delete", args=[membership.pk])
    browser = logged_in(editor)
    assert "waits for a reviewer" in browser.get(url).content.decode()
    browser.post(url, {"post": "yes", "reason": "Entered twice"})
    assert Membership.objects.filter(pk=membership.pk).exists()
    revision = Revision.objects.get()
    assert revision.action == "delete"
    decide(logged_in(reviewer), revision, "approve")
    assert not Membership.objects.filter(pk=membership.pk).exists()


# Deleting --------------------------------------------------------------------------


def test_only_reviewers_delete_a_published_record(editor, reviewer):
    entry = factories.threat()
    url = reverse("admin:threats_threatentry_delete", args=[entry.pk])
    browser = logged_in(editor)
    assert browser.get(url).status_code == 403
    assert (
        browser.post(url, {"post": "yes", "reason": "Entered twice"}).status_code == 403
    )
    assert ThreatEntry.objects.filter(pk=entry.pk).exists()

    logged_in(reviewer).post(url, {"post": "yes", "reason": "Entered twice"})
    assert not ThreatEntry.objects.filter(pk=entry.pk).exists()


def test_a_source_cited_by_a_published_record_is_not_deleted(editor_client):
    source = factories.source()
    entry = factories.threat(title="Balloons over Vilnius", sources=[source])
    url = reverse("admin:alliances_source_delete", args=[source.pk])

    for response in (
        editor_client.get(url, follow=True),
        editor_client.post(url, {"post": "yes", "reason": "Dead link"}, follow=True),
    ):
        message = messages_of(response)[0]
        assert "cannot be deleted" in message
        assert "“Balloons over Vilnius”" in message
    bulk = editor_client.post(
        "/admin/alliances/source/",
        {
            "action": "delete_selected",
            "index": "0",
            "post": "yes",
            helpers.ACTION_CHECKBOX_NAME: [str(source.pk)],
        },
        follow=True,
    )
    assert any("Nothing was deleted" in m for m in messages_of(bulk))
    assert Source.objects.filter(pk=source.pk).exists()
    assert list(entry.sources.all()) == [source]


# Reference data ------------------------------------------------------------------------


def test_changing_reference_data_needs_a_reason(editor_client, editor):
    country = factories.country("LT", "Lithuania")
    data = page_data(editor_client.get(change_url(country)))
    data["name"] = "Spring Storm (Kevadtorm)"
    response = editor_client.post(change_url(country), data)
    assert response.status_code == 200
    assert "say why you change it" in response.content.decode()
    assert Country.objects.get(pk=country.pk).name == "Lithuania"

    data.update(name="Lithuania", name_lt="Lietuvos Respublika", change_reason=WHY)
    assert editor_client.post(change_url(country), data).status_code == 302
    last = record_history(country)[-1]
    assert (last.user, last.reason) == (editor, WHY)


def test_an_import_cannot_change_a_published_record(editor_client):
    """An import writes at once: for a published record it would bypass review."""
    report = factories.source(url="https://nksc.example.lt/report-2024")
    entry = factories.threat(
        slug="ddos-on-ministries", title="DDoS on ministry websites", sources=[report]
    )
    rows = [
        threat_row(
            title="Changed by an import",
            location_country="",
            target_countries="",
        )
    ]
    preview = upload(editor_client, THREATS, ThreatEntry, csv_file(rows), "threats.csv")
    assert "an import cannot change it" in preview.content.decode()
    entry.refresh_from_db()
    assert entry.title == "DDoS on ministry websites"
