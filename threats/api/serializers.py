"""Threat categories, actors, threat entries and attributions in the API."""

from rest_framework import serializers

from alliances.api.serializers import CountryBrief, SourceBrief, sources_field
from core.api.fields import BriefRelatedField, BriefSerializer, WebUrlField
from core.api.serializers import WORKFLOW_FIELDS, AtlasModelSerializer
from exercises.api.serializers import ExerciseBrief
from threats.models import Actor, Attribution, ThreatCategory, ThreatEntry


class ThreatCategoryBrief(BriefSerializer):
    basename = "threatcategory"

    class Meta:
        model = ThreatCategory
        fields = ["id", "url", "slug", "name"]


class ActorBrief(BriefSerializer):
    basename = "actor"

    class Meta:
        model = Actor
        fields = ["id", "url", "slug", "name"]


class ThreatEntryBrief(BriefSerializer):
    basename = "threatentry"
    name = serializers.CharField(source="title")

    class Meta:
        model = ThreatEntry
        fields = ["id", "url", "slug", "name"]


class AttributionBrief(BriefSerializer):
    """Who blamed which actor, as listed on a threat entry."""

    basename = "attribution"
    lookup_field = "pk"
    actor = ActorBrief()

    class Meta:
        model = Attribution
        fields = ["id", "url", "actor", "attributed_by", "attribution_confidence"]

    @classmethod
    def represent(cls, obj, request):
        return {
            "id": obj.pk,
            "url": cls.api_url(obj, request),
            "actor": ActorBrief.represent(obj.actor, request),
            "attributed_by": obj.attributed_by,
            "attribution_confidence": obj.attribution_confidence,
        }


class ThreatCategorySerializer(AtlasModelSerializer):
    brief = ThreatCategoryBrief

    class Meta:
        model = ThreatCategory
        fields = [
            "id",
            "url",
            "slug",
            "name",
            "description",
            "position",
            "change_reason",
            "created",
            "updated",
        ]


class ActorSerializer(AtlasModelSerializer):
    brief = ActorBrief
    country = BriefRelatedField(CountryBrief, allow_null=True, required=False)

    class Meta:
        model = Actor
        fields = [
            "id",
            "url",
            "slug",
            "name",
            "kind",
            "country",
            "aliases",
            "description",
            "change_reason",
            "created",
            "updated",
        ]


class ThreatEntrySerializer(AtlasModelSerializer):
    brief = ThreatEntryBrief
    web_url = WebUrlField("threats:threatentry_detail")
    category = BriefRelatedField(ThreatCategoryBrief)
    location_country = BriefRelatedField(CountryBrief, allow_null=True, required=False)
    coordinates_source = BriefRelatedField(SourceBrief, allow_null=True, required=False)
    target_countries = BriefRelatedField(CountryBrief, many=True, required=False)
    related_exercises = BriefRelatedField(ExerciseBrief, many=True, required=False)
    admiralty_code = serializers.CharField(
        read_only=True,
        help_text="Source reliability and information credibility together "
        "(B2); empty until both are rated.",
    )
    attributions = BriefRelatedField(AttributionBrief, many=True, read_only=True)
    sources = sources_field()

    class Meta:
        model = ThreatEntry
        fields = [
            "id",
            "url",
            "web_url",
            "slug",
            "title",
            "summary",
            "category",
            "occurred_start",
            "occurred_start_precision",
            "occurred_end",
            "occurred_end_precision",
            "reported",
            "location_name",
            "location_country",
            "latitude",
            "longitude",
            "coordinates_source",
            "coordinates_note",
            "target_countries",
            "targets_note",
            "severity",
            "source_reliability",
            "information_credibility",
            "admiralty_code",
            "rating_note",
            "related_exercises",
            "attributions",
            "confidence",
            "sources",
            *WORKFLOW_FIELDS,
            "change_reason",
            "created",
            "updated",
        ]
        read_only_fields = WORKFLOW_FIELDS


class AttributionSerializer(AtlasModelSerializer):
    brief = AttributionBrief
    entry = BriefRelatedField(ThreatEntryBrief)
    actor = BriefRelatedField(ActorBrief)
    sources = sources_field()

    class Meta:
        model = Attribution
        fields = [
            "id",
            "url",
            "entry",
            "actor",
            "attributed_by",
            "attributed_on",
            "attributed_on_precision",
            "attribution_confidence",
            "basis",
            "confidence",
            "sources",
            "change_reason",
            "created",
            "updated",
        ]
