"""API viewsets for countries, sources, organisations, memberships, agreements.

Each queryset holds the joins its representation needs, so the number of
queries per page does not grow with rows (pinned in tests/api/test_queries.py).
Organisations and agreements go through review (core.api.ReviewedViewSet);
memberships are shown with their organisation.
"""

from django.db.models import OuterRef, Prefetch, Q

from alliances.filtersets import (
    AgreementFilterSet,
    CountryFilterSet,
    OrganisationFilterSet,
)
from alliances.models import (
    Agreement,
    AgreementParty,
    Country,
    Membership,
    Organisation,
    Source,
    SubqueryCount,
)
from core.api import AtlasViewSet, ReviewedViewSet, sees_unpublished
from core.models import Status

from .filters import MembershipFilterSet, SourceFilterSet
from .serializers import (
    AgreementSerializer,
    CountrySerializer,
    MembershipSerializer,
    OrganisationSerializer,
    SourceSerializer,
)


def brief_sources():
    """The sources a record cites, with only the columns of their brief form."""
    return Prefetch(
        "sources",
        queryset=Source.objects.only("id", "url", "title", "publisher", "caution"),
    )


def record_counts(countries, request):
    """Per country: memberships, agreements it is party to, exercises it hosted
    or took part in, threat entries targeting it or located in it; counting only
    the published records unless the user may see the others."""
    exercise = Country._meta.get_field("hosted_exercises").related_model
    threat = Country._meta.get_field("targeted_by_threats").related_model

    def shown(queryset, model, path=""):
        if sees_unpublished(request, model):
            return queryset
        return queryset.filter(**{f"{path}publication_status": Status.PUBLISHED})

    return countries.annotate(
        membership_count=SubqueryCount(
            shown(
                Membership.objects.filter(country=OuterRef("pk")),
                Organisation,
                "organisation__",
            ).values("pk")
        ),
        agreement_count=SubqueryCount(
            shown(
                AgreementParty.objects.filter(country=OuterRef("pk")),
                Agreement,
                "agreement__",
            ).values("agreement")
        ),
        exercise_count=SubqueryCount(
            shown(
                exercise.objects.filter(
                    Q(host_countries=OuterRef("pk"))
                    | Q(participations__country=OuterRef("pk"))
                ),
                exercise,
            )
            .order_by()
            .values("pk")
            .distinct()
        ),
        threat_count=SubqueryCount(
            shown(
                threat.objects.filter(
                    Q(target_countries=OuterRef("pk"))
                    | Q(location_country=OuterRef("pk"))
                ),
                threat,
            )
            .order_by()
            .values("pk")
            .distinct()
        ),
    )


class CountryViewSet(AtlasViewSet):
    """Countries (by ISO code), with how many published records name them. Like
    /countries/, only countries named in some record unless ``has_records=all``."""

    queryset = Country.objects.all()
    serializer_class = CountrySerializer
    filterset_class = CountryFilterSet
    lookup_field = "iso2"
    lookup_value_regex = "[A-Z]{2}"
    export_name = "countries"

    def get_queryset(self):
        queryset = super().get_queryset()
        if getattr(self, "action", None) == "history":
            return queryset
        return record_counts(queryset, self.request)


class SourceViewSet(AtlasViewSet):
    """The documents records cite."""

    queryset = Source.objects.all()
    serializer_class = SourceSerializer
    filterset_class = SourceFilterSet
    lookup_field = "pk"
    lookup_value_regex = "[0-9]+"
    export_name = "sources"


class OrganisationViewSet(ReviewedViewSet):
    """Alliances, unions, regional formats and other organisations."""

    # for_list: hq_country and member_count; then parent and the sources.
    queryset = (
        Organisation.objects.for_list()
        .select_related("parent")
        .prefetch_related(brief_sources())
    )
    serializer_class = OrganisationSerializer
    filterset_class = OrganisationFilterSet
    export_name = "organisations"


class MembershipViewSet(AtlasViewSet):
    """A country's place in an organisation over a period; public when the
    organisation is published."""

    queryset = Membership.objects.select_related(
        "organisation", "country"
    ).prefetch_related(brief_sources())
    serializer_class = MembershipSerializer
    filterset_class = MembershipFilterSet
    lookup_field = "pk"
    lookup_value_regex = "[0-9]+"
    export_name = "memberships"


class AgreementViewSet(ReviewedViewSet):
    """Treaties, agreements and memoranda, with their parties."""

    queryset = Agreement.objects.select_related("place_country").prefetch_related(
        Prefetch(
            "parties",
            queryset=AgreementParty.objects.select_related("country", "organisation"),
        ),
        brief_sources(),
    )
    serializer_class = AgreementSerializer
    filterset_class = AgreementFilterSet
    export_name = "agreements"
