"""/threats/feed/: an Atom feed of threat entries that follows the list's filters."""

import feedparser
import pytest

from tests import factories
from tests.queries import VERSION_LOOKUP
from tests.threats.builders import D, busy_entry, entry

pytestmark = pytest.mark.django_db


def parse(client, url):
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    feed = feedparser.parse(response.content)
    assert not feed.bozo, feed.bozo_exception
    return feed


def test_feed_lists_entries_newest_first_with_links_and_summaries(client):
    belarus = factories.actor(name="Belarus", slug="belarus")
    entry(title="Older", occurred_start=D(2021, 6, 1))
    newer = entry(
        title="Newer",
        summary="Balloons <b>closed</b> the airport.",
        occurred_start=D(2025, 10, 1),
        location_name="Vilnius",
        actors=[belarus],
    )

    feed = parse(client, "/threats/feed/")

    assert feed.version == "atom10"
    assert feed.feed.title == "Threat entries · Baltic Security Atlas"
    assert [item.title for item in feed.entries] == ["Newer", "Older"]
    first = feed.entries[0]
    assert first.link == f"http://testserver{newer.get_absolute_url()}"
    assert "October 2025" in first.summary
    assert "Vilnius" in first.summary
    assert "Blamed: Belarus" in first.summary
    # Record text is escaped, never taken as markup.
    assert "&lt;b&gt;closed&lt;/b&gt;" in first.summary
    assert first.tags[0].term == "Cyber attack"


def test_feed_follows_the_list_filters(client):
    lithuania = factories.country("LT", "Lithuania")
    entry(title="DDoS on Lithuania", targets=[lithuania])
    entry(title="DDoS elsewhere")
    entry(title="Fire", category=factories.category("sabotage"), targets=[lithuania])

    feed = parse(client, "/threats/feed/?category=cyber-attack&target=LT")

    assert [item.title for item in feed.entries] == ["DDoS on Lithuania"]
    assert feed.feed.title == (
        "Threat entries (Cyber attack; Lithuania) · Baltic Security Atlas"
    )
    assert feed.feed.link == (
        "http://testserver/threats/?category=cyber-attack&target=LT"
    )


def test_feed_ignores_the_list_order_and_stays_newest_first(client):
    entry(title="A, older", occurred_start=D(2020, 1, 1))
    entry(title="B, newer", occurred_start=D(2024, 1, 1))

    feed = parse(client, "/threats/feed/?ordering=title")

    assert [item.title for item in feed.entries] == ["B, newer", "A, older"]


@pytest.mark.parametrize(
    "query", ["category=no-such-category", "occurred_after=2024-02-30", "q=%00"]
)
def test_feed_with_invalid_filters_is_a_400(client, query):
    assert client.get(f"/threats/feed/?{query}").status_code == 400


def test_feed_query_count_does_not_grow_with_entries(client, django_assert_num_queries):
    busy_entry(1)
    # the entries with category and location country; their attributions with actors
    with django_assert_num_queries(2 + VERSION_LOOKUP):
        client.get("/threats/feed/")
    for n in range(2, 12):
        busy_entry(n)
    with django_assert_num_queries(2 + VERSION_LOOKUP):
        feed = feedparser.parse(client.get("/threats/feed/").content)
    assert len(feed.entries) == 11


def test_the_feed_names_its_author_as_rfc_4287_requires(client):
    # An Atom feed needs an <author> on the feed or on every entry (4.1.1).
    response = client.get("/threats/feed/")
    feed = feedparser.parse(response.content)
    assert not feed.bozo, feed.bozo_exception
    assert feed.feed.author_detail.name == "Baltic Security Atlas"
    assert b"<author><name>Baltic Security Atlas</name></author>" in response.content
