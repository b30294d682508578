"""The home page: counts, latest threats, exercises around today, the chart."""

import datetime

import pytest
from django.utils import timezone

from config.pages.home import add_months, threat_chart
from tests import factories
from tests.queries import VERSION_LOOKUP
from tests.threats.builders import busy_entry, entry

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)


def html(response):
    assert response.status_code == 200
    return response.content.decode()


def test_home_says_what_the_atlas_is_with_its_name_once_in_the_title(client):
    page = html(client.get("/"))

    assert "The Baltic Security Atlas is an open reference" in page
    title = page[page.index("<title>") : page.index("</title>")]
    assert title.count("Baltic Security Atlas") == 1
    assert page.count("<h1") == 1


def test_counts_link_to_the_lists(client):
    lithuania = factories.country("LT", "Lithuania")
    factories.country("ZW", "Nowhere")  # no record mentions it
    factories.organisation()
    factories.agreement(parties=[lithuania, factories.country("PL", "Poland")])
    factories.exercise()
    entry(targets=[lithuania])
    entry()

    page = html(client.get("/"))

    assert '<a href="/organisations/"><strong>1</strong> organisations</a>' in page
    assert '<a href="/agreements/"><strong>1</strong> agreements</a>' in page
    assert '<a href="/exercises/"><strong>1</strong> exercises</a>' in page
    assert '<a href="/threats/"><strong>2</strong> threat entries</a>' in page
    # The agreement's two parties (Lithuania also targeted), nothing else.
    assert '<a href="/countries/"><strong>2</strong> countries with records</a>' in page


def test_latest_five_threat_entries_newest_first(client):
    for year in range(2018, 2025):
        entry(title=f"Incident of {year}", occurred_start=datetime.date(year, 3, 1))

    page = html(client.get("/"))
    latest = page[
        page.index("Latest threat entries") : page.index("All threat entries")
    ]

    assert "Incident of 2024" in latest
    assert "Incident of 2020" in latest
    assert "Incident of 2019" not in latest
    assert latest.index("Incident of 2024") < latest.index("Incident of 2020")


def test_exercises_under_way_coming_up_and_recently_held(client):
    today = timezone.localdate()
    factories.exercise(
        name="Going on now",
        start=today - 2 * DAY,
        start_precision="day",
        end=today + 2 * DAY,
        end_precision="day",
    )
    factories.exercise(
        name="Next month", start=add_months(today, 1), start_precision="month"
    )
    factories.exercise(
        name="Just ended",
        start=today - 20 * DAY,
        start_precision="day",
        end=today - 10 * DAY,
        end_precision="day",
    )

    page = html(client.get("/"))
    under_way = page[page.index("Under way") : page.index("Coming up")]
    coming = page[page.index("Coming up") : page.index("Recently held")]
    recent = page[page.index("Recently held") : page.index("All exercises")]

    assert "Going on now" in under_way
    assert "Next month" in coming
    assert "Just ended" in recent
    assert "Going on now" not in recent
    assert "Next month" not in under_way


def test_no_exercises_around_today_is_said_plainly(client):
    page = html(client.get("/"))

    assert "No exercise in the Atlas is under way today." in page
    assert "No upcoming exercise is recorded yet." in page


def test_chart_stacks_entries_per_month_by_category_with_a_table(client):
    today = timezone.localdate()
    this_month = today.replace(day=1)
    last_month = add_months(today, -1)
    sabotage = factories.category("sabotage")
    entry(title="A", occurred_start=this_month)
    entry(title="B", occurred_start=this_month, category=sabotage)
    entry(title="C", occurred_start=last_month)
    entry(
        title="Year only",
        occurred_start=today.replace(month=1, day=1),
        occurred_start_precision="year",
    )
    entry(title="Too old", occurred_start=add_months(today, -40))

    page = html(client.get("/"))
    chart = page[page.index('<figure class="threat-chart"') : page.index("</figure>")]

    assert 'role="img"' in chart
    assert "<title" in chart and "<desc" in chart
    assert chart.count("<rect") == 3  # C alone; A and B stacked
    assert '>Cyber attack</a> <span class="count">2</span>' in chart
    assert '>Sabotage of infrastructure</a> <span class="count">1</span>' in chart
    assert "1 entry dated only to its year is not shown." in chart
    # The table alternative, one row per month with entries
    assert chart.count('<th scope="row">') == 2
    assert "Cyber attack: 1; Sabotage of infrastructure: 1" in chart


def test_chart_covers_the_last_36_months_or_the_span_of_the_data():
    today = datetime.date(2026, 11, 24)
    entry(occurred_start=datetime.date(2026, 2, 1))
    short = threat_chart(today)
    assert short["first"] == "February 2026"
    assert short["last"] == "November 2026"
    assert len(short["bars"]) == 10

    entry(occurred_start=datetime.date(2019, 5, 1))
    long = threat_chart(today)
    assert long["first"] == "December 2023"
    assert len(long["bars"]) == 36
    assert long["total"] == 1


def test_chart_is_left_out_when_there_is_nothing_to_draw(client):
    page = html(client.get("/"))

    assert "No threat entry falls in this period yet." in page
    assert "<svg" not in page


def _home_queries(client, django_assert_num_queries):
    # published counts and latest change of organisations, agreements, exercises
    # and threat entries (one each), the latest deletion; sources cited;
    # countries with records; recently added (one union); the latest entries
    # and their attributions; exercises under way, coming up and recent; the
    # chart's monthly counts
    with django_assert_num_queries(14 + VERSION_LOOKUP):
        response = client.get("/")
    assert response.status_code == 200
    return response


def test_home_query_count_does_not_grow_with_rows(client, django_assert_num_queries):
    today = timezone.localdate()
    busy_entry(1, occurred_end=None)
    factories.exercise(start=today, start_precision="day")
    _home_queries(client, django_assert_num_queries)

    for n in range(2, 14):
        busy_entry(n, category_slug="sabotage" if n % 2 else "cyber-attack")
        factories.exercise(start=today + n * DAY, start_precision="day")
        factories.exercise(start=today - n * DAY, start_precision="day")
        factories.organisation()
    response = _home_queries(client, django_assert_num_queries)
    assert len(response.context["latest_entries"]) == 5
