# The target filter's indexes (issue 12): the order indexes of 0010/0014 also
# carry the countries an entry targets (0015), so a list filtered by a common
# target (Lithuania, in most entries) walks them and stops at its page, and
# its bounded count reads the index only; a GIN index over the published rows
# serves a target few entries name. CONCURRENTLY, as 0010, so a live archive
# keeps answering and accepting writes while they build.

import django.contrib.postgres.indexes
from django.contrib.postgres.operations import (
    AddIndexConcurrently,
    RemoveIndexConcurrently,
)
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("threats", "0015_threat_entry_targeted_country_ids"),
    ]

    operations = [
        RemoveIndexConcurrently(
            model_name="threatentry",
            name="threat_entry_pub_order",
        ),
        AddIndexConcurrently(
            model_name="threatentry",
            index=models.Index(
                condition=models.Q(("publication_status", "published")),
                fields=["-occurred_start", "title"],
                include=("location_country", "id", "targeted_country_ids"),
                name="threat_entry_pub_order",
            ),
        ),
        RemoveIndexConcurrently(
            model_name="threatentry",
            name="threat_entry_pub_category",
        ),
        AddIndexConcurrently(
            model_name="threatentry",
            index=models.Index(
                condition=models.Q(("publication_status", "published")),
                fields=["category", "-occurred_start", "title"],
                include=(
                    "location_country",
                    "id",
                    "occurred_start_precision",
                    "severity",
                    "information_credibility",
                    "source_reliability",
                    "geo_precision",
                    "sea_area",
                    "targeted_country_ids",
                ),
                name="threat_entry_pub_category",
            ),
        ),
        AddIndexConcurrently(
            model_name="threatentry",
            index=django.contrib.postgres.indexes.GinIndex(
                condition=models.Q(("publication_status", "published")),
                fields=["targeted_country_ids"],
                name="threat_entry_pub_targets",
            ),
        ),
        # The planner's statistics of the new column (how many entries name
        # each country), now rather than at autovacuum's next pass: without
        # them it cannot tell Lithuania (most entries) from Norway (few).
        migrations.RunSQL(
            "ANALYZE threats_threatentry (targeted_country_ids)",
            migrations.RunSQL.noop,
        ),
    ]
