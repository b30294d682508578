"""The editors' desk and the change lists in a real browser: the review queue
on the admin home, every column of a change list in view at 1280 pixels, and no
time-zone note under a date-only field."""

import datetime
import importlib

import pytest
from django.apps import apps
from django.utils import timezone

from core.models import Status
from tests import factories
from tests.browser.axe import serious_violations

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "correct horse battery"


@pytest.fixture(autouse=True)
def reviewers_group(migration_data):
    groups = importlib.import_module("core.migrations.0003_reviewers_group")
    groups.set_up_groups(apps, None)


def open_as(browser, live_server, username, width, language="en", **options):
    context = browser.new_context(
        base_url=live_server.url,
        viewport={"width": width, "height": 900},
        **options,
    )
    context.add_cookies(
        [{"name": "django_language", "value": language, "url": live_server.url}]
    )
    page = context.new_page()
    page.goto("/admin/login/?next=/admin/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url("**/admin/")
    page.wait_for_load_state("load")
    return context, page


@pytest.mark.parametrize("language", ["en", "lt"])
@pytest.mark.parametrize("width", [1280, 390])
def test_the_review_queue_on_the_admin_home(
    browser, live_server, editor, reviewer, width, language
):
    now = timezone.now()
    factories.threat_in_review(editor, title="Submitted this morning", submitted_at=now)
    oldest = factories.threat_in_review(
        editor,
        title="Waiting the longest " + "with a long title " * 5,
        submitted_at=now - datetime.timedelta(days=12),
    )
    factories.threat(
        title="A draft of Rita's",
        publication_status=Status.DRAFT,
        last_edited_by=reviewer,
    )
    context, page = open_as(browser, live_server, "rita", width, language)
    try:
        links = page.locator("#review-queue a.desk-title")
        assert links.count() == 2
        # Oldest first; the whole title on hover.
        assert links.first.get_attribute("title") == oldest.title
        assert "edita" in page.locator("#review-queue tbody tr").first.inner_text()
        assert page.locator("#my-drafts a.desk-title").count() == 1
        seen = page.evaluate(
            "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
        )
        assert seen[0] <= seen[1], f"the admin home is {seen[0]}px wide"
        assert serious_violations(page) == []
        links.first.click()
        page.wait_for_url(f"**/admin/threats/threatentry/{oldest.pk}/change/")
    finally:
        context.close()


@pytest.mark.parametrize("language", ["en", "lt"])
def test_every_column_of_the_record_lists_is_in_view_at_1280(
    browser, live_server, editor, language
):
    category = factories.category()
    for n in range(3):
        factories.threat(
            title=f"Incident {n} " + "with an unusually long title " * 8,
            category=category,
            last_verified=datetime.date(2026, 1, 5),
        )
        factories.exercise(name=f"Exercise {n} " + "long name " * 12)
        factories.organisation(name=f"Organisation {n} " + "long name " * 12)
        factories.agreement(title=f"Agreement {n} " + "long title " * 12)
    context, page = open_as(browser, live_server, "edita", 1280, language)
    try:
        for path in (
            "/admin/threats/threatentry/",
            "/admin/exercises/exercise/",
            "/admin/alliances/organisation/",
            "/admin/alliances/agreement/",
        ):
            page.goto(path)
            cut = page.evaluate(
                """() => {
                  const box = document.querySelector("#changelist .results")
                    .getBoundingClientRect();
                  return [...document.querySelectorAll("#result_list thead th")]
                    .filter((th) => th.getBoundingClientRect().right > box.right + 1)
                    .map((th) => th.innerText.trim());
                }"""
            )
            assert cut == [], f"{path}: columns cut off at 1280px: {cut}"
            assert page.locator("#result_list tbody tr").count() == 3
            assert serious_violations(page) == [], path
    finally:
        context.close()


def test_no_time_zone_note_under_a_date_only_field(browser, live_server, editor):
    # A browser far from the server's time zone (Europe/Vilnius): Django's
    # admin notes the difference under fields where a time is typed.
    context, page = open_as(
        browser, live_server, "edita", 1280, timezone_id="America/New_York"
    )
    try:
        page.goto("/admin/exercises/exercise/add/")
        page.wait_for_load_state("load")
        assert page.evaluate("DateTimeShortcuts.timezoneOffset") != 0
        assert page.locator("input.vDateField").count() >= 2
        assert page.locator(".timezonewarning").count() == 0
        # The calendar is still there.
        assert page.locator(".datetimeshortcuts").count() >= 2
    finally:
        context.close()
