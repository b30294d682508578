"""Which database a request reads from (core/replicas.py), on the test database.

A "replica" here is a second connection to the test database (a test mirror, as
settings make of DATABASE_REPLICA_URLS in tests); which connection ran a
request's queries tells where it read. The real streaming replica, its lag and
its outage are tested in tests/production/test_replicas.py.
"""

import copy
import logging

import pytest
from django.db import connections, router
from django.db.utils import load_backend
from django.test import Client
from django.test.utils import CaptureQueriesContext

from core.replicas import STICKY_COOKIE, ReplicaRouter, health
from tests.production.conftest import free_port

REPLICA = "replica_1"
LONE = "replica_9"


@pytest.fixture(scope="module", autouse=True)
def replica_alias(django_db_setup):
    """replica_1 in settings and connections, for the module's tests: set up
    before each test's database access, which may then use it."""
    from django.conf import settings

    replica = copy.deepcopy(connections.settings["default"])
    replica["TEST"]["MIRROR"] = "default"
    databases = settings.DATABASES
    settings.DATABASES = {**databases, REPLICA: replica}
    connections.settings[REPLICA] = replica
    yield
    connections[REPLICA].close()
    del connections[REPLICA]
    del connections.settings[REPLICA]
    settings.DATABASES = databases


@pytest.fixture
def replica():
    health.forget()
    yield REPLICA
    health.forget()


@pytest.fixture
def lone_replica(replica, settings):
    """``make(**changes)``: the only replica configured, the test database or
    whatever ``changes`` make of it, on a connection of its own outside the
    test's transaction (replica_1's is inside it, as every database the test
    names is: a connection closed there is not reopened)."""
    made = []

    def make(**changes):
        replica_settings = copy.deepcopy(connections.settings[REPLICA])
        replica_settings.update(changes)
        settings.DATABASES = {
            "default": settings.DATABASES["default"],
            LONE: replica_settings,
        }
        backend = load_backend(replica_settings["ENGINE"])
        # Not in connections.settings: Django lets a test use such a
        # connection without naming it.
        connections[LONE] = backend.DatabaseWrapper(replica_settings, LONE)
        made.append(connections[LONE])
        return LONE

    yield make
    for connection in made:
        connection.close()
    if made:
        del connections[LONE]


def reads(client, path, **extra):
    """(status, queries on the primary, queries on the replica)."""
    with (
        CaptureQueriesContext(connections["default"]) as primary,
        CaptureQueriesContext(connections[REPLICA]) as replica,
    ):
        response = client.get(path, **extra)
    return response.status_code, len(primary), len(replica)


pytestmark = [
    pytest.mark.django_db(databases=["default", REPLICA]),
    # The test without replicas takes replica_1 out of DATABASES on purpose.
    pytest.mark.filterwarnings("ignore:Overriding setting DATABASES"),
]


def test_without_replicas_reads_stay_on_the_primary_and_writes_set_no_cookie(
    client, settings
):
    settings.DATABASES = {"default": settings.DATABASES["default"]}
    with CaptureQueriesContext(connections["default"]) as primary:
        assert client.get("/threats/").status_code == 200
    assert len(primary) > 0
    response = client.post("/i18n/setlang/", {"language": "lt", "next": "/"})
    assert STICKY_COOKIE not in response.cookies
    from threats.models import ThreatEntry

    assert router.db_for_read(ThreatEntry) == "default"


@pytest.mark.parametrize("path", ["/threats/", "/api/v1/threats/", "/search/?q=x"])
def test_anonymous_reads_go_to_the_replica(replica, client, path):
    status, on_primary, on_replica = reads(client, path)
    assert status == 200
    assert on_replica > 0
    assert on_primary == 0


def test_a_head_request_reads_from_the_replica(replica, client):
    with CaptureQueriesContext(connections[REPLICA]) as on_replica:
        assert client.head("/threats/").status_code == 200
    assert len(on_replica) > 0


def test_editors_read_from_the_primary(replica, editor_client):
    for path in ["/threats/", "/api/v1/threats/", "/admin/"]:
        status, on_primary, on_replica = reads(editor_client, path)
        assert status == 200, path
        assert (on_primary > 0, on_replica) == (True, 0), path


def test_token_clients_and_the_admin_read_from_the_primary(replica, client):
    # An invalid token is refused by the primary, not looked up on a replica.
    status, _on_primary, on_replica = reads(
        client, "/api/v1/threats/", HTTP_AUTHORIZATION="Token not-a-token"
    )
    assert (status, on_replica) == (401, 0)
    status, _on_primary, on_replica = reads(client, "/admin/login/")
    assert (status, on_replica) == (200, 0)


def test_a_write_sends_the_clients_reads_to_the_primary_for_a_while(
    replica, client, settings
):
    response = client.post("/i18n/setlang/", {"language": "lt", "next": "/"})
    sticky = response.cookies[STICKY_COOKIE]
    assert sticky["max-age"] == settings.DATABASE_REPLICA_STICKY_SECONDS
    assert sticky["httponly"]
    assert sticky["samesite"] == "Lax"
    status, _on_primary, on_replica = reads(client, "/threats/")
    assert (status, on_replica) == (200, 0)
    # Another visitor, who wrote nothing, still reads from the replica.
    assert reads(Client(), "/threats/")[2] > 0


def test_the_sticky_default_covers_the_lag_a_replica_may_have(settings):
    # A replica in use is at most the bound behind, as of its last check.
    assert settings.DATABASE_REPLICA_STICKY_SECONDS >= (
        settings.DATABASE_REPLICA_MAX_LAG_SECONDS
        + settings.DATABASE_REPLICA_CHECK_SECONDS
    )


def test_a_replica_is_checked_once_per_interval(replica, client, settings):
    settings.DATABASE_REPLICA_CHECK_SECONDS = 60
    with CaptureQueriesContext(connections[REPLICA]) as on_replica:
        for _ in range(3):
            assert client.get("/threats/").status_code == 200
    checks = [q for q in on_replica if "pg_last_wal_replay_lsn" in q["sql"]]
    assert len(checks) == 1


def test_an_unreachable_replica_is_skipped_with_one_warning(
    lone_replica, client, caplog
):
    lone_replica(HOST="127.0.0.1", PORT=str(free_port()))
    with caplog.at_level(logging.WARNING, logger="core.replicas"):
        for path in ["/threats/", "/api/v1/threats/", "/threats/"]:
            with CaptureQueriesContext(connections["default"]) as primary:
                assert client.get(path).status_code == 200, path
            assert len(primary) > 0
    warnings = [r for r in caplog.records if r.name == "core.replicas"]
    assert len(warnings) == 1
    assert "replica_9 does not answer (connection failed" in warnings[0].getMessage()


def test_a_replica_failing_mid_request_is_answered_from_the_primary(
    lone_replica, settings, caplog
):
    lone_replica(HOST="127.0.0.1", PORT=str(free_port()))
    # Believed usable (it answered its last check): the request's own query
    # finds it gone.
    settings.DATABASE_REPLICA_CHECK_SECONDS = 60
    health.record(LONE, True)
    client = Client(raise_request_exception=False)
    with caplog.at_level(logging.WARNING):
        response = client.get("/api/v1/threats/")
    assert response.status_code == 200
    assert "Retry-After" not in response
    assert "replica_9 failed during a request" in caplog.text
    # Skipped from then on.
    assert client.get("/threats/").status_code == 200
    assert caplog.text.count("replica_9 failed during a request") == 1


def test_a_replica_query_out_of_time_is_not_run_again_on_the_primary(lone_replica):
    """A statement timeout is the query's fault: the primary would take as long
    again. 503 as on the primary, and the replica stays in use."""
    options = connections.settings[REPLICA]["OPTIONS"]
    alias = lone_replica(OPTIONS={**options, "options": "-c statement_timeout=200"})
    # Held by the test's own transaction on the primary until it ends: the
    # replica's connection waits for it, the primary's would not.
    with connections["default"].cursor() as cursor:
        cursor.execute("LOCK TABLE threats_threatentry IN ACCESS EXCLUSIVE MODE")
    response = Client(raise_request_exception=False).get("/api/v1/threats/")
    assert response.status_code == 503
    assert health.is_usable(alias)


def test_migrations_and_writes_use_the_primary_only(replica):
    replica_router = ReplicaRouter()
    assert replica_router.allow_migrate("default", "threats") is True
    assert replica_router.allow_migrate(REPLICA, "threats") is False
    assert replica_router.db_for_write(None) == "default"
    # Outside a request (commands, the shell): Django's own choice, the primary.
    assert replica_router.db_for_read(None) is None
    from threats.models import ThreatEntry

    assert router.db_for_read(ThreatEntry) == "default"
