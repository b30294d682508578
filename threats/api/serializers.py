"""Threat categories, actors, threat entries and attributions in the API."""

from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from alliances.api.serializers import CountryBrief, SourceBrief, sources_field
from core.api.fields import BriefRelatedField, BriefSerializer, WebUrlField
from core.api.serializers import WORKFLOW_FIELDS, AtlasModelSerializer
from exercises.api.serializers import ExerciseBrief
from threats.models import Actor, Attribution, ThreatCategory, ThreatEntry

SEVERITY_DEFINITIONS = ThreatEntry.Severity.choices


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
            "name_lt",
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
            "name_lt",
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
    target_countries = BriefRelatedField(
        CountryBrief,
        many=True,
        required=False,
        help_text="Countries the entry names among its targets (editors add them).",
    )
    targeted_countries = serializers.SerializerMethodField(
        help_text="Every country it targets by the rule ?target= uses: those in "
        "target_countries and the country where it happened (location_country)."
    )
    related_exercises = BriefRelatedField(ExerciseBrief, many=True, required=False)
    severity = serializers.ChoiceField(
        choices=ThreatEntry.Severity.choices,
        allow_null=True,
        required=False,
        help_text=format_lazy(
            "The editors' assessment, needed before publishing; null: not "
            "assessed yet. The scale: "
            + "; ".join(["{}"] * len(SEVERITY_DEFINITIONS))
            + ".",
            *(label for _value, label in SEVERITY_DEFINITIONS),
        ),
    )
    source_reliability = serializers.CharField(
        read_only=True,
        allow_null=True,
        help_text="Derived: the best Admiralty letter among the publishers of its "
        "sources (A completely reliable to E unreliable, F cannot be judged); "
        "null: none of them is rated.",
    )
    independent_publishers = serializers.IntegerField(
        source="corroboration",
        read_only=True,
        help_text="How many publishers among its sources report it independently "
        "(publishers that relay another's text are not counted; spellings of "
        "one name count once).",
    )
    information_credibility = serializers.IntegerField(
        read_only=True,
        allow_null=True,
        help_text="Admiralty grade 1-6: the reviewer's (credibility_override) if "
        "set, else derived from independent_publishers: 3 or more give 2 "
        "(probably true), 2 give 3 (possibly true), 1 gives 6 (truth cannot be "
        "judged).",
    )
    credibility_basis = serializers.SerializerMethodField(
        help_text="'reviewer' when a reviewer set the grade, 'corroboration' when "
        "it is derived, null when there is none."
    )
    admiralty_code = serializers.CharField(
        read_only=True,
        help_text="Source reliability and information credibility together "
        "(B2; '–6' when no publisher is rated); empty without a credibility.",
    )
    attributions = BriefRelatedField(AttributionBrief, many=True, read_only=True)
    sources = sources_field()

    @extend_schema_field(CountryBrief(many=True))
    def get_targeted_countries(self, obj):
        request = self.context.get("request")
        return [
            CountryBrief.represent(country, request)
            for country in obj.targeted_countries
        ]

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
            "geo_precision",
            "sea_area",
            "sea_area_detail",
            "latitude",
            "longitude",
            "coordinates_source",
            "coordinates_note",
            "target_countries",
            "targeted_countries",
            "targets_note",
            "severity",
            "severity_note",
            "source_reliability",
            "independent_publishers",
            "information_credibility",
            "credibility_basis",
            "credibility_override",
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

    def get_credibility_basis(self, obj) -> str | None:
        if obj.information_credibility is None:
            return None
        return "corroboration" if obj.credibility_is_derived else "reviewer"

    def to_representation(self, instance):
        data = super().to_representation(instance)
        if "source_reliability" in data:
            data["source_reliability"] = data["source_reliability"] or None
        return data

    def validate(self, attrs):
        if "credibility_override" in attrs:
            before = self.instance.credibility_override if self.instance else None
            user = getattr(self.context.get("request"), "user", None)
            if attrs["credibility_override"] != before and not (
                user and user.has_perm("threats.publish_threatentry")
            ):
                raise serializers.ValidationError(
                    {
                        "credibility_override": [
                            _("Only reviewers grade credibility otherwise.")
                        ]
                    }
                )
        return super().validate(attrs)


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
