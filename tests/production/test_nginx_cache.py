"""The scale profile's nginx (ops/nginx/atlas.conf) for real: Debian's nginx with
its cache-purge module, as ops/nginx/Dockerfile installs them, in front of a
gunicorn serving the test database. Anonymous readers are served from nginx's
cache per language; editors and token clients never are; the app's purge hook
drops a page the moment a reviewer publishes, so the next reader sees the new
record although the cached copy had not expired."""

import getpass
import re
import shutil
import signal
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.db import transaction

from core.publication import Status
from core.workflow import publish
from tests import factories
from tests.production.conftest import BASE_DIR, fetch, free_port, unavailable

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
MODULES = Path("/etc/nginx/modules-enabled")


class Nginx:
    """nginx in the foreground with the scale profile's site configuration, its
    upstream pointed at ``upstream`` and its cache in ``folder``."""

    def __init__(self, upstream, folder):
        if not Path(NGINX).exists():
            unavailable(
                "no nginx (apt-get install nginx libnginx-mod-http-cache-purge)"
            )
        if not any("cache-purge" in path.name for path in MODULES.glob("*.conf")):
            unavailable(
                "nginx has no cache-purge module (libnginx-mod-http-cache-purge)"
            )
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        site = (BASE_DIR / "ops" / "nginx" / "atlas.conf").read_text()
        # The same file, with what only differs outside compose replaced.
        for compose_value, here in [
            ("web-scaled:8000", upstream),
            ("/var/cache/nginx/atlas", str(folder / "cache")),
            ("listen 80;", f"listen 127.0.0.1:{self.port};"),
        ]:
            assert compose_value in site, compose_value
            site = site.replace(compose_value, here)
        (folder / "atlas.conf").write_text(site)
        (folder / "nginx.conf").write_text(
            f"include {MODULES}/*.conf;\n"
            # Workers as whoever runs the test (not www-data): the cache is
            # in the test's own folder.
            f"user {getpass.getuser()};\n"
            f"pid {folder}/nginx.pid;\n"
            f"error_log {folder}/error.log;\n"
            "daemon off;\n"
            "events {}\n"
            "http {\n"
            f"  access_log {folder}/access.log;\n"
            f"  client_body_temp_path {folder}/body;\n"
            f"  proxy_temp_path {folder}/proxy;\n"
            f"  include {folder}/atlas.conf;\n"
            "}\n"
        )
        checked = subprocess.run(  # noqa: S603
            [NGINX, "-t", "-q", "-c", str(folder / "nginx.conf")],
            capture_output=True,
            text=True,
            check=False,
        )
        assert checked.returncode == 0, checked.stderr
        self.folder = folder
        self.process = subprocess.Popen(  # noqa: S603
            [NGINX, "-c", str(folder / "nginx.conf")],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                if fetch(f"{self.url}/healthz", timeout=2)[0] == 200:
                    return
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise AssertionError("nginx did not answer:\n" + self.errors())

    def errors(self):
        log = self.folder / "error.log"
        return log.read_text() if log.exists() else ""

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGQUIT)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@pytest.fixture
def nginx(tmp_path):
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

    # Editors (a session cookie), token clients and a visitor who has just
    # written always reach the app.
    assert get(proxy, "/threats/", Cookie="sessionid=abc")[1] == "BYPASS"
    assert get(proxy, "/threats/", Cookie="atlas_primary=1")[1] == "BYPASS"
    assert get(proxy, "/api/v1/threats/", Authorization="Token abc")[1] == "BYPASS"
    # A language nginx cannot tell for sure is neither served from the cache
    # nor stored in it.
    assert get(proxy, "/threats/", **{"Accept-Language": "de,lt;q=0.8"})[1] == "BYPASS"
    # PURGE and BAN on the site itself are answered by nginx, never passed on.
    assert fetch_method(proxy, "BAN", "/threats/")[0] == 405
    assert fetch_method(proxy, "PURGE", "/threats/")[0] == 405
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
    status, cache, body = get(proxy, "/api/v1/threats/")
    assert (status, cache) == (200, "MISS")
    assert waiting.title in body


def fetch_method(proxy, method, path):
    request = urllib.request.Request(proxy.url + path, method=method)  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()
