"""Bulk import and export of threat categories, actors, entries and attributions.

The columns are the model fields; see core/resources.py for how related rows,
lists and the workflow fields are written.
"""

from core.models import ReviewedRecord
from core.resources import AtlasResource, register

from .models import Actor, Attribution, ThreatCategory, ThreatEntry


@register(ThreatCategory)
class ThreatCategoryResource(AtlasResource):
    class Meta:
        model = ThreatCategory
        import_id_fields = ("slug",)
        fields = ("slug", "name", "name_lt", "description", "position")


@register(Actor)
class ActorResource(AtlasResource):
    class Meta:
        model = Actor
        import_id_fields = ("slug",)
        fields = ("slug", "name", "kind", "country", "aliases", "description")


@register(ThreatEntry)
class ThreatEntryResource(AtlasResource):
    class Meta:
        model = ThreatEntry
        import_id_fields = ("slug",)
        fields = (
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
            "targets_note",
            "severity",
            "severity_note",
            # Source reliability and credibility are derived from the sources;
            # a reviewer's credibility grade is set in the admin, not by a file.
            "rating_note",
            "related_exercises",
            "sources",
            "confidence",
            "notes",
            "last_verified",
            *ReviewedRecord.WORKFLOW_FIELDS,
        )


@register(Attribution)
class AttributionResource(AtlasResource):
    class Meta:
        model = Attribution
        import_id_fields = ("entry", "actor", "attributed_by")
        fields = (
            "entry",
            "actor",
            "attributed_by",
            "attributed_on",
            "attributed_on_precision",
            "attribution_confidence",
            "basis",
            "sources",
            "confidence",
            "notes",
        )
