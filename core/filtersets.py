"""Filter pieces shared by the apps' FilterSets (pages, feeds, map and API):
the base FilterSet (an empty value is no filter), one years filter, one
country-code filter, NUL-safe record choices, ordering with unknown values last,
a native date input."""

import re

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import ProhibitNullCharactersValidator
from django.db.models import F
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

    def __init__(self, data=None, *args, **kwargs):
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
            if name.startswith("-"):
                ordering.append(field.desc(nulls_last=True))
            else:
                ordering.append(field.asc(nulls_last=True))
        return qs.order_by(*ordering, *self.tiebreak)


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


class ModelChoiceFilter(django_filters.ModelChoiceFilter):
    """A record chosen by slug or code; a NUL byte is a form error, not a 500."""

    field_class = NulSafeModelChoiceField


class ModelMultipleChoiceFilter(django_filters.ModelMultipleChoiceFilter):
    """Records chosen by slug or code; a NUL byte is a form error, not a 500."""

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


class CountryCodesFilter(django_filters.ModelMultipleChoiceFilter):
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
        return qs.filter(**{f"{self.field_name}__year__in": value})
