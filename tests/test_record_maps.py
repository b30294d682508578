"""Small offline maps on records and profiles (includes/record_map.html,
static/js/record-map.js), and the country profile's threat summary."""

import datetime
import json
import re
from decimal import Decimal

import pytest
from django.contrib.staticfiles import finders

from core.templatetags.record_maps import map_points
from tests import factories as make
from tests.queries import VERSION_LOOKUP

pytestmark = pytest.mark.django_db


def day(year, month=1, day_=1):
    return datetime.date(year, month, day_)


def points(html):
    found = re.search(
        r'<script id="record-map-points" type="application/json">(.*?)</script>',
        html,
        re.S,
    )
    assert found, "no record map"
    return json.loads(found.group(1))


def assert_nothing_from_elsewhere(html):
    for url in re.findall(r'(?:src|href|data-[a-z-]+)="([^"]+)"', html):
        if url.startswith(("http:", "https:", "//")):
            # Links a reader may follow (sources, Leaflet's credit) are not loads.
            assert not re.search(rf'(?:src|data-[a-z-]+)="{re.escape(url)}"', html), url


def test_a_threat_entry_with_coordinates_shows_its_place_on_a_map(client):
    entry = make.threat(
        title="Cable cut",
        slug="cable-cut",
        location_name="Off Gotland",
        latitude=Decimal("57.12345"),
        longitude=Decimal("19.54321"),
        sea_area="baltic_sea",
    )

    html = client.get(entry.get_absolute_url()).content.decode()

    assert points(html) == [{"lat": 57.12345, "lon": 19.54321, "label": "Off Gotland"}]
    assert 'class="record-map"' in html
    assert 'data-borders="/static/geo/baltic-countries.geojson"' in html
    assert '<script src="/static/leaflet/leaflet.js">' in html
    assert '<script src="/static/js/record-map.js">' in html
    assert "Sea area: Baltic Sea." in html
    assert_nothing_from_elsewhere(html)
    assert finders.find("js/record-map.js")


def test_a_threat_entry_without_coordinates_has_no_map(client):
    entry = make.threat(title="Somewhere", slug="somewhere")

    html = client.get(entry.get_absolute_url()).content.decode()

    assert "record-map" not in html
    assert "record-map.js" not in html


def test_an_exercise_shows_its_located_places(client):
    exercise = make.exercise(name="Iron Wolf", slug="iron-wolf")
    make.location(
        exercise,
        name="Pabradė",
        latitude=Decimal("54.98333"),
        longitude=Decimal("25.78333"),
    )
    make.location(
        exercise, name="Rukla", latitude=Decimal("55.05"), longitude=Decimal("24.38")
    )
    make.location(exercise, name="Somewhere unmapped")

    html = client.get("/exercises/iron-wolf/").content.decode()

    assert [point["label"] for point in points(html)] == ["Pabradė", "Rukla"]
    assert 'data-kind="exercise"' in html


def test_map_points_reads_places_and_lists_of_places():
    class Place:
        def __init__(self, name, latitude, longitude):
            self.name, self.latitude, self.longitude = name, latitude, longitude

    found = map_points(
        Place("A", Decimal("1.5"), Decimal("2.5")),
        [Place("B", None, None), Place("C", Decimal("3"), Decimal("4"))],
        None,
    )

    assert found == [
        {"lat": 1.5, "lon": 2.5, "label": "A"},
        {"lat": 3.0, "lon": 4.0, "label": "C"},
    ]


@pytest.fixture
def profile():
    lithuania = make.country("LT", "Lithuania", name_lt="Lietuva")
    cyber = make.category("cyber-attack")
    sabotage = make.category("sabotage")
    killnet = make.actor(name="Killnet", slug="killnet")
    gru = make.actor(name="GRU", slug="gru")
    for n in range(3):
        entry = make.threat(
            category=cyber, targets=[lithuania], occurred_start=day(2022, 6 + n)
        )
        make.attribution(entry=entry, actor_obj=killnet)
    entry = make.threat(
        category=sabotage, location_country=lithuania, occurred_start=day(2024, 5)
    )
    make.attribution(entry=entry, actor_obj=gru)
    make.attribution(entry=entry, actor_obj=killnet)
    make.threat(category=sabotage, occurred_start=day(2024, 5))  # elsewhere
    make.threat(
        category=cyber,
        targets=[lithuania],
        occurred_start=day(2023, 1),
        publication_status="draft",
        published_at=None,
    )
    return lithuania


def test_the_profile_counts_threat_entries_by_year_and_category(client, profile):
    response = client.get("/countries/LT/")
    summary = response.context["threat_summary"]

    assert [column["slug"] for column in summary["columns"]] == [
        "cyber-attack",
        "sabotage",
    ]
    assert [(row["year"], row["total"]) for row in summary["rows"]] == [
        (2024, 1),
        (2022, 3),
    ]
    assert [cell["count"] for cell in summary["rows"][1]["cells"]] == [3, 0]
    assert summary["total"] == 4
    html = response.content.decode()
    assert "Threat entries by year and category" in html
    assert (
        'href="/threats/?target=LT&amp;year=2022&amp;category=cyber-attack">3</a>'
        in html
    )


def test_the_profile_names_the_actors_blamed_most_often(client, profile):
    response = client.get("/countries/LT/")

    actors = response.context["threat_summary"]["actors"]
    assert [(actor["name"], actor["count"]) for actor in actors] == [
        ("Killnet", 4),
        ("GRU", 1),
    ]
    html = response.content.decode()
    assert '<a href="/threats/?target=LT&amp;actor=killnet">Killnet</a>' in html


def test_the_profile_has_its_map_with_its_threat_entries(client, profile):
    html = client.get("/countries/LT/").content.decode()

    assert 'data-highlight="Lithuania"' in html
    assert 'data-source="/map/data.json?kind=threat&amp;target=LT"' in html
    assert '<script src="/static/js/record-map.js">' in html


def test_a_profile_without_threat_entries_says_so(client):
    make.country("EE", "Estonia")

    html = client.get("/countries/EE/").content.decode()

    assert "No threat entry is recorded." in html


@pytest.mark.parametrize("size", [1, 8])
def test_the_summary_costs_two_queries_at_any_size(
    client, django_assert_num_queries, size
):
    country = make.country("QC", "Scene")
    for n in range(size):
        entry = make.threat(targets=[country], occurred_start=day(2015 + n, 1))
        make.attribution(entry=entry)

    # The profile's five (tests/alliances/test_views.py) and the summary's two.
    with django_assert_num_queries(7 + VERSION_LOOKUP):
        response = client.get("/countries/QC/")

    assert len(response.context["threat_summary"]["rows"]) == size


def test_the_profile_lists_the_newest_entries_and_links_to_them_all(
    client, profile, monkeypatch
):
    from config.pages import countries

    monkeypatch.setattr(countries, "THREATS_LISTED", 2)

    response = client.get("/countries/LT/")

    assert len(response.context["threats"]) == 2
    html = response.content.decode()
    assert "<strong>4</strong> threat entries" in html
    assert "The newest 2 are listed here: all 4" in html
    assert 'href="/threats/?target=LT"' in html
