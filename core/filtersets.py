"""Filter pieces shared by the apps' FilterSets (pages, feeds, map and API):
the base FilterSet (an empty value is no filter), one years filter, one
country-code filter, NUL-safe record choices, ordering with unknown values last,
a native date input; choices across a to-many relation matched with EXISTS,
never a join and DISTINCT."""

import re

import django_filters
from django import forms
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.core.validators import ProhibitNullCharactersValidator
from django.db.models import Exists, F, OuterRef, Q
from django.db.models.constants import LOOKUP_SEP
from django.utils.translation import gettext_lazy as _


def without_empty_values(data, keep=()):
    """The query without empty values: ``?target=&q=`` filters nothing, as an
    empty field of the list's form does. ``keep`` names parameters whose empty
    value stays (and is refused: a sync timestamp must be a timestamp)."""
    cleaned = data.copy() if hasattr(data, "lists") else None
    if cleaned is None:
        return {k: v for k, v in data.items() if v not in ("", None) or k in keep}
    for name, values in data.lists():
        if name in keep:
            continue
        kept = [value for value in values if value != ""]
        if kept:
            cleaned.setlist(name, kept)
        else:
            del cleaned[name]
    return cleaned


# What a yes/no filter takes: the API's true/false, and the form's "unknown"
# (its empty choice). Anything else is an error, not silently no filter.
BOOLEAN_VALUES = {"true": True, "false": False, "unknown": None}


class YesNoSelect(forms.NullBooleanSelect):
    def value_from_datadict(self, data, files, name):
        value = data.get(name)
        return BOOLEAN_VALUES.get(value, value) if isinstance(value, str) else value


class YesNoField(forms.NullBooleanField):
    widget = YesNoSelect

    def to_python(self, value):
        if value is None or isinstance(value, bool):
            return value
        raise ValidationError(_("Choose true or false."), code="invalid")

    def validate(self, value):
        pass


class AtlasFilterSet(django_filters.FilterSet):
    """Every FilterSet's base: the page, its exports and feed, the map and the
    API read the same query, and an empty parameter (``?target=``, what a form
    sends for a field left empty) is ignored by all of them rather than a 400
    in one and nothing in another. A yes/no filter takes true or false (or the
    form's "unknown"): ``?has_caution=maybe`` is an error, not no filter."""

    keep_empty = ()
    # Whether a query that names none of the filters' parameters leaves the
    # records as they are (every filter passes an empty value through). True
    # for every FilterSet but one that binds a default (CountryFilterSet), and
    # tests/test_filterset_fast_path.py holds each to it: the API then skips
    # building the FilterSet and its form for such a query (``names_any``).
    unfiltered_without_parameters = True

    @classmethod
    def names_any(cls, params):
        """Whether any of the query's parameter names is one a filter's form
        field reads: its own name, or the name and a suffix (a range widget's
        ``<name>_min``, ``<name>_after``, a multi-widget's ``<name>_0``)."""
        return bool(cls.named(params))

    @classmethod
    def named(cls, params):
        """The filters whose form fields read one of the query's parameters."""
        return {
            name
            for name in cls.base_filters
            if any(key == name or key.startswith(f"{name}_") for key in params)
        }

    def __init__(self, data=None, *args, only=None, **kwargs):
        """``only``: build just these filters (and their form fields). The
        API passes the filters its query names: where a query without a
        filter's parameter leaves the records as they are
        (``unfiltered_without_parameters``), the others would change nothing,
        and copying every filter and form field (django-filter deep-copies
        both) was half of a filtered list's time.
        tests/api/test_filter_values.py holds the two to the same query."""
        if only is not None:
            self.base_filters = {
                name: filter_
                for name, filter_ in type(self).base_filters.items()
                if name in only
            }
        if data is not None:
            data = without_empty_values(data, self.keep_empty)
        super().__init__(data, *args, **kwargs)
        for filter_ in self.filters.values():
            if isinstance(filter_, django_filters.BooleanFilter):
                filter_.field_class = YesNoField
                filter_.extra["widget"] = YesNoSelect


class DateInput(forms.DateInput):
    """A native date picker; the value stays ISO (YYYY-MM-DD) in the URL."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


class NullsLastOrderingFilter(django_filters.OrderingFilter):
    """Ordering where records with an unknown value (no date, no severity) go
    last either way, and ties are broken by ``tiebreak`` so pages are stable."""

    def __init__(self, *args, tiebreak=("pk",), **kwargs):
        self.tiebreak = tiebreak
        kwargs.setdefault("label", _("Order by"))
        kwargs.setdefault("empty_label", _("Default"))
        super().__init__(*args, **kwargs)

    def filter(self, qs, value):
        if not value:
            return qs
        ordering = []
        for param in value:
            if not param:
                continue
            name = self.get_ordering_value(param)
            field = F(name.lstrip("-"))
            # A column that is never null is ordered plainly: "DESC NULLS
            # LAST" is the same order, but no DESC index matches it, so
            # ?ordering=-occurred_start (what the list's form sends for its
            # default) sorted every matching row instead of walking the index.
            nulls_last = {"nulls_last": True} if self.nullable(qs, name) else {}
            if name.startswith("-"):
                ordering.append(field.desc(**nulls_last))
            else:
                ordering.append(field.asc(**nulls_last))
        return qs.order_by(*ordering, *self.tiebreak)

    @staticmethod
    def nullable(qs, name):
        """Whether the ordered column (a field of the list's own model) may
        be null; a path across relations is taken as nullable."""
        try:
            return qs.model._meta.get_field(name.lstrip("-")).null
        except FieldDoesNotExist:
            return True


def reject_nul(value):
    """PostgreSQL refuses NUL bytes in text: refuse them before a lookup runs."""
    values = value if isinstance(value, list | tuple) else [value]
    if any("\x00" in str(item) for item in values if item is not None):
        raise ValidationError(
            ProhibitNullCharactersValidator.message, code="null_characters_not_allowed"
        )


def option_label(obj):
    """A choice's text: the name in the reader's language for reference data
    named in both (``display_name``), ``str(obj)`` otherwise."""
    return str(getattr(obj, "display_name", obj))


class NulSafeModelChoiceField(django_filters.fields.ModelChoiceField):
    def clean(self, value):
        reject_nul(value)
        return super().clean(value)

    def label_from_instance(self, obj):
        return option_label(obj)


class NulSafeModelMultipleChoiceField(django_filters.fields.ModelMultipleChoiceField):
    def clean(self, value):
        reject_nul(value)
        return super().clean(value)

    def label_from_instance(self, obj):
        return option_label(obj)


def _many_hop(model, path):
    """The position of the first to-many relation along ``path`` (a list of
    field names from ``model``) and that relation, or (None, None)."""
    for position, name in enumerate(path):
        try:
            field = model._meta.get_field(name)
        except Exception:  # a lookup or transform, not a field: no more hops
            return None, None
        if not field.is_relation:
            return None, None
        if field.many_to_many or field.one_to_many:
            return position, field
        model = field.related_model
    return None, None


def matching_any(model, path, values):
    """A condition on ``model``'s rows: ``<path>__in=values``, written so that
    a row is never repeated. Across a to-many relation (an entry's attributions,
    its target countries) it is an EXISTS on the related table, so the query
    needs no DISTINCT over wide rows and the planner can keep walking the
    list's index; otherwise a plain ``IN`` on the row's own column."""
    names = path.split(LOOKUP_SEP)
    position, field = _many_hop(model, names)
    lookup = LOOKUP_SEP.join([*names, "in"])
    if field is None:
        return Q(**{lookup: values})
    rest = names[position + 1 :]
    if position > 0:
        # A to-many relation further along: the same condition on the row
        # itself, in a subquery.
        inner = model._default_manager.filter(pk=OuterRef("pk"), **{lookup: values})
        return Q(Exists(inner.order_by()))
    if field.one_to_many:  # the rows pointing at this one (attributions)
        related = field.related_model._default_manager
        link = {field.field.name: OuterRef("pk")}
        target = rest
    else:  # many-to-many, either side: through the link table
        forward = field.remote_field if field.auto_created else field
        through = forward.remote_field.through
        if field.auto_created:  # the reverse side
            source, far = forward.m2m_reverse_field_name(), forward.m2m_field_name()
        else:
            source, far = forward.m2m_field_name(), forward.m2m_reverse_field_name()
        related = through._default_manager
        link = {source: OuterRef("pk")}
        target = [far, *rest]
    condition = {LOOKUP_SEP.join([*target, "in"]): values}
    return Q(Exists(related.filter(**link, **condition).order_by()))


class ExistsFilterMixin:
    """For MultipleChoiceFilter and its model variant: any of the chosen values,
    as ``matching_any`` (EXISTS across a to-many relation, no DISTINCT). Keys a
    model choice by its id (the records django-filter has already looked up),
    not by its slug through a join. Other uses (conjoined, exclude, a lookup,
    the null choice) are django-filter's own."""

    def filter(self, qs, value):
        if (
            not value
            or self.conjoined
            or self.exclude
            or self.lookup_expr != "exact"
            or self.is_noop(qs, value)
            or any(item == self.null_value for item in value)
        ):
            return super().filter(qs, value)
        path = self.field_name
        to_field = getattr(self.field, "to_field_name", None)
        if hasattr(self, "get_queryset"):  # model choices: match by id
            if to_field and path.endswith(LOOKUP_SEP + to_field):
                path = path[: -len(LOOKUP_SEP + to_field)]
            elif to_field and to_field != "pk":
                return super().filter(qs, value)
            values = sorted({item.pk for item in value})
        else:
            values = sorted(set(value), key=str)
        return qs.filter(matching_any(qs.model, path, values))


class MultipleChoiceFilter(ExistsFilterMixin, django_filters.MultipleChoiceFilter):
    """Any of the chosen values; a to-many field is matched with EXISTS."""


class ModelChoiceFilter(django_filters.ModelChoiceFilter):
    """A record chosen by slug or code; a NUL byte is a form error, not a 500."""

    field_class = NulSafeModelChoiceField


class ModelMultipleChoiceFilter(
    ExistsFilterMixin, django_filters.ModelMultipleChoiceFilter
):
    """Records chosen by slug or code; a NUL byte is a form error, not a 500.
    Matched by the records' ids, with EXISTS across a to-many relation."""

    field_class = NulSafeModelMultipleChoiceField


class CountryCodesField(NulSafeModelMultipleChoiceField):
    """Countries by ISO code, in either case (``host=lt`` is ``host=LT``)."""

    def clean(self, value):
        return super().clean(_upper(value))


class CountryCodeField(NulSafeModelChoiceField):
    """A country by ISO code, in either case."""

    def clean(self, value):
        return super().clean(_upper(value))


def _upper(value):
    if isinstance(value, str):
        return value.upper()
    if isinstance(value, list | tuple):
        return [item.upper() if isinstance(item, str) else item for item in value]
    return value


class CountryCodesFilter(ModelMultipleChoiceFilter):
    """Countries by ISO code (repeatable, either case); the FilterSet gives the
    countries' queryset (the kernel knows no Country model)."""

    field_class = CountryCodesField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("to_field_name", "iso2")
        super().__init__(*args, **kwargs)


class CountryCodeFilter(django_filters.ModelChoiceFilter):
    """One country by ISO code, in either case."""

    field_class = CountryCodeField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("to_field_name", "iso2")
        super().__init__(*args, **kwargs)


# Any year a date can have (1 to 9999): the year facets offer every year of the data.
_YEAR = re.compile(r"0*[1-9][0-9]{0,3}")
_YEAR_SEPARATORS = re.compile(r"[\s,;]+")


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
            part
            for item in values
            for part in _YEAR_SEPARATORS.split(str(item))
            if part
        ]

    def format_value(self, value):
        if isinstance(value, list | tuple):
            return ", ".join(str(item) for item in value)
        return super().format_value(value)


class YearsField(forms.Field):
    """Several years, each a whole number from 1 to 9999 (what the API schema
    documents), repeated or separated by commas; cleaned to a sorted list."""

    widget = YearsWidget
    default_error_messages = {
        "invalid": _(
            "“%(value)s” is not a year. Enter years as numbers from 1 to 9999, "
            "such as 2024."
        ),
    }

    def to_python(self, value):
        if value in self.empty_values:
            return []
        values = value if isinstance(value, list | tuple) else [value]
        years = set()
        for item in values:
            for part in _YEAR_SEPARATORS.split(str(item)):
                if not part:
                    continue
                if not _YEAR.fullmatch(part):
                    shown = "".join(char for char in part if char.isprintable())
                    raise ValidationError(
                        self.error_messages["invalid"],
                        code="invalid",
                        params={"value": shown[:20]},
                    )
                years.add(int(part))
        return sorted(years)


class YearsFilter(django_filters.Filter):
    """Records of any of the years: ``<field_name>__year__in``, unless the
    FilterSet gives a ``method`` (a year read from two dates, say)."""

    field_class = YearsField

    def filter(self, qs, value):
        if not value:
            return qs
        # One range per year (``__year`` is BETWEEN the first and last day), so
        # an index on the field serves it; ``__year__in`` would extract the
        # year of every row.
        condition = Q()
        for year in value:
            condition |= Q(**{f"{self.field_name}__year": year})
        return qs.filter(condition)
