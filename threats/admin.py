from django.contrib import admin
from django.db.models import Count
from django.utils.html import format_html
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

from .models import Actor, ActorAlias, Attribution, ThreatCategory, ThreatEntry


@admin.register(ThreatCategory)
class ThreatCategoryAdmin(AtlasModelAdmin):
    list_display = ("name", "name_lt", "slug", "position", "entry_count")
    list_editable = ("position",)
    search_fields = ("name", "name_lt", "description")
    prepopulated_fields = {"slug": ("name",)}
    fields = (
        "name",
        "name_lt",
        "slug",
        "position",
        "description",
        ("created", "updated"),
    )

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(entry_count=Count("entries"))
            # Meta.ordering does not apply to GROUP BY queries.
            .order_by("position", "name")
        )

    @admin.display(description=_("entries"), ordering="entry_count")
    def entry_count(self, obj):
        return obj.entry_count


class ActorAliasInline(admin.TabularInline):
    """Other names of the actor, which imports resolve to it (no duplicates)."""

    model = ActorAlias
    extra = 1
    fields = ("name",)


@admin.register(Actor)
class ActorAdmin(AtlasModelAdmin):
    list_display = ("name", "kind", "country", "attribution_count")
    list_filter = ("kind", ("country", admin.RelatedOnlyFieldListFilter))
    list_select_related = ("country",)
    search_fields = ("name", "name_lt", "description", "alias_names__name")
    inlines = (ActorAliasInline,)
    autocomplete_fields = ("country",)
    prepopulated_fields = {"slug": ("name",)}
    fields = (
        "name",
        "name_lt",
        "slug",
        "kind",
        "country",
        "aliases",
        "description",
        ("created", "updated"),
    )

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(attribution_count=Count("attributions"))
            .order_by("name")
        )

    @admin.display(description=_("attributions"), ordering="attribution_count")
    def attribution_count(self, obj):
        return obj.attribution_count


class AttributionInline(admin.StackedInline):
    model = Attribution
    extra = 0
    autocomplete_fields = ("actor", "sources")
    fields = (
        ("actor", "actor_unit", "attribution_confidence"),
        ("attributed_by", "attributed_on", "attributed_on_precision"),
        "basis",
        "sources",
    )


class ThreatEntryForm(DuplicateCheckedForm):
    duplicate_fields = ("title", "occurred_start")


@admin.register(ThreatEntry)
class ThreatEntryAdmin(ReviewedModelAdmin):
    form = ThreatEntryForm
    # Seven columns fit a 1280-pixel screen beside the filters (the place and
    # the Admiralty code are on the record's page).
    title_short = title_column("title", _("title"))
    list_display = (
        "title_short",
        "category",
        "occurred_display",
        "severity_short",
        "publication_status",
        "last_verified",
        "updated",
    )
    list_filter = (
        "publication_status",
        ReviewDueFilter,
        "category",
        "severity",
        "source_reliability",
        "information_credibility",
        "geo_precision",
        "sea_area",
        "confidence",
        ("target_countries", admin.RelatedOnlyFieldListFilter),
    )
    list_select_related = ("category",)
    search_fields = (
        "title",
        "summary",
        "location_name",
        "targets_note",
        "attributions__actor__name",
    )
    autocomplete_fields = (
        "category",
        "location_country",
        "coordinates_source",
        "target_countries",
        "related_exercises",
        "sources",
    )
    prepopulated_fields = {"slug": ("title",)}
    date_hierarchy = "occurred_start"
    inlines = (AttributionInline,)
    occurred_display = vague_date_column("occurred_start", _("occurred"))
    fieldsets = (
        (None, {"fields": ("title", "slug", "category", "summary")}),
        (
            _("When"),
            {
                "fields": (
                    ("occurred_start", "occurred_start_precision"),
                    ("occurred_end", "occurred_end_precision"),
                    "reported",
                )
            },
        ),
        (
            _("Where and against whom"),
            {
                "fields": (
                    ("location_name", "location_country"),
                    "geo_precision",
                    ("sea_area", "sea_area_detail"),
                    ("latitude", "longitude"),
                    "coordinates_source",
                    "coordinates_note",
                    "target_countries",
                    "targets_note",
                )
            },
        ),
        (
            _("Assessment"),
            {
                "description": _(
                    "Severity is needed before publishing. The Admiralty code is "
                    "derived: source reliability is the best letter among the "
                    "publishers of the sources (rated on the publishers' pages), "
                    "information credibility follows the number of independent "
                    "publishers (3 or more: 2, two: 3, one: 6) unless a reviewer "
                    "sets it otherwise."
                ),
                "fields": (
                    "severity",
                    "severity_note",
                    ("source_reliability", "corroboration"),
                    ("information_credibility", "credibility_override"),
                    "rating_note",
                    "related_exercises",
                ),
            },
        ),
        PROVENANCE_FIELDSET,
    )

    @admin.display(description=_("severity"), ordering="severity")
    def severity_short(self, obj):
        """The grade alone ("3"), its meaning on hover: the words took a
        column of their own."""
        if obj.severity is None:
            return "–"
        return format_html(
            '<span title="{}">{}</span>', obj.get_severity_display(), obj.severity
        )

    def get_readonly_fields(self, request, obj=None):
        derived = ("source_reliability", "corroboration", "information_credibility")
        readonly = [*super().get_readonly_fields(request, obj), *derived]
        # A grade against the corroboration count is a reviewer's judgement.
        if not request.user.has_perm("threats.publish_threatentry"):
            readonly.append("credibility_override")
        return readonly


@admin.register(Attribution)
class AttributionAdmin(AtlasModelAdmin):
    list_display = ("entry", "actor", "attributed_by", "attribution_confidence")
    list_filter = ("attribution_confidence", "actor")
    list_select_related = ("entry", "actor")
    search_fields = ("entry__title", "actor__name", "attributed_by", "basis")
    autocomplete_fields = ("entry", "actor", "sources")
    date_hierarchy = "attributed_on"
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "entry",
                    ("actor", "actor_unit", "attribution_confidence"),
                    ("attributed_by", "attributed_on", "attributed_on_precision"),
                    "basis",
                )
            },
        ),
        PROVENANCE_FIELDSET,
    )
