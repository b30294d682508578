"""The lists' charts over time and their API (core/charts.py, core/api/stats.py),
and the lists' table view (core/listdisplay.py)."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.charts import aggregate
from exercises.filtersets import EXERCISE_CHART
from exercises.models import Exercise
from tests import factories
from tests.queries import VERSION_LOOKUP
from tests.threats.builders import entry
from threats.filtersets import THREAT_CHART
from threats.models import ThreatEntry

pytestmark = pytest.mark.django_db

D = datetime.date


def threat(day, slug="cyber-attack", precision="month", **values):
    return entry(
        category=factories.category(slug),
        occurred_start=day,
        occurred_start_precision=precision,
        **values,
    )


@pytest.fixture
def threats():
    lithuania = factories.country("LT", "Lithuania", name_lt="Lietuva")
    latvia = factories.country("LV", "Latvia", name_lt="Latvija")
    russia, belarus = factories.actor(name="Russia"), factories.actor(name="Belarus")
    threat(D(2024, 1, 1), targets=[lithuania], actors=[russia])
    threat(D(2024, 1, 1), "sabotage", targets=[lithuania, latvia])
    threat(
        D(2024, 3, 1),
        actors=[russia, belarus],
        location_country=lithuania,
        targets=[latvia],
    )
    threat(D(2024, 1, 1), "sabotage", precision="year")  # dated to its year only
    threat(D(2024, 2, 1), publication_status="draft", published_at=None)
    return {"LT": lithuania, "LV": latvia}


def periods(stats):
    return {p["period"]: {c["key"]: c["count"] for c in p["counts"]} for p in stats}


# -- the counts -------------------------------------------------------------------------


def test_counts_by_month_leave_out_year_only_dates_and_fill_empty_months(threats):
    published = ThreatEntry.objects.published()
    with CaptureQueriesContext(connection) as queries:
        stats = aggregate(THREAT_CHART, published, "category", "month")
    assert len(queries) == 1
    assert periods(stats["periods"]) == {
        "2024-01": {"cyber-attack": 1, "sabotage": 1},
        "2024-02": {},
        "2024-03": {"cyber-attack": 1},
    }
    assert stats["year_only"] == 1
    assert stats["total"] == 3
    assert stats["series"][0] == {
        "key": "cyber-attack",
        "label": "Cyber attack",
        "total": 2,
    }


def test_counts_by_year_take_every_dated_record(threats):
    stats = aggregate(THREAT_CHART, ThreatEntry.objects.published(), "category", "year")
    assert periods(stats["periods"]) == {"2024": {"cyber-attack": 2, "sabotage": 2}}
    assert stats["year_only"] == 0


def test_a_record_with_two_actors_counts_under_each_and_none_counts_apart(threats):
    stats = aggregate(THREAT_CHART, ThreatEntry.objects.published(), "actor", "year")
    by_actor = {s["label"]: s["total"] for s in stats["series"]}
    assert by_actor == {"Russia": 2, "Belarus": 1, "No actor blamed": 2}
    # "none given" comes last
    assert stats["series"][-1]["key"] is None


def test_target_counts_follow_the_target_rule_in_one_query(threats):
    with CaptureQueriesContext(connection) as queries:
        stats = aggregate(
            THREAT_CHART, ThreatEntry.objects.published(), "target", "month"
        )
    assert len(queries) == 1
    # The March entry names Latvia and happened in Lithuania: it targets both.
    assert periods(stats["periods"]) == {
        "2024-01": {"LT": 2, "LV": 1},
        "2024-02": {},
        "2024-03": {"LT": 1, "LV": 1},
    }


def test_the_range_decides_months_or_years():
    threat(D(2020, 1, 1))
    threat(D(2022, 12, 1))  # 36 months: by month
    assert aggregate(THREAT_CHART, ThreatEntry.objects.all())["interval"] == "month"
    threat(D(2023, 1, 1))  # 37 months: by year
    stats = aggregate(THREAT_CHART, ThreatEntry.objects.all())
    assert stats["interval"] == "year"
    assert [p["period"] for p in stats["periods"]] == ["2020", "2021", "2022", "2023"]


def test_exercises_count_at_the_end_when_the_start_is_unknown():
    lithuania = factories.country("LT", "Lithuania")
    factories.exercise(start=D(2023, 5, 1), hosts=[lithuania])
    factories.exercise(
        start=None, start_precision="", end=D(2024, 6, 1), end_precision="month"
    )
    factories.exercise(start=None, start_precision="")  # no date at all
    stats = aggregate(EXERCISE_CHART, Exercise.objects.all(), "host", "year")
    assert periods(stats["periods"]) == {"2023": {"LT": 1}, "2024": {None: 1}}
    assert stats["undated"] == 1


# -- the chart on the lists ---------------------------------------------------------------


def bars(response):
    """{period label: total} as drawn (the table under the chart)."""
    chart = response.context["chart"]
    return {bar["label"]: bar["total"] for bar in chart["bars"]}


def test_the_chart_follows_the_filters(client, threats):
    everything = client.get("/threats/?interval=month")
    cyber = client.get("/threats/?interval=month&category=cyber-attack")
    assert bars(everything) == {"January 2024": 2, "February 2024": 0, "March 2024": 1}
    assert bars(cyber) == {"January 2024": 1, "February 2024": 0, "March 2024": 1}
    page = cyber.content.decode()
    assert 'role="img"' in page
    assert '<title id="chart-title">' in page
    assert "1 dated only to its year is not shown by month." in everything.text


def test_the_stats_endpoint_gives_the_charts_numbers(client, threats):
    for query in ("by=category", "by=actor&interval=year", "by=target&target=LV"):
        chart = client.get(f"/threats/?{query}").context["chart"]
        stats = client.get(f"/api/v1/threats/stats/?{query}").json()
        assert [p["total"] for p in stats["periods"]] == [
            bar["total"] for bar in chart["bars"]
        ]
        assert {s["label"]: s["total"] for s in stats["series"]} == {
            item["label"]: item["total"] for item in chart["legend"]
        }
        assert stats["total"] == chart["total"]


def test_anonymous_stats_count_published_records_only(client, threats):
    stats = client.get("/api/v1/threats/stats/?interval=month").json()
    assert stats["total"] == 3  # not the draft of February
    assert stats["periods"][1] == {
        "period": "2024-02",
        "start": "2024-02-01",
        "total": 0,
        "counts": [],
    }


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("by=severity", "by"),
        ("interval=week", "interval"),
        ("interval=", "interval"),
        ("by=", "by"),
        ("category=no-such-category", "category"),
    ],
)
def test_bad_stats_parameters_answer_400_with_field_messages(client, query, field):
    response = client.get(f"/api/v1/threats/stats/?{query}")
    assert response.status_code == 400
    assert list(response.json()) == [field]


def test_bad_chart_parameters_are_form_errors_on_the_page(client, threats):
    response = client.get("/threats/?by=severity")
    assert response.status_code == 200
    assert "chart" not in response.context
    assert "Select a valid choice" in response.text
    assert "Incident" in response.text  # the list itself is shown


@pytest.mark.parametrize(
    ("path", "facets"),
    [
        ("/api/v1/threats/stats/", ["category", "actor", "target"]),
        ("/api/v1/exercises/stats/", ["domain", "host", "series"]),
        ("/api/v1/agreements/stats/", ["type", "status", "country"]),
    ],
)
def test_stats_are_described_strictly_in_the_schema(client, path, facets):
    schema = client.get("/api/v1/schema/", HTTP_ACCEPT="application/json").json()
    operation = schema["paths"][path]["get"]
    parameters = {p["name"]: p for p in operation["parameters"]}
    assert sorted(parameters["by"]["schema"]["enum"]) == sorted(facets)
    assert parameters["interval"]["schema"]["enum"] == ["month", "year"]
    assert "q" in parameters and "ordering" in parameters  # the list's filters too
    assert "no authentication needed" in operation["description"]
    body = operation["responses"]["200"]["content"]["application/json"]["schema"]
    assert body["additionalProperties"] is False
    assert set(body["required"]) == set(body["properties"])
    assert "400" in operation["responses"]


def add_rows(count):
    lithuania = factories.country("LT", "Lithuania")
    for n in range(count):
        day = D(2023, 1 + n % 12, 1)
        threat(day, targets=[lithuania], actors=[factories.actor()])
        factories.exercise(start=day, hosts=[lithuania])
        factories.agreement(signed=D(2000 + n, 1, 1))


@pytest.mark.parametrize(
    ("path", "pinned"),
    [
        # count, rows, attributions, ten facets, the chart
        ("/threats/", 14),
        ("/threats/?view=table&by=target", 14),
        # count, rows, hosts, five facets, the chart
        ("/exercises/", 9),
        ("/exercises/?view=table&by=host", 9),
        # count, rows, parties, four facets, the form's countries, the chart
        ("/agreements/", 9),
        ("/agreements/?view=table&by=country", 9),
    ],
)
def test_the_chart_is_one_query_whatever_the_rows(
    client, django_assert_num_queries, path, pinned
):
    add_rows(1)
    with django_assert_num_queries(pinned + VERSION_LOOKUP):
        client.get(path)
    add_rows(12)
    with django_assert_num_queries(pinned + VERSION_LOOKUP):
        client.get(path)


# -- the table view -----------------------------------------------------------------------


def test_table_view_sorts_by_the_ordering_parameter(client, threats):
    response = client.get("/threats/?view=table&category=cyber-attack")
    page = response.text
    assert '<table class="records-table">' in page
    # newest first by default: the date column says so, and links to oldest first
    when = re.search(r'<th scope="col" aria-sort="descending"><a href="([^"]+)">', page)
    assert when is not None
    assert "ordering=occurred_start" in when.group(1)
    assert "view=table" in when.group(1)
    assert "category=cyber-attack" in when.group(1)
    ascending = client.get("/threats/?view=table&ordering=title").text
    assert 'aria-sort="ascending"><a href="?view=table&amp;ordering=-title"' in (
        ascending
    )


@pytest.mark.parametrize(("asked", "rows"), [("", 50), ("100", 100), ("200", 200)])
def test_table_view_pages_hold_50_to_200_rows(client, asked, rows):
    ThreatEntry.objects.bulk_create(
        ThreatEntry(
            title=f"Row {n}",
            slug=f"row-{n}",
            category=factories.category(),
            occurred_start=D(2024, 1, 1),
            occurred_start_precision="month",
            severity=1,
            publication_status="published",
            published_at=timezone.now(),
        )
        for n in range(210)
    )
    response = client.get(f"/threats/?view=table&page_size={asked}")
    assert len(response.context["object_list"]) == rows
    assert response.text.count('<th scope="row"><a href="/threats/') == rows


def test_table_view_keeps_itself_and_says_what_is_wrong(client, threats):
    page = client.get("/threats/?view=table&page_size=7").text
    assert "Rows a page: choose 50, 100 or 200 (50 are shown)." in page
    # the filter form, the facets and the chart form carry the view
    assert '<input type="hidden" name="view" value="table">' in page
    assert 'href="?view=table&amp;page_size=7&amp;category=sabotage"' in page
    assert "There is no view" in client.get("/threats/?view=grid").text


@pytest.mark.parametrize(
    ("path", "sorted_by"),
    [
        (
            "/exercises/",
            '<th scope="col" aria-sort="descending"><a href="?view=table'
            '&amp;ordering=start">Dates',
        ),
        (
            "/agreements/",
            '<th scope="col" aria-sort="descending"><a href="?view=table'
            '&amp;ordering=signed">Signed',
        ),
        (
            "/organisations/",
            '<th scope="col" aria-sort="ascending"><a href="?view=table'
            '&amp;ordering=-name">Name',
        ),
    ],
)
def test_table_view_on_every_list(client, path, sorted_by):
    factories.exercise(name="Iron Test")
    factories.agreement(title="Pact of Tests")
    factories.organisation(name="Council of Tests")
    page = client.get(f"{path}?view=table").text
    assert '<table class="records-table">' in page
    assert sorted_by in page
    assert page.count('<th scope="row"><a href="/') == 1


def test_lithuanian_labels(client, threats):
    page = client.get("/threats/?view=table", HTTP_ACCEPT_LANGUAGE="lt").text
    for words in ("Skaidyti pagal", "Atnaujinti diagramą", "Lentelė", "Eilučių"):
        assert words in page


def test_the_chart_says_when_records_count_under_several_values(client, threats):
    note = "counts once under each"
    assert note in client.get("/threats/?by=actor").text
    assert note not in client.get("/threats/?by=category").text


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/threats/stats/",
        "/api/v1/threats/stats/?by=target&interval=month",
        "/api/v1/threats/stats/?by=actor",
        "/api/v1/exercises/stats/?by=host",
        "/api/v1/agreements/stats/?by=country",
    ],
)
def test_stats_are_one_query_whatever_the_rows(client, django_assert_num_queries, path):
    add_rows(1)
    with django_assert_num_queries(1 + VERSION_LOOKUP):
        assert client.get(path).status_code == 200
    add_rows(12)
    with django_assert_num_queries(1 + VERSION_LOOKUP):
        response = client.get(path)
    assert response.json()["total"] >= 13
