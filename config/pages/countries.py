"""/countries/<ISO2>/: a country's profile. Memberships and agreements come from
alliances; the exercises it hosted or took part in and the threat entries that
targeted it come from the other two apps, so the page is composed here, above
the apps, and served under the alliances namespace its links have always used
(``alliances:country_detail``, see config/urls.py)."""

import re

from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.timezone import localdate
from django.utils.translation import gettext_lazy as _
from django.views.generic import DetailView

from alliances.models import Country
from alliances.views import membership_timeline
from exercises.models import Exercise
from threats.models import ThreatEntry

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
            threats=ThreatEntry.objects.published().involving(country),
        )
        return context
