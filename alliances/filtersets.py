"""Filters for organisations, memberships, agreements and countries.

The public list pages use these unchanged, and the REST API will reuse them, so
``/organisations/?type=mission`` means the same thing everywhere.
"""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.filtersets import DateInput, NullsLastOrderingFilter

from .models import Agreement, AgreementParty, Country, Membership, Organisation


def visible_organisations(request):
    """The organisations a filter may name: published ones, or every one for an
    editor who may see unpublished records. To anyone else a draft's slug is "not
    a valid choice", like a slug that does not exist."""
    return Organisation.objects.visible_to(getattr(request, "user", None))


def parent_organisations(request):
    organisations = visible_organisations(request)
    return organisations.filter(pk__in=organisations.values("parent"))


def _all_of(queryset, ids, subquery):
    """Rows linked to every one of ``ids``: one ``pk IN (subquery)`` per value.

    A subquery rather than a join keeps the rows unduplicated and leaves the
    facets' own joins (member countries, party countries) unfiltered.
    """
    for value in ids:
        queryset = queryset.filter(pk__in=subquery(value))
    return queryset


class OrganisationFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(
        method="filter_q",
        label=_("Search"),
        help_text=_("Name, acronym, headquarters or description."),
    )
    type = django_filters.MultipleChoiceFilter(
        choices=Organisation.Type.choices, label=_("Type")
    )
    country = django_filters.ModelMultipleChoiceFilter(
        method="filter_country",
        to_field_name="iso2",
        queryset=Country.objects.filter(Q(pk__in=Membership.objects.values("country"))),
        label=_("Member country"),
        help_text=_("Organisations every selected country has belonged to."),
    )
    founded_after = django_filters.DateFilter(
        field_name="founded",
        lookup_expr="gte",
        label=_("Founded on or after"),
        widget=DateInput,
    )
    founded_before = django_filters.DateFilter(
        field_name="founded",
        lookup_expr="lte",
        label=_("Founded on or before"),
        widget=DateInput,
    )
    parent = django_filters.ModelChoiceFilter(
        field_name="parent",
        to_field_name="slug",
        queryset=parent_organisations,
        label=_("Part of"),
        empty_label=_("Any"),
    )
    ordering = NullsLastOrderingFilter(
        fields=(("name", "name"), ("founded", "founded")),
        field_labels={
            "name": _("Name (A–Z)"),
            "-name": _("Name (Z–A)"),
            "founded": _("Founded (oldest first)"),
            "-founded": _("Founded (newest first)"),
        },
        tiebreak=("name",),
    )

    class Meta:
        model = Organisation
        fields = ["q", "type", "country", "founded_after", "founded_before", "parent"]

    def filter_q(self, queryset, name, value):
        return queryset.filter(pk__in=Organisation.objects.search(value).values("pk"))

    def filter_country(self, queryset, name, value):
        return _all_of(
            queryset,
            [country.pk for country in value],
            lambda pk: Membership.objects.filter(country=pk).values("organisation"),
        )


class MembershipFilterSet(django_filters.FilterSet):
    """Memberships on a given day (``as_of``): the "members on" view of an
    organisation or a country."""

    as_of = django_filters.DateFilter(
        method="filter_as_of", label=_("Members on"), widget=DateInput
    )

    class Meta:
        model = Membership
        fields = ["as_of"]

    def filter_as_of(self, queryset, name, value):
        return queryset.active_on(value)


class AgreementFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(
        method="filter_q",
        label=_("Search"),
        help_text=_("Title, summary, place or party."),
    )
    type = django_filters.MultipleChoiceFilter(
        choices=Agreement.Type.choices, label=_("Type")
    )
    status = django_filters.ChoiceFilter(
        choices=Agreement.Status.choices, label=_("Status"), empty_label=_("Any")
    )
    country = django_filters.ModelMultipleChoiceFilter(
        method="filter_country",
        to_field_name="iso2",
        queryset=Country.objects.filter(
            pk__in=AgreementParty.objects.filter(country__isnull=False).values(
                "country"
            )
        ),
        label=_("Party country"),
        help_text=_("Agreements every selected country is party to."),
    )
    signed_after = django_filters.DateFilter(
        field_name="signed",
        lookup_expr="gte",
        label=_("Signed on or after"),
        widget=DateInput,
    )
    signed_before = django_filters.DateFilter(
        field_name="signed",
        lookup_expr="lte",
        label=_("Signed on or before"),
        widget=DateInput,
    )
    ordering = NullsLastOrderingFilter(
        fields=(("signed", "signed"), ("title", "title")),
        field_labels={
            "signed": _("Signed (oldest first)"),
            "-signed": _("Signed (newest first)"),
            "title": _("Title (A–Z)"),
            "-title": _("Title (Z–A)"),
        },
        tiebreak=("title",),
    )

    class Meta:
        model = Agreement
        fields = ["q", "type", "status", "country", "signed_after", "signed_before"]

    def filter_q(self, queryset, name, value):
        # search() joins the parties; matching by id keeps each agreement once.
        return queryset.filter(pk__in=Agreement.objects.search(value).values("pk"))

    def filter_country(self, queryset, name, value):
        return _all_of(
            queryset,
            [country.pk for country in value],
            lambda pk: AgreementParty.objects.filter(country=pk).values("agreement"),
        )


class CountryFilterSet(django_filters.FilterSet):
    """Countries; by default only those that appear in some record."""

    WITH_RECORDS, ALL = "yes", "all"

    q = django_filters.CharFilter(
        method="filter_q",
        label=_("Search"),
        help_text=_("English or Lithuanian name, or ISO code."),
    )
    has_records = django_filters.ChoiceFilter(
        method="filter_has_records",
        choices=(
            (WITH_RECORDS, _("Only countries in the records")),
            (ALL, _("All countries")),
        ),
        empty_label=None,
        label=_("Show"),
    )
    ordering = NullsLastOrderingFilter(
        fields=(
            ("name", "name"),
            ("membership_count", "memberships"),
            ("agreement_count", "agreements"),
            ("exercise_count", "exercises"),
            ("threat_count", "threats"),
        ),
        field_labels={
            "name": _("Name (A–Z)"),
            "-name": _("Name (Z–A)"),
            "membership_count": _("Memberships (fewest first)"),
            "-membership_count": _("Memberships (most first)"),
            "agreement_count": _("Agreements (fewest first)"),
            "-agreement_count": _("Agreements (most first)"),
            "exercise_count": _("Exercises (fewest first)"),
            "-exercise_count": _("Exercises (most first)"),
            "threat_count": _("Threat entries (fewest first)"),
            "-threat_count": _("Threat entries (most first)"),
        },
        tiebreak=("name",),
    )

    class Meta:
        model = Country
        fields = ["q", "has_records"]

    def __init__(self, data=None, *args, **kwargs):
        # Without a choice, show the countries in the records: bind the default
        # so the form shows it selected and exports apply it too.
        data = data.copy() if data is not None else {}
        if not data.get("has_records"):
            data["has_records"] = self.WITH_RECORDS
        super().__init__(data, *args, **kwargs)

    def filter_q(self, queryset, name, value):
        return queryset.search(value)

    def filter_has_records(self, queryset, name, value):
        if value == self.WITH_RECORDS:
            return queryset.with_records()
        return queryset
