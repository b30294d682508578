"""/timeline/: agreements, exercises and threat entries in one chronological view."""

import datetime
import re

import pytest

from tests import factories as make
from tests.queries import VERSION_LOOKUP

pytestmark = pytest.mark.django_db


def day(year, month=1, day_=1):
    return datetime.date(year, month, day_)


def titles(response):
    """The record titles in page order."""
    return [item.title for item in response.context["items"]]


def facet(response, name):
    return {option.value: option.count for option in response.context["facets"][name]}


@pytest.fixture
def mixed():
    """One of each kind in different years, plus records the timeline cannot place."""
    return {
        "agreement": make.agreement(
            title="Defence cooperation roadmap",
            slug="roadmap",
            signed=day(2016, 10),
            signed_precision="month",
            summary="A roadmap for defence cooperation.",
        ),
        "exercise": make.exercise(
            name="Iron Wolf 2022",
            slug="iron-wolf-2022",
            start=day(2022, 6, 6),
            start_precision="day",
            end=day(2022, 6, 17),
            end_precision="day",
            description="Brigade-level exercise.",
        ),
        "end_only": make.exercise(
            name="Exercise known by its end",
            slug="end-only",
            start=None,
            start_precision="",
            end=day(2019),
            end_precision="year",
        ),
        "threat": make.threat(
            title="DDoS on state websites",
            slug="ddos",
            category=make.category("cyber-attack"),
            occurred_start=day(2024, 3),
            occurred_start_precision="month",
            summary="Websites were knocked offline.",
        ),
        "disinfo": make.threat(
            title="Fake news campaign",
            slug="fake-news",
            category=make.category("disinformation"),
            occurred_start=day(2024, 5, 2),
            occurred_start_precision="day",
        ),
        "undated_agreement": make.agreement(
            title="Undated memorandum", slug="undated", signed=None, signed_precision=""
        ),
        "undated_exercise": make.exercise(
            name="Undated exercise",
            slug="undated-exercise",
            start=None,
            start_precision="",
        ),
    }


def test_newest_first_by_default_and_undated_records_left_out(client, mixed):
    response = client.get("/timeline/")

    assert response.status_code == 200
    assert titles(response) == [
        "Fake news campaign",
        "DDoS on state websites",
        "Iron Wolf 2022",
        "Exercise known by its end",
        "Defence cooperation roadmap",
    ]
    assert response.context["total"] == 5


def test_oldest_first_toggle(client, mixed):
    response = client.get("/timeline/?order=oldest")

    assert titles(response)[0] == "Defence cooperation roadmap"
    assert titles(response)[-1] == "Fake news campaign"
    assert 'href="?order=newest"' in response.content.decode()


def test_items_grouped_by_year_with_dates_at_their_precision_and_links(client, mixed):
    html = client.get("/timeline/").content.decode()

    headings = re.findall(r'<h2 id="year-heading-(\d{4})">', html)
    assert headings == ["2024", "2022", "2019", "2016"]
    assert "October 2016" in html
    assert "March 2024" in html
    assert "6 June 2022 – 17 June 2022" in html
    assert '<time datetime="2016-10">' in html
    assert '<a href="/agreements/roadmap/">Defence cooperation roadmap</a>' in html
    assert '<a href="/exercises/iron-wolf-2022/">Iron Wolf 2022</a>' in html
    assert '<a href="/threats/ddos/">DDoS on state websites</a>' in html
    assert "Websites were knocked offline." in html
    assert '<span class="badge kind-threat">Threat</span>' in html
    assert '<span class="badge" title="Cyber attack">Cyber attack</span>' in html


def test_filter_by_several_kinds(client, mixed):
    response = client.get("/timeline/?kind=agreement&kind=exercise")

    assert set(titles(response)) == {
        "Iron Wolf 2022",
        "Exercise known by its end",
        "Defence cooperation roadmap",
    }
    # The kind facet still counts every kind, so another can be added.
    assert facet(response, "kind") == {"agreement": 1, "exercise": 2, "threat": 2}
    assert facet(response, "year") == {"2022": 1, "2019": 1, "2016": 1}


def test_filter_by_several_years(client, mixed):
    response = client.get("/timeline/?year=2016&year=2024")

    assert titles(response) == [
        "Fake news campaign",
        "DDoS on state websites",
        "Defence cooperation roadmap",
    ]
    assert facet(response, "kind") == {"agreement": 1, "exercise": 0, "threat": 2}
    assert facet(response, "year") == {"2024": 2, "2022": 1, "2019": 1, "2016": 1}
    html = response.content.decode()
    assert 'value="2016" id="year-2016" checked' in html
    assert 'value="2022" id="year-2022">' in html


def test_exercise_without_start_is_placed_in_the_year_it_ended(client, mixed):
    response = client.get("/timeline/?year=2019")

    assert titles(response) == ["Exercise known by its end"]


def test_filter_by_threat_category_shows_threat_entries_only(client, mixed):
    response = client.get("/timeline/?category=cyber-attack")

    assert titles(response) == ["DDoS on state websites"]
    assert facet(response, "kind") == {"agreement": 0, "exercise": 0, "threat": 1}
    assert facet(response, "category") == {"cyber-attack": 1, "disinformation": 1}


def test_filters_combine(client, mixed):
    response = client.get("/timeline/?kind=threat&year=2024&category=disinformation")

    assert titles(response) == ["Fake news campaign"]


@pytest.mark.parametrize(
    "query, field",
    [
        ("kind=treaty", "kind"),
        ("kind=%00", "kind"),
        ("year=last", "year"),
        ("year=20245", "year"),
        ("year=20%0024", "year"),
        ("category=no-such-category", "category"),
        ("category=%00", "category"),
        ("order=sideways", "order"),
    ],
)
def test_bad_filters_give_form_errors_not_a_server_error(client, mixed, query, field):
    response = client.get(f"/timeline/?{query}")

    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert response.context["items"] == []
    assert 'role="alert"' in response.content.decode()


def test_a_bad_page_number_shows_a_page(client, mixed):
    for page in ("abc", "999", "%00"):
        response = client.get(f"/timeline/?page={page}")
        assert response.status_code == 200
        assert response.context["items"]


def test_long_timelines_are_paginated_with_filters_kept(client):
    for n in range(55):
        make.threat(occurred_start=day(2000 + n % 20), occurred_start_precision="year")

    first = client.get("/timeline/?kind=threat")
    second = client.get("/timeline/?kind=threat&page=2")

    assert len(first.context["items"]) == 50
    assert len(second.context["items"]) == 5
    assert 'href="?kind=threat&amp;page=2"' in first.content.decode()
    assert first.context["total"] == 55


def test_an_empty_timeline_says_so(client):
    response = client.get("/timeline/?kind=agreement")

    assert response.status_code == 200
    assert "Nothing on the timeline matches" in response.content.decode()


def _build(rows):
    categories = ["cyber-attack", "disinformation", "hybrid-operation"]
    for n in range(rows):
        make.agreement(signed=day(2010 + n % 10), signed_precision="year")
        make.exercise(start=day(2015 + n % 5, 6, 1), start_precision="day")
        make.threat(
            category=make.category(categories[n % 3]),
            occurred_start=day(2020 + n % 5, 3),
            occurred_start_precision="month",
        )


# Queries: 1 threat categories (form choices), 2 rows per kind and year (kind and
# year facets, and the chart's density), 3 threat entries per category (category
# facet), 4 the chart's marks (records of the sparse years, one UNION ALL), 5
# count of the matching rows (paginator), 6 the rows of the page (one UNION ALL).
TIMELINE_QUERIES = 6


@pytest.mark.parametrize("rows", [1, 12])
@pytest.mark.parametrize(
    "query", ["", "?kind=exercise&kind=threat&year=2015&year=2020&order=oldest"]
)
def test_query_count_does_not_grow_with_rows(
    client, django_assert_num_queries, rows, query
):
    _build(rows)

    with django_assert_num_queries(TIMELINE_QUERIES + VERSION_LOOKUP):
        response = client.get(f"/timeline/{query}")

    assert response.status_code == 200
    assert response.context["items"]


def test_query_count_with_a_category_filter(client, django_assert_num_queries):
    _build(6)

    with django_assert_num_queries(TIMELINE_QUERIES + VERSION_LOOKUP):
        response = client.get("/timeline/?category=cyber-attack")

    assert {item.kind for item in response.context["items"]} == {"threat"}


def test_invalid_filters_cost_one_query(client, django_assert_num_queries):
    _build(3)

    with django_assert_num_queries(1 + VERSION_LOOKUP):
        client.get("/timeline/?year=soon")
