"""The countries a threat entry targets, stored on the entry
(``targeted_country_ids``) for the target filter's indexes (issue 12): the
database keeps them by the one rule of ``ThreatEntryQuerySet.targeting`` (the
countries it names and the one where it happened), whoever writes: the ORM,
its bulk paths, raw SQL, an update of the location alone. A stale value a save
carries in is replaced, and the history records the change of targets where
it happens (the target countries' own events), not as an edit of the entry."""

import pytest
from django.apps import apps
from django.db import connection

from core.revisions import editable_fields
from tests import factories
from threats.models import ThreatEntry

pytestmark = pytest.mark.django_db


@pytest.fixture
def countries():
    return {iso2: factories.country(iso2) for iso2 in ("LT", "LV", "EE", "NO")}


def stored(entry):
    return ThreatEntry.objects.values_list("targeted_country_ids", flat=True).get(
        pk=entry.pk
    )


def ids(countries, *codes):
    return sorted(countries[code].pk for code in codes)


def by_the_rule(entry):
    """The rule computed from the rows themselves, as the filter used to ask."""
    named = set(entry.target_countries.values_list("pk", flat=True))
    located = ThreatEntry.objects.get(pk=entry.pk).location_country_id
    return sorted(named | ({located} if located else set()))


def test_a_new_entry_targets_the_countries_it_names_and_where_it_happened(countries):
    entry = factories.threat(
        targets=[countries["LV"], countries["LT"]], location_country=countries["EE"]
    )
    assert stored(entry) == ids(countries, "LT", "LV", "EE") == by_the_rule(entry)
    # Each country once, named and located alike.
    both = factories.threat(targets=[countries["LT"]], location_country=countries["LT"])
    assert stored(both) == ids(countries, "LT")
    assert stored(factories.threat()) == []


def test_every_change_of_the_targets_is_followed(countries):
    entry = factories.threat(targets=[countries["LT"]])
    entry.target_countries.add(countries["NO"], countries["LV"])
    assert stored(entry) == ids(countries, "LT", "LV", "NO")
    entry.target_countries.remove(countries["LT"])
    assert stored(entry) == ids(countries, "LV", "NO")
    entry.target_countries.set([countries["EE"]])
    assert stored(entry) == ids(countries, "EE")
    entry.target_countries.clear()
    assert stored(entry) == []
    countries["EE"].targeted_by_threats.add(entry)  # from the country's side
    assert stored(entry) == ids(countries, "EE")
    through = ThreatEntry.target_countries.through
    through.objects.bulk_create(
        [through(threatentry_id=entry.pk, country_id=countries["NO"].pk)]
    )
    assert stored(entry) == ids(countries, "EE", "NO")
    # A link moved to another country or entry, in raw SQL.
    other = factories.threat(targets=[countries["LT"]])
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {through._meta.db_table} SET threatentry_id = %s "  # noqa: S608
            "WHERE threatentry_id = %s AND country_id = %s",
            [other.pk, entry.pk, countries["NO"].pk],
        )
    assert stored(entry) == ids(countries, "EE") == by_the_rule(entry)
    assert stored(other) == ids(countries, "LT", "NO") == by_the_rule(other)


def test_the_place_where_it_happened_is_followed_however_it_is_written(countries):
    entry = factories.threat(targets=[countries["LV"]])
    entry.location_country = countries["LT"]
    entry.save()
    assert stored(entry) == ids(countries, "LT", "LV")
    ThreatEntry.objects.filter(pk=entry.pk).update(location_country=countries["EE"])
    assert stored(entry) == ids(countries, "EE", "LV")
    entry.refresh_from_db()
    entry.location_country = None
    entry.save(update_fields=["location_country"])
    assert stored(entry) == ids(countries, "LV")


def test_a_stale_or_forged_value_is_replaced(countries):
    entry = factories.threat(targets=[countries["LT"]])
    stale = ThreatEntry.objects.get(pk=entry.pk)
    entry.target_countries.add(countries["LV"])
    # The instance read before the change saves every column, its old list too.
    stale.title = "Retitled"
    stale.save()
    assert stored(entry) == ids(countries, "LT", "LV")
    ThreatEntry.objects.filter(pk=entry.pk).update(
        targeted_country_ids=[countries["NO"].pk]
    )
    assert stored(entry) == ids(countries, "LT", "LV")
    forged = factories.threat(targeted_country_ids=[countries["NO"].pk])
    assert stored(forged) == []


def test_the_filter_reads_the_stored_rule(countries):
    named = factories.threat(title="Named", targets=[countries["NO"]])
    located = factories.threat(title="Located", location_country=countries["NO"])
    factories.threat(title="Elsewhere", targets=[countries["LT"]])
    published = ThreatEntry.objects.published()
    assert set(published.targeting(countries["NO"])) == {named, located}
    assert set(published.targeting([countries["NO"].pk, countries["LT"].pk])) == set(
        published
    )
    sql = str(published.targeting(countries["NO"]).query)
    assert "target_countries" not in sql  # a condition on the row, no join


def test_the_history_records_targets_as_their_own_events_only(countries):
    entry = factories.threat(targets=[countries["LT"]])
    events = apps.get_model("threats", "ThreatEntryEvent").objects
    before = events.filter(pgh_obj_id=entry.pk).count()
    entry.target_countries.add(countries["LV"])
    ThreatEntry.objects.filter(pk=entry.pk).update(location_country=countries["EE"])
    # The location is an edit of the entry; the stored list is no edit of its own.
    assert events.filter(pgh_obj_id=entry.pk).count() == before + 1
    added = apps.get_model("threats", "ThreatEntryTargetCountriesEvent").objects
    assert added.filter(threatentry_id=entry.pk, pgh_label="target_countries.add")
    event_columns = {field.name for field in events.model._meta.fields}
    assert "targeted_country_ids" not in event_columns


def test_a_revision_cannot_write_the_stored_rule():
    names = {field.name for field in editable_fields(ThreatEntry)}
    assert "target_countries" in names
    assert "targeted_country_ids" not in names
