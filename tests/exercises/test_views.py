"""/exercises/ and /exercises/<slug>/: what a reader sees, exports, query counts."""

import csv
import datetime
import io
import json

import pytest
from django.utils import timezone
from django.utils.html import strip_tags

from tests import factories
from tests.exercises.builders import dated, full_exercise, many_full_exercises
from tests.queries import VERSION_LOOKUP

pytestmark = pytest.mark.django_db

D = datetime.date


def text(response):
    return response.content.decode()


# -- the list ---------------------------------------------------------------


def test_list_row_shows_name_series_vague_dates_domain_hosts_personnel(client):
    wolf = factories.series(name="Iron Wolf", slug="iron-wolf")
    factories.exercise(
        name="Iron Wolf 2017",
        slug="iron-wolf-2017",
        series=wolf,
        start=D(2017, 6, 12),
        end=D(2017, 6, 23),
        end_precision="day",
        hosts=[factories.country("XL", name="Lithuania")],
        personnel=5300,
    )
    dated(D(2024, 6, 1), start_precision="month", name="Vague one", domain="cyber")

    page = text(client.get("/exercises/"))

    assert '<a href="/exercises/iron-wolf-2017/">Iron Wolf 2017</a>' in page
    assert "12 June 2017 – 23 June 2017" in page
    assert 'href="?series=iron-wolf">Iron Wolf</a>' in page
    assert "Hosted by Lithuania" in page
    assert "5,300 personnel" in page
    assert "June 2024" in page and "2024-06-01" not in page
    assert '<span class="badge domain domain-cyber">cyber</span>' in page
    assert "2 exercises" in page


def test_list_shows_facets_with_counts(client):
    lithuania = factories.country("XL", name="Lithuania")
    poland = factories.country("XP", name="Poland")
    dated(D(2023, 5, 1), domain="cyber", hosts=[lithuania], participants=[poland])
    dated(D(2024, 5, 1), domain="cyber", hosts=[lithuania])
    dated(None, D(2024, 2, 1), domain="land", hosts=[poland])

    response = client.get("/exercises/")
    facets = {
        facet.param: {option.value: option.count for option in options}
        for facet, options in response.context["facets"]
    }

    assert facets["domain"] == {"cyber": 2, "land": 1}
    assert facets["host"] == {"XL": 2, "XP": 1}
    assert facets["participant"] == {"XP": 1}
    # the year of the start, or of the end when the start is unknown
    assert facets["year"] == {"2024": 2, "2023": 1}


def test_choosing_a_host_keeps_the_other_hosts_in_its_facet(client):
    lithuania = factories.country("XL", name="Lithuania")
    poland = factories.country("XP", name="Poland")
    dated(D(2024, 5, 1), hosts=[lithuania, poland])
    dated(D(2024, 6, 1), hosts=[poland])

    response = client.get("/exercises/?host=XL")

    assert len(response.context["object_list"]) == 1
    facets = {facet.param: options for facet, options in response.context["facets"]}
    host_facet = facets["host"]
    assert {(o.value, o.count, o.selected) for o in host_facet} == {
        ("XL", 1, True),
        ("XP", 1, False),
    }
    # listed among the filters in use
    assert "Host country: Lithuania" in strip_tags(text(response))


def test_filtered_list_links_its_feed_and_calendar_with_the_same_filter(client):
    dated(D(2024, 5, 1), domain="cyber")

    response = client.get("/exercises/?domain=cyber&page=1")
    page = text(response)

    assert response.context["feed_url"] == "/exercises/feed/"
    assert 'href="/exercises/feed/?domain=cyber"' in page
    assert 'href="/exercises.ics?domain=cyber"' in page
    assert 'type="application/atom+xml"' in page


def test_list_marks_ongoing_and_upcoming_exercises(client):
    today = timezone.localdate()
    day = datetime.timedelta(days=1)
    dated(today - day, today + day, name="Running now")
    dated(today + 30 * day, today + 40 * day, name="Next month")
    dated(today - 40 * day, today - 30 * day, name="Last month")

    response = client.get("/exercises/")
    timing = {e.name: e.timing for e in response.context["object_list"]}

    assert timing == {
        "Running now": "ongoing",
        "Next month": "upcoming",
        "Last month": "",
    }
    page = text(response)
    assert page.count('class="badge status ongoing"') == 1
    assert page.count('class="badge status upcoming"') == 1


def test_a_month_only_start_this_month_is_neither_ongoing_nor_upcoming(
    client, monkeypatch
):
    # A day in the middle of the month: on its last day the whole month has
    # begun, and such an exercise is rightly ongoing.
    today = D(2025, 1, 15)
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: today)
    dated(
        today.replace(day=1),
        today + datetime.timedelta(days=60),
        start_precision="month",
        name="This month",
    )

    response = client.get("/exercises/")

    assert response.context["object_list"][0].timing == ""


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("start_after=2024-13-45", "Enter a valid date."),
        ("domain=naval", "Select a valid choice."),
        ("q=a%00b", "Null characters are not allowed."),
        ("host=ZZ", "Select a valid choice."),
        ("year=soon", "is not a year"),
    ],
)
def test_invalid_filter_gives_a_page_with_the_error(client, query, message):
    dated(D(2024, 5, 1))

    response = client.get(f"/exercises/?{query}")
    page = text(response)

    assert response.status_code == 200
    assert "Some filters could not be applied" in page
    assert message in page
    assert "remove this filter" in page
    assert "\x00" not in page.split("<main", 1)[1]
    assert response.context["object_list"].count() == 0


@pytest.mark.parametrize("export", ["csv", "json"])
@pytest.mark.parametrize("query", ["start_before=nope", "domain=naval", "q=%00"])
def test_invalid_filter_on_an_export_is_a_400(client, export, query):
    response = client.get(f"/exercises/?{query}&format={export}")

    assert response.status_code == 400
    assert json.loads(response.content)


def test_unknown_page_is_a_404_not_an_error(client):
    assert client.get("/exercises/?page=999").status_code == 404
    assert client.get("/exercises/?page=abc").status_code == 404


# -- exports ----------------------------------------------------------------


def _export_data():
    lithuania = factories.country("XL", name="Lithuania")
    poland = factories.country("XP", name="Poland")
    wolf = factories.series(name="Iron Wolf")
    cyber = factories.exercise(
        name="=HYPERLINK(1)",
        slug="formula",
        domain="cyber",
        series=wolf,
        edition="2024",
        start=D(2024, 6, 1),
        start_precision="month",
        lead="Cyber Command",
        hosts=[lithuania],
        participants=[poland],
        personnel=300,
        sources=[factories.source(url="https://example.org/one")],
    )
    factories.exercise(name="Land one", domain="land")
    return cyber


def test_csv_export_has_the_filtered_rows_with_formulas_escaped(client):
    _export_data()

    response = client.get("/exercises/?domain=cyber&format=csv")
    # getvalue(): the export is streamed (it has no .content).
    rows = list(csv.DictReader(io.StringIO(response.getvalue().decode())))

    assert response["Content-Type"].startswith("text/csv")
    assert len(rows) == 1
    row = rows[0]
    assert row["name"] == "'=HYPERLINK(1)"
    assert row["url"] == "http://testserver/exercises/formula/"
    assert row["series"] == "Iron Wolf"
    assert row["edition"] == "2024"
    assert (row["start"], row["start_precision"]) == ("2024-06-01", "month")
    assert (row["end"], row["end_precision"]) == ("", "")
    assert row["lead"] == "Cyber Command"
    assert row["hosts"] == "XL"
    assert row["participants"] == "XP"
    assert row["domain"] == "cyber"
    assert row["personnel"] == "300"
    assert row["sources"] == "https://example.org/one"


def test_json_export_has_the_filtered_rows(client):
    _export_data()

    response = client.get("/exercises/?host=XL&format=json")
    data = json.loads(response.getvalue())

    assert data["count"] == 1
    row = data["results"][0]
    assert row["name"] == "=HYPERLINK(1)"
    assert row["hosts"] == ["XL"]
    assert row["participants"] == ["XP"]
    assert row["start"] == "2024-06-01"
    assert row["sources"] == ["https://example.org/one"]
    assert list(row) == [
        "name",
        "slug",
        "url",
        "description",
        "series",
        "edition",
        "dates",
        "dates_text",  # in the reader's language
        "start",
        "start_precision",
        "end",
        "end_precision",
        "lead",
        "lead_country",
        "lead_organisation",
        "hosts",
        "participants",
        "locations",
        "domain",
        "domain_label",  # in the reader's language (tests/test_lithuanian.py)
        "scenario",
        "personnel",
        "sources",
        "updated",
    ]
    assert (row["dates"], row["dates_text"]) == ("2024-06", "June 2024")
    assert row["domain_label"] == "cyber"


def test_export_queries_do_not_grow_with_rows(client, django_assert_num_queries):
    series = factories.series()
    many_full_exercises(2, series=series)
    # count (for the cap), rows, hosts, participations with countries,
    # locations, sources
    with django_assert_num_queries(6 + VERSION_LOOKUP):
        response = client.get("/exercises/?format=json")
        # the rows are read while the body streams
        assert json.loads(response.getvalue())["count"] == 2
    many_full_exercises(8, series=series)
    with django_assert_num_queries(6 + VERSION_LOOKUP):
        response = client.get("/exercises/?format=json")
        assert json.loads(response.getvalue())["count"] == 10


# -- query counts -------------------------------------------------------------


def _list_queries(client, django_assert_num_queries, query=""):
    # 1 count for the paginator, 2 the page of exercises with their series,
    # 3 their host countries, 4-8 the five facets (domain, series, host,
    # participant, year), 9 the chart (core/charts.py)
    with django_assert_num_queries(9 + VERSION_LOOKUP):
        response = client.get(f"/exercises/{query}")
    assert response.status_code == 200
    return response


def test_list_query_count_does_not_grow_with_rows(client, django_assert_num_queries):
    series = factories.series()
    many_full_exercises(2, series=series)
    response = _list_queries(client, django_assert_num_queries)
    assert len(response.context["object_list"]) == 2

    many_full_exercises(20, series=series)
    response = _list_queries(client, django_assert_num_queries)
    assert len(response.context["object_list"]) == 22


def test_filtered_list_query_count_does_not_grow_with_rows(
    client, django_assert_num_queries
):
    series = factories.series(slug="the-series")
    many_full_exercises(2, series=series)
    query = "?series=the-series&domain=land"
    # + 1: the series filter checks that the slug exists (and 1 the chart)
    with django_assert_num_queries(10 + VERSION_LOOKUP):
        client.get(f"/exercises/{query}")
    many_full_exercises(15, series=series)
    with django_assert_num_queries(10 + VERSION_LOOKUP):
        response = client.get(f"/exercises/{query}")
    assert len(response.context["object_list"]) == 17


# -- the detail page ------------------------------------------------------------


def test_detail_shows_the_whole_record(client):
    exercise = full_exercise()
    sibling = factories.exercise(name="Earlier edition", series=exercise.series)
    threat = exercise.related_threats.get()
    lead_country, lead_organisation = exercise.lead_country, exercise.lead_organisation
    participation = exercise.participations.first()
    place = exercise.locations.first()

    page = text(client.get(f"/exercises/{exercise.slug}/"))

    assert f"<h1>{exercise.name}" in page
    assert (
        f'href="/exercises/?series={exercise.series.slug}">{exercise.series.name}</a>'
        in page
    )
    assert "edition 2001" in page
    assert "1 June 2024 – 14 June 2024" in page
    assert "Land Force" in page
    assert f'href="/countries/{lead_country.iso2}/">{lead_country.name}</a>' in page
    assert (
        f'href="/organisations/{lead_organisation.slug}/">{lead_organisation.name}</a>'
        in page
    )
    assert f'href="/countries/{participation.country.iso2}/">' in page
    assert "a company" in page
    assert place.name in page
    assert "54.90000, 25.70000" in page
    assert place.coordinates_source.url in page
    assert "town centre" in page
    assert "collective defence" in page
    assert "1,001" in page and "about that many" in page
    assert "and others" in page
    assert "A test exercise." in page
    assert f'href="{sibling.get_absolute_url()}">Earlier edition</a>' in page
    assert f'href="{threat.get_absolute_url()}">{threat.title}</a>' in page
    for source in exercise.sources.all():
        assert source.url in page
    assert "Cite this record" in page
    assert f"http://testserver/exercises/{exercise.slug}/" in page


def test_detail_says_when_dates_are_unknown(client):
    exercise = dated(None, D(2015, 5, 29), slug="end-only")

    page = text(client.get(f"/exercises/{exercise.slug}/"))

    assert "ended 29 May 2015" in page
    assert "not known" in page


def test_unknown_exercise_is_a_404(client):
    assert client.get("/exercises/no-such-thing/").status_code == 404


def test_detail_query_count_does_not_grow_with_related_rows(
    client, django_assert_num_queries
):
    # 1 the exercise with series, lead nation and organisation; 2 hosts;
    # 3 participations with countries; 4 locations with countries and
    # coordinate sources; 5 sources; 6 the other editions of the series;
    # 7 related threat entries with their category; the change log: 8 events,
    # 9 its hosts' and sources' events in one query (the log names the fields
    # that changed, not their values: no names of the series, lead nation or
    # organisation its events mention are read)
    few = full_exercise(related_threat=False)
    with django_assert_num_queries(9 + VERSION_LOOKUP):
        client.get(f"/exercises/{few.slug}/")

    many = full_exercise()
    for _n in range(5):
        factories.exercise(series=many.series)
        factories.threat().related_exercises.add(many)
        factories.location(many)
        many.sources.add(factories.source())  # a change log line each
        many.personnel += 1
        many.save()
    many.participations.create(country=factories.country("QQ"), personnel=5)
    with django_assert_num_queries(9 + VERSION_LOOKUP):
        response = client.get(f"/exercises/{many.slug}/")
    assert len(response.context["other_editions"]) == 5
