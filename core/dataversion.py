"""The data version: one number that changes whenever anything the public can
read changes, for the caches to be keyed by (core/datacache.py, the HTTP
validators of core/httpcache.py).

Models declare that their rows show on public pages (``public_content = True``;
every ``TimeStampedModel`` does, and ``Deletion``); their tables and their
many-to-many tables get a PostgreSQL statement-level trigger (after INSERT,
UPDATE, DELETE and TRUNCATE) that raises the version in the same transaction as
the change. A trigger, not a Django signal: bulk ``QuerySet.update()``, raw SQL,
data migrations and the importer bump it too. History tables, sessions, tokens
and the version table itself have no trigger.

Every statement bumps it, so a transaction that reads what it wrote (a test,
a view after a save) never finds an older result under the newer number. The
row stays locked until the transaction ends, so writing transactions that
change public data commit one after the other; readers never wait. A bulk
writer (the importer, the seed) bumps once instead, in ``bulk_change()``:
updating one row 200,000 times in one transaction would make each update
slower than the last.
"""

import contextlib
import logging

from django.apps import apps
from django.db import DEFAULT_DB_ALIAS, connections, router
from django.db.models.signals import post_migrate

logger = logging.getLogger(__name__)

FUNCTION = "atlas_bump_data_version"
TRIGGER = "atlas_data_version"

# Installed by core/migrations/0007_dataversion.py.
FUNCTION_SQL = """
CREATE OR REPLACE FUNCTION atlas_bump_data_version() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('atlas.bulk_change', true) = 'on' THEN
        RETURN NULL;
    END IF;
    INSERT INTO atlas_dataversion (id, number, changed_at)
    VALUES (1, nextval('atlas_dataversion_number_seq'), clock_timestamp())
    ON CONFLICT (id) DO UPDATE
        SET number = EXCLUDED.number, changed_at = EXCLUDED.changed_at;
    RETURN NULL;
END
$$;
"""

BUMP_SQL = """
INSERT INTO atlas_dataversion (id, number, changed_at)
VALUES (1, nextval('atlas_dataversion_number_seq'), clock_timestamp())
ON CONFLICT (id) DO UPDATE
    SET number = EXCLUDED.number, changed_at = EXCLUDED.changed_at
"""

VERSION_SQL = "SELECT number, changed_at FROM atlas_dataversion WHERE id = 1"


@contextlib.contextmanager
def bulk_change(using="default"):
    """Write without a bump per statement until the block ends, then bump the
    version once. Meant inside the writer's transaction: the bump and the
    data then commit, or roll back, together (outside one, the setting lasts a
    statement and every statement bumps as usual). The bump comes last because
    it locks the version row until commit: taken first, an import of minutes
    would hold every editor's save behind it for that long."""
    connection = connections[using]
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('atlas.bulk_change', 'on', true)")
    # After an error the enclosing transaction or savepoint rolls the setting
    # and the data back; a statement now would fail in an aborted transaction.
    yield
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('atlas.bulk_change', 'off', true)")
        cursor.execute(BUMP_SQL)


def public_content_models():
    """The models whose rows the public reads: those declaring
    ``public_content``, and the many-to-many tables Django made for them."""
    found = []
    for model in apps.get_models():
        if not getattr(model, "public_content", False):
            continue
        found.append(model)
        for field in model._meta.local_many_to_many:
            through = field.remote_field.through
            if through._meta.auto_created:
                found.append(through)
    return found


def public_tables():
    return sorted({model._meta.db_table for model in public_content_models()})


def install_triggers(using="default"):
    """Put the trigger on every public table that exists (a partial migrate
    may not have made them all yet; the next full one does)."""
    connection = connections[using]
    existing = set(connection.introspection.table_names())
    if "atlas_dataversion" not in existing:
        return
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for table in public_tables():
            if table not in existing:
                continue
            cursor.execute(
                f"CREATE OR REPLACE TRIGGER {TRIGGER} "
                f"AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {quote(table)} "
                f"FOR EACH STATEMENT EXECUTE FUNCTION {FUNCTION}()"
            )


def install_triggers_after_migrate(sender, using="default", **kwargs):
    install_triggers(using)


def connect(app_config):
    post_migrate.connect(
        install_triggers_after_migrate,
        sender=app_config,
        dispatch_uid="atlas-install-data-version-triggers",
    )


class Version:
    """The data version as read: its number, and when it last changed (None
    before the first change)."""

    def __init__(self, number, changed_at):
        self.number = number
        self.changed_at = changed_at

    def __repr__(self):
        return f"Version({self.number}, {self.changed_at!r})"


def current_version():
    """One query, on the database the router reads the model from: with read
    replicas it goes wherever reads go, and there it matches the data it
    describes. Written out rather than built by the ORM: every anonymous
    request makes it, and building the query cost more CPU than running it."""
    from core.models import DataVersion

    connection = connections[router.db_for_read(DataVersion) or DEFAULT_DB_ALIAS]
    with connection.cursor() as cursor:
        cursor.execute(VERSION_SQL)
        row = cursor.fetchone()
    return Version(*row) if row else Version(0, None)
