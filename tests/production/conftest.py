"""Running the Atlas as a service: real gunicorn processes, Redis, a second
PostgreSQL server that the tests stop and start.

A test that needs Redis or the PostgreSQL client programs and cannot find them is
skipped with the reason, except under CI=true, where it fails: CI must run them.
"""

import importlib
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

import pytest

from bench.pair import free_port

BASE_DIR = Path(__file__).resolve().parent.parent.parent
GUNICORN = str(Path(sys.executable).with_name("gunicorn"))
REDIS_URL = os.environ.get("ATLAS_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def unavailable(reason):
    """Skip, or fail under CI where every service must be there."""
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{reason} (CI=true: this test must run)")
    pytest.skip(reason)


def database_url(settings_dict, name=None):
    """A DATABASE_URL for another process: the test database (or ``name``) on
    the server the tests use, over its socket or TCP."""
    options = settings_dict.get("OPTIONS", {})
    host = settings_dict.get("HOST") or options.get("host", "")
    user = urllib.parse.quote(settings_dict.get("USER") or "")
    password = settings_dict.get("PASSWORD") or ""
    credentials = user + (f":{urllib.parse.quote(password)}" if password else "")
    name = name or settings_dict["NAME"]
    port = settings_dict.get("PORT") or ""
    if host.startswith("/"):
        query = f"?host={host}" + (f"&port={port}" if port else "")
        return f"postgresql://{credentials}@/{name}{query}"
    return f"postgresql://{credentials}@{host}{':' + str(port) if port else ''}/{name}"


def fetch(url, headers=None, timeout=10, method="GET"):
    """(status, headers, body) of a request (a GET unless ``method`` says),
    whatever the status."""
    request = urllib.request.Request(  # noqa: S310 - loopback
        url, headers=headers or {}, method=method
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


class Server:
    """A gunicorn process serving the Atlas with gunicorn.conf.py."""

    def __init__(self, env, log_path):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log_path
        full_env = dict(os.environ)
        full_env.update(
            {
                "HOST": "127.0.0.1",
                "PORT": str(self.port),
                "DJANGO_DEBUG": "0",
                "DJANGO_MANIFEST_STATIC": "0",
                "DJANGO_LOG_FORMAT": "json",
                "GUNICORN_WORKERS": "1",
                "GUNICORN_THREADS": "2",
            }
        )
        full_env.pop("DJANGO_SETTINGS_MODULE", None)
        full_env.update(env)
        self.log = open(log_path, "w")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(  # noqa: S603
            [GUNICORN, "-c", "gunicorn.conf.py", "config.wsgi"],
            cwd=BASE_DIR,
            env=full_env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def wait_until_serving(self, timeout=60):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(
                    f"gunicorn exited ({self.process.returncode}):\n{self.output()}"
                )
            try:
                status, _headers, _body = fetch(f"{self.url}/healthz", timeout=2)
                if status == 200:
                    return self
            except OSError:
                pass
            time.sleep(0.2)
        raise AssertionError(
            f"gunicorn did not answer in {timeout} s:\n{self.output()}"
        )

    def output(self):
        self.log.flush()
        return Path(self.log_path).read_text()

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()


@pytest.fixture
def gunicorn(tmp_path):
    """Start gunicorn servers: ``gunicorn(env)`` returns a Server once it answers
    /healthz; every one is stopped when the test ends."""
    started = []

    def start(env, wait=True):
        server = Server(env, tmp_path / f"gunicorn-{len(started)}.log")
        started.append(server)
        return server.wait_until_serving() if wait else server

    yield start
    for server in started:
        server.stop()


@pytest.fixture
def redis_url():
    """Redis for limits shared by workers, with a key prefix of this test's own."""
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.RedisError as error:
        unavailable(f"no Redis at {REDIS_URL}: {error}")
    return REDIS_URL


def forget_prefixed_keys(redis_url, prefix):
    """Delete one test's keys only. ``cache.clear()`` on Django's Redis cache is
    FLUSHDB, whatever the key prefix: it wiped the counters of the other CI run's
    gunicorn, which shares this Redis database (its token limit then let every
    request through)."""
    import redis

    client = redis.Redis.from_url(redis_url)
    keys = list(client.scan_iter(match=f"{prefix}:*", count=1000))
    if keys:
        client.delete(*keys)


@pytest.fixture(autouse=True)
def _fresh_counters():
    """Every test starts with no request counted (the token endpoint's limit per
    username would otherwise carry one test's requests into the next)."""
    from django.core.cache import cache

    # At the start only: at the end a test may still point the cache at a
    # server that is down on purpose.
    cache.clear()


@pytest.fixture
def cache_prefix():
    return f"test-{uuid.uuid4().hex[:12]}"


@pytest.fixture
def migration_data(transactional_db):
    """What data migrations install (groups, threat categories), put back after a
    transactional test's flush emptied every table."""
    from django.apps import apps

    from core.permissions import sync_groups

    categories = importlib.import_module("threats.migrations.0002_threat_categories")
    categories.create_categories(apps, None)
    names_lt = importlib.import_module("threats.migrations.0007_category_name_lt")
    names_lt.fill_lithuanian_names(apps, None)
    sync_groups()


@pytest.fixture
def served_database(migration_data, django_db_blocker):
    """DATABASE_URL of the test database, for a server in another process; what
    the test writes is committed (transactional) and so visible to it."""
    from django.db import connection

    return database_url(connection.settings_dict)
