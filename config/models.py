"""Abstract bases and field helpers shared by the Atlas's apps.

A *vague date* is a ``DateField`` plus a sibling ``<name>_precision`` field: the
date is stored at its first possible day (October 2016 is kept as 2016-10-01 with
precision ``month``) and shown at its precision ("October 2016").
"""

import datetime
import functools
import operator
import re
import unicodedata

from django.db import models
from django.db.models import Q
from django.utils import formats
from django.utils.translation import gettext_lazy as _


class DatePrecision(models.TextChoices):
    DAY = "day", _("day")
    MONTH = "month", _("month")
    YEAR = "year", _("year")


class Confidence(models.TextChoices):
    """How firmly the record's facts are established by the sources cited."""

    HIGH = "high", _("high: stated plainly in the sources")
    MEDIUM = "medium", _("medium: inferred, single weak source or sources conflict")


_VAGUE_DATE = re.compile(r"^(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?$")


def parse_vague_date(text):
    """Parse ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD`` into ``(date, precision)``.

    Raises ``ValueError`` with a readable message for anything else.
    """
    if text is None or text == "":
        return None, ""
    if isinstance(text, datetime.date):
        return text, DatePrecision.DAY
    match = _VAGUE_DATE.match(str(text).strip())
    if not match:
        raise ValueError(f"{text!r} is not a date (use YYYY, YYYY-MM or YYYY-MM-DD)")
    year, month, day = match.groups()
    value = datetime.date(int(year), int(month or 1), int(day or 1))
    if day:
        return value, DatePrecision.DAY
    if month:
        return value, DatePrecision.MONTH
    return value, DatePrecision.YEAR


def format_vague_date(value, precision):
    """Show a date at its precision, in the active language."""
    if value is None:
        return ""
    if precision == DatePrecision.YEAR:
        return str(value.year)
    if precision == DatePrecision.MONTH:
        return formats.date_format(value, "YEAR_MONTH_FORMAT")
    return formats.date_format(value, "DATE_FORMAT")


def precision_field(verbose_name):
    return models.CharField(
        verbose_name,
        max_length=5,
        choices=DatePrecision.choices,
        blank=True,
        help_text=_(
            "How precisely the date is known; leave empty when there is no date."
        ),
    )


def vague_date_constraint(prefix, field):
    """The precision is set exactly when the date is, and the date is normalised.

    A month-precision date must be the 1st of its month, a year-precision date
    1 January, so that sorting and range filters compare like with like.
    """
    precision = f"{field}_precision"
    return models.CheckConstraint(
        condition=Q(**{f"{field}__isnull": True, precision: ""})
        | Q(**{f"{field}__isnull": False, precision: DatePrecision.DAY})
        | Q(
            **{
                f"{field}__isnull": False,
                precision: DatePrecision.MONTH,
                f"{field}__day": 1,
            }
        )
        | Q(
            **{
                f"{field}__isnull": False,
                precision: DatePrecision.YEAR,
                f"{field}__day": 1,
                f"{field}__month": 1,
            }
        ),
        name=f"{prefix}_{field}_precision",
        violation_error_message=_(
            "Give a precision exactly when there is a date; a month-precision date "
            "must be the 1st of the month and a year-precision date 1 January."
        ),
    )


def not_before_constraint(prefix, start, end, message):
    return models.CheckConstraint(
        condition=Q(**{f"{start}__isnull": True})
        | Q(**{f"{end}__isnull": True})
        | Q(**{f"{end}__gte": models.F(start)}),
        name=f"{prefix}_{end}_not_before_{start}",
        violation_error_message=message,
    )


def coordinates_constraints(prefix):
    """Latitude and longitude in range, and given together or not at all."""
    return [
        models.CheckConstraint(
            condition=Q(latitude__isnull=True) | Q(latitude__gte=-90, latitude__lte=90),
            name=f"{prefix}_latitude_range",
            violation_error_message=_("Latitude must be between -90 and 90."),
        ),
        models.CheckConstraint(
            condition=Q(longitude__isnull=True)
            | Q(longitude__gte=-180, longitude__lte=180),
            name=f"{prefix}_longitude_range",
            violation_error_message=_("Longitude must be between -180 and 180."),
        ),
        models.CheckConstraint(
            condition=Q(latitude__isnull=True, longitude__isnull=True)
            | Q(latitude__isnull=False, longitude__isnull=False),
            name=f"{prefix}_coordinates_paired",
            violation_error_message=_("Give both latitude and longitude, or neither."),
        ),
    ]


def latitude_field():
    return models.DecimalField(
        _("latitude"),
        max_digits=8,
        decimal_places=5,
        null=True,
        blank=True,
        help_text=_("WGS84 decimal degrees, -90 to 90."),
    )


def longitude_field():
    return models.DecimalField(
        _("longitude"),
        max_digits=8,
        decimal_places=5,
        null=True,
        blank=True,
        help_text=_("WGS84 decimal degrees, -180 to 180."),
    )


def strip_accents(text):
    """'Klaipėda' -> 'Klaipeda', the same folding PostgreSQL's unaccent() does."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(char for char in decomposed if not unicodedata.combining(char))


class SlugQuerySet(models.QuerySet):
    """Records whose natural key is their slug, with a simple text search.

    ``search_fields`` are matched accent- and case-insensitively; every word of
    the query must match one of them.
    """

    search_fields = ()

    def get_by_natural_key(self, slug):
        return self.get(slug=slug)

    def search(self, text):
        words = strip_accents(text or "").split()
        if not words:
            return self
        condition = Q()
        for word in words:
            condition &= functools.reduce(
                operator.or_,
                (
                    Q(**{f"{field}__unaccent__icontains": word})
                    for field in self.search_fields
                ),
            )
        return self.filter(condition)


class TimeStampedModel(models.Model):
    created = models.DateTimeField(_("created"), auto_now_add=True)
    updated = models.DateTimeField(_("last updated"), auto_now=True)

    class Meta:
        abstract = True

    def vague(self, field):
        """``obj.vague("signed")`` -> "October 2016"."""
        return format_vague_date(
            getattr(self, field), getattr(self, f"{field}_precision")
        )


class SourcedRecord(TimeStampedModel):
    """A public record: it cites sources and says how sure it is.

    Concrete models add ``sources = models.ManyToManyField(Source, ...)``; the
    admin requires at least one, and the seed data always has one.
    """

    confidence = models.CharField(
        _("confidence"),
        max_length=6,
        choices=Confidence.choices,
        default=Confidence.HIGH,
    )
    notes = models.TextField(
        _("editor notes"),
        blank=True,
        help_text=_(
            "Doubts, conflicting figures, how a date was inferred. Not shown publicly."
        ),
    )

    class Meta:
        abstract = True

    def vague(self, field):
        """``obj.vague("signed")`` -> "October 2016"."""
        return format_vague_date(
            getattr(self, field), getattr(self, f"{field}_precision")
        )
