"""The public threat pages: /threats/ (facets, exports) and /threats/<slug>/."""

import csv
import io
import json

import pytest

from tests import factories
from tests.queries import VERSION_LOOKUP
from tests.threats.builders import D, busy_entry, entry

pytestmark = pytest.mark.django_db


@pytest.fixture
def russia():
    return factories.actor(name="Russia", slug="russia")


@pytest.fixture
def belarus():
    return factories.actor(name="Belarus", slug="belarus")


def html(response):
    assert response.status_code == 200
    return response.content.decode()


# --- the list --------------------------------------------------------------


def test_list_row_shows_what_a_reader_scans_for(client, belarus):
    lithuania = factories.country("LT", "Lithuania")
    balloons = entry(
        title="Balloons close Vilnius airport",
        category=factories.category("hybrid-operation"),
        occurred_start=D(2025, 10, 21),
        occurred_start_precision="day",
        occurred_end=D(2025, 10, 22),
        occurred_end_precision="day",
        location_name="Vilnius Airport",
        location_country=lithuania,
        severity=3,
        actors=[belarus],
    )
    # Blamed twice (by two governments), named once.
    factories.attribution(entry=balloons, actor_obj=belarus, attributed_by="Poland")

    page = html(client.get("/threats/"))

    assert (
        '<a href="/threats/' + balloons.slug + '/">Balloons close Vilnius airport</a>'
        in page
    )
    assert "Hybrid operation" in page
    assert "21 October 2025 – 22 October 2025" in page
    assert "Vilnius Airport, Lithuania" in page
    assert page.count(">Belarus</a>") == 2  # the row and the actor facet
    # Its one source's publisher is not rated: no letter, and one publisher
    # alone gives 6 (truth cannot be judged).
    assert "–6</span>" in page
    assert "Severity 3 of 5" in page


def test_vague_dates_are_shown_at_their_precision(client):
    entry(title="Missiles moved", occurred_start=D(2016, 10, 1))  # month precision

    page = html(client.get("/threats/"))

    assert "October 2016" in page
    assert "2016-10-01" not in page


def test_facets_count_the_filtered_entries_and_link_to_narrower_lists(
    client, russia, belarus
):
    lithuania = factories.country("LT", "Lithuania")
    entry(title="A", targets=[lithuania], actors=[russia], occurred_start=D(2024, 1, 1))
    entry(
        title="B",
        targets=[lithuania],
        actors=[russia, belarus],
        occurred_start=D(2023, 1, 1),
    )
    entry(
        title="C",
        category=factories.category("sabotage"),
        actors=[belarus],
        occurred_start=D(2024, 1, 1),
    )

    page = html(client.get("/threats/?target=LT"))

    assert "2 threat entries" in page
    assert (
        'href="?target=LT&amp;actor=russia">Russia</a> <span class="count">2</span>'
        in page
    )
    assert (
        'href="?target=LT&amp;actor=belarus">Belarus</a> <span class="count">1</span>'
        in page
    )
    assert (
        'href="?target=LT&amp;year=2024">2024</a> <span class="count">1</span>' in page
    )
    assert "Sabotage" not in page  # C is not aimed at Lithuania
    # The filter in use can be removed.
    assert (
        '<a href="?"><span class="filter-name">Target country:</span> Lithuania' in page
    )


def test_filtering_by_category_shows_only_that_category(client):
    entry(title="DDoS on ministries")
    entry(title="Forged letter", category=factories.category("disinformation"))

    page = html(client.get("/threats/?category=cyber-attack"))

    assert "DDoS on ministries" in page
    assert "Forged letter" not in page
    assert "1 threat entry" in page


def test_feed_link_keeps_the_filter(client):
    page = html(client.get("/threats/?category=cyber-attack&year=2024"))

    assert 'href="/threats/feed/?category=cyber-attack&amp;year=2024"' in page
    assert 'type="application/atom+xml"' in page


def test_list_is_paginated(client):
    for n in range(27):
        entry(title=f"Incident number {n}")

    first = html(client.get("/threats/"))
    second = html(client.get("/threats/?page=2"))

    assert "27 threat entries" in first
    assert first.count('class="record"') == 25
    assert second.count('class="record"') == 2


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("occurred_after=2024-02-30", "Enter a valid date."),
        ("category=no-such-thing", "Select a valid choice."),
        ("q=cyber%00attack", "Null characters are not allowed."),
        ("target=%00", "Null characters are not allowed."),
        ("year=last", "Enter years as numbers from 1 to 9999"),
    ],
)
def test_invalid_filters_give_the_page_with_an_error_message(client, query, message):
    entry(title="Should not be listed")

    page = html(client.get(f"/threats/?{query}"))

    assert message in page
    assert "Some filters could not be applied" in page
    assert "Should not be listed" not in page


def _list_queries(client, django_assert_num_queries):
    # count, the page's rows, their attributions with actors, and one query per
    # facet (category, actor, target, year, attribution confidence, reliability,
    # credibility, severity, geo-precision, sea area), and the chart
    with django_assert_num_queries(14 + VERSION_LOOKUP):
        response = client.get("/threats/")
    assert response.status_code == 200
    return response


def test_list_query_count_does_not_grow_with_rows(client, django_assert_num_queries):
    busy_entry(1)
    first = _list_queries(client, django_assert_num_queries)
    for n in range(2, 12):
        busy_entry(n)
    many = _list_queries(client, django_assert_num_queries)
    assert first.context["paginator"].count == 1
    assert many.context["paginator"].count == 11


def test_filtered_list_adds_one_query_per_choice_validated(
    client, django_assert_num_queries
):
    busy_entry(1)
    # + the category slug looked up to validate it
    with django_assert_num_queries(15 + VERSION_LOOKUP):
        client.get("/threats/?category=cyber-attack&year=2024")
    for n in range(2, 12):
        busy_entry(n)
    with django_assert_num_queries(15 + VERSION_LOOKUP):
        client.get("/threats/?category=cyber-attack&year=2024")


# --- exports ----------------------------------------------------------------


def test_csv_export_has_the_filtered_rows_with_formulas_escaped(client, russia):
    lithuania = factories.country("LT", "Lithuania")
    entry(
        title='=HYPERLINK("http://evil.example")',
        targets=[lithuania],
        actors=[russia],
        location_name="@Narva",
        sources=[factories.source(url="https://news.example.org/narva")],
    )
    entry(title="Elsewhere", category=factories.category("sabotage"))

    response = client.get("/threats/?category=cyber-attack&format=csv")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    # getvalue(): the export is streamed (it has no .content).
    rows = list(csv.DictReader(io.StringIO(response.getvalue().decode())))
    assert len(rows) == 1
    [row] = rows
    assert row["title"] == '\'=HYPERLINK("http://evil.example")'
    assert row["location"] == "'@Narva"
    assert row["category"] == "Cyber attack"
    assert row["occurred_start"] == "2024-03-01"
    assert row["occurred_start_precision"] == "month"
    assert row["targets"] == "LT"
    assert row["actors"] == "Russia"
    assert row["attribution_confidences"] == "suspected"
    assert row["sources"] == "https://news.example.org/narva"
    assert row["url"].startswith("http://testserver/threats/")


def test_json_export_lists_the_filtered_rows_with_structured_values(client):
    busy_entry(1)
    entry(title="Elsewhere", category=factories.category("sabotage"))

    response = client.get("/threats/?category=cyber-attack&format=json")

    data = json.loads(response.getvalue())
    assert data["count"] == 1
    [row] = data["results"]
    assert row["title"] == "Busy incident 1"
    assert row["latitude"] == 54.687
    assert row["longitude"] == 25.28
    assert "LT" in row["targets"]
    assert len(row["actors"]) == 2  # the actor blamed twice is listed once
    assert row["severity"] == 2
    # Two rated publishers (B and C) report it: the best letter, and "possibly
    # true" from two independent publishers.
    assert row["source_reliability"] == "B"
    assert row["independent_publishers"] == 2
    assert row["information_credibility"] == 3
    assert len(row["sources"]) == 2


@pytest.mark.parametrize(
    "query",
    [
        "format=csv&occurred_before=2024-99-01",
        "format=json&category=nope",
        "format=csv&q=%00",
        "format=xml",
        "format=",
        "format=xlsx&year=last",
        "format=csv&bom=maybe",
    ],
)
def test_exports_refuse_invalid_input_with_400(client, query):
    response = client.get(f"/threats/?{query}")

    assert response.status_code == 400


# --- the detail page --------------------------------------------------------


def test_detail_page_tells_the_whole_record(client):
    lithuania = factories.country("LT", "Lithuania")
    caution = factories.source(
        title="State media report",
        caution="State media of the accused state",
        publisher=factories.publisher("State TV", "C"),
        published=D(2025, 10, 2),
        published_precision="day",
    )
    obj = entry(
        title="Balloons over Vilnius",
        summary="Smuggling balloons closed the airport.",
        category=factories.category("hybrid-operation"),
        occurred_start=D(2025, 10, 1),
        reported=D(2025, 10, 6),
        location_name="Vilnius Airport",
        location_country=lithuania,
        latitude="54.63700",
        longitude="25.28800",
        coordinates_source=caution,
        targets=[lithuania],
        targets_note="Civil aviation",
        geo_precision="exact",
        credibility_override=3,
        rating_note="One ministry statement.",
        severity=3,
        severity_note="The airport closed for a night.",
        sources=[caution],
    )
    belarus = factories.actor(name="Belarus", slug="belarus")
    factories.attribution(
        entry=obj,
        actor_obj=belarus,
        attributed_by="Lithuanian government",
        attributed_on=D(2025, 10, 1),
        attributed_on_precision="month",
        attribution_confidence="official_assessment",
        basis="Said so in parliament.",
    )
    drill = factories.exercise(name="Iron Wolf 2025-II")
    obj.related_exercises.set([drill])

    page = html(client.get(f"/threats/{obj.slug}/"))

    assert "<h1>Balloons over Vilnius</h1>" in page
    assert "Smuggling balloons closed the airport." in page
    assert "October 2025" in page
    assert "6 October 2025" in page  # first reported
    assert '<a href="/countries/LT/">Lithuania</a>' in page
    assert "Civil aviation" in page
    assert "54.637, 25.288" in page
    # Who blamed whom, when and how firmly
    assert "Lithuanian government" in page
    assert "Official assessment" in page
    assert "Said so in parliament." in page
    assert "state</span>" in page
    # The Admiralty rating in words, and the severity scale
    assert "Source reliability: C – fairly reliable." in page
    assert "Information credibility: 3 – possibly true." in page
    assert "Graded by a reviewer." in page
    assert "One ministry statement." in page
    assert "3 – moderate: noticeable disruption" in page
    assert "The airport closed for a night." in page
    assert "Placed to: exact place" in page
    # The source: its publisher's letter and its publication date
    assert "State TV" in page
    assert "(reliability: C – fairly reliable)" in page
    assert "published 2 October 2025" in page
    assert f'href="{drill.get_absolute_url()}">Iron Wolf 2025-II</a>' in page
    # Sources with their caution flag, and the citation block
    assert "Caution: State media of the accused state" in page
    assert 'rel="noopener noreferrer nofollow external"' in page
    assert "Cite this record" in page
    assert f"http://testserver/threats/{obj.slug}/" in page


def test_unrated_entry_says_so(client):
    obj = entry(title="Fresh report")

    page = html(client.get(f"/threats/{obj.slug}/"))

    # A published entry always has a severity; its sources' publisher is not
    # rated, which the page says instead of a placeholder letter.
    assert "Source reliability: not rated." in page
    assert "Reported by 1 independent publisher." in page
    assert "(reliability: not rated)" in page
    assert "No one has been blamed in the sources cited." in page


def test_related_entries_share_the_category_or_an_actor(client, russia):
    obj = entry(
        title="Cables cut", category=factories.category("sabotage"), actors=[russia]
    )
    entry(title="Pipeline damaged", category=factories.category("sabotage"))
    entry(
        title="Drone over border",
        category=factories.category("airspace-violation"),
        actors=[russia],
    )
    entry(title="Unrelated fake news", category=factories.category("disinformation"))

    page = html(client.get(f"/threats/{obj.slug}/"))

    related = page[page.index("Related threat entries") :]
    assert "Pipeline damaged" in related
    assert "same category" in related
    assert "Drone over border" in related
    assert "same actor" in related
    assert "Unrelated fake news" not in related
    assert related.index("Pipeline damaged") < related.index("Drone over border")


def test_related_entries_are_the_first_eight_of_every_entry_sharing_one(
    client, russia, belarus
):
    """The page orders a few dozen candidates, not every entry sharing one: its
    eight are still those a sort of all of them gives (both shared first, then
    the same category, then the same actor; newest first in each)."""
    sabotage = factories.category("sabotage")
    other = factories.category("disinformation")
    obj = entry(title="Cables cut", category=sabotage, actors=[russia])
    # Newest first: many of the same category only, then of the same actor
    # only, and three sharing both, the oldest of all.
    for day in range(1, 21):
        entry(
            title=f"Category only {day}",
            category=sabotage,
            occurred_start=D(2025, 6, day),
            occurred_start_precision="day",
        )
        entry(
            title=f"Actor only {day}",
            category=other,
            actors=[belarus, russia],
            occurred_start=D(2025, 5, day),
            occurred_start_precision="day",
        )
    for day in range(1, 4):
        entry(
            title=f"Both {day}",
            category=sabotage,
            actors=[russia],
            occurred_start=D(2020, 1, day),
            occurred_start_precision="day",
        )
    entry(title="Unrelated", category=other, actors=[belarus])

    related = client.get(f"/threats/{obj.slug}/").context["related_entries"]

    assert [e.title for e in related] == [
        "Both 3",
        "Both 2",
        "Both 1",
        "Category only 20",
        "Category only 19",
        "Category only 18",
        "Category only 17",
        "Category only 16",
    ]
    # Without the same category, the same actor's newest fill the list.
    lone = entry(
        title="Lone", category=factories.category("cyber-attack"), actors=[russia]
    )
    related = client.get(f"/threats/{lone.slug}/").context["related_entries"]
    assert [e.title for e in related][:3] == [
        "Actor only 20",
        "Actor only 19",
        "Actor only 18",
    ]
    assert len(related) == 8
    assert all(e.shares_actor and not e.shares_category for e in related)


def test_linked_entries_both_ways_published_only_oldest_first(client, editor):
    page = factories.threat(title="The entry")
    older = factories.threat(title="Older one", occurred_start=D(2019, 1, 1))
    earlier = factories.threat(title="Earlier one", occurred_start=D(2020, 1, 1))
    later = factories.threat(title="Later one", occurred_start=D(2025, 1, 1))
    both = factories.threat(title="Both ways", occurred_start=D(2021, 1, 1))
    draft = factories.threat_in_review(editor, title="Not yet public")
    page.follows_up.add(earlier, older, both, draft)
    later.follows_up.add(page)
    both.follows_up.add(page)
    draft.follows_up.add(page)
    factories.threat(title="Unlinked").follows_up.add(older)

    response = client.get(page.get_absolute_url())

    assert [e.title for e in response.context["follows_up"]] == [
        "Older one",
        "Earlier one",
        "Both ways",
    ]
    assert [e.title for e in response.context["followed_up_by"]] == [
        "Both ways",
        "Later one",
    ]
    assert "Not yet public" not in html(response)


def test_unknown_entry_is_404(client):
    assert client.get("/threats/no-such-entry/").status_code == 404


def _detail_queries(client, slug, django_assert_num_queries, count=10):
    # the entry with category, location country and coordinates source; its
    # targets; its sources; attributions with actors; the attributions'
    # sources; the entries it follows up and those following it up (one
    # query); related exercises; related entries; the change log: its events, and the events
    # of its targets, follow-ups, related exercises and sources in one query
    # (the log names the fields that changed, never their values: no label
    # of a record the events name is read, so every entry takes as many)
    with django_assert_num_queries(count + VERSION_LOOKUP):
        response = client.get(f"/threats/{slug}/")
    assert response.status_code == 200
    return response


def test_detail_query_count_does_not_grow_with_related_rows(
    client, django_assert_num_queries
):
    lone = entry(title="Lone entry", actors=[factories.actor()])
    _detail_queries(client, lone.slug, django_assert_num_queries)

    busy = busy_entry(1)
    _detail_queries(client, busy.slug, django_assert_num_queries)
    for n in range(2, 8):
        busy_entry(n)
        busy.sources.add(factories.source())  # a change log line each
        busy.severity = 1 + n % 5
        busy.save()
    response = _detail_queries(client, busy.slug, django_assert_num_queries)
    assert len(response.context["related_entries"]) == 7  # the lone one too
    assert len(response.context["change_log"]) > 6
