"""Filters for organisations, memberships, agreements, countries and sources.

The public list pages and the REST API use these unchanged, so
``/organisations/?type=mission`` means the same thing everywhere.
"""

import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.charts import ChartFacet, ChartSpec
from core.filtersets import (
    AtlasFilterSet,
    CountryCodesFilter,
    DateInput,
    MultipleChoiceFilter,
    NullsLastOrderingFilter,
    YearsFilter,
)
from core.publication import visible

from .models import (
    NOT_RATED,
    Agreement,
    AgreementParty,
    Country,
    Membership,
    Organisation,
    Publisher,
    Source,
)

# The value of "not rated" in reliability filters (?reliability=unrated).
NOT_RATED_VALUE = "unrated"


def visible_organisations(request):
    """The organisations a filter may name: published ones, or every one for an
    editor who may see unpublished records. To anyone else a draft's slug is "not
    a valid choice", like a slug that does not exist."""
    return visible(Organisation.objects.all(), getattr(request, "user", None))


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


class OrganisationFilterSet(AtlasFilterSet):
    q = django_filters.CharFilter(
        method="filter_q",
        label=_("Search"),
        help_text=_("Name, acronym, headquarters or description."),
    )
    type = MultipleChoiceFilter(choices=Organisation.Type.choices, label=_("Type"))
    country = CountryCodesFilter(
        method="filter_country",
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
    # Chosen from the "Founded" facet: the form carries the years as hidden inputs.
    founded = YearsFilter(
        field_name="founded",
        label=_("Founded in"),
        widget=forms.MultipleHiddenInput,
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
        fields = [
            "q",
            "type",
            "country",
            "founded_after",
            "founded_before",
            "founded",
            "parent",
        ]

    def filter_q(self, queryset, name, value):
        return queryset.search(value)

    def filter_country(self, queryset, name, value):
        return _all_of(
            queryset,
            [country.pk for country in value],
            lambda pk: Membership.objects.filter(country=pk).values("organisation"),
        )


class MembershipFilterSet(AtlasFilterSet):
    """Memberships on a given day (``as_of``: the "members on" view of an
    organisation's page, which reads only that), and the API's filters."""

    as_of = django_filters.DateFilter(
        method="filter_as_of",
        label=_("Members on"),
        help_text=_(
            "Memberships known to cover this day: a known start on or before it "
            "and no end before it (the day left is a member's last day). "
            "Memberships with no known start are never included: list them with "
            "start_unknown_on."
        ),
        widget=DateInput,
    )
    start_unknown_on = django_filters.DateFilter(
        method="filter_start_unknown_on",
        label=_("Membership date unknown on"),
        help_text=_(
            "Memberships whose start is not known and that had not ended before "
            "this day: they may or may not cover it, so as_of leaves them out."
        ),
        widget=DateInput,
    )
    start_known = django_filters.BooleanFilter(
        field_name="joined",
        lookup_expr="isnull",
        exclude=True,
        label=_("Start date known"),
    )

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
    country = CountryCodesFilter(
        field_name="country__iso2", queryset=Country.objects.all(), label=_("Country")
    )
    country_id = django_filters.ModelMultipleChoiceFilter(
        field_name="country", queryset=Country.objects.all(), label=_("Country (id)")
    )
    role = MultipleChoiceFilter(choices=Membership.Role.choices, label=_("Role"))
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
        return queryset.search(value)

    def filter_as_of(self, queryset, name, value):
        return queryset.active_on(value)

    def filter_start_unknown_on(self, queryset, name, value):
        return queryset.start_unknown_on(value)


class PublisherFilterSet(AtlasFilterSet):
    q = django_filters.CharFilter(
        method="filter_q",
        label=_("Search"),
        help_text=_("Name or note on the rating."),
    )
    reliability = MultipleChoiceFilter(
        choices=[*Publisher.Reliability.choices, (NOT_RATED_VALUE, NOT_RATED)],
        method="filter_reliability",
        label=_("Reliability"),
        help_text=_("Admiralty letters; 'unrated' for publishers not rated."),
    )
    relays_others = django_filters.BooleanFilter(label=_("Relays other publishers"))
    ordering = django_filters.OrderingFilter(
        fields=(("name", "name"), ("reliability", "reliability")),
        label=_("Order by"),
    )

    class Meta:
        model = Publisher
        fields = ["q", "reliability", "relays_others"]

    def filter_q(self, queryset, name, value):
        return queryset.search(value)

    def filter_reliability(self, queryset, name, value):
        letters = ["" if letter == NOT_RATED_VALUE else letter for letter in value]
        return queryset.filter(reliability__in=letters)


class SourceFilterSet(AtlasFilterSet):
    q = django_filters.CharFilter(
        method="filter_q",
        label=_("Search"),
        help_text=_("Title, publisher or URL."),
    )
    publisher = django_filters.CharFilter(
        field_name="publisher__name", lookup_expr="iexact", label=_("Publisher")
    )
    publisher_id = django_filters.ModelMultipleChoiceFilter(
        field_name="publisher",
        queryset=Publisher.objects.all(),
        label=_("Publisher (id)"),
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
            ("publisher__name", "publisher"),
        ),
        label=_("Order by"),
    )

    class Meta:
        model = Source
        fields = ["q", "publisher", "language"]

    def filter_q(self, queryset, name, value):
        return queryset.search(value)

    def filter_has_caution(self, queryset, name, value):
        return queryset.exclude(caution="") if value else queryset.filter(caution="")


class AgreementFilterSet(AtlasFilterSet):
    q = django_filters.CharFilter(
        method="filter_q",
        label=_("Search"),
        help_text=_("Title, summary, place or party."),
    )
    type = MultipleChoiceFilter(choices=Agreement.Type.choices, label=_("Type"))
    status = django_filters.ChoiceFilter(
        choices=Agreement.Status.choices, label=_("Status"), empty_label=_("Any")
    )
    country = CountryCodesFilter(
        method="filter_country",
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
    # Chosen from the "Signed" facet: the form carries the years as hidden inputs.
    signed = YearsFilter(
        field_name="signed",
        label=_("Signed in"),
        widget=forms.MultipleHiddenInput,
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
        fields = [
            "q",
            "type",
            "status",
            "country",
            "signed_after",
            "signed_before",
            "signed",
        ]

    def filter_q(self, queryset, name, value):
        return queryset.search(value)

    def filter_country(self, queryset, name, value):
        return _all_of(
            queryset,
            [country.pk for country in value],
            lambda pk: AgreementParty.objects.filter(country=pk).values("agreement"),
        )


class CountryFilterSet(AtlasFilterSet):
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

    # Without parameters it still filters: the default below.
    unfiltered_without_parameters = False

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


# The list's chart and the API's /agreements/stats/ (core/charts.py): counted
# when signed.
AGREEMENT_CHART = ChartSpec(
    date="signed",
    precision="signed_precision",
    title=_("Agreements signed over time"),
    facets=(
        ChartFacet("type", _("Type"), "type", choices=Agreement.Type.choices),
        ChartFacet(
            "status",
            _("Status"),
            "status",
            choices=Agreement.Status.choices,
            none_label=_("Status not given"),
        ),
        ChartFacet(
            "country",
            _("Party country"),
            "parties__country__iso2",
            "parties__country__name",
            label_lt_path="parties__country__name_lt",
            none_label=_("No country party"),
            multiple=True,
        ),
    ),
)
