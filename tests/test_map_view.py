"""/map/data.json answers for the part of the map shown (``bbox``, ``zoom``):
the records themselves when few are in view, else groups per grid cell, with a
bounded payload and as many queries at any size (config/pages/mapgrid.py)."""

from decimal import Decimal

import pytest

from config.pages import mapgrid
from config.pages.maps import MapView
from tests import factories as make
from tests.queries import VERSION_LOOKUP

BALTIC = "bbox=11,52.6,31.5,65.8&zoom=5"


def data(client, query=""):
    response = client.get(f"/map/data.json?{query}")
    assert response.status_code == 200, response.content
    return response.json()


def singles(answer):
    return sorted(
        f["properties"]["title"]
        for f in answer["features"]
        if not f["properties"].get("cluster")
    )


def groups(answer):
    return [f for f in answer["features"] if f["properties"].get("cluster")]


@pytest.fixture
def spread(db):
    """Ten threat entries around Vilnius, one in Riga, an exercise in Tallinn."""
    category = make.category("cyber-attack")
    for n in range(10):
        make.threat(
            title=f"Vilnius {n}",
            category=category,
            latitude=Decimal("54.60") + Decimal(n) / 100,
            longitude=Decimal("25.20") + Decimal(n) / 100,
        )
    make.threat(
        title="Riga",
        category=category,
        latitude=Decimal("56.95"),
        longitude=Decimal("24.10"),
    )
    exercise = make.exercise(name="Tallinn exercise")
    make.location(
        exercise, name="Tallinn", latitude=Decimal("59.44"), longitude=Decimal("24.75")
    )


def test_only_the_records_in_view(client, spread):
    answer = data(client, "bbox=23.5,56.5,25,57.5&zoom=8")

    assert singles(answer) == ["Riga"]
    assert answer["count"] == 1
    assert answer["clustered"] is False


def test_few_records_in_view_come_one_by_one(client, spread):
    answer = data(client, BALTIC)

    assert answer["count"] == 12
    assert len(singles(answer)) == 12
    assert groups(answer) == []


def test_many_records_in_view_come_in_groups_with_their_counts(
    client, spread, monkeypatch
):
    monkeypatch.setattr(mapgrid, "MAX_RECORDS", 5)

    answer = data(client, BALTIC)

    assert answer["clustered"] is True
    assert answer["count"] == 12
    # The ten near Vilnius are one group; Riga and Tallinn are alone in their cells.
    assert singles(answer) == ["Riga", "Tallinn exercise"]
    [vilnius] = groups(answer)
    assert vilnius["properties"]["count"] == 10
    assert vilnius["properties"]["counts"] == {"threat": 10}
    west, south, east, north = vilnius["properties"]["bbox"]
    assert (west, south, east, north) == (25.2, 54.6, 25.29, 54.69)
    lon, lat = vilnius["geometry"]["coordinates"]
    assert west <= lon <= east and south <= lat <= north
    # Zoomed in on Vilnius, the group splits into its records.
    closer = data(client, "bbox=25.1,54.5,25.4,54.8&zoom=16")
    assert (
        len(singles(closer)) + sum(g["properties"]["count"] for g in groups(closer))
        == 10
    )


def test_records_at_one_spot_are_listed_together(client, db, monkeypatch):
    monkeypatch.setattr(mapgrid, "MAX_RECORDS", 2)
    for n in range(4):
        make.threat(
            title=f"Same place {n}",
            latitude=Decimal("54.68"),
            longitude=Decimal("25.28"),
        )

    answer = data(client, BALTIC)

    # One spot: no zoom would split them, so they come as records (one popup).
    assert singles(answer) == [f"Same place {n}" for n in range(4)]


def test_filters_still_apply_to_the_view(client, spread):
    answer = data(client, f"kind=exercise&{BALTIC}")

    assert singles(answer) == ["Tallinn exercise"]
    assert answer["count"] == 1


@pytest.mark.parametrize(
    "query",
    [
        "bbox=1,2,3",
        "bbox=a,b,c,d",
        "bbox=30,50,20,60",
        "bbox=10,60,20,50",
        "bbox=nan,1,2,3",
        "bbox=10,50,20,inf",
        "zoom=99",
        "zoom=-1",
        "zoom=near",
    ],
)
def test_a_bad_view_is_a_400_with_the_reason(client, db, query):
    response = client.get(f"/map/data.json?{query}")

    assert response.status_code == 400
    name = query.split("=")[0]
    assert response.json()["errors"][name][0]["message"]


@pytest.mark.parametrize("zoom", [0, 5, 12, 18])
def test_the_grid_never_has_more_than_its_cells(zoom):
    grid = mapgrid.Grid.for_view((-180.0, -85.0, 180.0, 85.0), zoom)

    columns = (grid.east - grid.west) / grid.step_x
    rows = (grid.north - grid.south) / grid.step_y
    # Snapping outward to whole cells adds at most one on each side, and the
    # step is rounded up to a power of two (at most twice as coarse).
    assert columns <= mapgrid.MAX_COLUMNS + 2
    assert rows <= mapgrid.MAX_ROWS + 2


def test_nearby_views_share_one_grid():
    one = mapgrid.Grid.for_view((11.3, 52.6, 31.5, 65.8), 5)
    other = mapgrid.Grid.for_view((11.5, 52.7, 31.6, 65.9), 5)

    assert one.key() == other.key()


def _build(rows):
    for n in range(rows):
        make.threat(latitude=Decimal("54.0") + n, longitude=Decimal("25.0"))
        make.threat(latitude=Decimal("54.0") + n, longitude=Decimal("25.001"))
        exercise = make.exercise()
        make.location(exercise, latitude=Decimal("57.0"), longitude=Decimal("20.0") + n)


@pytest.mark.django_db
@pytest.mark.parametrize("rows", [1, 12])
def test_grouped_answers_make_as_many_queries_at_any_size(
    client, django_assert_num_queries, monkeypatch, rows
):
    monkeypatch.setattr(mapgrid, "MAX_RECORDS", 3)
    _build(rows)

    # Per kind: the cells, then the records shown one by one.
    with django_assert_num_queries(4 + VERSION_LOOKUP):
        answer = data(client, BALTIC)

    assert answer["count"] == 3 * rows


def test_the_page_lists_the_newest_and_says_how_many_more(client, spread, monkeypatch):
    monkeypatch.setattr(MapView, "listed", 3)

    response = client.get("/map/")

    html = response.content.decode()
    assert len(response.context["records"]) == 3
    assert response.context["threat_count"] == 11
    assert response.context["exercise_count"] == 1
    assert "The newest 3 of 12 are listed here" in html
    assert "11 threat entries." in html


def test_the_page_does_not_keep_the_view_as_a_filter(client, spread):
    html = client.get(f"/map/?{BALTIC}&host=LT").content.decode()

    assert '<input type="hidden" name="host" value="LT">' in html
    assert 'name="bbox"' not in html
    assert 'name="zoom"' not in html


def test_the_page_counts_maritime_incidents_by_sea_area(client, db):
    for n in range(2):
        make.threat(
            title=f"Cable {n}",
            sea_area="baltic_sea",
            latitude=Decimal("57.1"),
            longitude=Decimal("19.5"),
        )
    make.threat(title="Ship", sea_area="gulf_of_finland")
    make.threat(title="On land")

    response = client.get("/map/?year=")

    areas = [(a["label"], a["count"]) for a in response.context["sea_areas"]]
    assert areas == [("Baltic Sea", 2), ("Gulf of Finland", 1)]
    html = response.content.decode()
    assert "Maritime incidents by sea area" in html
    assert 'href="/map/?year=&amp;sea_area=baltic_sea"' in html
    # The map writes each sea's name and count inside it.
    labels = response.context["sea_labels"]
    assert {label["label"] for label in labels} == {"Baltic Sea", "Gulf of Finland"}
    assert 'data-sea-labels="map-sea-labels"' in html
    # The link maps the incidents of that sea alone.
    answer = data(client, f"sea_area=baltic_sea&{BALTIC}")
    assert singles(answer) == ["Cable 0", "Cable 1"]


def test_no_sea_areas_when_only_exercises_are_shown(client, db):
    make.threat(sea_area="baltic_sea")

    response = client.get("/map/?kind=exercise")

    assert response.context["sea_areas"] == []
    assert "Maritime incidents by sea area" not in response.content.decode()
