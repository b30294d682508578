"""API viewsets for exercise series and exercises."""

from django.db.models import Prefetch

from alliances.api.views import brief_sources
from core.api.renderers import CSVRenderer, GeoJSONRenderer
from core.api.stats import stats_endpoint
from core.api.viewsets import AtlasViewSet, ReviewedViewSet
from core.exports import point_feature
from exercises.filtersets import (
    EXERCISE_CHART,
    ExerciseFilterSet,
    ExerciseSeriesFilterSet,
)
from exercises.models import Exercise, ExerciseLocation, ExerciseSeries, Participation

from .serializers import ExerciseSerializer, ExerciseSeriesSerializer


class ExerciseSeriesViewSet(AtlasViewSet):
    """Recurring exercises (Iron Wolf, BALTOPS...)."""

    queryset = ExerciseSeries.objects.all()
    serializer_class = ExerciseSeriesSerializer
    filterset_class = ExerciseSeriesFilterSet
    export_name = "exercise-series"


class ExerciseViewSet(ReviewedViewSet):
    """Exercises with their nations and places. ``?format=geojson`` gives one
    point per located place."""

    queryset = (
        Exercise.objects.newest_first()
        .select_related("series", "lead_country", "lead_organisation")
        .prefetch_related(
            "host_countries",
            Prefetch(
                "participations",
                queryset=Participation.objects.select_related("country").order_by(
                    "country__name"
                ),
            ),
            Prefetch(
                "locations",
                queryset=ExerciseLocation.objects.select_related(
                    # the source's name includes its publisher
                    "country",
                    "coordinates_source__publisher",
                ),
            ),
            brief_sources(),
        )
    )
    serializer_class = ExerciseSerializer
    filterset_class = ExerciseFilterSet
    export_renderers = [CSVRenderer, GeoJSONRenderer]
    export_name = "exercises"
    # /exercises/stats/: the list's chart as data
    stats = stats_endpoint(EXERCISE_CHART)

    def geojson_features(self, row):
        for location in row["locations"]:
            if location["latitude"] is None:
                continue
            country = location["country"]
            yield point_feature(
                location["latitude"],
                location["longitude"],
                {
                    "exercise": row["slug"],
                    "name": row["name"],
                    "url": row["url"],
                    "web_url": row["web_url"],
                    "start": row["start"],
                    "start_precision": row["start_precision"],
                    "end": row["end"],
                    "end_precision": row["end_precision"],
                    "domain": row["domain"],
                    "location": location["name"],
                    "country": country["iso2"] if country else None,
                },
                feature_id=f"{row['slug']}/{location['name']}",
            )
