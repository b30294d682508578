"""Exercise series and exercises (with participants and locations) in the API."""

from alliances.api.serializers import (
    CountryBrief,
    OrganisationBrief,
    SourceBrief,
    sources_field,
)
from core.api.fields import BriefRelatedField, BriefSerializer, WebUrlField
from core.api.serializers import (
    WORKFLOW_FIELDS,
    AtlasModelSerializer,
    NestedRowSerializer,
)
from exercises.models import Exercise, ExerciseLocation, ExerciseSeries, Participation


class ExerciseSeriesBrief(BriefSerializer):
    basename = "exerciseseries"

    class Meta:
        model = ExerciseSeries
        fields = ["id", "url", "slug", "name"]


class ExerciseBrief(BriefSerializer):
    basename = "exercise"

    class Meta:
        model = Exercise
        fields = ["id", "url", "slug", "name"]


class ExerciseSeriesSerializer(AtlasModelSerializer):
    brief = ExerciseSeriesBrief

    class Meta:
        model = ExerciseSeries
        fields = [
            "id",
            "url",
            "slug",
            "name",
            "description",
            "change_reason",
            "created",
            "updated",
        ]


class ParticipationSerializer(NestedRowSerializer):
    """A country taking part, with its personnel when known."""

    parent_field = "exercise"
    key_fields = ("country",)
    country = BriefRelatedField(CountryBrief)

    class Meta(NestedRowSerializer.Meta):
        model = Participation
        fields = ["country", "personnel", "note"]


class ExerciseLocationSerializer(NestedRowSerializer):
    """A place where the exercise was held; coordinates in WGS84 degrees, both or
    neither, with the source that gives them."""

    parent_field = "exercise"
    key_fields = ("name",)
    country = BriefRelatedField(CountryBrief, allow_null=True, required=False)
    coordinates_source = BriefRelatedField(SourceBrief, allow_null=True, required=False)

    class Meta(NestedRowSerializer.Meta):
        model = ExerciseLocation
        fields = [
            "name",
            "country",
            "latitude",
            "longitude",
            "coordinates_source",
            "coordinates_note",
        ]


class ExerciseSerializer(AtlasModelSerializer):
    brief = ExerciseBrief
    web_url = WebUrlField("exercises:exercise_detail")
    series = BriefRelatedField(ExerciseSeriesBrief, allow_null=True, required=False)
    lead_country = BriefRelatedField(CountryBrief, allow_null=True, required=False)
    lead_organisation = BriefRelatedField(
        OrganisationBrief, allow_null=True, required=False
    )
    host_countries = BriefRelatedField(CountryBrief, many=True, required=False)
    participants = ParticipationSerializer(
        source="participations", many=True, required=False
    )
    locations = ExerciseLocationSerializer(many=True, required=False)
    sources = sources_field()

    class Meta:
        model = Exercise
        fields = [
            "id",
            "url",
            "web_url",
            "slug",
            "name",
            "series",
            "edition",
            "start",
            "start_precision",
            "end",
            "end_precision",
            "lead",
            "lead_country",
            "lead_organisation",
            "host_countries",
            "domain",
            "scenario",
            "personnel",
            "personnel_note",
            "participants",
            "participants_note",
            "locations",
            "description",
            "confidence",
            "sources",
            *WORKFLOW_FIELDS,
            "change_reason",
            "created",
            "updated",
        ]
        read_only_fields = WORKFLOW_FIELDS
