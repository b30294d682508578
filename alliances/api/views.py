"""API viewsets for countries, sources, organisations, memberships, agreements.

Each queryset holds the joins its representation needs, so the number of
queries per page does not grow with rows (pinned in tests/api/test_queries.py).
Organisations and agreements go through review (core.api.viewsets.ReviewedViewSet);
memberships are shown with their organisation.
"""

from django.db.models import Count, Prefetch

from alliances.filtersets import (
    AGREEMENT_CHART,
    AgreementFilterSet,
    CountryFilterSet,
    MembershipFilterSet,
    OrganisationFilterSet,
    PublisherFilterSet,
    SourceFilterSet,
)
from alliances.models import (
    Agreement,
    Country,
    Membership,
    Organisation,
    Publisher,
    Source,
)
from core.api.stats import stats_endpoint
from core.api.viewsets import AtlasViewSet, ReviewedViewSet
from core.publication import sees_unpublished

from .serializers import (
    AgreementSerializer,
    CountrySerializer,
    MembershipSerializer,
    OrganisationSerializer,
    PublisherSerializer,
    SourceSerializer,
)


def brief_sources():
    """The sources a record cites, with only the columns of their brief form."""
    return Prefetch(
        "sources",
        queryset=Source.objects.only(
            "id", "url", "title", "caution", "publisher__name", "publisher__reliability"
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
        return queryset.for_list(
            sees_unpublished=lambda model: sees_unpublished(self.request, model)
        )


class PublisherViewSet(AtlasViewSet):
    """The outlets and bodies that publish sources, each with its Admiralty
    reliability letter (null: not rated), given by reviewers."""

    queryset = Publisher.objects.annotate(source_count=Count("sources"))
    serializer_class = PublisherSerializer
    filterset_class = PublisherFilterSet
    lookup_field = "pk"
    lookup_value_regex = "[0-9]+"
    export_name = "publishers"


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

    queryset = (
        Agreement.objects.select_related("place_country")
        .with_parties()
        .prefetch_related(brief_sources())
    )
    serializer_class = AgreementSerializer
    filterset_class = AgreementFilterSet
    export_name = "agreements"
    # /agreements/stats/: the list's chart as data
    stats = stats_endpoint(AGREEMENT_CHART)
