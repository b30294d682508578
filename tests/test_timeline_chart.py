"""/timeline/'s chart: an SVG time axis, a lane per kind, marks that link to their
records in quiet years and bars that link to the filtered list in busy ones, and
zoom by a range of years (config/pages/timeline_chart.py)."""

import datetime
import re

import pytest

from config.pages.timeline_chart import MAX_YEARS, SPARSE, zoom_links
from tests import factories as make
from tests.queries import VERSION_LOOKUP

pytestmark = pytest.mark.django_db


def day(year, month=1, day_=1):
    return datetime.date(year, month, day_)


def svg(response):
    assert response.status_code == 200
    html = response.content.decode()
    found = re.search(r"<svg class=\"chart timeline-svg\".*?</svg>", html, re.S)
    assert found, "no timeline chart"
    return found.group(0)


@pytest.fixture
def history():
    cyber = make.category("cyber-attack")
    make.agreement(
        title="Roadmap", slug="roadmap", signed=day(2016, 10), signed_precision="month"
    )
    make.exercise(
        name="Iron Wolf", slug="iron-wolf", start=day(2022, 6, 6), start_precision="day"
    )
    # A busy year of threat entries: a bar, not a dot each.
    for n in range(SPARSE + 2):
        make.threat(
            title=f"Attack {n}",
            category=cyber,
            occurred_start=day(2024, 3 + n),
            occurred_start_precision="month",
        )
    make.threat(
        title="Lone sabotage",
        slug="lone-sabotage",
        category=make.category("sabotage"),
        occurred_start=day(2019, 5, 2),
        occurred_start_precision="day",
    )


def test_an_axis_of_years_and_a_lane_per_kind(client, history):
    chart = svg(client.get("/timeline/"))

    labels = re.findall(r'class="lane-label"[^>]*>([^<]+)<', chart)
    assert [label.strip() for label in labels] == [
        "Agreements",
        "Exercises",
        "Threat entries",
    ]
    ticks = re.findall(r'text-anchor="middle"(?: class="minor")?>(\d{4})</text>', chart)
    assert ticks[0] == "2016" and ticks[-1] == "2024"
    assert "<title" in chart


def test_quiet_years_show_each_record_linking_to_it(client, history):
    chart = svg(client.get("/timeline/"))

    assert '<a href="/agreements/roadmap/" class="mark"' in chart
    assert '<a href="/exercises/iron-wolf/" class="mark"' in chart
    assert '<a href="/threats/lone-sabotage/" class="mark"' in chart
    assert 'aria-label="Threat: Lone sabotage, 2 May 2019"' in chart


def test_busy_years_are_bars_linking_to_the_list_of_that_year(client, history):
    chart = svg(client.get("/timeline/"))

    assert 'href="/threats/?year=2024" class="density"' in chart
    assert f"Threat entries in 2024: {SPARSE + 2}. Open the list." in chart
    assert "Attack 0" not in chart
    # The list under the chart still lists every record, for screen readers.
    listed = client.get("/timeline/").content.decode()
    assert ">Attack 0</a></h3>" in listed


def test_bars_keep_the_category_filter_in_their_link(client, history):
    chart = svg(client.get("/timeline/?category=cyber-attack"))

    assert 'href="/threats/?year=2024&amp;category=cyber-attack"' in chart
    assert "Agreements" not in chart


def test_a_busy_agreement_year_links_to_the_agreements_of_that_year(client, db):
    for n in range(SPARSE + 1):
        make.agreement(signed=day(2004, n + 1), signed_precision="month")

    chart = svg(client.get("/timeline/"))

    assert 'href="/agreements/?signed=2004" class="density"' in chart


def test_zoom_by_a_range_of_years(client, history):
    response = client.get("/timeline/?from=2019&to=2022")
    chart = svg(response)

    ticks = re.findall(r'text-anchor="middle"(?: class="minor")?>(\d{4})</text>', chart)
    assert ticks == ["2019", "2020", "2021", "2022"]
    assert "/agreements/roadmap/" not in chart
    assert "/threats/lone-sabotage/" in chart
    # The list follows the range.
    years = {item.date.year for item in response.context["items"]}
    assert years == {2019, 2022}
    # Links to the other ranges keep the filters.
    html = response.content.decode()
    assert "All years" in html
    assert re.search(r'href="\?from=2016&amp;to=2024"', html)


def test_zoom_keeps_the_other_filters(client, history):
    html = client.get("/timeline/?from=2019&to=2024&kind=threat").content.decode()

    links = re.findall(r'<nav class="timeline-zoom".*?</nav>', html, re.S)[0]
    assert "kind=threat" in links


@pytest.mark.parametrize(
    "query, message",
    [
        ("from=2025&to=2020", "cannot be before"),
        (f"from=1900&to={1900 + MAX_YEARS}", "at most"),
        ("from=soon", "whole number"),
        ("to=99999", "less than or equal"),
    ],
)
def test_a_bad_range_is_a_form_error(client, history, query, message):
    response = client.get(f"/timeline/?{query}")

    assert response.status_code == 200
    html = response.content.decode()
    assert message in html
    assert 'role="alert"' in html
    assert "timeline-svg" not in html


def test_an_empty_timeline_has_no_broken_chart(client, db):
    response = client.get("/timeline/")

    assert response.status_code == 200
    chart = svg(response)
    assert 'class="mark"' not in chart and 'class="density"' not in chart


@pytest.mark.parametrize("rows", [2, 30])
def test_the_chart_costs_one_query_at_any_size(client, django_assert_num_queries, rows):
    for n in range(rows):
        make.threat(
            occurred_start=day(2015 + n % 10, 2), occurred_start_precision="month"
        )
        make.exercise(start=day(2015 + n % 7, 6, 1), start_precision="day")

    # The timeline's six (tests/test_timeline.py), the chart's marks among them.
    with django_assert_num_queries(6 + VERSION_LOOKUP):
        response = client.get("/timeline/?from=2014&to=2026")

    assert response.context["chart"]["total"] == 2 * rows


def test_zoom_links_stay_within_the_years_with_records():
    links = {
        key: (first, last) for key, first, last in zoom_links(2018, 2021, 2014, 2026)
    }

    assert links["all"] == (2014, 2026)
    assert links["in"] == (2019, 2020)
    assert links["out"] == (2016, 2023)
    assert links["earlier"] == (2016, 2019)
    assert links["later"] == (2020, 2023)
    assert {key for key, *_ in zoom_links(2014, 2026, 2014, 2026)} == {"in"}


def test_in_lithuanian_the_chart_speaks_lithuanian_and_keeps_plain_numbers(
    client, history
):
    from tests.test_lithuanian import chart_elements, in_lithuanian, number_problems

    html = in_lithuanian(client).get("/timeline/?from=2016&to=2024").content.decode()

    assert "Laiko juosta nuo 2016 iki 2024" in html
    assert "Visi metai" not in html  # the whole range is shown already
    assert "Priartinti" in html
    chart = re.search(r"<svg class=\"chart timeline-svg\".*?</svg>", html, re.S)
    svg_text = chart.group(0)
    assert "Atverti sąrašą" in svg_text
    problems = []
    for tag, attrs in chart_elements(svg_text).elements:
        for name in (
            "x",
            "y",
            "width",
            "height",
            "cx",
            "cy",
            "r",
            "x1",
            "x2",
            "y1",
            "y2",
        ):
            if name in attrs:
                problems += number_problems(tag, name, attrs[name] or "")
    assert problems == []
