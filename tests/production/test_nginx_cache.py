"""The scale profile's nginx (ops/nginx/atlas.conf) for real: Debian's nginx with
its cache-purge module, as ops/nginx/Dockerfile installs them, in front of a
gunicorn serving the test database. Anonymous readers are served from nginx's
cache per language; editors and token clients never are; the app's purge hook
drops a page the moment a reviewer publishes, so the next reader sees the new
record although the cached copy had not expired."""

import re
import time

import pytest
from django.db import transaction

from bench.nginx import Nginx, nginx_missing
from core.publication import Status
from core.workflow import publish
from tests import factories
from tests.production.conftest import fetch, unavailable


@pytest.fixture
def nginx(tmp_path):
    """Start nginx in front of an upstream: ``nginx("127.0.0.1:PORT")``;
    stopped when the test ends."""
    reason = nginx_missing()
    if reason:
        unavailable(reason)
    started = []

    def start(upstream):
        proxy = Nginx(upstream, tmp_path)
        started.append(proxy)
        return proxy

    yield start
    for proxy in started:
        proxy.stop()


def get(proxy, path, **headers):
    status, response_headers, body = fetch(proxy.url + path, headers=headers)
    return status, response_headers.get("X-Cache-Status"), body.decode()


def titles(body):
    return set(re.findall(r"Nginx test entry \w+", body))


@pytest.mark.django_db(transaction=True)
def test_nginx_caches_anonymous_pages_per_language_and_the_hook_purges_them(
    gunicorn, served_database, redis_url, cache_prefix, nginx, reviewer, settings
):
    first = factories.threat(title="Nginx test entry first")
    waiting = factories.threat(
        title="Nginx test entry second",
        publication_status=Status.REVIEW,
        published_at=None,
    )
    server = gunicorn(
        {
            "DATABASE_URL": served_database,
            "REDIS_URL": redis_url,
            "ATLAS_CACHE_KEY_PREFIX": cache_prefix,
            "DJANGO_BEHIND_PROXY": "1",
            "DJANGO_NUM_PROXIES": "1",
        }
    )
    proxy = nginx(f"127.0.0.1:{server.port}")

    # Anonymous readers: the first request fills the cache, the second is
    # answered by nginx alone; each language has its own copy.
    status, cache, body = get(proxy, "/threats/", **{"Accept-Language": "en"})
    assert (status, cache) == (200, "MISS")
    assert titles(body) == {first.title}
    assert get(proxy, "/threats/", **{"Accept-Language": "en"})[:2] == (200, "HIT")
    status, cache, body = get(proxy, "/threats/", **{"Accept-Language": "lt-LT,lt"})
    assert (status, cache) == (200, "MISS")
    assert 'lang="lt"' in body
    assert get(proxy, "/threats/", **{"Accept-Language": "lt"})[:2] == (200, "HIT")
    # An English reader still gets English, never the Lithuanian copy.
    assert 'lang="en"' in get(proxy, "/threats/", **{"Accept-Language": "en"})[2]
    assert get(proxy, "/api/v1/threats/")[:2] == (200, "MISS")
    assert get(proxy, "/api/v1/threats/")[:2] == (200, "HIT")
    # A page under /lt/ is Lithuanian whoever asks: one copy, served from the
    # cache to every reader, whatever their cookie or Accept-Language.
    status, cache, body = get(proxy, "/lt/threats/", **{"Accept-Language": "en"})
    assert (status, cache) == (200, "MISS")
    assert 'lang="lt"' in body
    for headers in (
        {"Accept-Language": "de,lt;q=0.8"},
        {"Cookie": "django_language=en"},
        {},
    ):
        status, cache, body = get(proxy, "/lt/threats/", **headers)
        assert (status, cache) == (200, "HIT"), headers
        assert 'lang="lt"' in body

    # Editors (a session cookie), token clients and a visitor who has just
    # written always reach the app.
    assert get(proxy, "/threats/", Cookie="sessionid=abc")[1] == "BYPASS"
    assert get(proxy, "/threats/", Cookie="atlas_primary=1")[1] == "BYPASS"
    assert get(proxy, "/api/v1/threats/", Authorization="Token abc")[1] == "BYPASS"
    # A language nginx cannot tell for sure is neither served from the cache
    # nor stored in it.
    assert get(proxy, "/threats/", **{"Accept-Language": "de,lt;q=0.8"})[1] == "BYPASS"
    # PURGE and BAN on the site itself are answered by nginx, never passed on.
    assert fetch(proxy.url + "/threats/", method="BAN")[0] == 405
    assert fetch(proxy.url + "/threats/", method="PURGE")[0] == 405
    assert get(proxy, "/threats/", **{"Accept-Language": "en"})[1] == "HIT"

    # A reviewer publishes: the hook purges the list in both languages, so the
    # next anonymous reader sees the new record at once, though max-age (60 s)
    # has not run out.
    settings.CACHE_PURGE_URLS = [proxy.url + "/purge"]
    with transaction.atomic():
        publish(waiting, reviewer)
    deadline = time.monotonic() + 10
    while True:
        status, cache, body = get(proxy, "/threats/", **{"Accept-Language": "en"})
        if titles(body) == {first.title, waiting.title} or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert titles(body) == {first.title, waiting.title}, (cache, proxy.errors())
    assert cache == "MISS"
    status, cache, body = get(proxy, "/threats/", **{"Accept-Language": "lt"})
    assert (status, cache) == (200, "MISS")
    assert waiting.title in body
    status, cache, body = get(proxy, "/lt/threats/")
    assert (status, cache) == (200, "MISS")
    assert waiting.title in body
    status, cache, body = get(proxy, "/api/v1/threats/")
    assert (status, cache) == (200, "MISS")
    assert waiting.title in body
