"""/countries/<ISO2>/: a country's profile. Memberships and agreements come from
alliances; the exercises it hosted or took part in and the threat entries that
targeted it come from the other two apps, so the page is composed here, above
the apps, and served under the alliances namespace its links have always used
(``alliances:country_detail``, see config/urls.py)."""

import re

from django.db.models import Exists, F, OuterRef, Prefetch, Q
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.timezone import localdate
from django.utils.translation import gettext_lazy as _
from django.views.generic import DetailView

from alliances.models import AgreementParty, Country, Membership
from alliances.views import membership_timeline
from core.models import Status
from exercises.models import Exercise
from threats.models import ThreatEntry

PUBLISHED = Status.PUBLISHED


ISO2 = re.compile(r"^[A-Za-z]{2}$")


class CountryDetailView(DetailView):
    queryset = Country.objects.prefetch_related(
        Prefetch(
            "memberships",
            queryset=Membership.objects.filter(
                organisation__publication_status=PUBLISHED
            )
            .select_related("organisation")
            .order_by(F("joined").asc(nulls_first=True), "organisation__name"),
        ),
        Prefetch(
            "agreement_parties",
            queryset=AgreementParty.objects.filter(
                agreement__publication_status=PUBLISHED
            )
            .select_related("agreement")
            .order_by(F("agreement__signed").desc(nulls_last=True), "agreement__title"),
        ),
    )
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
        hosts = Exercise.host_countries.through.objects.filter(country=country)
        participants = country.exercise_participations.all()
        exercises = (
            Exercise.objects.published()
            .filter(
                Q(pk__in=hosts.values("exercise"))
                | Q(pk__in=participants.values("exercise"))
            )
            .annotate(
                hosted=Exists(hosts.filter(exercise=OuterRef("pk"))),
                took_part=Exists(participants.filter(exercise=OuterRef("pk"))),
            )
            .select_related("series")
        )
        targets = ThreatEntry.target_countries.through.objects.filter(country=country)
        threats = (
            ThreatEntry.objects.published()
            .filter(
                Q(pk__in=targets.values("threatentry")) | Q(location_country=country)
            )
            .annotate(targeted=Exists(targets.filter(threatentry=OuterRef("pk"))))
            .select_related("category")
        )
        context.update(
            memberships=memberships,
            timeline=membership_timeline(
                [
                    (m.organisation.short_name, m, m.organisation.founded)
                    for m in memberships
                ],
                today=localdate(),
            ),
            agreements=[p.agreement for p in country.agreement_parties.all()],
            exercises=exercises,
            threats=threats,
        )
        return context
