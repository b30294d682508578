"""Filters for threat entries, shared by the list page, its exports and feed, the
map and the REST API: ``/threats/?category=hybrid-operation&target=LT&year=2024``
means the same thing everywhere."""

import re

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from alliances.models import Country
from core.dates import period_reaches
from core.filtersets import (
    DateInput,
    ModelChoiceFilter,
    ModelMultipleChoiceFilter,
    NullsLastOrderingFilter,
)

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


class YearsWidget(forms.TextInput):
    """Years from repeated parameters (``?year=2023&year=2024``, as facet links
    make them) or typed into one box ("2023, 2024")."""

    def value_from_datadict(self, data, files, name):
        values = data.getlist(name) if hasattr(data, "getlist") else data.get(name)
        if values is None:
            return None
        if isinstance(values, str):
            values = [values]
        return [
            part for item in values for part in re.split(r"[\s,]+", str(item)) if part
        ]

    def format_value(self, value):
        if isinstance(value, list | tuple):
            return ", ".join(str(item) for item in value)
        return super().format_value(value)


class YearsField(forms.Field):
    widget = YearsWidget
    default_error_messages = {
        "invalid": _("Enter years as four digits, such as 2024."),
    }

    def to_python(self, value):
        if value in self.empty_values:
            return []
        values = value if isinstance(value, list | tuple) else [value]
        years = []
        for item in values:
            # Any year a date can have (1 to 9999): the year facet offers them all.
            if not re.fullmatch(r"0*[1-9]\d{0,3}", str(item).strip()):
                raise ValidationError(self.error_messages["invalid"], code="invalid")
            years.append(int(item))
        return years


class YearsFilter(django_filters.Filter):
    field_class = YearsField

    def filter(self, qs, value):
        if not value:
            return qs
        return qs.filter(**{f"{self.field_name}__year__in": value})


class ThreatEntryFilterSet(django_filters.FilterSet):
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
    attribution_confidence = django_filters.MultipleChoiceFilter(
        field_name="attributions__attribution_confidence",
        choices=Attribution.Confidence.choices,
        label=_("Attribution confidence"),
    )
    target = ModelMultipleChoiceFilter(
        field_name="target_countries__iso2",
        to_field_name="iso2",
        queryset=Country.objects.all(),
        label=_("Target country"),
    )
    location_country = ModelChoiceFilter(
        field_name="location_country",
        to_field_name="iso2",
        queryset=Country.objects.all(),
        label=_("Country where it happened"),
    )
    severity = django_filters.MultipleChoiceFilter(
        choices=ThreatEntry.Severity.choices, label=_("Severity")
    )
    source_reliability = django_filters.MultipleChoiceFilter(
        choices=ThreatEntry.Reliability.choices, label=_("Source reliability")
    )
    information_credibility = django_filters.MultipleChoiceFilter(
        choices=ThreatEntry.Credibility.choices, label=_("Information credibility")
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
        # A subquery rather than .search() on the page's queryset: the search
        # joins attributions, and the page must not see an entry twice.
        return queryset.filter(pk__in=ThreatEntry.objects.search(value).values("pk"))

    def filter_occurred_after(self, queryset, name, value):
        return queryset.filter(reaches(value, "occurred_start", "occurred_end"))

    def filter_occurred_before(self, queryset, name, value):
        # The start is stored at its first possible day, so "2024" starts
        # before 15 March 2024.
        return queryset.filter(occurred_start__lte=value)
