"""Filters for the API resources that have no list page of their own (memberships
and sources). Same conventions as the pages' FilterSets: ``q``; foreign keys by
slug or ISO code and by id; date ranges as ``<field>_after``/``<field>_before``."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from alliances import filtersets
from alliances.filtersets import visible_organisations
from alliances.models import Country, Membership, Source


class MembershipFilterSet(filtersets.MembershipFilterSet):
    """The organisation page's memberships filter (``as_of``), and more."""

    q = django_filters.CharFilter(
        method="filter_q",
        label=_("Search"),
        help_text=_("Organisation or country name, role detail or note."),
    )
    # Only organisations the user may see: to anyone else a draft's slug is
    # unknown, as on the pages.
    organisation = django_filters.ModelMultipleChoiceFilter(
        field_name="organisation__slug",
        to_field_name="slug",
        queryset=visible_organisations,
        label=_("Organisation"),
    )
    organisation_id = django_filters.ModelMultipleChoiceFilter(
        field_name="organisation",
        queryset=visible_organisations,
        label=_("Organisation (id)"),
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
    role = django_filters.MultipleChoiceFilter(
        choices=Membership.Role.choices, label=_("Role")
    )
    joined_after = django_filters.DateFilter(
        field_name="joined", lookup_expr="gte", label=_("Joined on or after")
    )
    joined_before = django_filters.DateFilter(
        field_name="joined", lookup_expr="lte", label=_("Joined on or before")
    )
    left_after = django_filters.DateFilter(
        field_name="left", lookup_expr="gte", label=_("Left on or after")
    )
    left_before = django_filters.DateFilter(
        field_name="left", lookup_expr="lte", label=_("Left on or before")
    )
    ordering = django_filters.OrderingFilter(
        fields=(
            ("joined", "joined"),
            ("left", "left"),
            ("organisation__name", "organisation"),
            ("country__name", "country"),
        ),
        label=_("Order by"),
    )

    class Meta:
        model = Membership
        fields = ["as_of"]

    def filter_q(self, queryset, name, value):
        condition = Q()
        for word in value.split():
            condition &= (
                Q(organisation__name__unaccent__icontains=word)
                | Q(organisation__acronym__unaccent__icontains=word)
                | Q(country__name__unaccent__icontains=word)
                | Q(role_detail__unaccent__icontains=word)
                | Q(note__unaccent__icontains=word)
            )
        return queryset.filter(condition)


class SourceFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(
        method="filter_q",
        label=_("Search"),
        help_text=_("Title, publisher or URL."),
    )
    publisher = django_filters.CharFilter(
        field_name="publisher", lookup_expr="iexact", label=_("Publisher")
    )
    language = django_filters.CharFilter(
        field_name="language", lookup_expr="iexact", label=_("Language (ISO 639-1)")
    )
    published_after = django_filters.DateFilter(
        field_name="published", lookup_expr="gte", label=_("Published on or after")
    )
    published_before = django_filters.DateFilter(
        field_name="published", lookup_expr="lte", label=_("Published on or before")
    )
    has_caution = django_filters.BooleanFilter(
        method="filter_has_caution", label=_("Flagged with a caution")
    )
    ordering = django_filters.OrderingFilter(
        fields=(
            ("published", "published"),
            ("title", "title"),
            ("publisher", "publisher"),
        ),
        label=_("Order by"),
    )

    class Meta:
        model = Source
        fields = ["q", "publisher", "language"]

    def filter_q(self, queryset, name, value):
        condition = Q()
        for word in value.split():
            condition &= (
                Q(title__unaccent__icontains=word)
                | Q(publisher__unaccent__icontains=word)
                | Q(url__icontains=word)
            )
        return queryset.filter(condition)

    def filter_has_caution(self, queryset, name, value):
        return queryset.exclude(caution="") if value else queryset.filter(caution="")
