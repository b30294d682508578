"""Filters for exercise series (no list page of their own)."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from exercises.models import ExerciseSeries


class ExerciseSeriesFilterSet(django_filters.FilterSet):
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
        condition = Q()
        for word in value.split():
            condition &= Q(name__unaccent__icontains=word) | Q(
                description__unaccent__icontains=word
            )
        return queryset.filter(condition)
