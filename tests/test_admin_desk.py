"""The editors' desk on the admin home: the review queue and "my drafts";
the change lists' columns; date-only fields without the time-zone note."""

import datetime
import re

import pytest
from django.utils import timezone

from core.models import Status
from tests import factories

pytestmark = pytest.mark.django_db


def desk_section(page, section_id):
    match = re.search(rf'<section[^>]*id="{section_id}".*?</section>', page, re.S)
    assert match, f"no #{section_id} on the admin home"
    return match.group(0)


def test_the_review_queue_lists_records_in_review_oldest_first(
    reviewer_client, editor, django_assert_max_num_queries
):
    now = timezone.now()
    factories.threat_in_review(
        editor, title="Submitted yesterday", submitted_at=now - datetime.timedelta(1)
    )
    old = factories.threat_in_review(
        editor,
        title="Submitted a week ago",
        submitted_at=now - datetime.timedelta(7),
    )
    factories.exercise(
        name="Exercise waiting three days",
        publication_status=Status.REVIEW,
        published_at=None,
        submitted_by=editor,
        submitted_at=now - datetime.timedelta(3),
    )
    factories.threat(title="Already published")
    factories.threat(title="Still a draft", publication_status=Status.DRAFT)

    with django_assert_max_num_queries(30):
        response = reviewer_client.get("/admin/")
    queue = desk_section(response.content.decode(), "review-queue")

    assert "Review queue: 3 waiting for a review" in queue
    titles = re.findall(r'class="desk-title" title="([^"]+)"', queue)
    assert titles == [
        "Submitted a week ago",
        "Exercise waiting three days",
        "Submitted yesterday",
    ]
    # Who submitted, when, and a link to the record's change page.
    assert queue.count(">edita<") == 3
    assert f'href="/admin/threats/threatentry/{old.pk}/change/"' in queue
    assert "waiting 7 days" in queue


def test_changes_proposed_to_published_records_wait_in_the_queue(
    reviewer_client, editor
):
    from core.revisions import propose_change

    published = factories.threat(title="Published and corrected")
    revision = propose_change(
        published, published, editor, "A better summary.", {"summary": "Corrected."}
    )
    factories.threat_in_review(editor, title="A record in review")
    queue = desk_section(
        reviewer_client.get("/admin/").content.decode(), "review-queue"
    )
    assert "Review queue: 2 waiting for a review" in queue
    # The proposed change came first: it is the older.
    titles = re.findall(r'class="desk-title" title="([^"]+)"', queue)
    assert titles == ["Published and corrected", "A record in review"]
    assert f'href="/admin/atlas/revision/{revision.pk}/change/"' in queue
    assert "Change proposed to a published record" in queue


def test_my_drafts_are_the_editors_own(editor_client, editor, reviewer):
    factories.threat(
        title="My draft", publication_status=Status.DRAFT, last_edited_by=editor
    )
    factories.organisation(
        name="Someone else's draft",
        publication_status=Status.DRAFT,
        last_edited_by=reviewer,
    )
    page = editor_client.get("/admin/").content.decode()
    drafts = desk_section(page, "my-drafts")
    assert "My drafts: 1" in drafts
    assert "My draft" in drafts
    assert "Someone else" not in drafts
    assert "Nothing waits for a review." in desk_section(page, "review-queue")


def test_the_desk_speaks_lithuanian(editor_client, editor):
    factories.threat_in_review(editor, title="Laukia")
    editor_client.cookies["django_language"] = "lt"
    page = editor_client.get("/admin/", HTTP_ACCEPT_LANGUAGE="lt").content.decode()
    queue = desk_section(page, "review-queue")
    assert "Peržiūros eilė" in queue
    assert "laukia 0 dienų" in queue
    assert "Mano juodraščiai" in desk_section(page, "my-drafts")


def test_long_titles_are_cut_with_the_whole_title_on_hover(editor_client):
    long_title = "A very long incident title " * 6
    factories.threat(title=long_title.strip())
    page = editor_client.get("/admin/threats/threatentry/").content.decode()
    cell = re.search(r'<span title="(A very long[^"]+)">([^<]+)</span>', page)
    assert cell and cell.group(1) == long_title.strip()
    assert len(cell.group(2)) <= 60 and cell.group(2).endswith("…")
    # Fewer columns: the place and the Admiralty code are on the record's page.
    headers = re.findall(r'<th scope="col" class="([^"]*column-[^" ]+)', page)
    columns = [re.search(r"column-(\S+)", h).group(1) for h in headers]
    assert (
        columns
        == [
            "action-checkbox",
            "title_short",
            "category",
            "occurred_display",
            "severity_short",
            "publication_status",
            "last_verified",
            "updated",
        ][1 if "action-checkbox" not in columns else 0 :]
    )
