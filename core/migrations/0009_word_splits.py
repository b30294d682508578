from django.db import migrations

from core.search import WORD_SPLITS_SQL


class Migration(migrations.Migration):
    """The search's compound splitting, made by the database (core/search.py)."""

    dependencies = [("atlas", "0008_searchword")]

    operations = [
        migrations.RunSQL(WORD_SPLITS_SQL, "DROP FUNCTION atlas_word_splits(text)")
    ]
