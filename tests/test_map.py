"""/map/ and /map/data.json: exercise locations and threat entries with coordinates."""

import datetime
import json
import re
from decimal import Decimal

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders

from tests import factories as make
from tests.queries import VERSION_LOOKUP

GEOJSON = "application/geo+json"


def day(year, month=1, day_=1):
    return datetime.date(year, month, day_)


def features(response):
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == GEOJSON
    data = response.json()
    assert data["type"] == "FeatureCollection"
    return data["features"]


def titles(response):
    return sorted(feature["properties"]["title"] for feature in features(response))


@pytest.fixture
def places(db):
    """Records with and without coordinates, of both kinds."""
    lithuania = make.country("LT", "Lithuania")
    poland = make.country("PL", "Poland")
    iron_wolf = make.exercise(
        name="Iron Wolf 2024",
        slug="iron-wolf-2024",
        domain="land",
        start=day(2024, 10, 17),
        start_precision="day",
        end=day(2024, 10, 27),
        end_precision="day",
        hosts=[lithuania],
    )
    make.location(
        iron_wolf,
        name="Pabradė",
        country=lithuania,
        latitude=Decimal("54.98333"),
        longitude=Decimal("25.78333"),
    )
    make.location(
        iron_wolf,
        name="Rukla",
        country=lithuania,
        latitude=Decimal("55.05278"),
        longitude=Decimal("24.37778"),
    )
    make.location(iron_wolf, name="Somewhere unmapped")
    baltops = make.exercise(
        name="BALTOPS 2023",
        slug="baltops-2023",
        domain="maritime",
        start=day(2023, 6),
        start_precision="month",
        hosts=[poland],
    )
    make.location(
        baltops, name="Gdynia", latitude=Decimal("54.5"), longitude=Decimal("18.55")
    )
    make.exercise(name="Exercise with no place", slug="no-place")
    make.threat(
        title="DDoS on Vilnius",
        slug="ddos-vilnius",
        category=make.category("cyber-attack"),
        occurred_start=day(2022, 6),
        occurred_start_precision="month",
        location_name="Vilnius",
        latitude=Decimal("54.683"),
        longitude=Decimal("25.317"),
        targets=[lithuania],
    )
    make.threat(
        title="Balloons over Vilnius airport",
        slug="balloons",
        category=make.category("hybrid-operation"),
        occurred_start=day(2024, 10, 5),
        occurred_start_precision="day",
        location_name="Vilnius Airport",
        latitude=Decimal("54.634"),
        longitude=Decimal("25.285"),
        targets=[lithuania],
    )
    make.threat(title="Disinformation with no place", slug="no-place-threat")


def test_data_has_every_record_with_coordinates_and_nothing_else(client, places):
    response = client.get("/map/data.json")

    assert titles(response) == [
        "BALTOPS 2023",
        "Balloons over Vilnius airport",
        "DDoS on Vilnius",
        "Iron Wolf 2024",  # one feature per mapped location
        "Iron Wolf 2024",
    ]


def test_features_carry_what_a_popup_shows(client, places):
    by_place = {
        feature["properties"]["place"]: feature
        for feature in features(client.get("/map/data.json"))
    }

    pabrade = by_place["Pabradė"]
    assert pabrade["geometry"] == {"type": "Point", "coordinates": [25.78333, 54.98333]}
    assert pabrade["properties"] == {
        "kind": "exercise",
        "kind_label": "Exercise",
        "title": "Iron Wolf 2024",
        "url": "/exercises/iron-wolf-2024/",
        "date": "17 October 2024 – 27 October 2024",
        "place": "Pabradė",
        "domain": "land",
    }
    ddos = by_place["Vilnius"]
    assert ddos["geometry"]["coordinates"] == [25.317, 54.683]
    assert ddos["properties"] == {
        "kind": "threat",
        "kind_label": "Threat",
        "title": "DDoS on Vilnius",
        "url": "/threats/ddos-vilnius/",
        "date": "June 2022",
        "place": "Vilnius",
        "category": "Cyber attack",
        "precision": "",  # not recorded for this entry
    }
    assert by_place["Gdynia"]["properties"]["date"] == "June 2023"


def test_popup_urls_open_the_records(client, places):
    for feature in features(client.get("/map/data.json")):
        assert client.get(feature["properties"]["url"]).status_code == 200


def test_newest_first(client, places):
    dates = [
        feature["properties"]["title"]
        for feature in features(client.get("/map/data.json"))
    ]
    assert dates[0] == "Iron Wolf 2024"
    assert dates[-1] == "DDoS on Vilnius"


@pytest.mark.parametrize(
    "query, expected",
    [
        ("kind=threat", ["Balloons over Vilnius airport", "DDoS on Vilnius"]),
        ("kind=exercise", ["BALTOPS 2023", "Iron Wolf 2024", "Iron Wolf 2024"]),
        (
            "kind=exercise&kind=threat&year=2024",
            ["Balloons over Vilnius airport", "Iron Wolf 2024", "Iron Wolf 2024"],
        ),
        # Shared filters apply to both kinds; typed year lists are understood.
        ("year=2022, 2023", ["BALTOPS 2023", "DDoS on Vilnius"]),
        ("q=vilnius", ["Balloons over Vilnius airport", "DDoS on Vilnius"]),
        # ThreatEntryFilterSet's own filters show threat entries alone...
        ("category=cyber-attack", ["DDoS on Vilnius"]),
        ("target=LT&year=2024", ["Balloons over Vilnius airport"]),
        # ...and ExerciseFilterSet's exercises alone.
        ("domain=maritime", ["BALTOPS 2023"]),
        ("host=LT", ["Iron Wolf 2024", "Iron Wolf 2024"]),
        ("start_after=2024-01-01", ["Iron Wolf 2024", "Iron Wolf 2024"]),
        # Filters of both kinds: each kind filtered by its own.
        ("domain=maritime&category=cyber-attack", ["BALTOPS 2023", "DDoS on Vilnius"]),
        # A list's order, page and format do not matter here.
        (
            "ordering=-severity&page=3&format=csv&category=cyber-attack",
            ["DDoS on Vilnius"],
        ),
        # An explicit kind wins over the inference.
        (
            "kind=exercise&category=cyber-attack",
            ["BALTOPS 2023", "Iron Wolf 2024", "Iron Wolf 2024"],
        ),
    ],
)
def test_filters_are_the_lists_filters(client, places, query, expected):
    assert titles(client.get(f"/map/data.json?{query}")) == expected


@pytest.mark.parametrize(
    "query, param",
    [
        ("kind=agreement", "kind"),
        ("year=soon", "year"),
        ("category=no-such-thing", "category"),
        ("category=%00", "category"),
        ("host=ZZ", "host"),
        ("q=%00", "q"),
        ("start_after=2024-13-45", "start_after"),
        ("occurred_after=yesterday", "occurred_after"),
        ("series=%00", "series"),
    ],
)
def test_bad_filters_are_a_400_with_the_errors(client, places, query, param):
    response = client.get(f"/map/data.json?{query}")

    assert response.status_code == 400
    errors = response.json()["errors"]
    assert param in errors
    assert errors[param][0]["message"]


def test_page_lists_the_mapped_records_without_javascript(client, places):
    response = client.get("/map/?kind=threat")

    assert response.status_code == 200
    html = response.content.decode()
    assert '<a href="/threats/ddos-vilnius/">DDoS on Vilnius</a>' in html
    assert '<a href="/threats/balloons/">Balloons over Vilnius airport</a>' in html
    assert "Iron Wolf 2024" not in html
    assert "no-place-threat" not in html
    assert "54.683, 25.317" in html
    assert "June 2022" in html
    assert 'value="threat" id="kind-threat" checked' in html


def test_page_loads_leaflet_the_borders_and_the_data_from_the_site(client, places):
    html = client.get("/map/?host=LT").content.decode()

    assert '<script src="/static/leaflet/leaflet.js">' in html
    assert 'href="/static/leaflet/leaflet.css"' in html
    assert '<script src="/static/js/map.js">' in html
    assert 'data-source="/map/data.json?host=LT"' in html
    assert 'data-borders="/static/geo/baltic-countries.geojson"' in html
    # Nothing is loaded from elsewhere: every src and stylesheet is local. (The
    # page's own addresses in each language are absolute, as hreflang wants:
    # links, nothing loaded.)
    own = r'<link rel="(?:canonical|alternate)" (?:hreflang="[a-z-]+" )?href="http://testserver/'
    assert len(re.findall(own, html)) == 4
    for url in re.findall(r'(?:src|href)="([^"]+)"', re.sub(own, "", html)):
        assert not url.startswith(("http:", "https:", "//")), url
    # A filter the form has no input for is kept when the form is sent.
    assert '<input type="hidden" name="host" value="LT">' in html
    assert finders.find("leaflet/leaflet.js")
    assert finders.find("leaflet/leaflet.css")
    assert finders.find("js/map.js")
    assert "leaflet" not in settings.INSTALLED_APPS


def test_page_shows_bad_filters_as_form_errors(client, places):
    response = client.get("/map/?year=soon&category=nope")

    assert response.status_code == 200
    html = response.content.decode()
    assert 'role="alert"' in html
    assert "Year:" in html
    assert "Category:" in html
    assert "DDoS on Vilnius" not in html


def test_empty_map_says_so(client, db):
    response = client.get("/map/")

    assert response.status_code == 200
    assert "No record with coordinates matches" in response.content.decode()
    assert features(client.get("/map/data.json")) == []


def _build(rows):
    lithuania = make.country("LT", "Lithuania")
    for n in range(rows):
        exercise = make.exercise(hosts=[lithuania])
        for place in range(2):
            make.location(
                exercise,
                latitude=Decimal("54.9") + n,
                longitude=Decimal("25.1") + place,
            )
        make.location(exercise)  # no coordinates
        make.threat(
            targets=[lithuania],
            latitude=Decimal("54.6"),
            longitude=Decimal("25.2") + n,
        )
        make.threat()


# Queries, per kind: the grid's cells in view (one GROUP BY), then the records
# shown one by one (exercise locations with their exercises, threat entries with
# their categories).
DATA_QUERIES = 4
# Per kind, how many are mapped and the newest listed; the threat categories for
# the filter form; maritime incidents per sea area.
PAGE_QUERIES = 6


@pytest.mark.django_db
@pytest.mark.parametrize("rows", [1, 10])
def test_data_query_count_does_not_grow_with_rows(
    client, django_assert_num_queries, rows
):
    _build(rows)

    # Plus, per kind, the search's one bounded probe for ``q`` (how often the
    # words match among the newest records, core/search.py).
    with django_assert_num_queries(DATA_QUERIES + 2 + VERSION_LOOKUP):
        response = client.get("/map/data.json?year=2024&q=exercise")

    # The word is in every exercise's name and in no threat entry.
    assert len(features(response)) == 2 * rows


@pytest.mark.django_db
@pytest.mark.parametrize("rows", [1, 10])
def test_page_query_count_does_not_grow_with_rows(
    client, django_assert_num_queries, rows
):
    _build(rows)

    with django_assert_num_queries(PAGE_QUERIES + VERSION_LOOKUP):
        response = client.get("/map/")

    assert len(response.context["records"]) == 3 * rows


@pytest.mark.django_db
@pytest.mark.parametrize("rows", [1, 10])
def test_filtered_query_count_does_not_grow_with_rows(
    client, django_assert_num_queries, rows
):
    _build(rows)

    # One kind shown: its two queries, plus 1 to look up the country given.
    with django_assert_num_queries(3 + VERSION_LOOKUP):
        client.get("/map/data.json?kind=exercise&host=LT")
    with django_assert_num_queries(3 + VERSION_LOOKUP):
        client.get("/map/data.json?kind=threat&target=LT")
    # Both kinds, and both filtered by a looked-up value (country, category).
    with django_assert_num_queries(DATA_QUERIES + 2 + VERSION_LOOKUP):
        client.get("/map/data.json?host=LT&category=cyber-attack")


BORDERS = settings.BASE_DIR / "static" / "geo" / "baltic-countries.geojson"


def _points(geometry):
    polygons = (
        [geometry["coordinates"]]
        if geometry["type"] == "Polygon"
        else geometry["coordinates"]
    )
    for polygon in polygons:
        for ring in polygon:
            assert ring[0] == ring[-1] and len(ring) >= 4
            yield from ring


def test_borders_file_is_small_valid_geojson_of_the_baltic_region():
    assert BORDERS.stat().st_size < 400_000
    borders = json.loads(BORDERS.read_text(encoding="utf-8"))

    assert borders["type"] == "FeatureCollection"
    names = {feature["properties"]["name"] for feature in borders["features"]}
    assert {
        "Lithuania",
        "Latvia",
        "Estonia",
        "Poland",
        "Germany",
        "Denmark",
        "Sweden",
        "Finland",
        "Norway",
        "Belarus",
        "Ukraine",
        "Russia",
    } <= names
    for feature in borders["features"]:
        assert feature["geometry"]["type"] in ("Polygon", "MultiPolygon")
        for lon, lat in _points(feature["geometry"]):
            # Clipped to the region, rounded to 3 decimals.
            assert -6 <= lon <= 58 and 42 <= lat <= 74
            assert round(lon, 3) == lon and round(lat, 3) == lat
    assert finders.find("geo/baltic-countries.geojson")
