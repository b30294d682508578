"""Every migration of the last three releases reverses (case 35): back to before
the search, index and workflow releases, forward again, in a copy of the test
database. Reversing used to fail ("column old.last_edited_by_id does not exist")
because the history triggers of the current code were installed on the older
schema after the rollback (core/triggers.py)."""

import json
import os
import subprocess
import sys
import uuid

import psycopg
import pytest
from psycopg import sql

from tests.production.conftest import BASE_DIR, database_url

# The state before the last three releases that changed the schema (search,
# indexes for sync, workflow and history): alliances first, which takes back what
# depends on it in the other apps.
BEFORE = [
    ("alliances", "0002_named_unique_messages"),
    ("exercises", "0002_named_unique_messages"),
    ("threats", "0003_named_unique_messages"),
    ("atlas", "0001_editors_group"),
]

ROUND_TRIP = """
import json
import sys

import django
django.setup()
from django.core.management import call_command
from django.core.management.sql import emit_post_migrate_signal
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

def sources_triggers():
    with connection.cursor() as cursor:
        # The history triggers (pgtrigger's); the data version's trigger
        # (core/dataversion.py) is counted apart.
        cursor.execute(
            "SELECT count(*) FROM pg_trigger WHERE NOT tgisinternal "
            "AND tgname LIKE 'pgtrigger_%' "
            "AND tgrelid = 'alliances_organisation_sources'::regclass"
        )
        return cursor.fetchone()[0]

assert sources_triggers() == 2, sources_triggers()
# Back to every app's target in one plan, as `migrate <app> <name>` runs it for
# one app: the migration states are rendered once, not once per app (they were
# 20 s each). Then post_migrate, as the command sends it: after a partial
# rollback it must not put the current history triggers back.
targets = [tuple(target) for target in json.loads(sys.argv[1])]
executor = MigrationExecutor(connection)
plan = executor.migration_plan(targets)
assert plan and all(backwards for _migration, backwards in plan), plan
state = executor.migrate(targets, plan=plan)
state.clear_delayed_apps_cache()
emit_post_migrate_signal(0, False, connection.alias, apps=state.apps, plan=plan)
print("back to", targets, "in", len(plan), "steps", flush=True)
assert sources_triggers() == 0, sources_triggers()
call_command("migrate", verbosity=0)
print("forward again", flush=True)
assert sources_triggers() == 2, sources_triggers()
with connection.cursor() as cursor:
    cursor.execute(
        "SELECT count(*) FROM pg_trigger WHERE tgname = 'atlas_data_version' "
        "AND tgrelid = 'alliances_organisation_sources'::regclass"
    )
    assert cursor.fetchone()[0] == 1, "the data version's trigger is not back"
print("ROUND TRIP OK")
"""


@pytest.fixture
def database_copy(django_db_setup):
    """A new database holding a copy of the (migrated) test database, made with
    pg_dump and pg_restore: CREATE DATABASE ... TEMPLATE would need the test
    database to itself, and the session's live server keeps a connection to it."""
    from django.db import connection

    from core.management.commands._postgres import client_binary, restore_archive

    name = f"atlas_migrations_{uuid.uuid4().hex[:8]}"
    maintenance = database_url(connection.settings_dict, "postgres")
    copy = database_url(connection.settings_dict, name)
    with psycopg.connect(maintenance, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    dump = subprocess.run(  # noqa: S603
        [
            client_binary("pg_dump"),
            "--format=custom",
            "--no-owner",
            database_url(connection.settings_dict),
        ],
        capture_output=True,
        check=True,
    )
    returncode, errors = restore_archive(dump.stdout, copy)
    assert returncode == 0, errors
    yield copy
    with psycopg.connect(maintenance, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))


# The mark makes pytest-django create the test database even when this is the only
# test collected: without it the copy was made of the development database.
@pytest.mark.django_db
def test_the_last_three_releases_migrate_back_and_forth(database_copy):
    env = {**os.environ, "DATABASE_URL": database_copy}
    env["DJANGO_SETTINGS_MODULE"] = "config.settings"
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", ROUND_TRIP, json.dumps(BEFORE)],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "ROUND TRIP OK" in result.stdout
