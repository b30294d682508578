"""Countries, sources, organisations, memberships and agreements in the API."""

from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import serializers

from alliances.models import (
    Agreement,
    AgreementParty,
    Country,
    Membership,
    Organisation,
    Publisher,
    Source,
)
from core.api.fields import BriefRelatedField, BriefSerializer, WebUrlField
from core.api.serializers import (
    WORKFLOW_FIELDS,
    AtlasModelSerializer,
    NestedRowSerializer,
)


class CountryBrief(BriefSerializer):
    basename = "country"
    lookup_field = "iso2"

    class Meta:
        model = Country
        fields = ["id", "url", "iso2", "name"]


RELIABILITY_HELP = (
    "Admiralty source-reliability letter of the publisher (A completely reliable "
    "to E unreliable, F cannot be judged); null: not rated."
)


class SourceBrief(BriefSerializer):
    """A cited document: its publisher by name, with the publisher's letter."""

    basename = "source"
    lookup_field = "pk"
    document_url = serializers.URLField(source="url")
    publisher = serializers.CharField(
        source="publisher.name", default="", help_text="Its publisher's name."
    )
    reliability = serializers.CharField(
        source="publisher.reliability",
        allow_null=True,
        default=None,
        help_text=RELIABILITY_HELP,
    )

    class Meta:
        model = Source
        fields = [
            "id",
            "url",
            "document_url",
            "title",
            "publisher",
            "reliability",
            "caution",
        ]

    @classmethod
    def represent(cls, obj, request):
        publisher = obj.publisher
        return {
            "id": obj.pk,
            "url": cls.api_url(obj, request),
            "document_url": obj.url,
            "title": obj.title,
            "publisher": publisher.name if publisher else "",
            "reliability": (publisher.reliability or None) if publisher else None,
            "caution": obj.caution,
        }


class PublisherBrief(BriefSerializer):
    basename = "publisher"
    lookup_field = "pk"

    class Meta:
        model = Publisher
        fields = ["id", "url", "name", "reliability"]


class OrganisationBrief(BriefSerializer):
    basename = "organisation"

    class Meta:
        model = Organisation
        fields = ["id", "url", "slug", "name", "acronym"]


class AgreementBrief(BriefSerializer):
    basename = "agreement"
    name = serializers.CharField(source="title")

    class Meta:
        model = Agreement
        fields = ["id", "url", "slug", "name"]


class MembershipBrief(BriefSerializer):
    basename = "membership"
    lookup_field = "pk"

    class Meta:
        model = Membership
        fields = ["id", "url", "role"]


def sources_field():
    """Every public record cites at least one source (written as source ids)."""
    return BriefRelatedField(SourceBrief, many=True, allow_empty=False)


class CountrySerializer(AtlasModelSerializer):
    brief = CountryBrief
    web_url = WebUrlField("alliances:country_detail", lookup_field="iso2")
    membership_count = serializers.IntegerField(read_only=True)
    agreement_count = serializers.IntegerField(read_only=True)
    exercise_count = serializers.IntegerField(read_only=True)
    threat_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Country
        fields = [
            "id",
            "url",
            "web_url",
            "iso2",
            "name",
            "name_lt",
            "membership_count",
            "agreement_count",
            "exercise_count",
            "threat_count",
            "change_reason",
            "created",
            "updated",
        ]


class PublisherSerializer(AtlasModelSerializer):
    """A publisher and its rating. Only reviewers set or change the letter (and
    what it rests on: relays_others, rating_note); an editor's publisher is
    "not rated" until then."""

    brief = PublisherBrief
    reliability = serializers.ChoiceField(
        choices=Publisher.Reliability.choices,
        allow_null=True,
        required=False,
        help_text=RELIABILITY_HELP,
    )
    reliability_label = serializers.CharField(
        read_only=True, help_text="The letter in words, or 'not rated'."
    )
    source_count = serializers.IntegerField(read_only=True)
    rated_at = serializers.DateTimeField(read_only=True, allow_null=True)

    RATING_FIELDS = ("reliability", "relays_others", "rating_note")

    class Meta:
        model = Publisher
        fields = [
            "id",
            "url",
            "name",
            "reliability",
            "reliability_label",
            "relays_others",
            "rating_note",
            "rated_at",
            "source_count",
            "change_reason",
            "created",
            "updated",
        ]

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["reliability"] = instance.reliability or None
        data["reliability_label"] = str(instance.reliability_label)
        return data

    def validate(self, attrs):
        if attrs.get("reliability", "") is None:
            attrs["reliability"] = ""
        request = self.context.get("request")
        user = getattr(request, "user", None)
        if user is None or not user.has_perm("alliances.publish_publisher"):
            current = self.instance
            changed = [
                name
                for name in self.RATING_FIELDS
                if name in attrs
                and attrs[name]
                != (
                    getattr(current, name)
                    if current is not None
                    else Publisher._meta.get_field(name).get_default()
                )
            ]
            if changed:
                message = _("Only reviewers rate publishers.")
                raise serializers.ValidationError({key: [message] for key in changed})
        return super().validate(attrs)

    def create(self, validated_data):
        return super().create(self._stamped(validated_data, None))

    def update(self, instance, validated_data):
        return super().update(instance, self._stamped(validated_data, instance))

    def _stamped(self, validated_data, instance):
        """Who gave the letter, and when (validate() let only reviewers)."""
        letter = validated_data.get("reliability")
        if letter is not None and letter != (instance.reliability if instance else ""):
            validated_data["rated_by"] = self.context["request"].user
            validated_data["rated_at"] = timezone.now()
        return validated_data


class SourceSerializer(AtlasModelSerializer):
    brief = SourceBrief
    document_url = serializers.URLField(source="url", max_length=1000)
    publisher = serializers.SlugRelatedField(
        slug_field="name",
        queryset=Publisher.objects.all(),
        allow_null=True,
        required=False,
        help_text="The publisher's name (one of /api/v1/publishers/).",
    )
    reliability = serializers.SerializerMethodField(help_text=RELIABILITY_HELP)

    def get_reliability(self, obj) -> str | None:
        return (obj.publisher.reliability or None) if obj.publisher else None

    class Meta:
        model = Source
        fields = [
            "id",
            "url",
            "document_url",
            "title",
            "publisher",
            "reliability",
            "published",
            "published_precision",
            "accessed",
            "language",
            "archive_url",
            "caution",
            "change_reason",
            "created",
            "updated",
        ]


class OrganisationSerializer(AtlasModelSerializer):
    brief = OrganisationBrief
    web_url = WebUrlField("alliances:organisation_detail")
    hq_country = BriefRelatedField(CountryBrief, allow_null=True, required=False)
    parent = BriefRelatedField(OrganisationBrief, allow_null=True, required=False)
    member_count = serializers.IntegerField(
        read_only=True,
        help_text="Countries whose membership is known to run today (a known "
        "start, no end before today).",
    )
    start_unknown_count = serializers.IntegerField(
        read_only=True,
        help_text="Countries whose membership has no known start and has not "
        "ended: listed apart, never in member_count.",
    )
    sources = sources_field()

    class Meta:
        model = Organisation
        fields = [
            "id",
            "url",
            "web_url",
            "slug",
            "name",
            "acronym",
            "type",
            "type_detail",
            "founded",
            "founded_precision",
            "founding_place",
            "hq",
            "hq_country",
            "parent",
            "description",
            "members_note",
            "member_count",
            "start_unknown_count",
            "confidence",
            "sources",
            *WORKFLOW_FIELDS,
            "change_reason",
            "created",
            "updated",
        ]
        read_only_fields = WORKFLOW_FIELDS


class MembershipSerializer(AtlasModelSerializer):
    brief = MembershipBrief
    organisation = BriefRelatedField(OrganisationBrief)
    country = BriefRelatedField(CountryBrief)
    sources = sources_field()

    class Meta:
        model = Membership
        fields = [
            "id",
            "url",
            "organisation",
            "country",
            "role",
            "role_detail",
            "joined",
            "joined_precision",
            "left",
            "left_precision",
            "note",
            "confidence",
            "sources",
            "change_reason",
            "created",
            "updated",
        ]


class AgreementPartySerializer(NestedRowSerializer):
    """A party: exactly one of a country (ISO code), an organisation (slug) or a
    named other party."""

    parent_field = "agreement"
    key_fields = ("country", "organisation", "name")
    country = BriefRelatedField(CountryBrief, allow_null=True, required=False)
    organisation = BriefRelatedField(OrganisationBrief, allow_null=True, required=False)

    class Meta(NestedRowSerializer.Meta):
        model = AgreementParty
        fields = ["country", "organisation", "name"]


class AgreementSerializer(AtlasModelSerializer):
    brief = AgreementBrief
    web_url = WebUrlField("alliances:agreement_detail")
    place_country = BriefRelatedField(CountryBrief, allow_null=True, required=False)
    parties = AgreementPartySerializer(many=True, required=False)
    sources = sources_field()

    class Meta:
        model = Agreement
        fields = [
            "id",
            "url",
            "web_url",
            "slug",
            "title",
            "type",
            "type_detail",
            "status",
            "signatories",
            "signed",
            "signed_precision",
            "entry_into_force",
            "entry_into_force_precision",
            "ended",
            "ended_precision",
            "place",
            "place_country",
            "value",
            "summary",
            "parties",
            "confidence",
            "sources",
            *WORKFLOW_FIELDS,
            "change_reason",
            "created",
            "updated",
        ]
        read_only_fields = WORKFLOW_FIELDS
