"""Counting the countries threat entries target, by the one rule of
``ThreatEntryQuerySet.targeting`` (named among the targets, or where it
happened), in one read of the entries rather than one per country: the list
page's facet and the countries that have records."""

from django.db import models
from django.db.models import Q

from alliances.models import Country


class TargetCounts:
    """ThreatEntryQuerySet's counts of targeted countries."""

    def targeted(self, field="pk"):
        """A condition on countries (``field``: the path to their id): one of
        these entries targets it (``targeting``). Two lists of the few distinct
        countries, read once, not an EXISTS per country that reads every entry."""
        named = (
            self.model.target_countries.through.objects.filter(
                threatentry__in=self.order_by().values("pk")
            )
            .values("country")
            .distinct()
        )
        located = (
            self.order_by()
            .filter(location_country__isnull=False)
            .values("location_country")
            .distinct()
        )
        return Q(**{f"{field}__in": named}) | Q(**{f"{field}__in": located})

    def target_counts(self):
        """``[(country, count)]``: how many of these entries target each country
        (by ``targeting``), most first; countries targeted by none are left out.

        One grouped count over the countries these entries name and those they
        happened in without naming them (an entry counts once per country)."""
        if self.query.is_empty():  # none(): filters that failed
            return []
        through = self.model.target_countries.through.objects
        entries = self.order_by()
        named = (
            through.filter(threatentry__in=entries.values("pk"))
            .order_by()
            .values_list("threatentry_id", "country_id")
        )
        located = (
            entries.filter(location_country__isnull=False)
            .filter(
                ~models.Exists(
                    through.filter(
                        threatentry=models.OuterRef("pk"),
                        country=models.OuterRef("location_country"),
                    )
                )
            )
            # Pairs: a filter's DISTINCT over the country alone would count
            # one per country.
            .values_list("pk", "location_country_id")
            .distinct()
        )
        pairs = named.union(located, all=True)
        # The ORM cannot group a UNION (only its own SQL is interpolated).
        pairs_sql, params = pairs.query.get_compiler(using=self.db).as_sql()
        country = Country._meta.db_table
        counted = Country.objects.db_manager(self.db).raw(
            f"""SELECT c.id, c.iso2, c.name, c.name_lt, counts.n AS targeting_count
                FROM {country} c JOIN (
                    SELECT targets.country_id, COUNT(*) AS n
                    FROM ({pairs_sql}) AS targets (entry_id, country_id)
                    GROUP BY targets.country_id
                ) counts ON counts.country_id = c.id""",  # noqa: S608
            params,
        )
        return sorted(
            ((country, country.targeting_count) for country in counted),
            key=lambda pair: (-pair[1], pair[0].iso2),
        )
