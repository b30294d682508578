"""/countries/<ISO2>/: a country's profile. Memberships and agreements come from
alliances; the exercises it hosted or took part in and the threat entries that
targeted it come from the other two apps, so the page is composed here, above
the apps, and served under the alliances namespace its links have always used
(``alliances:country_detail``, see config/urls.py)."""

import re

from django.db.models import Count
from django.db.models.functions import ExtractYear
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.timezone import localdate
from django.utils.translation import gettext_lazy as _
from django.views.generic import DetailView

from alliances.models import Country
from alliances.views import membership_timeline
from core.models import display_name
from exercises.models import Exercise
from threats.models import Attribution, ThreatEntry

# The actors blamed most often for entries targeting the country.
TOP_ACTORS = 8
# The newest threat entries listed on the profile; the summary counts them all
# and the threat list (``?target=``) gives them all.
THREATS_LISTED = 50

ISO2 = re.compile(r"^[A-Za-z]{2}$")


class CountryDetailView(DetailView):
    queryset = Country.objects.for_detail()
    template_name = "alliances/country_detail.html"

    def get_object(self, queryset=None):
        code = self.kwargs["iso2"]
        if not ISO2.match(code):
            raise Http404(_("No country has this code."))
        return get_object_or_404(self.get_queryset(), iso2=code.upper())

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        country = self.object
        memberships = list(country.memberships.all())
        context.update(
            memberships=memberships,
            timeline=membership_timeline(
                [(m.organisation.short_name, m) for m in memberships],
                today=localdate(),
            ),
            agreements=[p.agreement for p in country.agreement_parties.all()],
            exercises=Exercise.objects.published().involving(country),
            threats=ThreatEntry.objects.published().involving(country)[:THREATS_LISTED],
            threat_summary=threat_summary(country),
            threats_list_url=f"{reverse('threats:threatentry_list')}?"
            + urlencode({"target": country.iso2}),
            map_source=f"{reverse('map_data')}?"
            + urlencode({"kind": "threat", "target": country.iso2}),
        )
        return context


def threat_summary(country):
    """Threat entries targeting ``country`` by year and category, and the actors
    blamed most often: two aggregate queries, whatever the entries."""
    targeting = ThreatEntry.objects.published().targeting(country).order_by()
    cells = (
        targeting.annotate(year=ExtractYear("occurred_start"))
        .values("year", "category__slug", "category__name", "category__name_lt")
        .annotate(count=Count("pk"))
    )
    categories, years = {}, {}
    for cell in cells:
        slug = cell["category__slug"]
        category = categories.setdefault(
            slug,
            {
                "slug": slug,
                "name": display_name(cell["category__name"], cell["category__name_lt"]),
                "total": 0,
            },
        )
        category["total"] += cell["count"]
        row = years.setdefault(cell["year"], {"year": cell["year"], "counts": {}})
        row["counts"][slug] = cell["count"]
    columns = sorted(categories.values(), key=lambda c: (-c["total"], c["name"]))
    list_url = reverse("threats:threatentry_list")
    rows = []
    for year in sorted(years, reverse=True):
        counts = years[year]["counts"]
        rows.append(
            {
                "year": year,
                "total": sum(counts.values()),
                "url": f"{list_url}?"
                + urlencode({"target": country.iso2, "year": year}),
                "cells": [
                    {
                        "count": counts.get(column["slug"], 0),
                        "url": f"{list_url}?"
                        + urlencode(
                            {
                                "target": country.iso2,
                                "year": year,
                                "category": column["slug"],
                            }
                        ),
                    }
                    for column in columns
                ],
            }
        )
    actors = (
        Attribution.objects.filter(entry__in=targeting.values("pk"))
        .values("actor__slug", "actor__name", "actor__name_lt")
        .annotate(count=Count("entry", distinct=True))
        .order_by("-count", "actor__name")[:TOP_ACTORS]
    )
    return {
        "columns": columns,
        "rows": rows,
        "total": sum(row["total"] for row in rows),
        "actors": [
            {
                "name": display_name(actor["actor__name"], actor["actor__name_lt"]),
                "count": actor["count"],
                "url": f"{list_url}?"
                + urlencode({"target": country.iso2, "actor": actor["actor__slug"]}),
            }
            for actor in actors
        ],
    }
