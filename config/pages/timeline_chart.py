"""The timeline's chart: a time axis of years, one lane per kind (agreements,
exercises, threat entries), and in each lane the density of each year.

Built from the counts per kind and year the page already reads (one
``GROUP BY``), plus one query for the records of the years that hold only a
few: those are drawn one by one, each mark a link to its record, placed within
its year by its date; a busier year is a bar as tall as its count allows (on a
square-root scale, against the lane's busiest year), linking to the kind's list
filtered to that year. The SVG is rendered by the template
(``includes/timeline_chart.html``) with x positions in per cent, so it fills
any width without scaling its text.
"""

import math
from datetime import date

from django.urls import reverse
from django.utils.http import urlencode

# A year with at most this many records of a kind shows each of them.
SPARSE = 3
# The widest range the chart draws, in years.
MAX_YEARS = 60
LEFT, RIGHT = 1.0, 99.0  # per cent of the width
TOP = 4
LABEL = 18  # a lane's name, above its marks (phones have no room beside them)
LANE = 40
GAP = 8
AXIS = 26
MAX_TICKS = 13


def default_range(year_counts, today):
    """The years with records (at most ``MAX_YEARS``, the latest), or this year."""
    years = sorted(year for year, count in year_counts.items() if count)
    if not years:
        return today.year, today.year
    first, last = years[0], years[-1]
    return max(first, last - MAX_YEARS + 1), last


def zoom_links(first, last, lowest, highest):
    """``[(key, from, to)]``: all years, zoom in (the middle half), zoom out
    (twice as wide), earlier and later (half a range) where they change the view."""
    span = last - first + 1
    links = []
    if (lowest, highest) != (first, last):
        links.append(("all", lowest, highest))
    if span > 1:
        quarter = span // 4
        inner_first = first + quarter
        inner_last = max(inner_first, last - quarter)
        if (inner_first, inner_last) == (first, last):
            inner_last = inner_first
        links.append(("in", inner_first, inner_last))
    wide_first = max(lowest, first - max(1, span // 2))
    wide_last = min(highest, last + max(1, span // 2))
    wide_last = min(wide_last, wide_first + MAX_YEARS - 1)
    if (wide_first, wide_last) != (first, last):
        links.append(("out", wide_first, wide_last))
    step = max(1, span // 2)
    if first > lowest:
        links.append(
            ("earlier", max(lowest, first - step), max(lowest, first - step) + span - 1)
        )
    if last < highest:
        links.append(
            ("later", min(highest, last + step) - span + 1, min(highest, last + step))
        )
    return links


def _fraction_of_year(day):
    start = date(day.year, 1, 1)
    length = (date(day.year + 1, 1, 1) - start).days
    return (day - start).days / length


def build_chart(*, lanes, cells, marks, first, last, extra_params):
    """The chart for the template.

    ``lanes``: ``[(kind, label, item_label, list_url_name, year_filter)]`` in
    order; ``cells``: ``{(kind, year): count}``; ``marks``: the timeline items
    (``TimelineItem``) of the sparse years; ``extra_params``: ``{kind: [(name,
    value)]}`` kept on the list links (a threat lane's categories)."""
    years = list(range(first, last + 1))
    width = (RIGHT - LEFT) / len(years)
    by_bin = {}
    for item in marks:
        by_bin.setdefault((item.kind, item.date.year), []).append(item)
    every = max(1, math.ceil(len(years) / MAX_TICKS))
    ticks = [
        {"year": year, "x": round(LEFT + (i + 0.5) * width, 3)}
        for i, year in enumerate(years)
        if (year - first) % every == 0
    ]
    # Every other label is left out on a phone (css: .axis .minor).
    for n, tick in enumerate(ticks):
        tick["minor"] = len(ticks) > 6 and n % 2 == 1
    rows = []
    for index, (kind, label, item_label, list_name, year_filter) in enumerate(lanes):
        label_top = TOP + index * (LABEL + LANE + GAP)
        top = label_top + LABEL
        bottom = top + LANE
        busiest = max((cells.get((kind, year), 0) for year in years), default=0)
        bins = []
        total = 0
        for i, year in enumerate(years):
            count = cells.get((kind, year), 0)
            total += count
            if not count:
                continue
            x = LEFT + i * width
            items = by_bin.get((kind, year))
            if count <= SPARSE and items:
                for n, item in enumerate(sorted(items, key=lambda it: it.date)):
                    bins.append(
                        {
                            "mark": True,
                            "x": round(
                                x
                                + width * (0.08 + 0.84 * _fraction_of_year(item.date)),
                                3,
                            ),
                            # Marks on one day stand apart a little.
                            "y": round(
                                top + LANE / 2 + (n - (len(items) - 1) / 2) * 9, 1
                            ),
                            "url": item.url,
                            "title": item.title,
                            "date": item.date,
                            "item": item,
                        }
                    )
                continue
            height = max(3.0, (LANE - 6) * math.sqrt(count / busiest))
            params = [(year_filter, year), *extra_params.get(kind, [])]
            bins.append(
                {
                    "mark": False,
                    "x": round(x + width * 0.1, 3),
                    "width": round(width * 0.8, 3),
                    "y": round(bottom - height, 1),
                    "height": round(height, 1),
                    "count": count,
                    "year": year,
                    "url": f"{reverse(list_name)}?{urlencode(params)}",
                }
            )
        rows.append(
            {
                "kind": kind,
                "label": label,
                "item_label": item_label,
                "label_y": label_top + LABEL - 5,
                "top": top,
                "middle": top + LANE / 2,
                "bottom": bottom,
                "bins": bins,
                "total": total,
                "busiest": busiest,
            }
        )
    height = TOP + len(lanes) * (LABEL + LANE + GAP) + AXIS
    return {
        "first": first,
        "last": last,
        "lanes": rows,
        "ticks": ticks,
        "boundaries": [round(LEFT + i * width, 3) for i in range(len(years) + 1)],
        "height": height,
        "top": TOP,
        "axis_y": height - AXIS,
        "label_y": height - 8,
        "left": LEFT,
        "right": RIGHT,
        "label_x": 0.5,
        "total": sum(row["total"] for row in rows),
        "sparse": SPARSE,
    }
