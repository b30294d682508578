"""The threat entries' list reads plain rows (threats/api/rows.py) instead of
going through ThreatEntrySerializer: its JSON must be the serializer's, key for
key and byte for byte, for every kind of entry and every reader."""

import datetime
from decimal import Decimal

import pytest
from django.test import Client

from core.api.renderers import JSONRenderer
from core.models import Status
from tests import factories
from tests.queries import none_prepared, prepared_statements
from tests.threats.builders import busy_entry
from threats.api.serializers import ThreatEntrySerializer
from threats.api.views import ThreatEntryViewSet

pytestmark = pytest.mark.django_db


@pytest.fixture
def varied():
    """Entries with and without each optional part."""
    busy_entry(1)
    busy_entry(2, credibility_override=1, rating_note="Seen by a reviewer.")
    bare = factories.threat(
        title="Bare",
        occurred_start=datetime.date(2023, 5, 6),
        occurred_start_precision="day",
    )
    bare.sources.set([factories.source(publisher=None)])
    # Located where it is also named; coordinates from a source with no publisher.
    lt = factories.country("LT", "Lithuania")
    factories.threat(
        title="Named and located",
        targets=[lt, factories.country("PL", "Poland")],
        location_country=lt,
        latitude=Decimal("-0.00001"),
        longitude=Decimal("0.00000"),
        coordinates_source=factories.source(publisher=None, title="Gazetteer"),
        summary='Line\u2028separator, quotes " and <tags> & ünïcödé',
    )
    # A related exercise still a draft: the public does not see it named.
    hidden = busy_entry(3)
    hidden.related_exercises.add(
        factories.exercise(publication_status=Status.DRAFT, published_at=None)
    )
    factories.threat(
        title="Draft entry", publication_status=Status.DRAFT, published_at=None
    )


def serializer_json(response):
    """What ThreatEntrySerializer gives for the entries of the page, in its
    order, rendered by the same renderer."""
    request = response.wsgi_request
    slugs = [row["slug"] for row in response.json()["results"]]
    by_slug = {
        entry.slug: entry
        for entry in ThreatEntryViewSet.queryset.filter(slug__in=slugs)
    }
    data = ThreatEntrySerializer(
        [by_slug[slug] for slug in slugs], many=True, context={"request": request}
    ).data
    return JSONRenderer().render(data)


@pytest.mark.parametrize("reader", ["anonymous", "editor"])
@pytest.mark.parametrize(
    "query",
    ["", "?ordering=title", "?pagination=cursor&page_size=2", "?target=LT"],
)
def test_the_list_shows_what_the_serializer_shows(varied, editor, reader, query):
    client = Client()
    if reader == "editor":
        client.force_login(editor)
    response = client.get(f"/api/v1/threats/{query}")
    assert response.status_code == 200
    assert response.json()["results"]
    # The body's own bytes: its results are the serializer's, rendered.
    assert response.content.endswith(b'"results":' + serializer_json(response) + b"}")


def test_the_public_list_leaves_out_draft_exercises_and_the_editors_list_names_them(
    varied, editor
):
    def exercises(client):
        rows = client.get("/api/v1/threats/?page_size=200").json()["results"]
        return {
            row["slug"]: [exercise["name"] for exercise in row["related_exercises"]]
            for row in rows
        }

    public = exercises(Client())
    client = Client()
    client.force_login(editor)
    everything = exercises(client)
    hidden = [slug for slug in everything if len(everything[slug]) == 2]
    assert len(hidden) == 1
    assert len(public[hidden[0]]) == 1


def test_json_is_drfs_byte_for_byte():
    """orjson writes what DRF's encoder writes, the awkward cases included."""
    from rest_framework.renderers import JSONRenderer as DRFRenderer

    data = {
        "text": 'a\u2028b\u2029c "q" \\ \x00\x1f é 😀 </script>',
        "small": Decimal("0.00001"),
        "coordinate": Decimal("54.68700"),
        "negative": Decimal("-0.00001"),
        "moment": datetime.datetime(2024, 1, 2, 3, 4, 5, 678901, tzinfo=datetime.UTC),
        "day": datetime.date(2024, 1, 2),
        "numbers": [0, -1, 2**62, 1.5, True, None],
        3: "an integer key",
    }
    assert JSONRenderer().render(data) == DRFRenderer().render(data)


def test_the_related_rows_and_an_unfiltered_page_are_prepared_statements(
    varied, editor
):
    """The four related-row statements are prepared on the connection the
    first time (the server plans them once), and so is the page's own
    statement when no filter is named; a filtered page's is not (its best plan
    depends on the filter's value). Every page, the public's and an editor's,
    still gets what the serializer shows."""
    none_prepared()
    client = Client()
    assert client.get("/api/v1/threats/?page_size=2").status_code == 200
    statements = prepared_statements()
    related = [text for text in statements if "= ANY($1::bigint[])" in text]
    assert len(related) == 4
    (page,) = [text for text in statements if text not in related]
    assert "ORDER BY" in page and "LIMIT" in page

    client.force_login(editor)
    for query in ("?page_size=2", "?page_size=2&page=2", "?target=LT", ""):
        response = client.get(f"/api/v1/threats/{query}")
        assert response.content.endswith(
            b'"results":' + serializer_json(response) + b"}"
        )
    cursor = client.get("/api/v1/threats/?pagination=cursor&page_size=2")
    assert cursor.content.endswith(b'"results":' + serializer_json(cursor) + b"}")
    client.get("/api/v1/threats/?updated_since=2020-01-01T00:00:00Z&page_size=2")
    client.get("/api/v1/threats/?ordering=title&page_size=2")
    page_statements = [
        text for text in prepared_statements() if "= ANY($1::bigint[])" not in text
    ]
    assert not [text for text in page_statements if "targeted_country" in text]
    assert not [text for text in page_statements if '"updated" >' in text]
    assert not [
        text
        for text in page_statements
        if 'ORDER BY "threats_threatentry"."title"' in text
    ]
    assert len(prepared_statements()) > len(statements)  # the editors' pages


def test_without_prepared_statements_the_list_is_the_same(varied, settings):
    settings.DATABASE_PREPARED_STATEMENTS = False
    none_prepared()
    response = Client().get("/api/v1/threats/")
    assert response.content.endswith(b'"results":' + serializer_json(response) + b"}")
    assert prepared_statements() == []


def test_prepared_statements_are_counted_and_logged_with_their_values(varied):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    none_prepared()
    with CaptureQueriesContext(connection) as queries:
        Client().get("/api/v1/threats/?page_size=2")
    logged = [query["sql"] for query in queries.captured_queries]
    related = [text for text in logged if "= ANY('{" in text]
    assert len(related) == 4  # the ids written in, as for any logged query
    assert len(prepared_statements()) == 5
    assert all(text and "%s" not in text for text in logged)
