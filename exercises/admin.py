from django.contrib import admin
from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from core.admin import (
    PROVENANCE_FIELDSET,
    AtlasModelAdmin,
    ReviewDueFilter,
    ReviewedModelAdmin,
    title_column,
    vague_date_column,
)
from core.forms import DuplicateCheckedForm

from .models import Exercise, ExerciseLocation, ExerciseSeries, Participation


@admin.register(ExerciseSeries)
class ExerciseSeriesAdmin(AtlasModelAdmin):
    list_display = ("name", "exercise_count", "updated")
    search_fields = ("name", "description")
    prepopulated_fields = {"slug": ("name",)}
    fields = ("name", "slug", "description", ("created", "updated"))

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(exercise_count=Count("exercises"))
            .order_by("name")
        )

    @admin.display(description=_("editions"), ordering="exercise_count")
    def exercise_count(self, obj):
        return obj.exercise_count


class ParticipationInline(admin.TabularInline):
    model = Participation
    extra = 0
    autocomplete_fields = ("country",)
    fields = ("country", "personnel", "note")


class ExerciseLocationInline(admin.TabularInline):
    model = ExerciseLocation
    extra = 0
    autocomplete_fields = ("country", "coordinates_source")
    fields = (
        "name",
        "country",
        "latitude",
        "longitude",
        "coordinates_source",
        "coordinates_note",
    )


class ExerciseForm(DuplicateCheckedForm):
    duplicate_fields = ("name", "start")


@admin.register(Exercise)
class ExerciseAdmin(ReviewedModelAdmin):
    form = ExerciseForm
    name_short = title_column("name", _("name"))
    list_display = (
        "name_short",
        "start_display",
        "domain",
        "lead_country",
        "publication_status",
        "last_verified",
        "updated",
    )
    list_filter = (
        "publication_status",
        ReviewDueFilter,
        "domain",
        "scenario",
        "confidence",
        "series",
        ("host_countries", admin.RelatedOnlyFieldListFilter),
    )
    list_select_related = ("series", "lead_country")
    search_fields = (
        "name",
        "edition",
        "series__name",
        "lead",
        "description",
        "locations__name",
    )
    autocomplete_fields = (
        "series",
        "lead_country",
        "lead_organisation",
        "host_countries",
        "sources",
    )
    prepopulated_fields = {"slug": ("name",)}
    date_hierarchy = "start"
    inlines = (ParticipationInline, ExerciseLocationInline)
    start_display = vague_date_column("start", _("start"))
    fieldsets = (
        (
            None,
            {"fields": ("name", "slug", ("series", "edition"), ("domain", "scenario"))},
        ),
        (
            _("When and who"),
            {
                "fields": (
                    ("start", "start_precision"),
                    ("end", "end_precision"),
                    "lead",
                    ("lead_country", "lead_organisation"),
                    "host_countries",
                    ("personnel", "personnel_note"),
                    "participants_note",
                )
            },
        ),
        (_("Description"), {"fields": ("description",)}),
        PROVENANCE_FIELDSET,
    )


@admin.register(Participation)
class ParticipationAdmin(AtlasModelAdmin):
    list_display = ("exercise", "country", "personnel")
    list_select_related = ("exercise", "country")
    list_filter = (("country", admin.RelatedOnlyFieldListFilter),)
    search_fields = ("exercise__name", "country__name")
    autocomplete_fields = ("exercise", "country")
    fields = ("exercise", "country", "personnel", "note", ("created", "updated"))


@admin.register(ExerciseLocation)
class ExerciseLocationAdmin(AtlasModelAdmin):
    list_display = ("name", "exercise", "country", "latitude", "longitude")
    list_select_related = ("exercise", "country")
    list_filter = (("country", admin.RelatedOnlyFieldListFilter),)
    search_fields = ("name", "exercise__name")
    autocomplete_fields = ("exercise", "country", "coordinates_source")
    fields = (
        "exercise",
        "name",
        "country",
        ("latitude", "longitude"),
        "coordinates_source",
        "coordinates_note",
        ("created", "updated"),
    )
