"""The backup drill (case 36): `manage.py backup` (pg_dump -Fc), `manage.py
restore --database` into a scratch database, the same rows in every table, and
a page served from the copy."""

import os
import subprocess
import sys
import uuid

import psycopg
import pytest
from psycopg import sql

from tests import factories
from tests.production.conftest import BASE_DIR, database_url, fetch


def manage(*arguments, database):
    env = {**os.environ, "DATABASE_URL": database}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    return subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", *arguments],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def table_counts(url):
    with psycopg.connect(url) as conn:
        tables = [
            row[0]
            for row in conn.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1"
            )
        ]
        return {
            table: conn.execute(
                sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table))
            ).fetchone()[0]
            for table in tables
        }


@pytest.fixture
def scratch_name(served_database):
    from django.db import connection

    name = f"atlas_drill_{uuid.uuid4().hex[:8]}"
    yield name
    maintenance = database_url(connection.settings_dict, "postgres")
    with psycopg.connect(maintenance, autocommit=True) as conn:
        for suffix in ("", "_restoring", "_previous"):
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {}").format(
                    sql.Identifier(name + suffix)
                )
            )


def test_backup_and_restore_drill(served_database, scratch_name, tmp_path, gunicorn):
    from django.db import connection

    entry = factories.threat(title="Drill: jamming over the Gulf of Finland")
    factories.exercise()
    dump = tmp_path / "atlas.dump"

    backup = manage("backup", "--output", str(dump), database=served_database)
    assert backup.returncode == 0, backup.stderr
    assert "Backup written" in backup.stdout
    assert dump.stat().st_size > 10_000

    restore = manage(
        "restore",
        str(dump),
        "--database",
        scratch_name,
        "--no-input",
        database=served_database,
    )
    assert restore.returncode == 0, restore.stderr
    copy = database_url(connection.settings_dict, scratch_name)
    original = table_counts(served_database)
    restored = table_counts(copy)
    assert restored == original
    assert original["threats_threatentry"] == 1
    assert len(original) > 40

    server = gunicorn({"DATABASE_URL": copy})
    status, _headers, body = fetch(f"{server.url}/threats/{entry.slug}/")
    assert status == 200
    assert b"Drill: jamming over the Gulf of Finland" in body


def test_a_damaged_backup_changes_nothing(served_database, scratch_name, tmp_path):
    damaged = tmp_path / "damaged.dump"
    damaged.write_bytes(b"PGDMP" + b"\0" * 100)
    result = manage(
        "restore",
        str(damaged),
        "--database",
        scratch_name,
        "--no-input",
        database=served_database,
    )
    assert result.returncode != 0
    assert "not a backup pg_restore can read" in result.stderr
