# The countries a threat entry targets (ThreatEntryQuerySet.targeting: named
# among its target countries, or where it happened), stored on the entry and
# kept by the database, so the target filter is a condition on the row that
# the list's indexes serve (issue 12). Triggers, not Python: the admin, the API,
# the importer, the seed, raw SQL and the benchmark's COPY all write these
# tables. The indexes follow in 0016 (built CONCURRENTLY, outside a transaction).

import django.db.models
from django.db import migrations

import core.models

FUNCTIONS = """
-- The rule itself: the countries named, and the one where it happened; sorted.
CREATE FUNCTION threats_targeted_country_ids(entry bigint, located bigint)
RETURNS bigint[] LANGUAGE sql STABLE AS $$
    SELECT COALESCE(array_agg(country ORDER BY country), '{}')
    FROM (
        SELECT t.country_id AS country
        FROM threats_threatentry_target_countries t
        WHERE t.threatentry_id = entry
        UNION
        SELECT located WHERE located IS NOT NULL
    ) targeted
$$;

-- An entry written: whatever the writer put in the column (Django saves every
-- column, with the value it read), the rule's value replaces it.
CREATE FUNCTION threats_entry_targets() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.targeted_country_ids :=
        threats_targeted_country_ids(NEW.id, NEW.location_country_id);
    RETURN NEW;
END
$$;

-- Target countries added, removed or changed: once per statement, the entries
-- concerned (an m2m add of three countries is one INSERT, one update here).
-- The update names the column, so the row trigger above computes the value
-- once it holds the entry's row lock, in a statement of its own (a fresh
-- snapshot): two writers changing one entry's targets at once are serialised
-- on that row, and the second sees the first's committed links.
CREATE FUNCTION threats_entry_targets_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        UPDATE threats_threatentry e
        SET targeted_country_ids =
            threats_targeted_country_ids(e.id, e.location_country_id)
        WHERE e.targeted_country_ids IS DISTINCT FROM
            threats_targeted_country_ids(e.id, e.location_country_id);
    ELSIF TG_OP = 'UPDATE' THEN
        UPDATE threats_threatentry e
        SET targeted_country_ids =
            threats_targeted_country_ids(e.id, e.location_country_id)
        WHERE e.id IN (
            SELECT threatentry_id FROM changed_rows
            UNION SELECT threatentry_id FROM changed_rows_new
        );
    ELSE
        UPDATE threats_threatentry e
        SET targeted_country_ids =
            threats_targeted_country_ids(e.id, e.location_country_id)
        WHERE e.id IN (SELECT threatentry_id FROM changed_rows);
    END IF;
    RETURN NULL;
END
$$;
"""

# Every entry as the rule says, in one statement, before the triggers exist.
# It rewrites every row (a minute at 200,000 entries on a busy machine): the
# site's statement timeout is lifted for this transaction only.
BACKFILL = """
SET LOCAL statement_timeout = 0;
UPDATE threats_threatentry e
SET targeted_country_ids = threats_targeted_country_ids(e.id, e.location_country_id)
WHERE e.targeted_country_ids IS DISTINCT FROM
    threats_targeted_country_ids(e.id, e.location_country_id);
"""

# Fires on an UPDATE naming the columns the rule reads, or the stored column
# itself (a Django save names every column): an update of the title does not
# read the target countries.
TRIGGERS = """
CREATE TRIGGER threats_entry_targets
BEFORE INSERT OR UPDATE OF id, location_country_id, targeted_country_ids
ON threats_threatentry
FOR EACH ROW EXECUTE FUNCTION threats_entry_targets();

CREATE TRIGGER threats_entry_targets_added
AFTER INSERT ON threats_threatentry_target_countries
REFERENCING NEW TABLE AS changed_rows
FOR EACH STATEMENT EXECUTE FUNCTION threats_entry_targets_changed();

CREATE TRIGGER threats_entry_targets_removed
AFTER DELETE ON threats_threatentry_target_countries
REFERENCING OLD TABLE AS changed_rows
FOR EACH STATEMENT EXECUTE FUNCTION threats_entry_targets_changed();

CREATE TRIGGER threats_entry_targets_moved
AFTER UPDATE ON threats_threatentry_target_countries
REFERENCING OLD TABLE AS changed_rows NEW TABLE AS changed_rows_new
FOR EACH STATEMENT EXECUTE FUNCTION threats_entry_targets_changed();

CREATE TRIGGER threats_entry_targets_truncated
AFTER TRUNCATE ON threats_threatentry_target_countries
FOR EACH STATEMENT EXECUTE FUNCTION threats_entry_targets_changed();
"""

DROP = """
DROP TRIGGER IF EXISTS threats_entry_targets_truncated
    ON threats_threatentry_target_countries;
DROP TRIGGER IF EXISTS threats_entry_targets_moved
    ON threats_threatentry_target_countries;
DROP TRIGGER IF EXISTS threats_entry_targets_removed
    ON threats_threatentry_target_countries;
DROP TRIGGER IF EXISTS threats_entry_targets_added
    ON threats_threatentry_target_countries;
DROP TRIGGER IF EXISTS threats_entry_targets ON threats_threatentry;
DROP FUNCTION IF EXISTS threats_entry_targets_changed();
DROP FUNCTION IF EXISTS threats_entry_targets();
DROP FUNCTION IF EXISTS threats_targeted_country_ids(bigint, bigint);
"""


class Migration(migrations.Migration):
    dependencies = [
        ("threats", "0014_facet_columns_and_published_at_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="threatentry",
            name="targeted_country_ids",
            field=core.models.DatabaseKeptArrayField(
                base_field=django.db.models.BigIntegerField(),
                blank=True,
                default=list,
                editable=False,
                size=None,
                verbose_name="targeted countries (ids)",
            ),
        ),
        migrations.RunSQL(FUNCTIONS + BACKFILL + TRIGGERS, DROP),
    ]
