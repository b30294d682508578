"""Filter pieces shared by the apps' FilterSets (pages, feeds, map and API)."""

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import ProhibitNullCharactersValidator
from django.db.models import F
from django.utils.translation import gettext_lazy as _


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


class NulSafeModelChoiceField(django_filters.fields.ModelChoiceField):
    def clean(self, value):
        reject_nul(value)
        return super().clean(value)


class NulSafeModelMultipleChoiceField(django_filters.fields.ModelMultipleChoiceField):
    def clean(self, value):
        reject_nul(value)
        return super().clean(value)


class ModelChoiceFilter(django_filters.ModelChoiceFilter):
    """A record chosen by slug or code; a NUL byte is a form error, not a 500."""

    field_class = NulSafeModelChoiceField


class ModelMultipleChoiceFilter(django_filters.ModelMultipleChoiceFilter):
    """Records chosen by slug or code; a NUL byte is a form error, not a 500."""

    field_class = NulSafeModelMultipleChoiceField
