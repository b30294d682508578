"""Counts over time, stacked by a facet, for every list: the chart above the
results (``templates/includes/list_chart.html``, server-rendered SVG with a
table of the same numbers) and the API's ``stats`` endpoints.

An app declares a ``ChartSpec`` next to its FilterSet: which date a record is
counted at (and its precision), and the facets a chart may be stacked by. The
kernel counts the filtered records in ONE aggregate query per chart
(``ChartFacet.rows``: records per month, date precision and facet value), then
folds the rows into periods in Python (``aggregate``), so the number of
queries never depends on the number of bars, stacks or records.

Months or years: a range of more than ``MONTHS_BEFORE_YEARS`` months is
counted by year unless an interval is asked for. By month, records dated only
to their year are left out (counted in ``year_only``) rather than piled on
January; records without a date are counted in ``undated``. A record with
several values of a facet (two actors blamed) counts once under each; one with
none counts under ``key = None`` ("none given").
"""

import datetime

from django import forms
from django.db.models import Count, F
from django.db.models.functions import TruncMonth
from django.utils import formats
from django.utils.translation import gettext_lazy as _

from core.models import display_name

MONTH, YEAR = "month", "year"
INTERVALS = (MONTH, YEAR)
MONTHS_BEFORE_YEARS = 36
# A chart shows this many stacks; the smaller ones are added up as "Other"
# (the API and the chart's table give every one). One more is shown rather
# than an "Other" of one value.
MAX_STACKS = 8

# Chart colours: the list charts' stacks in legend order, the home page's threat
# categories by their place in the controlled list. Each has at least 3:1
# contrast with white (WCAG 1.4.11, non-text contrast) and neighbours differ in
# hue and lightness; segments are also separated by a white line.
PALETTE = (
    "#2f6b9a",  # blue
    "#c45100",  # orange
    "#2e7d32",  # green
    "#b0233a",  # red
    "#6a4c93",  # purple
    "#8c564b",  # brown
    "#c2185b",  # pink
    "#00838f",  # teal
    "#7a7400",  # olive
    "#546e7a",  # blue grey (not among a list chart's 9: too near "Other")
    "#3949ab",  # indigo
    "#9a6700",  # ochre
    "#1b5e20",  # dark green
    "#880e4f",  # dark magenta
    "#37474f",  # slate
    "#5d4037",  # dark brown
)
OTHER_COLOUR = "#4d4d4d"  # 8.5:1
NONE_COLOUR = "#858585"  # 3.7:1

# Geometry. Across in percent of the chart's width (bars stretch to any
# screen, text keeps its size); down in pixels.
LEFT, RIGHT = 7.0, 1.0
HEIGHT, TOP, BOTTOM = 220, 12, 32
# At most this many labels on the time axis, so they fit a 390 px phone.
MAX_TICKS = 6


class ChartFacet:
    """A facet a chart can be stacked by: ``path`` is the ORM path of the value
    (as in the list's facet links), ``label_path`` and ``label_lt_path`` those
    of its names, or ``choices`` to name choice values; ``multiple``: a record
    may have several values (two actors blamed), so counts add up to more than
    the records."""

    def __init__(
        self,
        key,
        label,
        path,
        label_path=None,
        *,
        label_lt_path=None,
        choices=None,
        none_label=None,
        multiple=False,
    ):
        self.key = key
        self.label = label
        self.path = path
        self.label_path = label_path
        self.label_lt_path = label_lt_path
        self.choices = dict(choices or ())
        self.none_label = none_label or _("None given")
        self.multiple = multiple

    def rows(self, queryset, spec):
        """Dicts of ``month``, ``precision``, ``key``, ``name``, ``name_lt`` and
        ``count``: the records per month (of their date), date precision and
        value. One query."""
        values = {
            "chart_month": TruncMonth(spec.date),
            "chart_precision": spec.precision,
            "chart_key": F(self.path),
        }
        if self.label_path:
            values["chart_name"] = F(self.label_path)
        if self.label_lt_path:
            values["chart_name_lt"] = F(self.label_lt_path)
        rows = (
            queryset.order_by()
            .values(**values)
            .annotate(chart_count=Count("pk", distinct=True))
            .order_by()
        )
        # (prefixed in the query: a model may have fields called name or key)
        return [
            {name.removeprefix("chart_"): value for name, value in row.items()}
            for row in rows
        ]

    def name(self, row):
        key = row["key"]
        if key in (None, ""):
            return str(self.none_label)
        if self.label_path:
            return display_name(row.get("name") or key, row.get("name_lt"))
        return str(self.choices.get(key, key))


class ChartSpec:
    """What a list's chart counts: ``date`` (a field name or an expression)
    and ``precision`` (the same), and the ``facets`` it may be stacked by (the
    first is the default)."""

    def __init__(self, *, date, precision, facets, title):
        self.date = F(date) if isinstance(date, str) else date
        self.precision = F(precision) if isinstance(precision, str) else precision
        self.facets = tuple(facets)
        self.title = title

    @property
    def default(self):
        return self.facets[0].key

    def facet(self, key):
        return next(facet for facet in self.facets if facet.key == key)

    def by_choices(self):
        return [(facet.key, facet.label) for facet in self.facets]


class ChartForm(forms.Form):
    """``by`` (a facet of the spec) and ``interval`` (month, year, or empty for
    the range's own), as the page reads them; the API validates the same two
    with a serializer (core/api/stats.py)."""

    by = forms.ChoiceField(label=_("Stack by"), required=False)
    interval = forms.ChoiceField(
        label=_("Count by"),
        required=False,
        choices=[("", _("Range decides")), (MONTH, _("Month")), (YEAR, _("Year"))],
    )

    def __init__(self, spec, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["by"].choices = spec.by_choices()
        self.spec = spec

    def clean_by(self):
        return self.cleaned_data["by"] or self.spec.default


def _month_index(day):
    return day.year * 12 + day.month - 1


def _month(index):
    return datetime.date(index // 12, index % 12 + 1, 1)


def aggregate(spec, queryset, by=None, interval=None):
    """The counts of ``queryset`` per period and value of facet ``by``: one
    query. Returns a dict (the API's stats payload, and the chart's input):
    ``by``, ``interval``, ``total`` (counts shown, a record with two values
    counting twice), ``undated``, ``year_only``, ``series`` (every value, most
    first, with its total) and ``periods`` (each month or year from the first
    to the last with a count, empty ones included, oldest first)."""
    facet = spec.facet(by or spec.default)
    rows = list(facet.rows(queryset, spec))
    undated = sum(row["count"] for row in rows if row["month"] is None)
    dated = [row for row in rows if row["month"] is not None]
    if interval is None:
        months = [_month_index(row["month"]) for row in dated]
        span = (max(months) - min(months) + 1) if months else 0
        interval = YEAR if span > MONTHS_BEFORE_YEARS else MONTH
    year_only = 0
    if interval == MONTH:
        year_only = sum(row["count"] for row in dated if row["precision"] == YEAR)
        dated = [row for row in dated if row["precision"] != YEAR]

    def period_of(row):
        month = row["month"]
        return month.year if interval == YEAR else _month_index(month)

    series = {}
    counts = {}
    for row in dated:
        key = row["key"] if row["key"] not in ("",) else None
        key = None if key is None else str(key)
        entry = series.setdefault(key, {"key": key, "label": facet.name(row)})
        entry["total"] = entry.get("total", 0) + row["count"]
        cell = (period_of(row), key)
        counts[cell] = counts.get(cell, 0) + row["count"]
    # Most first; "none given" last; then by name, for a stable order.
    ordered = sorted(
        series.values(),
        key=lambda s: (s["key"] is None, -s["total"], s["label"]),
    )
    periods = []
    if counts:
        first = min(period for period, _key in counts)
        last = max(period for period, _key in counts)
        for period in range(first, last + 1):
            day = datetime.date(period, 1, 1) if interval == YEAR else _month(period)
            cells = [
                {"key": s["key"], "count": counts[(period, s["key"])]}
                for s in ordered
                if (period, s["key"]) in counts
            ]
            periods.append(
                {
                    "period": str(period)
                    if interval == YEAR
                    else f"{day.year:04d}-{day.month:02d}",
                    "start": day,
                    "total": sum(cell["count"] for cell in cells),
                    "counts": cells,
                }
            )
    return {
        "by": facet.key,
        "interval": interval,
        "total": sum(period["total"] for period in periods),
        "undated": undated,
        "year_only": year_only,
        "series": ordered,
        "periods": periods,
    }


def tick_step(top, most):
    """The step between gridlines: 1, 2 or 5 times a power of ten, the smallest
    that gives at most ``most`` lines up to ``top``."""
    scale = 1
    while True:
        for step in (scale, 2 * scale, 5 * scale):
            if top / step <= most:
                return step
        scale *= 10


class BarGeometry:
    """Where the bars of a stacked bar chart go, for the charts drawn on the
    server (this module's, the home page's): one slot per bar across, in percent
    of the chart's width (the bars stretch to any screen while the text keeps its
    size); down in pixels, the value axis rounded up to whole gridline steps."""

    def __init__(
        self, totals, *, left, right, height, top, bottom, widest, share, lines
    ):
        self.left = left
        self.step = tick_step(max(totals), lines)
        self.top_value = max(self.step, -(-max(totals) // self.step) * self.step)
        self.slot = (100 - left - right) / len(totals)
        self.bar_width = min(widest, self.slot * share)
        self.baseline = top + (height - top - bottom)
        self.scale = (height - top - bottom) / self.top_value

    def bar_x(self, index):
        return self.left + index * self.slot + (self.slot - self.bar_width) / 2

    def centre(self, index):
        return self.left + index * self.slot + self.slot / 2

    def stack(self, index, parts):
        """The segments of bar ``index``, bottom up: ``parts`` are (count,
        fields) pairs; a part of no count has no segment."""
        x, y = round(self.bar_x(index), 2), self.baseline
        segments = []
        for count, fields in parts:
            if not count:
                continue
            height = count * self.scale
            y -= height
            segments.append(
                {
                    "x": x,
                    "y": round(y, 2),
                    "width": round(self.bar_width, 2),
                    "height": round(height, 2),
                    "count": count,
                    **fields,
                }
            )
        return segments

    def gridlines(self):
        return [
            {"value": value, "y": round(self.baseline - value * self.scale, 2)}
            for value in range(0, self.top_value + 1, self.step)
        ]


def _period_label(period, interval):
    if interval == YEAR:
        return str(period["start"].year)
    return formats.date_format(period["start"], "YEAR_MONTH_FORMAT")


def _tick_every(count, interval):
    """Label every n-th bar (in periods): by year at round years, by month at
    the Januaries of round years, so at most ``MAX_TICKS`` labels show."""
    if interval == MONTH:
        if count <= 12:
            return 1
        years = -(-count // 12)
        return 12 * _round_every(years)
    return _round_every(count)


def _round_every(count):
    for every in (1, 2, 5, 10, 20, 25, 50):
        if -(-count // every) <= MAX_TICKS:
            return every
    return 100


def _tick(period, index, count, interval, every):
    start = period["start"]
    if interval == YEAR:
        return str(start.year) if start.year % every == 0 or count <= MAX_TICKS else ""
    if count <= MAX_TICKS:
        return formats.date_format(start, "M Y" if index == 0 else "M")
    if count <= 12:
        return formats.date_format(start, "M") if index % 2 == 0 else ""
    if start.month == 1 and (start.year % (every // 12) == 0):
        return str(start.year)
    return ""


def chart(stats, spec):
    """Geometry of the stacked bars for ``includes/list_chart.html``, from
    ``aggregate``'s result (no query). ``None`` when there is nothing to draw."""
    periods = stats["periods"]
    if not periods:
        return None
    interval = stats["interval"]
    series = stats["series"]
    named = [s for s in series if s["key"] is not None]
    cut = MAX_STACKS if len(named) > MAX_STACKS + 1 else MAX_STACKS + 1
    shown = named[:cut]
    rest = {s["key"] for s in named[cut:]}
    legend = [
        {"key": s["key"], "label": s["label"], "total": s["total"], "colour": colour}
        for s, colour in zip(shown, PALETTE, strict=False)
    ]
    if rest:
        legend.append(
            {
                "key": "\x00other",
                "label": str(_("Other (%(count)s values)") % {"count": len(rest)}),
                "total": sum(s["total"] for s in named[cut:]),
                "colour": OTHER_COLOUR,
            }
        )
    if len(named) < len(series):
        none = series[-1]
        legend.append({**none, "key": None, "colour": NONE_COLOUR})
    geometry = BarGeometry(
        [period["total"] for period in periods],
        left=LEFT,
        right=RIGHT,
        height=HEIGHT,
        top=TOP,
        bottom=BOTTOM,
        widest=8.0,
        share=0.75,
        lines=4,
    )
    every = _tick_every(len(periods), interval)
    labels = {s["key"]: s["label"] for s in series}
    bars = []
    for index, period in enumerate(periods):
        label = _period_label(period, interval)
        cells = {cell["key"]: cell["count"] for cell in period["counts"]}
        segments = geometry.stack(
            index,
            [
                (
                    sum(cells.get(key, 0) for key in rest)
                    if item["key"] == "\x00other"
                    else cells.get(item["key"], 0),
                    {"colour": item["colour"], "label": item["label"]},
                )
                for item in legend
            ],
        )
        bars.append(
            {
                "label": label,
                "total": period["total"],
                "segments": segments,
                "tick": _tick(period, index, len(periods), interval, every),
                "tick_x": round(geometry.centre(index), 2),
                "cells": [
                    (labels[cell["key"]], cell["count"]) for cell in period["counts"]
                ],
            }
        )
    busiest = max(bars, key=lambda bar: bar["total"])
    return {
        "title": spec.title,
        "facet": spec.facet(stats["by"]).label,
        "multiple": spec.facet(stats["by"]).multiple,
        "interval": interval,
        "height": HEIGHT,
        "left": LEFT,
        "right": 100 - RIGHT,
        "tick_y": geometry.baseline + 18,
        "gridlines": geometry.gridlines(),
        "bars": bars,
        "rows": [bar for bar in bars if bar["total"]],
        "legend": legend,
        "first": bars[0]["label"],
        "last": bars[-1]["label"],
        "total": stats["total"],
        "busiest": busiest,
        "undated": stats["undated"],
        "year_only": stats["year_only"],
    }
