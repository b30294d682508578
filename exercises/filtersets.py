"""The exercise filters, shared by /exercises/, its feeds, the map and the API.

Parameters (all optional, all in the URL): ``q`` free text; ``domain``,
``series`` (slug), ``series_id``, ``host`` and ``participant`` (ISO codes) and
``year`` may repeat (``host=LT&host=PL`` means either); ``lead_country`` (ISO
code), ``lead_organisation`` (slug); ``start_after`` / ``start_before`` keep the
exercises held at least partly in that range; ``ordering`` is ``start``,
``name`` or ``personnel``, with ``-`` for descending.
"""

import django_filters
from django import forms
from django.db.models import Case, F, When
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from alliances.filtersets import visible_organisations
from alliances.models import Country
from core.charts import ChartFacet, ChartSpec
from core.filtersets import (
    AtlasFilterSet,
    CountryCodeFilter,
    CountryCodesFilter,
    DateInput,
    MultipleChoiceFilter,
    NullsLastOrderingFilter,
    YearsFilter,
)

from .models import Exercise, ExerciseSeries, Participation


class SearchInput(forms.TextInput):
    """A search box that never echoes a NUL byte back into the page (the field
    rejects it with a message; the raw value would make the HTML invalid)."""

    input_type = "search"

    def format_value(self, value):
        if isinstance(value, str):
            value = value.replace("\x00", "")
        return super().format_value(value)


class ExerciseFilterSet(AtlasFilterSet):
    q = django_filters.CharFilter(
        method="filter_q",
        label=_("Search"),
        widget=SearchInput,
    )
    domain = MultipleChoiceFilter(
        choices=Exercise.Domain.choices,
        label=_("Domain"),
        widget=forms.CheckboxSelectMultiple,
        distinct=False,
    )
    series = django_filters.ModelMultipleChoiceFilter(
        field_name="series__slug",
        to_field_name="slug",
        queryset=ExerciseSeries.objects.all(),
        label=_("Series"),
        distinct=False,
    )
    series_id = django_filters.ModelMultipleChoiceFilter(
        field_name="series",
        queryset=ExerciseSeries.objects.all(),
        label=_("Series (id)"),
        distinct=False,
    )
    host = CountryCodesFilter(
        method="filter_host",
        queryset=Country.objects.all(),
        label=_("Host country"),
    )
    participant = CountryCodesFilter(
        method="filter_participant",
        queryset=Country.objects.all(),
        label=_("Participating country"),
    )
    lead_country = CountryCodeFilter(
        queryset=Country.objects.all(),
        label=_("Lead nation"),
    )
    lead_organisation = django_filters.ModelChoiceFilter(
        to_field_name="slug",
        queryset=visible_organisations,
        label=_("Lead organisation"),
    )
    start_after = django_filters.DateFilter(
        method="filter_start_after",
        label=_("Held on or after"),
        widget=DateInput,
    )
    start_before = django_filters.DateFilter(
        method="filter_start_before",
        label=_("Held on or before"),
        widget=DateInput,
    )
    # Chosen from the facet: the form carries the years as hidden inputs.
    year = YearsFilter(
        method="filter_year", label=_("Year"), widget=forms.MultipleHiddenInput
    )
    ordering = NullsLastOrderingFilter(
        fields=(("start", "start"), ("name", "name"), ("personnel", "personnel")),
        field_labels={
            "start": _("Start date"),
            "name": _("Name"),
            "personnel": _("Personnel"),
        },
        label=_("Order by"),
        empty_label=_("Newest first"),
        tiebreak=("name", "pk"),
    )

    class Meta:
        model = Exercise
        fields = []

    def filter_q(self, queryset, name, value):
        return queryset.search(value)

    # Countries are matched in a subquery rather than a join, so a row is never
    # repeated and the host and participant facets still count every country of
    # the matching exercises (a join would narrow them to the chosen ones).
    # (An empty queryset of countries is not one of django-filter's EMPTY_VALUES,
    # so the methods see it and must leave the rows alone.)
    def filter_host(self, queryset, name, countries):
        if not countries:
            return queryset
        hosted = Exercise.host_countries.through.objects.filter(country__in=countries)
        return queryset.filter(pk__in=hosted.values("exercise_id"))

    def filter_participant(self, queryset, name, countries):
        if not countries:
            return queryset
        taking_part = Participation.objects.filter(country__in=countries)
        return queryset.filter(pk__in=taking_part.values("exercise_id"))

    def filter_start_after(self, queryset, name, value):
        return queryset.overlapping(after=value)

    def filter_start_before(self, queryset, name, value):
        return queryset.overlapping(before=value)

    def filter_year(self, queryset, name, years):
        return queryset.in_years(years)

    def describe(self):
        """The active filters as ``(name, label, [values])``, for headings and feed
        titles. Meaningful once the filterset is valid."""
        data = getattr(self.form, "cleaned_data", {})
        domains = dict(Exercise.Domain.choices)
        described = []
        for name, filter_ in self.filters.items():
            value = data.get(name)
            # (an empty choice of countries or series is an empty queryset, falsy
            # without a query)
            if name == "ordering" or not value:
                continue
            if name == "domain":
                values = [str(domains.get(item, item)) for item in value]
            elif isinstance(value, str):
                values = [value]
            elif hasattr(value, "isoformat"):
                values = [value.isoformat()]
            elif hasattr(value, "__iter__"):
                # model choices arrive as an evaluated queryset: no query here
                values = [str(item) for item in value]
            else:
                values = [str(value)]
            described.append((name, str(filter_.label), values))
        return described


class ExerciseSeriesFilterSet(AtlasFilterSet):
    """Exercise series (the API's; they have no list page of their own)."""

    q = django_filters.CharFilter(
        method="filter_q", label=_("Search"), help_text=_("Name or description.")
    )
    ordering = django_filters.OrderingFilter(
        fields=(("name", "name"), ("created", "created")), label=_("Order by")
    )

    class Meta:
        model = ExerciseSeries
        fields = ["q"]

    def filter_q(self, queryset, name, value):
        return queryset.search(value)


# The list's chart and the API's /exercises/stats/ (core/charts.py): counted
# at the start, or the end when the start is unknown (as the year filter does).
EXERCISE_CHART = ChartSpec(
    date=Coalesce("start", "end"),
    precision=Case(
        When(start__isnull=False, then=F("start_precision")),
        default=F("end_precision"),
    ),
    title=_("Exercises over time"),
    facets=(
        ChartFacet("domain", _("Domain"), "domain", choices=Exercise.Domain.choices),
        ChartFacet(
            "host",
            _("Host country"),
            "host_countries__iso2",
            "host_countries__name",
            label_lt_path="host_countries__name_lt",
            none_label=_("No host given"),
            multiple=True,
        ),
        ChartFacet(
            "series",
            _("Series"),
            "series__slug",
            "series__name",
            none_label=_("No series"),
        ),
    ),
)
