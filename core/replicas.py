"""Read replicas: anonymous visitors' page and API reads go to a streaming
replica (``DATABASE_REPLICA_URLS``), everything else to the primary.

What reads from a replica: a GET or HEAD with no ``Authorization`` header, no
session cookie (editors have one), outside the admin, from a client that has not
written in the last ``DATABASE_REPLICA_STICKY_SECONDS`` (a cookie every
POST/PUT/PATCH/DELETE response sets: the client reads its own writes). All the
rest (writes, editors, the admin, management commands, migrations, the shell)
uses the primary: outside a request nothing reads from a replica.

A replica that does not answer, or whose replay is more than
``DATABASE_REPLICA_MAX_LAG_SECONDS`` behind, is skipped with a warning and
checked again ``DATABASE_REPLICA_CHECK_SECONDS`` later (per process). A read
that fails on a replica in the middle of a request (it stopped since the last
check) is answered again from the primary, and the replica is skipped from then
on: the visitor sees the page, never a 500 or 503 for a replica alone.
"""

import contextlib
import contextvars
import itertools
import logging
import sys
import threading
import time

from django.conf import settings
from django.core.exceptions import MiddlewareNotUsed
from django.core.signals import got_request_exception
from django.db import (
    DEFAULT_DB_ALIAS,
    DatabaseError,
    InterfaceError,
    OperationalError,
    connections,
)
from django.dispatch import receiver

logger = logging.getLogger(__name__)

REPLICA_PREFIX = "replica_"
# Set on every response to a write: the same client's reads go to the primary
# until it expires.
STICKY_COOKIE = "atlas_primary"
READ_METHODS = frozenset({"GET", "HEAD"})
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
ADMIN_PREFIX = "/admin/"
# statement_timeout: the query, not the replica, is at fault; the primary would
# take as long again, past gunicorn's timeout.
QUERY_CANCELED = "57014"
# A replica that stays unusable is named in the log again at most this often per
# process (a state change is always logged).
WARNING_INTERVAL = 60

# Seconds the replica's replay is behind the primary. Zero when it has replayed
# all it received: an idle primary sends nothing, and the time since the last
# replayed transaction is then no lag at all. Zero too on a server that is not
# in recovery (NULLs), which has nothing to replay.
LAG_QUERY = """
SELECT COALESCE(
    CASE
        WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0
        ELSE EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp())
    END,
    0
)
"""

# The replica this request reads from; None (the primary) outside requests.
_replica_of_request = contextvars.ContextVar("atlas_replica", default=None)


def replica_aliases():
    return [alias for alias in settings.DATABASES if alias.startswith(REPLICA_PREFIX)]


class ReplicaHealth:
    """Which replicas this process may read from, each answered from a check at
    most ``DATABASE_REPLICA_CHECK_SECONDS`` old (shared by the process's threads;
    a check uses the calling thread's connection, which its request then reads
    through)."""

    def __init__(self):
        self._lock = threading.Lock()
        # alias -> (usable, monotonic time of the check)
        self._checked = {}
        self._warned = {}
        self._turns = itertools.count()

    def choose(self):
        """A usable replica, taking turns between several; None if none is."""
        aliases = replica_aliases()
        if not aliases:
            return None
        start = next(self._turns) % len(aliases)
        for alias in aliases[start:] + aliases[:start]:
            if self.is_usable(alias):
                return alias
        return None

    def is_usable(self, alias):
        with self._lock:
            usable, checked_at = self._checked.get(alias, (None, None))
        fresh = checked_at is not None and (
            time.monotonic() - checked_at < settings.DATABASE_REPLICA_CHECK_SECONDS
        )
        if fresh:
            return usable
        usable, reason = self.check(alias)
        self.record(alias, usable, reason)
        return usable

    @staticmethod
    def check(alias):
        """(usable, why not)."""
        connection = connections[alias]
        try:
            with connection.cursor() as cursor:
                cursor.execute(LAG_QUERY)
                (lag,) = cursor.fetchone()
        except DatabaseError as error:
            # The next check connects afresh.
            with contextlib.suppress(DatabaseError):
                connection.close()
            return False, f"does not answer ({str(error).strip()})"
        bound = settings.DATABASE_REPLICA_MAX_LAG_SECONDS
        if float(lag) > bound:
            return False, f"is {float(lag):.1f} s behind the primary (bound {bound} s)"
        return True, ""

    def record(self, alias, usable, reason=""):
        now = time.monotonic()
        with self._lock:
            was_usable = self._checked.get(alias, (True, None))[0]
            self._checked[alias] = (usable, now)
            last_warning = self._warned.get(alias)
            warn = not usable and (
                was_usable
                or last_warning is None
                or now - last_warning >= WARNING_INTERVAL
            )
            if warn:
                self._warned[alias] = now
            elif usable:
                self._warned.pop(alias, None)
        if warn:
            logger.warning(
                "Database replica %s %s: reading from the primary instead",
                alias,
                reason,
            )
        elif usable and was_usable is False:
            logger.info("Database replica %s is usable again", alias)

    def forget(self):
        """Every replica is checked afresh (tests)."""
        with self._lock:
            self._checked.clear()
            self._warned.clear()


health = ReplicaHealth()


def reads_from_replica(request):
    """May this request read from a replica? Only an anonymous visitor's read
    of a public page or the API, from a client that has not just written."""
    return (
        request.method in READ_METHODS
        and "HTTP_AUTHORIZATION" not in request.META
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and STICKY_COOKIE not in request.COOKIES
        and not request.path_info.startswith(ADMIN_PREFIX)
    )


@receiver(got_request_exception, dispatch_uid="atlas-replica-failure")
def note_replica_failure(sender, request=None, **kwargs):
    if request is not None and _replica_of_request.get() is not None:
        request.atlas_replica_error = sys.exc_info()[1]


class ReplicaReadsMiddleware:
    """Chooses the database a request reads from (see the module's docstring).

    Placed right inside DatabaseUnavailableMiddleware: a request whose replica
    failed mid-way is marked by that middleware's signal receiver, and answered
    again here from the primary before it could become a 503 (a statement
    that ran out of time is not: it stays 503). A streaming response's body is
    read after this returns, from the primary. Not used at all without replicas.
    """

    def __init__(self, get_response):
        if not replica_aliases():
            raise MiddlewareNotUsed
        self.get_response = get_response

    def __call__(self, request):
        alias = health.choose() if reads_from_replica(request) else None
        token = _replica_of_request.set(alias)
        try:
            response = self.get_response(request)
            if alias is not None and self.replica_failed(request, alias):
                # A GET or HEAD: running it again is safe.
                request.atlas_database_unavailable = False
                _replica_of_request.set(None)
                response = self.get_response(request)
        finally:
            _replica_of_request.reset(token)
        if request.method in WRITE_METHODS:
            response.set_cookie(
                STICKY_COOKIE,
                "1",
                max_age=settings.DATABASE_REPLICA_STICKY_SECONDS,
                secure=settings.SESSION_COOKIE_SECURE,
                httponly=True,
                samesite="Lax",
            )
        return response

    @staticmethod
    def replica_failed(request, alias):
        connection = connections[alias]
        error = getattr(request, "atlas_replica_error", None)
        if not (
            isinstance(error, OperationalError | InterfaceError)
            and connection.errors_occurred
            and getattr(error.__cause__, "sqlstate", None) != QUERY_CANCELED
        ):
            return False
        with contextlib.suppress(DatabaseError):
            connection.close()
        health.record(alias, False, "failed during a request")
        return True


class ReplicaRouter:
    """Reads of a replica request go to its replica; every write, and every
    migration, to the primary."""

    def db_for_read(self, model, **hints):
        # None outside replica requests: Django's own choice, as without replicas.
        return _replica_of_request.get()

    def db_for_write(self, model, **hints):
        # Also for an object read from a replica and saved (Django would
        # otherwise write to the database it came from).
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        # One database, several copies of it.
        return True

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        # A replica follows the primary's schema by replication.
        return db == DEFAULT_DB_ALIAS
