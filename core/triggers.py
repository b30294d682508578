"""Installing the history triggers after ``migrate``, in either direction.

Most of django-pghistory's triggers live in the apps' migrations. Those of the
many-to-many tables (a record's sources) cannot: Django's migrations do not see
their auto-created through models, so they are installed after every migrate.
pgtrigger's own setting for that (PGTRIGGER_INSTALL_ON_MIGRATE) installs the
triggers of the current code even when ``migrate`` has just gone back to an
older schema, which fails ("column old.last_edited_by_id does not exist") and
made migrations irreversible. This installs them only on a fully migrated
database; after a partial migrate it removes the through tables' triggers,
whose event tables the older schema may not have, and the next full migrate
puts them back.
"""

import logging

import pgtrigger
from django.db import connections
from django.db.migrations.executor import MigrationExecutor
from django.db.models.signals import post_migrate

logger = logging.getLogger(__name__)


def fully_migrated(using):
    executor = MigrationExecutor(connections[using])
    return not executor.migration_plan(executor.loader.graph.leaf_nodes())


def install_triggers_after_migrate(sender, using="default", **kwargs):
    if fully_migrated(using):
        pgtrigger.install(database=using)
        return
    tables = set(connections[using].introspection.table_names())
    for model, trigger in pgtrigger.registered():
        if model._meta.auto_created and model._meta.db_table in tables:
            trigger.uninstall(model, database=using)
    logger.info(
        "Not every migration is applied: the history triggers of many-to-many "
        "tables stay off until the next full migrate."
    )


def connect(app_config):
    post_migrate.connect(
        install_triggers_after_migrate,
        sender=app_config,
        dispatch_uid="atlas-install-triggers",
    )
