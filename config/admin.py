"""Admin pieces shared by the domain apps."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from import_export.admin import ImportExportModelAdmin

from config.models import strip_accents
from config.resources import resource_for


class AtlasModelAdmin(ImportExportModelAdmin):
    """Accent-insensitive search and read-only timestamps for every domain model.

    ``search_fields`` are declared plainly ("name", "country__name"); searching
    compares unaccent(field) with the accent-stripped term, so "Klaipeda" and
    "Klaipėda" find the same rows. Autocomplete widgets use the same search.
    """

    readonly_fields = ("created", "updated")
    list_per_page = 50
    show_full_result_count = False

    def get_resource_classes(self, request):
        return [resource_for(self.model)]

    def get_search_fields(self, request):
        return [
            f"{field}__unaccent__icontains"
            for field in super().get_search_fields(request)
        ]

    def get_search_results(self, request, queryset, search_term):
        return super().get_search_results(request, queryset, strip_accents(search_term))


PROVENANCE_FIELDSET = (
    _("Provenance"),
    {"fields": ("sources", "confidence", "notes", ("created", "updated"))},
)


def vague_date_column(field, description, ordering=None):
    """A changelist column that shows a date at its precision ("October 2016")."""

    @admin.display(description=description, ordering=ordering or field)
    def column(model_admin, obj):
        return obj.vague(field) or "–"

    column.__name__ = f"{field}_display"
    return column
