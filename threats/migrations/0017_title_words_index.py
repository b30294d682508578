import django.contrib.postgres.indexes
from django.db import migrations

import core.searchwords


class Migration(migrations.Migration):
    dependencies = [("threats", "0016_threat_entry_target_indexes")]

    operations = [
        migrations.AddIndex(
            model_name="threatentry",
            index=django.contrib.postgres.indexes.GinIndex(
                core.searchwords.TitleWords("title"), name="threat_entry_title_words"
            ),
        ),
    ]
