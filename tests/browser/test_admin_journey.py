"""An editor's first session in the admin, in a real browser."""

import re

import pytest
from playwright.sync_api import expect

from tests import factories
from threats.models import ThreatEntry

# Transactional, because the live server reads the data from another thread.
pytestmark = pytest.mark.django_db(transaction=True)


def pick(page, field, text):
    """Choose ``text`` in an admin autocomplete (select2) field."""
    page.locator(f".field-{field} .select2-selection").first.click()
    page.keyboard.type(text)
    page.locator(".select2-results__option", has_text=text).first.click()


def test_editor_logs_in_and_adds_a_threat_entry(page, editor, outside_requests):
    source = factories.source(title="Seimas press release")
    page.goto("/admin/")
    page.fill("#id_username", "edita")
    page.fill("#id_password", "correct horse battery")
    page.click("input[type=submit]")
    expect(page.locator("#site-name")).to_contain_text("Baltic Security Atlas")

    page.goto("/admin/threats/threatentry/add/")
    page.locator("#id_title").press_sequentially("Balloons over Vilnius airport")
    expect(page.locator("#id_slug")).to_have_value("balloons-over-vilnius-airport")
    pick(page, "category", "Hybrid operation")
    page.fill("#id_occurred_start", "2025-10-05")
    page.select_option("#id_occurred_start_precision", "day")
    pick(page, "sources", "Seimas press release")
    page.click("input[name=_save]")

    expect(page.locator(".messagelist")).to_contain_text("was added successfully")
    entry = ThreatEntry.objects.get(slug="balloons-over-vilnius-airport")
    assert list(entry.sources.all()) == [source]
    assert outside_requests == []


def test_admin_refuses_an_end_before_the_start_with_a_message(page, editor):
    factories.source()
    page.goto("/admin/login/?next=/admin/exercises/exercise/add/")
    page.fill("#id_username", "edita")
    page.fill("#id_password", "correct horse battery")
    page.click("input[type=submit]")
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
