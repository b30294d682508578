"""Editors and reviewers in the admin, in a real browser."""

import importlib
import re

import pytest
from django.apps import apps
from playwright.sync_api import expect

from core.models import Status
from tests import factories
from threats.models import ThreatEntry

# Transactional, because the live server reads the data from another thread.
pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "correct horse battery"


@pytest.fixture(autouse=True)
def reviewers_group(migration_data):
    """The Reviewers group, which a transactional test's flush removed."""
    groups = importlib.import_module("core.migrations.0003_reviewers_group")
    groups.set_up_groups(apps, None)


def pick(page, field, text):
    """Choose ``text`` in an admin autocomplete (select2) field."""
    page.locator(f".field-{field} .select2-selection").first.click()
    page.keyboard.type(text)
    page.locator(".select2-results__option", has_text=text).first.click()


def log_in(page, username, next_url="/admin/"):
    page.goto(f"/admin/login/?next={next_url}")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    # The page after the login, loaded with its scripts, before anything is
    # typed into it: filled while it was still loading, a date field came to
    # the server empty (seen once in a fresh clone under load).
    page.wait_for_url(f"**{next_url}")
    page.wait_for_load_state("load")


def new_page(browser, live_server):
    """A second person: a browser context with its own cookies."""
    context = browser.new_context(base_url=live_server.url)
    return context, context.new_page()


def test_a_threat_entry_from_draft_to_published_and_corrected(
    browser, live_server, page, editor, reviewer, outside_requests
):
    source = factories.source(title="Seimas press release")
    log_in(page, "edita")
    expect(page.locator("#site-name")).to_contain_text("Baltic Security Atlas")

    # The editor writes a draft.
    page.goto("/admin/threats/threatentry/add/")
    page.locator("#id_title").press_sequentially("Balloons over Vilnius airport")
    expect(page.locator("#id_slug")).to_have_value("balloons-over-vilnius-airport")
    pick(page, "category", "Hybrid operation")
    page.fill("#id_occurred_start", "2025-10-05")
    page.select_option("#id_occurred_start_precision", "day")
    pick(page, "sources", "Seimas press release")
    page.select_option("#id_severity", "2")
    page.click("input[name=_continue]")
    expect(page.locator(".messagelist")).to_contain_text("was added successfully")
    entry = ThreatEntry.objects.get(slug="balloons-over-vilnius-airport")
    assert list(entry.sources.all()) == [source]
    assert entry.publication_status == Status.DRAFT

    # Drafts are not public.
    visitor_context, visitor = new_page(browser, live_server)
    public = visitor.goto("/threats/balloons-over-vilnius-airport/")
    assert public.status == 404

    # ...until the editor submits it and another person, a reviewer, publishes it.
    panel = page.locator("#workflow")
    expect(panel).to_contain_text("draft")
    expect(panel.get_by_role("button", name="Publish")).to_have_count(0)
    panel.get_by_role("button", name="Submit for review").click()
    expect(page.locator(".messagelist")).to_contain_text("Submitted for review.")
    expect(page.locator("#workflow")).to_contain_text("in review")

    reviewer_context, reviewer_page = new_page(browser, live_server)
    log_in(reviewer_page, "rita", f"/admin/threats/threatentry/{entry.pk}/change/")
    reviewer_page.locator("#workflow").get_by_role("button", name="Publish").click()
    expect(reviewer_page.locator(".messagelist")).to_contain_text("Published.")
    expect(reviewer_page.locator("#workflow")).to_contain_text("published")
    reviewer_context.close()

    public = visitor.goto("/threats/balloons-over-vilnius-airport/")
    assert public.status == 200
    expect(visitor.locator("h1")).to_contain_text("Balloons over Vilnius airport")
    visitor_context.close()

    # Correcting a published entry needs a reason; the editor's change waits
    # for a reviewer as a revision, and the public keeps the published text.
    page.goto(f"/admin/threats/threatentry/{entry.pk}/change/")
    page.fill("#id_summary", "Balloons from Belarus closed the airport for hours.")
    page.click("input[name=_continue]")
    expect(page.locator(".errornote")).to_be_visible()
    expect(page.get_by_text("say why you change it")).to_be_visible()
    page.fill("#id_change_reason", "Added what the press release says")
    page.click("input[name=_continue]")
    expect(page.locator(".messagelist")).to_contain_text("waits for a reviewer")
    # The revision page shows the editor the old text against the new.
    expect(page.locator("body")).to_contain_text("closed the airport for hours")
    revision_url = page.url
    entry.refresh_from_db()
    assert entry.summary == ""
    visitor_context, visitor = new_page(browser, live_server)
    visitor.goto("/threats/balloons-over-vilnius-airport/")
    expect(visitor.locator("main")).not_to_contain_text("closed the airport")

    # A reviewer approves it; then the public sees it and the history keeps why.
    reviewer_context, reviewer_page = new_page(browser, live_server)
    log_in(reviewer_page, "rita", revision_url.removeprefix(live_server.url))
    reviewer_page.locator("#decision").get_by_role(
        "button", name="Approve and publish the change"
    ).click()
    expect(reviewer_page.locator(".messagelist")).to_be_visible()
    reviewer_context.close()
    visitor.goto("/threats/balloons-over-vilnius-airport/")
    expect(visitor.locator("main")).to_contain_text("closed the airport for hours")
    visitor_context.close()

    page.goto(f"/admin/threats/threatentry/{entry.pk}/history/")
    history = page.locator("#change-history")
    expect(history).to_contain_text("Added what the press release says")
    expect(history).to_contain_text("Status: published")
    expect(history).to_contain_text("rita")
    entry.refresh_from_db()
    assert entry.summary == "Balloons from Belarus closed the airport for hours."
    assert entry.publication_status == Status.PUBLISHED
    assert outside_requests == []


def test_admin_refuses_an_end_before_the_start_with_a_message(page, editor):
    factories.source()
    log_in(page, "edita", "/admin/exercises/exercise/add/")
    page.fill("#id_name", "Backwards 2031")
    page.select_option("#id_domain", "land")
    page.fill("#id_start", "2031-06-10")
    page.select_option("#id_start_precision", "day")
    page.fill("#id_end", "2031-06-01")
    page.select_option("#id_end_precision", "day")
    page.click("input[name=_save]")
    expect(page.locator(".errornote")).to_be_visible()
    expect(
        page.get_by_text(re.compile("The end cannot be before the start"))
    ).to_be_visible()
