"""/exercises/feed/ (Atom) and /exercises.ics (iCalendar), filtered like the list."""

import datetime

import feedparser
import pytest
from icalendar import Calendar

from exercises.models import Exercise
from tests import factories
from tests.exercises.builders import dated, many_full_exercises
from tests.queries import VERSION_LOOKUP

pytestmark = pytest.mark.django_db

D = datetime.date


def parse_feed(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    feed = feedparser.parse(response.content)
    assert not feed.bozo, feed.bozo_exception
    return feed


def parse_calendar(response):
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    calendar = Calendar.from_ical(response.content)
    return calendar, {str(event["uid"]): event for event in calendar.walk("VEVENT")}


# -- Atom --------------------------------------------------------------------------


def test_feed_lists_exercises_newest_first_with_title_link_summary_and_updated(client):
    dated(D(2020, 5, 1), name="Older", slug="older", description="Long ago.")
    dated(D(2024, 5, 1), name="Newer", slug="newer", domain="cyber")
    dated(None, D(2022, 3, 1), name="End only", slug="end-only")

    feed = parse_feed(client.get("/exercises/feed/"))

    assert feed.feed.title == "Baltic Security Atlas: exercises"
    assert [entry.title for entry in feed.entries] == ["Newer", "End only", "Older"]
    older = feed.entries[2]
    assert older.link == "http://testserver/exercises/older/"
    assert "1 May 2020" in older.summary
    assert "Long ago." in older.summary
    assert older.updated_parsed is not None
    assert feed.feed.updated_parsed is not None


def test_feed_honours_the_list_filters_and_says_so_in_its_title(client):
    lithuania = factories.country("XL", name="Lithuania")
    dated(D(2024, 5, 1), name="Cyber here", domain="cyber", hosts=[lithuania])
    dated(D(2024, 6, 1), name="Cyber elsewhere", domain="cyber")
    dated(D(2024, 7, 1), name="Land here", domain="land", hosts=[lithuania])

    feed = parse_feed(client.get("/exercises/feed/?domain=cyber&host=XL"))

    assert [entry.title for entry in feed.entries] == ["Cyber here"]
    assert feed.feed.title == (
        "Baltic Security Atlas: exercises (Domain: cyber; Host country: Lithuania)"
    )
    assert feed.feed.link == "http://testserver/exercises/?domain=cyber&host=XL"


@pytest.mark.parametrize(
    "query", ["domain=naval", "start_after=2024-02-30", "q=%00", "series=nope"]
)
def test_feed_with_an_invalid_filter_is_a_400(client, query):
    response = client.get(f"/exercises/feed/?{query}")

    assert response.status_code == 400


def test_feed_query_count_does_not_grow_with_rows(client, django_assert_num_queries):
    series = factories.series()
    many_full_exercises(2, series=series)
    # 1 exercises with series, 2 host countries, 3 locations
    with django_assert_num_queries(3 + VERSION_LOOKUP):
        feed = parse_feed(client.get("/exercises/feed/"))
    assert len(feed.entries) == 2
    many_full_exercises(10, series=series)
    with django_assert_num_queries(3 + VERSION_LOOKUP):
        feed = parse_feed(client.get("/exercises/feed/"))
    assert len(feed.entries) == 12


# -- iCalendar ---------------------------------------------------------------------


def test_calendar_has_one_all_day_event_per_exercise_with_a_start(client):
    place = factories.country("XL", name="Lithuania")
    days = dated(
        D(2017, 6, 12),
        D(2017, 6, 23),
        name="Iron Wolf 2017",
        slug="iron-wolf-2017",
        hosts=[place],
    )
    factories.location(days, name="Pabradė")
    factories.location(days, name="Rukla")
    dated(D(2024, 2, 1), start_precision="month", slug="february")
    dated(D(2023, 1, 1), start_precision="year", slug="sometime-2023")
    dated(D(2024, 12, 1), D(2025, 1, 1), "month", "month", slug="december-january")
    dated(D(2019, 5, 30), slug="one-day", hosts=[place])
    dated(None, D(2015, 5, 29), slug="end-only")
    dated(slug="undated")

    calendar, events = parse_calendar(client.get("/exercises.ics"))

    assert str(calendar["version"]) == "2.0"
    assert "Baltic Security Atlas" in str(calendar["prodid"])
    assert set(events) == {
        "iron-wolf-2017@baltic-security-atlas",
        "february@baltic-security-atlas",
        "sometime-2023@baltic-security-atlas",
        "december-january@baltic-security-atlas",
        "one-day@baltic-security-atlas",
    }

    wolf = events["iron-wolf-2017@baltic-security-atlas"]
    assert str(wolf["summary"]) == "Iron Wolf 2017"
    assert wolf["dtstart"].dt == D(2017, 6, 12)
    assert wolf["dtstart"].params["VALUE"] == "DATE"
    assert wolf["dtend"].dt == D(2017, 6, 24)  # exclusive: the day after the end
    assert str(wolf["url"]) == "http://testserver/exercises/iron-wolf-2017/"
    assert str(wolf["location"]) == "Pabradė; Rukla"
    days.refresh_from_db()
    updated = days.updated.replace(microsecond=0)  # iCalendar counts in seconds
    assert wolf["dtstamp"].dt == updated
    assert wolf["last-modified"].dt == updated

    february = events["february@baltic-security-atlas"]
    assert (february["dtstart"].dt, february["dtend"].dt) == (
        D(2024, 2, 1),
        D(2024, 3, 1),
    )
    assert "Dates known to the month" in str(february["description"])

    year = events["sometime-2023@baltic-security-atlas"]
    assert (year["dtstart"].dt, year["dtend"].dt) == (D(2023, 1, 1), D(2024, 1, 1))
    assert "Dates known to the year" in str(year["description"])

    months = events["december-january@baltic-security-atlas"]
    assert (months["dtstart"].dt, months["dtend"].dt) == (D(2024, 12, 1), D(2025, 2, 1))

    one_day = events["one-day@baltic-security-atlas"]
    assert (one_day["dtstart"].dt, one_day["dtend"].dt) == (
        D(2019, 5, 30),
        D(2019, 5, 31),
    )
    assert str(one_day["location"]) == "Lithuania"  # no places: the host countries


def test_calendar_honours_the_list_filters(client):
    dated(D(2024, 5, 1), slug="cyber-one", domain="cyber")
    dated(D(2024, 6, 1), slug="land-one", domain="land")

    calendar, events = parse_calendar(client.get("/exercises.ics?domain=cyber"))

    assert list(events) == ["cyber-one@baltic-security-atlas"]
    assert "Domain: cyber" in str(calendar["x-wr-calname"])


def test_calendar_stays_valid_with_line_breaks_and_separators_in_a_name(client):
    dated(
        D(2024, 5, 1),
        name="Evil END:VEVENT\r\nBEGIN:VEVENT; with, commas",
        slug="evil",
        description="Line one\r\nEND:VCALENDAR",
    )
    factories.location(
        Exercise.objects.get(slug="evil"), name="Place; with, separators"
    )

    response = client.get("/exercises.ics")
    _calendar, events = parse_calendar(response)

    assert len(events) == 1
    event = events["evil@baltic-security-atlas"]
    assert str(event["summary"]) == "Evil END:VEVENT\nBEGIN:VEVENT; with, commas"
    assert str(event["location"]) == "Place; with, separators"
    # the text is escaped, so no line of its own begins or ends a component;
    # every line ends in CRLF and none is longer than 75 octets (RFC 5545 3.1)
    lines = response.content.split(b"\r\n")
    assert lines.count(b"BEGIN:VEVENT") == lines.count(b"END:VEVENT") == 1
    assert lines.count(b"END:VCALENDAR") == 1
    assert lines[-1] == b""
    assert all(len(line) <= 75 and b"\n" not in line for line in lines)


@pytest.mark.parametrize("query", ["year=soon", "host=ZZ", "start_before=2024-99-01"])
def test_calendar_with_an_invalid_filter_is_a_400(client, query):
    assert client.get(f"/exercises.ics?{query}").status_code == 400


def test_calendar_query_count_does_not_grow_with_rows(
    client, django_assert_num_queries
):
    series = factories.series()
    many_full_exercises(2, series=series)
    # 1 exercises with series, 2 host countries, 3 locations
    with django_assert_num_queries(3 + VERSION_LOOKUP):
        _calendar, events = parse_calendar(client.get("/exercises.ics"))
    assert len(events) == 2
    many_full_exercises(10, series=series)
    with django_assert_num_queries(3 + VERSION_LOOKUP):
        _calendar, events = parse_calendar(client.get("/exercises.ics"))
    assert len(events) == 12


def test_the_feed_names_its_author_as_rfc_4287_requires(client):
    # An Atom feed needs an <author> on the feed or on every entry (4.1.1).
    response = client.get("/exercises/feed/")
    feed = feedparser.parse(response.content)
    assert not feed.bozo, feed.bozo_exception
    assert feed.feed.author_detail.name == "Baltic Security Atlas"
    assert b"<author><name>Baltic Security Atlas</name></author>" in response.content
