"""After a reviewer publishes, the next anonymous request shows it: through the
shared cache on Redis (home counts, facet counts) and the purge hook, which a
stub HTTP cache on loopback receives."""

import http.server
import threading
import time

import pytest
import redis

from tests import factories
from tests.production.conftest import forget_prefixed_keys


class Recorder(http.server.BaseHTTPRequestHandler):
    def record(self):
        self.server.received.append(
            (self.command, self.path, self.headers.get("X-Ban-Url"))
        )
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_PURGE = do_BAN = record

    def log_message(self, *args):
        pass


@pytest.fixture
def stub_cache():
    """An HTTP cache's purge endpoint: records the method, path and ban header
    of every request it gets."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    server.received = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def redis_cache(settings, redis_url, cache_prefix):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": redis_url,
            "KEY_PREFIX": cache_prefix,
        }
    }
    from django.core.cache import cache

    yield cache
    forget_prefixed_keys(redis_url, cache_prefix)


def wait_for_ban(received, timeout=10):
    """The purge runs in the background; its BAN comes last."""
    deadline = time.monotonic() + timeout
    while not any(row[0] == "BAN" for row in received):
        assert time.monotonic() < deadline, f"no BAN in {received}"
        time.sleep(0.05)


def test_a_publication_is_shown_at_once_through_redis_and_the_purge_hook(
    migration_data,
    redis_cache,
    redis_url,
    cache_prefix,
    stub_cache,
    settings,
    client,
    editor,
    reviewer,
):
    settings.CACHE_PURGE_URLS = [f"http://127.0.0.1:{stub_cache.server_port}"]
    factories.threat(title="Drone over the lake")
    waiting = factories.threat_in_review(editor, title="Jamming near the coast")
    # Warm every cache: pages, API, home counts, facet counts.
    warm = {path: client.get(path) for path in ("/threats/", "/api/v1/threats/", "/")}
    assert all(response.status_code == 200 for response in warm.values())
    assert warm["/api/v1/threats/"].json()["count"] == 1
    home_counts = {
        str(label): number for label, number, _url in warm["/"].context["counts"]
    }
    assert home_counts["threat entries"] == 1
    # The home counts and the facet counts are kept in Redis.
    server = redis.Redis.from_url(redis_url)
    assert server.keys(f"{cache_prefix}:*:data:home:*")
    assert server.keys(f"{cache_prefix}:*:data:facets:threats.views.*")

    # The reviewer publishes through the API's workflow action.
    client.force_login(reviewer)
    published = client.post(
        f"/api/v1/threats/{waiting.slug}/publish/",
        {"reason": "Two sources agree."},
        content_type="application/json",
    )
    assert published.status_code == 200, published.content
    client.logout()

    wait_for_ban(stub_cache.received)
    methods = {(method, path) for method, path, _ban in stub_cache.received}
    for path in (
        f"/threats/{waiting.slug}/",
        f"/api/v1/threats/{waiting.slug}/",
        "/threats/",
        "/threats/feed/",
        "/api/v1/threats/",
        "/",
        "/map/data.json",
        "/timeline/",
        "/search/",
    ):
        assert ("PURGE", path) in methods
    # The Lithuanian URLs of the pages too; the API has none.
    for path in (
        f"/lt/threats/{waiting.slug}/",
        "/lt/threats/",
        "/lt/",
        "/lt/timeline/",
    ):
        assert ("PURGE", path) in methods
    assert not any(path.startswith("/lt/api/") for _method, path in methods)
    bans = [ban for method, _path, ban in stub_cache.received if method == "BAN"]
    assert len(bans) == 1
    assert "/threats/" in bans[0]

    # The next anonymous requests, with the validators they had, show it.
    fresh = {}
    for path in ("/threats/", "/api/v1/threats/", "/"):
        response = fresh[path] = client.get(path, HTTP_IF_NONE_MATCH=warm[path]["ETag"])
        assert response.status_code == 200, path
        assert response["ETag"] != warm[path]["ETag"]
    assert "Jamming near the coast" in client.get("/threats/").content.decode()
    assert client.get("/api/v1/threats/").json()["count"] == 2
    # The home page rendered for the new version (a later request reads it
    # from the cache, without a template context).
    home = fresh["/"]
    counts = {str(label): number for label, number, _url in home.context["counts"]}
    assert counts["threat entries"] == 2
    facets = dict(client.get("/threats/").context["facets"])
    years = {facet.param: options for facet, options in facets.items()}["year"]
    assert sum(option.count for option in years) == 2


def test_a_cache_that_does_not_answer_never_fails_the_publication(
    migration_data, settings, editor, reviewer, caplog
):
    from core import purge, workflow

    # Nothing listens on this port: the purge fails, logged, in the background.
    settings.CACHE_PURGE_URLS = ["http://127.0.0.1:9"]
    entry = factories.threat_in_review(editor)
    workflow.publish(entry, reviewer)
    assert type(entry).objects.get(pk=entry.pk).publication_status == "published"
    purge.purge_now(["/"])  # the same requests, in the foreground: logged only
    assert "Cache purge PURGE http://127.0.0.1:9/ failed" in caplog.text


def test_pages_are_served_while_redis_is_down(migration_data, client, settings):
    factories.threat(title="Drone over the lake")
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            # Nothing listens on port 9.
            "LOCATION": "redis://127.0.0.1:9/15",
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    for path in ("/", "/threats/", "/map/data.json", "/api/v1/schema/"):
        assert client.get(path).status_code == 200, path
