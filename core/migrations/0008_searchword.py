import django.contrib.postgres.indexes
from django.db import migrations, models

from core.searchwords import FUNCTION, FUNCTION_SQL


class Migration(migrations.Migration):
    """The vocabulary of searchable titles and its trigger function; the
    triggers on the searchable tables are installed (and their words read)
    after every migrate (core/searchwords.py), as those tables follow the
    models."""

    dependencies = [("atlas", "0007_dataversion")]

    operations = [
        # Also created by alliances' first migration; never dropped here, as
        # other apps' indexes use it.
        migrations.RunSQL(
            "CREATE EXTENSION IF NOT EXISTS pg_trgm", migrations.RunSQL.noop
        ),
        migrations.CreateModel(
            name="SearchWord",
            fields=[
                (
                    "word",
                    models.TextField(
                        primary_key=True, serialize=False, verbose_name="word"
                    ),
                ),
            ],
            options={
                "verbose_name": "search word",
                "verbose_name_plural": "search words",
                "db_table": "atlas_searchword",
                "indexes": [
                    django.contrib.postgres.indexes.GinIndex(
                        django.contrib.postgres.indexes.OpClass(
                            models.F("word"), name="gin_trgm_ops"
                        ),
                        name="atlas_searchword_trgm",
                    )
                ],
            },
        ),
        migrations.RunSQL(FUNCTION_SQL, f"DROP FUNCTION {FUNCTION}() CASCADE"),
    ]
