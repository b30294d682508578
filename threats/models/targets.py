"""The one rule of "targets a country" (``ThreatEntryQuerySet.targeting``:
named among the targets, or where it happened), and counts of the countries
threat entries target by it, in one read of the entries rather than one per
country: the list page's facet and the countries that have records."""

from django.db import models
from django.db.models import Q

from alliances.models import Country


class TargetCounts:
    """ThreatEntryQuerySet's rule of targeting and its counts of targeted
    countries."""

    def targeting(self, countries):
        """Entries targeting any of ``countries``: THE rule of "targets a
        country", which the ``target`` filter (pages, exports, feeds, map, API),
        its facet, the country profile and the country list's counts all use.

        An entry targets a country when it names it among its target countries
        (editors may add any) or happened in it (``location_country``): an
        incident located in Lithuania targets Lithuania without being listed.
        ``countries``: countries or their ids, one of them, or an ``OuterRef``
        to a country (a per-country count in a subquery).
        """
        named = self.model.target_countries.through.objects
        if isinstance(countries, models.OuterRef):
            # The named targets are one subquery deeper than the entries.
            named = named.filter(country=models.OuterRef(countries))
            located = Q(location_country=countries)
        else:
            if isinstance(countries, Country | int):
                countries = [countries]
            # The rule as stored on the row: one condition with statistics, that
            # the order indexes carry (a common country: walked) and a GIN index
            # answers (a rare one). An EXISTS beside the OR of the location was
            # a hash of every entry naming LT, built on each request.
            ids = sorted({getattr(country, "pk", country) for country in countries})
            return self.filter(targeted_country_ids__overlap=ids)
        return self.filter(Q(pk__in=named.values("threatentry")) | located)

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

        One grouped count over the countries each entry targets as the
        database keeps them on the row (``targeted_country_ids``: each country
        once), read with the entries, from the list's order index where the
        filter allows (no join to the link table)."""
        if self.query.is_empty():  # none(): filters that failed
            return []
        entries = self.order_by().values("targeted_country_ids")
        # The ORM cannot group by the elements of an array (only its own SQL is
        # interpolated).
        entries_sql, params = entries.query.get_compiler(using=self.db).as_sql()
        country = Country._meta.db_table
        counted = Country.objects.db_manager(self.db).raw(
            f"""SELECT c.id, c.iso2, c.name, c.name_lt, counts.n AS targeting_count
                FROM {country} c JOIN (
                    SELECT targets.country_id, COUNT(*) AS n
                    FROM ({entries_sql}) AS entries (ids),
                        unnest(entries.ids) AS targets (country_id)
                    GROUP BY targets.country_id
                ) counts ON counts.country_id = c.id""",  # noqa: S608
            params,
        )
        return sorted(
            ((country, country.targeting_count) for country in counted),
            key=lambda pair: (-pair[1], pair[0].iso2),
        )
