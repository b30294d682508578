"""API viewsets for threat categories, actors, threat entries and attributions."""

from django.db.models import Prefetch

from alliances.api.views import brief_sources
from core.api.renderers import CSVRenderer, GeoJSONRenderer
from core.api.stats import stats_endpoint
from core.api.viewsets import AtlasViewSet, ReviewedViewSet
from core.exports import point_feature
from exercises.models import Exercise
from threats.filtersets import (
    THREAT_CHART,
    ActorFilterSet,
    AttributionFilterSet,
    ThreatCategoryFilterSet,
    ThreatEntryFilterSet,
)
from threats.models import Actor, Attribution, ThreatCategory, ThreatEntry

from . import rows
from .serializers import (
    ActorSerializer,
    AttributionSerializer,
    ThreatCategorySerializer,
    ThreatEntrySerializer,
)


class ThreatCategoryViewSet(AtlasViewSet):
    """The controlled list of threat kinds."""

    queryset = ThreatCategory.objects.all()
    serializer_class = ThreatCategorySerializer
    filterset_class = ThreatCategoryFilterSet
    export_name = "threat-categories"


class ActorViewSet(AtlasViewSet):
    """States, agencies and groups behind, or blamed for, threats."""

    queryset = Actor.objects.select_related("country")
    serializer_class = ActorSerializer
    filterset_class = ActorFilterSet
    export_name = "actors"


# The query parameters that choose a page of the list, not its rows or order.
PAGE_ONLY_PARAMETERS = {"page", "page_size", "pagination", "cursor", "format"}


class ThreatEntryViewSet(ReviewedViewSet):
    """Threat entries with their rating, targets, attributions and sources.
    ``?format=geojson`` gives the located ones as points."""

    # for_list: category, location country, attributions with their actors.
    queryset = (
        ThreatEntry.objects.for_list()
        .select_related("coordinates_source__publisher")
        .prefetch_related(
            "target_countries",
            Prefetch(
                "related_exercises",
                # The status: unpublished exercises are not named to the public.
                queryset=Exercise.objects.only(
                    "id", "slug", "name", "publication_status"
                ),
            ),
            brief_sources(),
        )
    )
    serializer_class = ThreatEntrySerializer
    filterset_class = ThreatEntryFilterSet
    export_renderers = [CSVRenderer, GeoJSONRenderer]
    export_name = "threats"
    # /threats/stats/: the list's chart as data
    stats = stats_endpoint(THREAT_CHART)

    def list(self, request, *args, **kwargs):
        # The serializer's JSON, read from plain rows (threats/api/rows.py):
        # the same queries, without a model instance per record. (A comment,
        # not a docstring: the schema would take it for the endpoint's.)
        queryset = self.filter_queryset(self.get_queryset())
        # Asked for a page and nothing else (no filter, order or
        # updated_since), the page's statement is prepared: its plan walks the
        # default order's index whatever the page or cursor. A filter's best
        # plan depends on its value (a country most entries name, or one few
        # do), which a prepared statement's generic plan cannot see.
        unfiltered = set(request.query_params) <= PAGE_ONLY_PARAMETERS
        page = self.paginate_queryset(rows.rows(queryset, request, prepared=unfiltered))
        return self.get_paginated_response(rows.Representation(request).many(page))

    def geojson_features(self, row):
        if row["latitude"] is None:
            return []
        category = row["category"]
        country = row["location_country"]
        return [
            point_feature(
                row["latitude"],
                row["longitude"],
                {
                    "slug": row["slug"],
                    "title": row["title"],
                    "url": row["url"],
                    "web_url": row["web_url"],
                    "category": category["slug"],
                    "occurred_start": row["occurred_start"],
                    "occurred_start_precision": row["occurred_start_precision"],
                    "occurred_end": row["occurred_end"],
                    "occurred_end_precision": row["occurred_end_precision"],
                    "severity": row["severity"],
                    "location": row["location_name"],
                    "country": country["iso2"] if country else None,
                },
                feature_id=row["slug"],
            )
        ]


class AttributionViewSet(AtlasViewSet):
    """Claims, by someone, that an actor is behind a threat entry; public when
    the entry is published."""

    queryset = Attribution.objects.select_related("entry", "actor").prefetch_related(
        brief_sources()
    )
    serializer_class = AttributionSerializer
    filterset_class = AttributionFilterSet
    lookup_field = "pk"
    lookup_value_regex = "[0-9]+"
    export_name = "attributions"
