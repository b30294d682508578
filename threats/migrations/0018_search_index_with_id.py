import django.contrib.postgres.indexes
import django.db.models.expressions
from django.db import migrations, models


class Migration(migrations.Migration):
    """The search vector's GIN index with the negated id beside it (btree_gin):
    the newest matches are looked for among the newest records first, the id
    range and the words answered by the index together (core/search.py)."""

    dependencies = [("threats", "0017_title_words_index")]

    operations = [
        # Never dropped on the way back: other apps' indexes may use it.
        migrations.RunSQL(
            "CREATE EXTENSION IF NOT EXISTS btree_gin", migrations.RunSQL.noop
        ),
        migrations.RemoveIndex(
            model_name="threatentry",
            name="threat_entry_search",
        ),
        migrations.AddIndex(
            model_name="threatentry",
            index=django.contrib.postgres.indexes.GinIndex(
                models.F("search_vector"),
                models.ExpressionWrapper(
                    django.db.models.expressions.CombinedExpression(
                        models.F("id"), "*", models.Value(-1)
                    ),
                    output_field=models.BigIntegerField(),
                ),
                name="threat_entry_search",
            ),
        ),
    ]
