"""The rendered home page and map data kept for anonymous readers
(core/httpcache.py ``anonymous_page``): answered without rendering while the
data version is the same, new at once after a publication or retraction, and
never the page of, or for, a logged-in reader."""

from decimal import Decimal

import pytest

from core import workflow
from tests import factories
from tests.queries import VERSION_LOOKUP

pytestmark = pytest.mark.django_db

MAP_DATA = "/map/data.json"


def rendered(response):
    """Whether the view rendered this response (the test client records the
    templates rendered); a page from the cache renders none."""
    return bool(response.templates)


def titles(response):
    return {feature["properties"]["title"] for feature in response.json()["features"]}


def mapped(**values):
    return {"latitude": Decimal("54.9"), "longitude": Decimal("23.9"), **values}


def test_the_home_page_is_rendered_once_then_read_from_the_cache(
    client, django_assert_num_queries
):
    factories.threat(title="Drone over the lake")
    first = client.get("/")
    assert rendered(first)

    with django_assert_num_queries(VERSION_LOOKUP):
        again = client.get("/")

    assert again.status_code == 200
    assert not rendered(again)
    assert again.content == first.content
    assert again["Content-Type"] == first["Content-Type"]
    # The HTTP validators are the middleware's, as for a rendered page.
    assert again["ETag"] == first["ETag"]
    assert "public" in again["Cache-Control"]
    assert client.get("/", HTTP_IF_NONE_MATCH=again["ETag"]).status_code == 304


def test_a_publication_shows_on_the_home_page_at_once(client, editor, reviewer):
    factories.threat(title="Drone over the lake")
    client.get("/")
    waiting = factories.threat_in_review(editor, title="Jamming near the coast")
    assert "Jamming near the coast" not in client.get("/").content.decode()

    workflow.publish(waiting, reviewer)

    response = client.get("/")
    assert rendered(response)
    assert "Jamming near the coast" in response.content.decode()


def test_a_retraction_leaves_the_home_page_at_once(client, reviewer):
    entry = factories.threat(title="Drone over the lake")
    assert "Drone over the lake" in client.get("/").content.decode()

    workflow.retract(entry, reviewer, "The source withdrew the report.")

    assert "Drone over the lake" not in client.get("/").content.decode()


def test_each_language_has_its_own_page(client):
    english = client.get("/")
    lithuanian = client.get("/lt/")
    assert english.content != lithuanian.content
    assert '<html lang="lt">' in lithuanian.content.decode()
    assert not rendered(client.get("/lt/"))
    assert '<html lang="en">' in client.get("/").content.decode()


def test_a_home_page_with_a_query_string_is_rendered_not_kept(client):
    client.get("/?q=drone")
    response = client.get("/?q=drone")
    assert rendered(response)
    assert 'value="drone"' in response.content.decode()


def test_a_logged_in_reader_never_gets_the_anonymous_page(client, analyst):
    client.get("/")
    assert not rendered(client.get("/"))

    client.force_login(analyst)
    response = client.get("/")

    assert rendered(response)
    assert "private" in response["Cache-Control"]


def test_a_logged_in_readers_page_is_never_kept_for_anonymous_readers(client, analyst):
    client.force_login(analyst)
    client.get("/")
    client.get(MAP_DATA)
    client.logout()

    assert rendered(client.get("/"))
    assert client.get(MAP_DATA).status_code == 200


def test_a_token_client_never_gets_the_anonymous_map_data(client, analyst):
    from rest_framework.authtoken.models import Token

    client.get(MAP_DATA)
    token, _created = Token.objects.get_or_create(user=analyst)
    response = client.get(MAP_DATA, HTTP_AUTHORIZATION=f"Token {token.key}")
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]


def test_a_reader_bringing_messages_gets_the_page_rendered(client):
    client.get("/")
    client.cookies["messages"] = "anything"
    assert rendered(client.get("/"))


def test_the_map_data_is_kept_and_a_publication_changes_it_at_once(
    client, editor, reviewer, django_assert_num_queries
):
    factories.threat(title="Drone over the lake", **mapped())
    assert titles(client.get(MAP_DATA)) == {"Drone over the lake"}
    with django_assert_num_queries(VERSION_LOOKUP):
        assert titles(client.get(MAP_DATA)) == {"Drone over the lake"}
    waiting = factories.threat_in_review(
        editor, title="Jamming near the coast", **mapped(latitude=Decimal("55.7"))
    )

    workflow.publish(waiting, reviewer)

    assert titles(client.get(MAP_DATA)) == {
        "Drone over the lake",
        "Jamming near the coast",
    }


def test_bad_map_filters_stay_a_400(client):
    for _attempt in range(2):
        response = client.get(MAP_DATA, {"year": "soon"})
        assert response.status_code == 400
        assert "year" in response.json()["errors"]


def test_nearby_map_views_share_one_kept_answer(client, monkeypatch):
    """Kept per view snapped to its grid, as the cells are: panning a little
    is answered from the cache, without building the FilterSets, and the cache
    does not fill with a copy per pixel of panning."""
    from config.pages import maps

    factories.threat(title="Drone over the lake", **mapped())
    built = []
    original = maps.MapFilters.__init__

    def counting(self, query):
        built.append(query.urlencode())
        original(self, query)

    monkeypatch.setattr(maps.MapFilters, "__init__", counting)
    first = client.get(MAP_DATA, {"bbox": "20.0,53.0,28.0,57.0", "zoom": "6"})
    nearby = client.get(MAP_DATA, {"bbox": "20.001,53.0,28.001,57.0", "zoom": "6"})
    closer = client.get(MAP_DATA, {"bbox": "23.0,54.0,25.0,56.0", "zoom": "9"})

    assert len(built) == 2  # the first view and the closer one
    assert nearby.content == first.content
    assert titles(closer) == {"Drone over the lake"}


def test_a_bad_map_view_is_never_kept(client):
    for _attempt in range(2):
        response = client.get(MAP_DATA, {"bbox": "east,of,eden,x"})
        assert response.status_code == 400
        assert "bbox" in response.json()["errors"]
