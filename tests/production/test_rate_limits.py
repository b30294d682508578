"""Anonymous abuse (case 14): pages, search, exports, feeds, map data and the API
end in 429 with Retry-After, per client address (a made-up X-Forwarded-For does
not help), counted across gunicorn workers through Redis."""

import collections
import json
import time

import pytest

from tests.production.conftest import fetch

pytestmark = pytest.mark.django_db

# Hourly windows: a burst of a few requests never straddles the start of a new
# window (django-ratelimit counts in fixed windows).
LOW_RATES = {
    "pages": "3/hour",
    "search": "2/hour",
    "exports": "2/hour",
    "feeds": "2/hour",
    "map-data": "2/hour",
}


@pytest.fixture
def low_rates(settings):
    from django.core.cache import cache

    cache.clear()
    settings.ANONYMOUS_RATES = LOW_RATES
    yield
    cache.clear()


@pytest.mark.parametrize(
    ("path", "allowed"),
    [
        ("/threats/", 3),
        ("/search/?q=nato", 2),
        ("/threats/?format=csv", 2),
        ("/threats/feed/", 2),
        ("/exercises.ics", 2),
        ("/map/data.json", 2),
    ],
)
def test_anonymous_bursts_end_in_429(client, low_rates, path, allowed):
    statuses = [client.get(path).status_code for _ in range(allowed + 1)]
    assert statuses == [200] * allowed + [429]
    response = client.get(path)
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 3600
    assert "Too many requests" in response.content.decode()


def test_each_kind_of_request_has_its_own_budget(client, low_rates):
    for _ in range(3):
        client.get("/threats/")
    assert client.get("/threats/").status_code == 429
    assert client.get("/search/?q=nato").status_code == 200


def test_a_made_up_forwarded_for_does_not_reset_the_count(client, low_rates):
    statuses = [
        client.get("/threats/", HTTP_X_FORWARDED_FOR=f"203.0.113.{n}").status_code
        for n in range(5)
    ]
    assert statuses == [200, 200, 200, 429, 429]


def test_each_address_is_counted_on_its_own(client, low_rates):
    for _ in range(3):
        client.get("/threats/", REMOTE_ADDR="198.51.100.1")
    assert client.get("/threats/", REMOTE_ADDR="198.51.100.1").status_code == 429
    assert client.get("/threats/", REMOTE_ADDR="198.51.100.2").status_code == 200


def test_logged_in_editors_are_not_limited(editor_client, low_rates):
    assert {editor_client.get("/threats/").status_code for _ in range(6)} == {200}


def test_exempt_addresses_are_not_limited(client, low_rates, settings):
    settings.RATE_LIMIT_EXEMPT = ["127.0.0.1"]
    assert {client.get("/threats/").status_code for _ in range(6)} == {200}


# -- across workers, on Redis ---------------------------------------------------


def access_log(server):
    """(pid, status) of each request in a server's JSON access log."""
    rows = []
    for line in server.output().splitlines():
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if record.get("logger") == "gunicorn.access":
            rows.append((record["pid"], record["path"], record["status"]))
    return rows


def test_limits_hold_across_two_gunicorn_workers_with_redis(
    gunicorn, served_database, redis_url, cache_prefix
):
    server = gunicorn(
        {
            "DATABASE_URL": served_database,
            "REDIS_URL": redis_url,
            "ATLAS_CACHE_KEY_PREFIX": cache_prefix,
            "GUNICORN_WORKERS": "2",
            "GUNICORN_THREADS": "1",
            "DJANGO_PAGE_RATE": "6/hour",
            "DJANGO_SEARCH_RATE": "4/hour",
            "DJANGO_EXPORT_RATE": "4/hour",
            "DJANGO_API_ANON_RATE": "6/hour",
        }
    )
    # Both workers up before counting: /healthz (never limited) until each has
    # answered at least once.
    deadline = time.monotonic() + 60
    while len({pid for pid, path, _s in access_log(server) if path == "/healthz"}) < 2:
        assert time.monotonic() < deadline, "the second worker never answered"
        fetch(server.url + "/healthz", headers={"Connection": "close"})
    limits = {
        "/threats/": 6,
        "/search/?q=nato": 4,
        "/threats/?format=csv": 4,
        "/api/v1/threats/": 6,
    }
    for path, allowed in limits.items():
        statuses = []
        for n in range(allowed + 3):
            # New connection each time (no keep-alive), so both workers serve;
            # a different forged X-Forwarded-For each time changes nothing.
            status, headers, _body = fetch(
                server.url + path,
                headers={"X-Forwarded-For": f"203.0.113.{n}", "Connection": "close"},
            )
            statuses.append(status)
            if status == 429:
                assert int(headers["Retry-After"]) > 0
        assert statuses == [200] * allowed + [429] * 3, (path, statuses)

    served = collections.Counter(
        pid
        for pid, path, status in access_log(server)
        if status == 200 and path != "/healthz"
    )
    # Both workers answered, and together they allowed each rate once, not twice.
    assert len(served) == 2, served
