"""Countries, sources, organisations, memberships and agreements in the API."""

from rest_framework import serializers

from alliances.models import (
    Agreement,
    AgreementParty,
    Country,
    Membership,
    Organisation,
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


class SourceBrief(BriefSerializer):
    basename = "source"
    lookup_field = "pk"
    document_url = serializers.URLField(source="url")

    class Meta:
        model = Source
        fields = ["id", "url", "document_url", "title", "publisher", "caution"]


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


class SourceSerializer(AtlasModelSerializer):
    brief = SourceBrief
    document_url = serializers.URLField(source="url", max_length=1000)

    class Meta:
        model = Source
        fields = [
            "id",
            "url",
            "document_url",
            "title",
            "publisher",
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
        read_only=True, help_text="Countries with a membership running today."
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
