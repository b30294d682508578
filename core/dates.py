"""Vague dates: a ``DateField`` plus a sibling ``<name>_precision`` field.

The date is stored at its first possible day (October 2016 is kept as 2016-10-01
with precision ``month``) and shown at its precision ("October 2016"). Also the
shared field and constraint helpers for dates and coordinates.
"""

import calendar
import datetime
import functools
import re

from django.db import models
from django.db.models import Q
from django.utils import formats
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


class DatePrecision(models.TextChoices):
    DAY = "day", _("day")
    MONTH = "month", _("month")
    YEAR = "year", _("year")


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


def period_start(day, precision):
    """The first day of the day, month or year that contains ``day``."""
    if precision == DatePrecision.YEAR:
        return day.replace(month=1, day=1)
    if precision == DatePrecision.MONTH:
        return day.replace(day=1)
    return day


def period_end(value, precision):
    """The last day a vague date may mean: 30 June 2024 for "June 2024"."""
    if value is None:
        return None
    if precision == DatePrecision.YEAR:
        return value.replace(month=12, day=31)
    if precision == DatePrecision.MONTH:
        # Not "the 1st of the next month, less a day": December 9999 has no next.
        return value.replace(day=calendar.monthrange(value.year, value.month)[1])
    return value


def period_reaches(field, day):
    """Q: the vague date ``field``, read at its precision, lasts until ``day``.

    A vague date is stored at the first day of its period, so "June 2024" still
    reaches 15 June 2024: its stored 1 June is compared with the 1st of that month.
    """
    return Q(
        *(
            Q(
                **{
                    f"{field}_precision": precision,
                    f"{field}__gte": period_start(day, precision),
                }
            )
            for precision in DatePrecision.values
        ),
        _connector=Q.OR,
    )


class PeriodEnd(models.Func):
    """``period_end()`` in SQL: the last day the vague date ``field`` may mean.

    "A membership known to have begun by a day" compares this, not the stored
    first day: "2004" has begun for certain only from 31 December 2004. The day
    compared with may itself be an expression (today in the database).
    """

    output_field = models.DateField()

    def __init__(self, field):
        super().__init__(models.F(field), models.F(f"{field}_precision"))

    def as_sql(self, compiler, connection, **extra_context):
        date_sql, date_params = compiler.compile(self.source_expressions[0])
        precision_sql, precision_params = compiler.compile(self.source_expressions[1])
        sql = (
            f"(CASE {precision_sql}"
            f" WHEN 'year' THEN ({date_sql} + INTERVAL '1 year - 1 day')::date"
            f" WHEN 'month' THEN ({date_sql} + INTERVAL '1 month - 1 day')::date"
            f" ELSE {date_sql} END)"
        )
        return sql, (*precision_params, *date_params, *date_params, *date_params)


def format_vague_date(value, precision):
    """Show a date at its precision, in the active language."""
    if value is None:
        return ""
    if precision == DatePrecision.YEAR:
        return str(value.year)
    if precision == DatePrecision.MONTH:
        return _formatted(value, "YEAR_MONTH_FORMAT", get_language())
    return _formatted(value, "DATE_FORMAT", get_language())


@functools.lru_cache(maxsize=8192)
def _formatted(value, format_name, language):
    """``date_format`` in the active language, whose code is in the key: an
    export writes the same few thousand dates again and again, and formatting
    one (the format looked up, the month's name translated) cost a tenth of
    its time."""
    return formats.date_format(value, format_name)


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
