"""``manage.py restore FILE``: put a ``manage.py backup`` file back.

The dump is restored into a new database first (``<name>_restoring``) in one
transaction; only when that has fully succeeded is the current database renamed
to ``<name>_previous`` (replacing an older one) and the restored copy takes its
name. A broken or partial dump therefore changes nothing. ``--database NAME``
restores into another database on the same server instead, leaving the
configured one alone (a restore drill).
"""

import subprocess
import time
from pathlib import Path

import psycopg
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connections
from psycopg import sql

from core.management.commands._postgres import (
    client_binary,
    connection_kwargs,
    libpq_environment,
    restore_archive,
)

MAINTENANCE_DATABASE = "postgres"


class Command(BaseCommand):
    help = "Restore a backup made by `manage.py backup` (pg_restore)."

    def add_arguments(self, parser):
        parser.add_argument("file", help="The .dump file to restore.")
        parser.add_argument(
            "--database",
            help="Restore into this database on the same server instead of the "
            "configured one (created or replaced).",
        )
        parser.add_argument(
            "--no-input",
            action="store_false",
            dest="interactive",
            help="Do not ask before replacing the configured database.",
        )

    def handle(self, *args, **options):
        dump = Path(options["file"])
        if not dump.is_file():
            raise CommandError(f"No such backup file: {dump}")
        self.check_readable(dump)
        target = options["database"] or settings.DATABASES["default"]["NAME"]
        replacing_live = options["database"] is None
        if replacing_live and options["interactive"]:
            answer = input(
                f"This replaces database {target!r} with {dump} (the current one is "
                f"kept as {target}_previous). Stop the server first. Continue? [y/N] "
            )
            if answer.strip().lower() not in ("y", "yes"):
                raise CommandError("Restore cancelled.")
        connections.close_all()
        staging = f"{target}_restoring"
        started = time.monotonic()
        self.stdout.write(f"Restoring {dump} into a new database {staging!r} ...")
        self.recreate(staging)
        returncode, errors = restore_archive(
            dump, staging, env=libpq_environment(staging)
        )
        if returncode != 0:
            self.drop(staging)
            raise CommandError(
                f"pg_restore failed; nothing was changed: {errors.strip()}"
            )
        previous = self.swap(staging, target, keep_previous=replacing_live)
        message = (
            f"Restored {dump} into database {target!r} in "
            f"{time.monotonic() - started:.1f} s."
        )
        if previous:
            message += (
                f" The database as it was is kept as {previous!r} "
                f'(remove it with: DROP DATABASE "{previous}").'
            )
        self.stdout.write(self.style.SUCCESS(message))

    def check_readable(self, dump):
        result = subprocess.run(  # noqa: S603 - fixed program, our own arguments
            [client_binary("pg_restore"), "--list", str(dump)],
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            raise CommandError(
                f"{dump} is not a backup pg_restore can read: {result.stderr.strip()}"
            )

    def maintenance(self):
        return psycopg.connect(
            **connection_kwargs(MAINTENANCE_DATABASE), autocommit=True
        )

    def drop(self, name):
        with self.maintenance() as conn:
            self.disconnect_everyone(conn, name)
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name))
            )

    def recreate(self, name):
        self.drop(name)
        with self.maintenance() as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))

    @staticmethod
    def disconnect_everyone(conn, name):
        conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = %s AND pid <> pg_backend_pid()",
            [name],
        )

    def swap(self, staging, target, keep_previous):
        """Give the restored database the target's name; returns the name the
        replaced database is kept under, if any."""
        previous = f"{target}_previous" if keep_previous else None
        with self.maintenance() as conn:
            exists = conn.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", [target]
            ).fetchone()
            if exists:
                # A running server's connections are ended; its health checks
                # connect again, to the restored database.
                self.disconnect_everyone(conn, target)
                if previous:
                    self.disconnect_everyone(conn, previous)
                    conn.execute(
                        sql.SQL("DROP DATABASE IF EXISTS {}").format(
                            sql.Identifier(previous)
                        )
                    )
                    conn.execute(
                        sql.SQL("ALTER DATABASE {} RENAME TO {}").format(
                            sql.Identifier(target), sql.Identifier(previous)
                        )
                    )
                else:
                    conn.execute(
                        sql.SQL("DROP DATABASE {}").format(sql.Identifier(target))
                    )
            else:
                previous = None
            conn.execute(
                sql.SQL("ALTER DATABASE {} RENAME TO {}").format(
                    sql.Identifier(staging), sql.Identifier(target)
                )
            )
        return previous
