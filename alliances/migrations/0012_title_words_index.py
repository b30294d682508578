import django.contrib.postgres.indexes
from django.db import migrations

import core.searchwords


class Migration(migrations.Migration):
    dependencies = [("alliances", "0011_search_newest_published")]

    operations = [
        migrations.AddIndex(
            model_name="agreement",
            index=django.contrib.postgres.indexes.GinIndex(
                core.searchwords.TitleWords("title"), name="agreement_title_words"
            ),
        ),
        migrations.AddIndex(
            model_name="country",
            index=django.contrib.postgres.indexes.GinIndex(
                core.searchwords.TitleWords("name", "name_lt"),
                name="country_title_words",
            ),
        ),
        migrations.AddIndex(
            model_name="organisation",
            index=django.contrib.postgres.indexes.GinIndex(
                core.searchwords.TitleWords("name", "acronym"),
                name="organisation_title_words",
            ),
        ),
    ]
