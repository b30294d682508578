"""Page numbers by default, cursors for walking everything, no whole-table
COUNT(*) and no deep OFFSET scans."""

import pytest

from core.api.pagination import PageNumberPagination
from tests import factories

pytestmark = pytest.mark.django_db


def test_page_size_takes_1_to_200(anon):
    for _ in range(3):
        factories.actor()
    assert len(anon.get("/api/v1/actors/?page_size=1").json()["results"]) == 1
    body = anon.get("/api/v1/actors/?page_size=200").json()
    assert body["count"] == 3
    assert len(body["results"]) == 3


@pytest.mark.parametrize("size", ["0", "201", "100000", "", "x", "-1", "1.5"])
@pytest.mark.parametrize("mode", ["page", "cursor"])
def test_a_page_size_outside_the_schema_is_a_400(anon, size, mode):
    # The schema says an integer from 1 to 200: the server says the same.
    response = anon.get(f"/api/v1/actors/?pagination={mode}&page_size={size}")
    assert response.status_code == 400
    assert response.json() == {
        "page_size": ["Give a whole number of records from 1 to 200."]
    }


def test_pages_link_to_each_other(anon):
    for _ in range(5):
        factories.actor()
    first = anon.get("/api/v1/actors/?page_size=2").json()
    assert first["count"] == 5
    assert first["previous"] is None
    second = anon.get(first["next"]).json()
    third = anon.get(second["next"]).json()
    assert third["next"] is None
    assert anon.get(second["previous"]).json() == first
    ids = [row["id"] for page in (first, second, third) for row in page["results"]]
    assert len(set(ids)) == 5


def test_the_count_is_null_beyond_the_window(anon, monkeypatch):
    monkeypatch.setattr(PageNumberPagination, "window", 3)
    for _ in range(5):
        factories.actor()
    body = anon.get("/api/v1/actors/?page_size=2").json()
    assert body["count"] is None
    assert anon.get("/api/v1/actors/?page_size=2&page=2").json()["count"] is None
    deep = anon.get("/api/v1/actors/?page_size=2&page=3")
    assert deep.status_code == 400
    assert "pagination=cursor" in deep.json()["page"][0]


@pytest.mark.parametrize("page", ["0", "-1", "x", "1.5", "\u0661", "99"])
def test_invalid_pages_answer_404(anon, page):
    factories.actor()
    assert anon.get(f"/api/v1/actors/?page={page}").status_code == 404


@pytest.mark.parametrize("page", ["0", "-1352880758039", "x"])
def test_an_invalid_page_is_404_in_cursor_pagination_too(anon, page):
    factories.actor()
    response = anon.get(f"/api/v1/actors/?pagination=cursor&page={page}")
    assert response.status_code == 404


def test_cursor_pagination_walks_every_record_in_id_order(anon):
    made = [factories.actor().pk for _ in range(5)]
    url = "/api/v1/actors/?pagination=cursor&page_size=2&ordering=-name"
    seen = []
    while url:
        body = anon.get(url).json()
        assert body["count"] is None
        seen += [row["id"] for row in body["results"]]
        url = body["next"]
    assert seen == sorted(made)


def test_cursor_pagination_keeps_the_filters(anon):
    country = factories.country()
    wanted = [factories.actor(country=country).pk for _ in range(3)]
    factories.actor()
    url = f"/api/v1/actors/?pagination=cursor&page_size=2&country={country.iso2}"
    first = anon.get(url).json()
    second = anon.get(first["next"]).json()
    assert [r["id"] for r in first["results"] + second["results"]] == wanted


@pytest.mark.parametrize(
    "cursor", ["garbage", "cD0xMg%3D%3D", "cD1hYmM%3D", "cD0%C2%B2"]
)
def test_bad_cursors_answer_404(anon, cursor):
    # cD1hYmM= is "p=abc": a position that is not an id.
    assert anon.get(f"/api/v1/actors/?cursor={cursor}").status_code in (200, 404)
    assert anon.get("/api/v1/actors/?cursor=cD1hYmM%3D").status_code == 404


def test_unknown_pagination_mode_is_refused(anon):
    response = anon.get("/api/v1/actors/?pagination=offset")
    assert response.status_code == 400
    assert "pagination" in response.json()


def test_link_header_for_csv_clients(anon):
    for _ in range(3):
        factories.actor()
    response = anon.get("/api/v1/actors/?format=csv&page_size=2")
    assert 'rel="next"' in response["Link"]
