"""Bulk import and export of exercise series, exercises, participations and places.

The columns are the model fields; see core/resources.py for how related rows,
lists and the workflow fields are written.
"""

from core.models import ReviewedRecord
from core.resources import AtlasResource, register

from .models import Exercise, ExerciseLocation, ExerciseSeries, Participation


@register(ExerciseSeries)
class ExerciseSeriesResource(AtlasResource):
    class Meta:
        model = ExerciseSeries
        import_id_fields = ("slug",)
        fields = ("slug", "name", "description")


@register(Exercise)
class ExerciseResource(AtlasResource):
    class Meta:
        model = Exercise
        import_id_fields = ("slug",)
        fields = (
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
            "participants_note",
            "description",
            "sources",
            "confidence",
            "notes",
            "last_verified",
            *ReviewedRecord.WORKFLOW_FIELDS,
        )


@register(Participation)
class ParticipationResource(AtlasResource):
    class Meta:
        model = Participation
        import_id_fields = ("exercise", "country")
        fields = ("exercise", "country", "personnel", "note")


@register(ExerciseLocation)
class ExerciseLocationResource(AtlasResource):
    class Meta:
        model = ExerciseLocation
        import_id_fields = ("exercise", "name")
        fields = (
            "exercise",
            "name",
            "country",
            "latitude",
            "longitude",
            "coordinates_source",
            "coordinates_note",
        )
