from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.forms.models import BaseInlineFormSet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.admin import (
    PROVENANCE_FIELDSET,
    AtlasModelAdmin,
    ReviewDueFilter,
    ReviewedModelAdmin,
    title_column,
    vague_date_column,
)

from .models import (
    MEMBERSHIP_OVERLAP_MESSAGE,
    Agreement,
    AgreementParty,
    Country,
    Membership,
    Organisation,
    Publisher,
    Source,
)


@admin.register(Country)
class CountryAdmin(AtlasModelAdmin):
    list_display = ("name", "iso2", "name_lt")
    search_fields = ("name", "iso2", "name_lt")
    fields = ("iso2", "name", "name_lt", ("created", "updated"))


class HasCautionFilter(admin.SimpleListFilter):
    title = _("caution")
    parameter_name = "caution"

    def lookups(self, request, model_admin):
        return [("yes", _("needs care")), ("no", _("no caution"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.exclude(caution="")
        if self.value() == "no":
            return queryset.filter(caution="")
        return queryset


@admin.register(Publisher)
class PublisherAdmin(AtlasModelAdmin):
    """Reviewers rate each publisher once; editors may add one (not rated) and
    keep its notes, but not change its letter."""

    list_display = ("name", "reliability_display", "relays_others", "source_count")
    list_filter = ("reliability", "relays_others")
    search_fields = ("name", "rating_note")
    fields = (
        "name",
        ("reliability", "relays_others"),
        "rating_note",
        ("rated_by", "rated_at"),
        "notes",
        ("created", "updated"),
    )

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(source_count=Count("sources"))

    def get_readonly_fields(self, request, obj=None):
        readonly = [*super().get_readonly_fields(request, obj), "rated_by", "rated_at"]
        if not request.user.has_perm("alliances.publish_publisher"):
            readonly += ["reliability", "relays_others", "rating_note"]
        return readonly

    def has_import_permission(self, request):
        # A file sets letters: a reviewer's decision.
        return super().has_import_permission(request) and request.user.has_perm(
            "alliances.publish_publisher"
        )

    def save_model(self, request, obj, form, change):
        if "reliability" in form.changed_data:
            obj.rated_by = request.user
            obj.rated_at = timezone.now()
        super().save_model(request, obj, form, change)

    @admin.display(description=_("reliability"), ordering="reliability")
    def reliability_display(self, obj):
        return obj.reliability_label

    @admin.display(description=_("sources"), ordering="source_count")
    def source_count(self, obj):
        return obj.source_count


@admin.register(Source)
class SourceAdmin(AtlasModelAdmin):
    list_display = ("title", "publisher", "published_display", "accessed", "caution")
    list_filter = (HasCautionFilter, "language", "accessed")
    list_select_related = ("publisher",)
    autocomplete_fields = ("publisher",)
    search_fields = ("title", "publisher__name", "url")
    published_display = vague_date_column("published", _("published"))
    fieldsets = (
        (None, {"fields": ("url", "title", "publisher", "language", "caution")}),
        (
            _("Dates and copies"),
            {
                "fields": (
                    ("published", "published_precision"),
                    "accessed",
                    "archive_url",
                    ("created", "updated"),
                )
            },
        ),
    )


def _periods_overlap(first, second):
    """Half-open [joined, left) periods; a missing end is unbounded. A period
    with an unknown start overlaps nothing, as in the database's constraint."""
    (start_a, end_a), (start_b, end_b) = first, second
    if start_a is None or start_b is None:
        return False
    return (end_b is None or start_a < end_b) and (end_a is None or start_b < end_a)


class InlineRowsFormSet(BaseInlineFormSet):
    def kept_forms(self):
        """Forms that will be saved: valid so far, filled in and not deleted."""
        for form in self.forms:
            if not getattr(form, "cleaned_data", None):
                continue
            if self.can_delete and self._should_delete_form(form):
                continue
            yield form


class MembershipFormSet(InlineRowsFormSet):
    """Rows are checked against each other here; each row's own validation only
    sees what is already stored, so two new overlapping rows would reach the
    database's exclusion constraint."""

    def clean(self):
        super().clean()
        periods = {}
        for form in self.kept_forms():
            country = form.cleaned_data.get("country")
            if country is None:
                continue
            period = (form.cleaned_data.get("joined"), form.cleaned_data.get("left"))
            if any(
                _periods_overlap(period, other) for other in periods.get(country.pk, [])
            ):
                form.add_error(
                    None,
                    ValidationError(MEMBERSHIP_OVERLAP_MESSAGE),
                )
            periods.setdefault(country.pk, []).append(period)


class MembershipInline(admin.TabularInline):
    model = Membership
    formset = MembershipFormSet
    extra = 0
    autocomplete_fields = ("country", "sources")
    fields = (
        "country",
        "role",
        "role_detail",
        "joined",
        "joined_precision",
        "left",
        "left_precision",
        "sources",
    )


@admin.register(Organisation)
class OrganisationAdmin(ReviewedModelAdmin):
    name_short = title_column("name", _("name"))
    list_display = (
        "name_short",
        "acronym",
        "type",
        "hq_country",
        "publication_status",
        "last_verified",
        "updated",
    )
    list_filter = (
        "publication_status",
        ReviewDueFilter,
        "type",
        "confidence",
        ("hq_country", admin.RelatedOnlyFieldListFilter),
    )
    list_select_related = ("hq_country",)
    search_fields = ("name", "acronym", "description", "hq")
    autocomplete_fields = ("hq_country", "parent", "sources")
    prepopulated_fields = {"slug": ("name",)}
    date_hierarchy = "founded"
    inlines = (MembershipInline,)
    fieldsets = (
        (
            None,
            {"fields": ("name", "acronym", "slug", "type", "type_detail", "parent")},
        ),
        (
            _("Founding and seat"),
            {
                "fields": (
                    ("founded", "founded_precision"),
                    "founding_place",
                    ("hq", "hq_country"),
                )
            },
        ),
        (_("Description"), {"fields": ("description", "members_note")}),
        PROVENANCE_FIELDSET,
    )

    def get_queryset(self, request):
        return super().get_queryset(request).order_by("name")


@admin.register(Membership)
class MembershipAdmin(AtlasModelAdmin):
    list_display = ("country", "organisation", "role", "joined_display", "left_display")
    list_filter = ("role", "organisation")
    list_select_related = ("country", "organisation")
    search_fields = (
        "country__name",
        "country__iso2",
        "organisation__name",
        "organisation__acronym",
    )
    autocomplete_fields = ("country", "organisation", "sources")
    date_hierarchy = "joined"
    joined_display = vague_date_column("joined", _("joined"))
    left_display = vague_date_column("left", _("left"))
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "organisation",
                    "country",
                    ("role", "role_detail"),
                    ("joined", "joined_precision"),
                    ("left", "left_precision"),
                    "note",
                )
            },
        ),
        PROVENANCE_FIELDSET,
    )


class AgreementPartyFormSet(InlineRowsFormSet):
    def clean(self):
        super().clean()
        seen = set()
        for form in self.kept_forms():
            data = form.cleaned_data
            key = (
                data.get("country"),
                data.get("organisation"),
                data.get("name") or "",
            )
            if key in seen:
                form.add_error(None, _("This party is listed twice."))
            seen.add(key)
        if len(seen) < 2:
            raise ValidationError(_("An agreement needs at least two parties."))


class AgreementPartyInline(admin.TabularInline):
    model = AgreementParty
    formset = AgreementPartyFormSet
    extra = 0
    min_num = 2
    autocomplete_fields = ("country", "organisation")
    fields = ("country", "organisation", "name")


@admin.register(Agreement)
class AgreementAdmin(ReviewedModelAdmin):
    title_short = title_column("title", _("title"))
    list_display = (
        "title_short",
        "type",
        "signed_display",
        "status",
        "publication_status",
        "last_verified",
        "updated",
    )
    list_filter = (
        "publication_status",
        ReviewDueFilter,
        "type",
        "status",
        "confidence",
        ("parties__country", admin.RelatedOnlyFieldListFilter),
    )
    list_select_related = ("place_country",)
    search_fields = (
        "title",
        "summary",
        "parties__country__name",
        "parties__name",
        "place",
    )
    autocomplete_fields = ("place_country", "sources")
    prepopulated_fields = {"slug": ("title",)}
    date_hierarchy = "signed"
    inlines = (AgreementPartyInline,)
    signed_display = vague_date_column("signed", _("signed"))
    fieldsets = (
        (None, {"fields": ("title", "slug", ("type", "type_detail"), "status")}),
        (
            _("Dates and place"),
            {
                "fields": (
                    ("signed", "signed_precision"),
                    ("entry_into_force", "entry_into_force_precision"),
                    ("ended", "ended_precision"),
                    ("place", "place_country"),
                )
            },
        ),
        (_("Content"), {"fields": ("signatories", "value", "summary")}),
        PROVENANCE_FIELDSET,
    )


@admin.register(AgreementParty)
class AgreementPartyAdmin(AtlasModelAdmin):
    list_display = ("agreement", "country", "organisation", "name")
    list_select_related = ("agreement", "country", "organisation")
    list_filter = (("country", admin.RelatedOnlyFieldListFilter),)
    search_fields = ("agreement__title", "country__name", "organisation__name", "name")
    autocomplete_fields = ("agreement", "country", "organisation")
    fields = ("agreement", "country", "organisation", "name", ("created", "updated"))
