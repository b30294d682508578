"""Bulk import and export of countries, sources, organisations and agreements.

The columns are the model fields; see core/resources.py for how related rows,
lists and the workflow fields are written.
"""

from core.models import ReviewedRecord
from core.resources import AtlasResource, register

from .models import (
    Agreement,
    AgreementParty,
    Country,
    Membership,
    Organisation,
    Publisher,
    Source,
)

PROVENANCE = ("sources", "confidence", "notes")


@register(Country)
class CountryResource(AtlasResource):
    class Meta:
        model = Country
        import_id_fields = ("iso2",)
        fields = ("iso2", "name", "name_lt")


@register(Publisher)
class PublisherResource(AtlasResource):
    class Meta:
        model = Publisher
        import_id_fields = ("name",)
        fields = ("name", "reliability", "relays_others", "rating_note", "notes")


@register(Source)
class SourceResource(AtlasResource):
    class Meta:
        model = Source
        import_id_fields = ("url",)
        fields = (
            "url",
            "title",
            "publisher",
            "published",
            "published_precision",
            "accessed",
            "language",
            "archive_url",
            "caution",
        )


@register(Organisation)
class OrganisationResource(AtlasResource):
    class Meta:
        model = Organisation
        import_id_fields = ("slug",)
        fields = (
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
            *PROVENANCE,
            "last_verified",
            *ReviewedRecord.WORKFLOW_FIELDS,
        )


@register(Membership)
class MembershipResource(AtlasResource):
    class Meta:
        model = Membership
        import_id_fields = ("organisation", "country", "joined")
        fields = (
            "organisation",
            "country",
            "joined",
            "joined_precision",
            "left",
            "left_precision",
            "role",
            "role_detail",
            "note",
            *PROVENANCE,
        )


@register(Agreement)
class AgreementResource(AtlasResource):
    class Meta:
        model = Agreement
        import_id_fields = ("slug",)
        fields = (
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
            *PROVENANCE,
            "last_verified",
            *ReviewedRecord.WORKFLOW_FIELDS,
        )


@register(AgreementParty)
class AgreementPartyResource(AtlasResource):
    class Meta:
        model = AgreementParty
        # A party is exactly one of the three; the others stay empty.
        import_id_fields = ("agreement", "country", "organisation", "name")
        fields = ("agreement", "country", "organisation", "name")
