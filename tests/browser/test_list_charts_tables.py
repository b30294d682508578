"""The lists' chart and table view in a real browser: the bars follow the
filters, the table scrolls inside its box and never widens the page, and both
views are axe clean at 1280 and 390 px."""

import datetime

import pytest

from tests import factories
from tests.browser.axe import serious_violations
from tests.threats.builders import entry

pytestmark = pytest.mark.django_db(transaction=True)

D = datetime.date

# Each drawn bar segment: its tooltip and its size on screen.
SEGMENTS = """() => Array.from(
    document.querySelectorAll(".list-chart-svg rect")
).map((rect) => {
    const box = rect.getBoundingClientRect();
    return {title: rect.querySelector("title").textContent,
            width: box.width, height: box.height};
})"""

WIDTHS = """() => ({scrollWidth: document.documentElement.scrollWidth,
                   clientWidth: document.documentElement.clientWidth})"""


@pytest.fixture
def records():
    lithuania = factories.country("LT", "Lithuania", name_lt="Lietuva")
    blamed = factories.actor(name="A state agency with a very long name indeed")
    for month, slug in ((1, "cyber-attack"), (1, "sabotage"), (2, "sabotage")):
        entry(
            title="A long incident title that has to wrap inside its cell " * 2,
            category=factories.category(slug),
            occurred_start=D(2024, month, 1),
            occurred_start_precision="month",
            targets=[lithuania],
            actors=[blamed],
        )
    entry(
        category=factories.category("cyber-attack"),
        occurred_start=D(2024, 4, 1),
        occurred_start_precision="month",
    )
    factories.exercise(name="Exercise " + "Longname" * 6, hosts=[lithuania])
    factories.agreement(title="Agreement with a title " * 4, parties=[lithuania])
    factories.membership(
        factories.organisation(name="Organisation " + "Longname" * 6), lithuania
    )


def test_the_threat_chart_changes_with_the_filter(page, records):
    page.goto("/threats/?interval=month")
    everything = page.evaluate(SEGMENTS)
    page.goto("/threats/?interval=month&category=cyber-attack")
    cyber = page.evaluate(SEGMENTS)

    assert len(everything) == 4 and len(cyber) == 2
    assert all(s["width"] > 0 and s["height"] > 0 for s in everything + cyber)
    assert {s["title"] for s in cyber} == {
        "January 2024 – Cyber attack: 1",
        "April 2024 – Cyber attack: 1",
    }
    assert "February 2024 – Sabotage of infrastructure: 1" in {
        s["title"] for s in everything
    }
    # the chart's own form keeps the filter
    page.select_option("#id_by", "target")
    page.click("text=Update chart")
    # The click submits a GET form: wait for the new page before reading it,
    # or the old chart (or none, mid-navigation) is what gets read.
    page.wait_for_url("**by=target**")
    assert "category=cyber-attack" in page.url
    assert "January 2024 – Lithuania: 1" in {
        s["title"] for s in page.evaluate(SEGMENTS)
    }


@pytest.mark.parametrize("width", [1280, 390])
def test_lists_and_tables_fit_the_screen_and_are_axe_clean(
    browser, live_server, records, width
):
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": width, "height": 900}
    )
    page = context.new_page()
    for path in ("/threats/", "/exercises/", "/agreements/", "/organisations/"):
        for query in ("", "?view=table", "?view=table&page_size=200"):
            page.goto(path + query)
            seen = page.evaluate(WIDTHS)
            assert seen["scrollWidth"] <= seen["clientWidth"], (path, query, seen)
            assert serious_violations(page) == [], (path, query, width)
        header = page.locator(".records-table thead th").first
        assert header.evaluate("th => getComputedStyle(th).position") == "sticky"
    # At 390 px the threats table is wider than its box: the box scrolls.
    page.goto("/threats/?view=table")
    box = page.evaluate(
        "() => { const b = document.querySelector('.table-box');"
        " return {scroll: b.scrollWidth, client: b.clientWidth}; }"
    )
    if width == 390:
        assert box["scroll"] > box["client"]
    context.close()


def test_sorting_a_column_keeps_the_table_and_the_filter(page, records):
    page.goto("/threats/?view=table&category=sabotage")
    page.click(".records-table thead >> text=Title")
    page.wait_for_url("**ordering=title**")
    assert "view=table" in page.url and "category=sabotage" in page.url
    sorted_header = page.locator('.records-table th[aria-sort="ascending"]')
    assert sorted_header.inner_text().startswith("Title")
    assert page.locator(".records-table tbody tr").count() == 2


def test_the_table_header_stays_in_view_while_the_rows_scroll(page, records):
    for n in range(60):
        entry(title=f"Row {n}", occurred_start=D(2023, 1 + n % 12, 1))
    page.goto("/threats/?view=table&page_size=100")
    box = page.locator(".table-box")
    box.evaluate("box => { box.scrollTop = 1500; }")
    tops = box.evaluate(
        "box => ({box: box.getBoundingClientRect().top,"
        " header: box.querySelector('thead th').getBoundingClientRect().top,"
        " scrolled: box.scrollTop})"
    )
    assert tops["scrolled"] > 1000  # the rows did scroll inside the box
    assert abs(tops["header"] - tops["box"]) <= 2  # the header did not
