"""Filters for the threat resources without a list page: categories, actors and
attributions (same conventions as threats.filtersets)."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from alliances.models import Country
from threats.models import Actor, Attribution, ThreatCategory, ThreatEntry


def visible_entries(request):
    """The threat entries a filter may name: published ones, or every one for a
    user who may see unpublished records (a draft's slug is otherwise unknown)."""
    return ThreatEntry.objects.visible_to(getattr(request, "user", None))


def _words(fields, value):
    condition = Q()
    for word in value.split():
        condition &= Q(
            *(Q(**{f"{field}__unaccent__icontains": word}) for field in fields),
            _connector=Q.OR,
        )
    return condition


class ThreatCategoryFilterSet(django_filters.FilterSet):
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
        return queryset.filter(_words(("name", "description"), value))


class ActorFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(
        method="filter_q", label=_("Search"), help_text=_("Name or description.")
    )
    kind = django_filters.MultipleChoiceFilter(
        choices=Actor.Kind.choices, label=_("Kind")
    )
    country = django_filters.ModelMultipleChoiceFilter(
        field_name="country__iso2",
        to_field_name="iso2",
        queryset=Country.objects.all(),
        label=_("Country"),
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
        return queryset.filter(_words(("name", "description"), value))


class AttributionFilterSet(django_filters.FilterSet):
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
    attribution_confidence = django_filters.MultipleChoiceFilter(
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
        return queryset.filter(_words(("attributed_by", "basis", "actor__name"), value))
