"""Filters for threat entries, shared by the list page, its exports and feed, the
map and the REST API: ``/threats/?category=hybrid-operation&target=LT&year=2024``
means the same thing everywhere. Also the API's filters of categories, actors and
attributions, which have no list page."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from alliances.filtersets import NOT_RATED_VALUE
from alliances.models import NOT_RATED, Country
from core.charts import ChartFacet, ChartSpec
from core.dates import period_reaches
from core.filtersets import (
    AtlasFilterSet,
    CountryCodeFilter,
    CountryCodesFilter,
    DateInput,
    ModelMultipleChoiceFilter,
    MultipleChoiceFilter,
    NullsLastOrderingFilter,
    YearsFilter,
)
from core.models import display_name
from core.publication import visible

from .models import Actor, Attribution, ThreatCategory, ThreatEntry


def reaches(day, start, end):
    """Records whose period, read at its precision, lasts until ``day`` or later.

    A vague date is stored at its first possible day, so "October 2016" (no end)
    still runs on 15 October 2016: its last possible day is compared, not the
    stored one. With no end the start stands for the whole period.
    """

    return Q(**{f"{end}__isnull": False}) & period_reaches(end, day) | Q(
        **{f"{end}__isnull": True}
    ) & period_reaches(start, day)


class ThreatEntryFilterSet(AtlasFilterSet):
    q = django_filters.CharFilter(method="filter_q", label=_("Words"))
    category = ModelMultipleChoiceFilter(
        field_name="category__slug",
        to_field_name="slug",
        queryset=ThreatCategory.objects.all(),
        label=_("Category"),
    )
    category_id = ModelMultipleChoiceFilter(
        field_name="category",
        queryset=ThreatCategory.objects.all(),
        label=_("Category (id)"),
    )
    actor = ModelMultipleChoiceFilter(
        field_name="attributions__actor__slug",
        to_field_name="slug",
        queryset=Actor.objects.all(),
        label=_("Actor blamed"),
    )
    attribution_confidence = MultipleChoiceFilter(
        field_name="attributions__attribution_confidence",
        choices=Attribution.Confidence.choices,
        label=_("Attribution confidence"),
    )
    target = CountryCodesFilter(
        method="filter_target",
        queryset=Country.objects.all(),
        label=_("Target country"),
        help_text=_(
            "Entries naming the country among their targets or located in it "
            "(repeat for any of several)."
        ),
    )
    location_country = CountryCodeFilter(
        field_name="location_country",
        queryset=Country.objects.all(),
        label=_("Country where it happened"),
    )
    severity = MultipleChoiceFilter(
        choices=ThreatEntry.Severity.choices, label=_("Severity")
    )
    source_reliability = MultipleChoiceFilter(
        choices=[*ThreatEntry.Reliability.choices, (NOT_RATED_VALUE, NOT_RATED)],
        method="filter_source_reliability",
        label=_("Source reliability"),
        help_text=_(
            "The best letter among the publishers of its sources; 'unrated' "
            "when none of them is rated."
        ),
    )
    information_credibility = MultipleChoiceFilter(
        choices=ThreatEntry.Credibility.choices, label=_("Information credibility")
    )
    geo_precision = MultipleChoiceFilter(
        choices=ThreatEntry.GeoPrecision.choices, label=_("Placed to")
    )
    sea_area = MultipleChoiceFilter(
        choices=ThreatEntry.SeaArea.choices, label=_("Sea area")
    )
    occurred_after = django_filters.DateFilter(
        method="filter_occurred_after",
        label=_("Occurred on or after"),
        widget=DateInput,
    )
    occurred_before = django_filters.DateFilter(
        method="filter_occurred_before",
        label=_("Occurred on or before"),
        widget=DateInput,
    )
    year = YearsFilter(field_name="occurred_start", label=_("Year"))
    ordering = NullsLastOrderingFilter(
        # Unassessed entries (no severity) sort last either way; ties go newest first.
        tiebreak=("-occurred_start", "title"),
        fields=(
            ("occurred_start", "occurred_start"),
            ("title", "title"),
            ("severity", "severity"),
        ),
        # Newest first is the default order, so it comes first and the select
        # needs no empty choice.
        choices=(
            ("-occurred_start", _("Date, newest first")),
            ("occurred_start", _("Date, oldest first")),
            ("title", _("Title, A to Z")),
            ("-title", _("Title, Z to A")),
            ("-severity", _("Severity, highest first")),
            ("severity", _("Severity, lowest first")),
        ),
        empty_label=None,
        label=_("Order by"),
    )

    class Meta:
        model = ThreatEntry
        fields = ()

    def filter_q(self, queryset, name, value):
        return queryset.search(value)

    def filter_target(self, queryset, name, value):
        return queryset.targeting(value) if value else queryset

    def filter_source_reliability(self, queryset, name, value):
        letters = ["" if letter == NOT_RATED_VALUE else letter for letter in value]
        return queryset.filter(source_reliability__in=letters)

    def filter_occurred_after(self, queryset, name, value):
        return queryset.filter(reaches(value, "occurred_start", "occurred_end"))

    def filter_occurred_before(self, queryset, name, value):
        # The start is stored at its first possible day, so "2024" starts
        # before 15 March 2024.
        return queryset.filter(occurred_start__lte=value)


def visible_entries(request):
    """The threat entries a filter may name: published ones, or every one for a
    user who may see unpublished records (a draft's slug is otherwise unknown)."""
    return visible(ThreatEntry.objects.all(), getattr(request, "user", None))


class ThreatCategoryFilterSet(AtlasFilterSet):
    q = django_filters.CharFilter(
        method="filter_q", label=_("Search"), help_text=_("Name or description.")
    )
    ordering = django_filters.OrderingFilter(
        fields=(("position", "position"), ("name", "name")), label=_("Order by")
    )

    class Meta:
        model = ThreatCategory
        fields = ["q"]

    def filter_q(self, queryset, name, value):
        return queryset.search(value)


class ActorFilterSet(AtlasFilterSet):
    q = django_filters.CharFilter(
        method="filter_q", label=_("Search"), help_text=_("Name or description.")
    )
    kind = MultipleChoiceFilter(choices=Actor.Kind.choices, label=_("Kind"))
    country = CountryCodesFilter(
        field_name="country__iso2", queryset=Country.objects.all(), label=_("Country")
    )
    country_id = django_filters.ModelMultipleChoiceFilter(
        field_name="country", queryset=Country.objects.all(), label=_("Country (id)")
    )
    ordering = django_filters.OrderingFilter(
        fields=(("name", "name"), ("kind", "kind")), label=_("Order by")
    )

    class Meta:
        model = Actor
        fields = ["q", "kind"]

    def filter_q(self, queryset, name, value):
        return queryset.search(value)


class AttributionFilterSet(AtlasFilterSet):
    q = django_filters.CharFilter(
        method="filter_q",
        label=_("Search"),
        help_text=_("Who attributed it, the basis, or the actor's name."),
    )
    entry = django_filters.ModelMultipleChoiceFilter(
        field_name="entry__slug",
        to_field_name="slug",
        queryset=visible_entries,
        label=_("Threat entry"),
    )
    entry_id = django_filters.ModelMultipleChoiceFilter(
        field_name="entry",
        queryset=visible_entries,
        label=_("Threat entry (id)"),
    )
    actor = django_filters.ModelMultipleChoiceFilter(
        field_name="actor__slug",
        to_field_name="slug",
        queryset=Actor.objects.all(),
        label=_("Actor"),
    )
    actor_id = django_filters.ModelMultipleChoiceFilter(
        field_name="actor", queryset=Actor.objects.all(), label=_("Actor (id)")
    )
    attribution_confidence = MultipleChoiceFilter(
        choices=Attribution.Confidence.choices, label=_("Attribution confidence")
    )
    attributed_after = django_filters.DateFilter(
        field_name="attributed_on", lookup_expr="gte", label=_("Attributed on or after")
    )
    attributed_before = django_filters.DateFilter(
        field_name="attributed_on",
        lookup_expr="lte",
        label=_("Attributed on or before"),
    )
    ordering = django_filters.OrderingFilter(
        fields=(("attributed_on", "attributed_on"), ("actor__name", "actor")),
        label=_("Order by"),
    )

    class Meta:
        model = Attribution
        fields = ["q", "attribution_confidence"]

    def filter_q(self, queryset, name, value):
        return queryset.search(value)


class TargetChartFacet(ChartFacet):
    """Stacks by target country with the ``target`` filter's rule (named or
    located): ThreatEntryQuerySet.target_monthly_counts, one query."""

    def rows(self, queryset, spec):
        return queryset.target_monthly_counts()

    def name(self, row):
        if row["key"] is None:
            return str(self.none_label)
        return display_name(row["name"], row["name_lt"])


# The list's chart and the API's /threats/stats/ (core/charts.py).
THREAT_CHART = ChartSpec(
    date="occurred_start",
    precision="occurred_start_precision",
    title=_("Threat entries over time"),
    facets=(
        ChartFacet(
            "category",
            _("Category"),
            "category__slug",
            "category__name",
            label_lt_path="category__name_lt",
        ),
        ChartFacet(
            "actor",
            _("Actor blamed"),
            "attributions__actor__slug",
            "attributions__actor__name",
            label_lt_path="attributions__actor__name_lt",
            none_label=_("No actor blamed"),
            multiple=True,
        ),
        TargetChartFacet(
            "target",
            _("Target country"),
            "targeting",
            none_label=_("No target"),
            multiple=True,
        ),
    ),
)
