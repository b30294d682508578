import django.contrib.postgres.indexes
from django.db import migrations

import core.searchwords


class Migration(migrations.Migration):
    dependencies = [("exercises", "0008_search_newest_published")]

    operations = [
        migrations.AddIndex(
            model_name="exercise",
            index=django.contrib.postgres.indexes.GinIndex(
                core.searchwords.TitleWords("name"), name="exercise_name_words"
            ),
        ),
    ]
