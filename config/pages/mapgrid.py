"""The map's bounded view: /map/data.json answers for the part of the map shown
(``bbox`` and ``zoom``), grouping the records into a grid on the server when
there are more than ``MAX_RECORDS`` of them in view.

The grid's cells are about ``CELL_PX`` pixels wide at the zoom asked, never more
than ``MAX_COLUMNS`` by ``MAX_ROWS`` over the view (so a request for the whole
world at the closest zoom is no bigger), and aligned on fixed steps (360 / 2^k
degrees): the same view always gives the same cells, so the answers can be
cached per data version, and a cell splits into whole cells as one zooms in.

Per kind, two queries whatever the rows: the cells (``COUNT(*)`` and the mean
position per cell, one ``GROUP BY``, served by a partial index on the
coordinates of published entries), then the records of the cells that are shown
as records (every cell when few are in view; otherwise the cells that hold one
record, or several at one spot).
"""

import math
from dataclasses import dataclass

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Count, F, FloatField, Max, Min, Q, Value
from django.db.models.functions import Cast, Floor
from django.utils.translation import gettext_lazy as _

# Records in view up to which each is sent as itself, not grouped.
MAX_RECORDS = 400
# A cell's width in screen pixels at the zoom asked, and the most cells a view
# is cut into.
CELL_PX = 64
MAX_COLUMNS = 40
MAX_ROWS = 40
# A cell with several records all at one spot is opened (its records listed in
# one popup) up to this many; more stay a group with a link to the list.
MAX_AT_ONE_SPOT = 25
# Without a view: the whole world at a far zoom.
WORLD = (-180.0, -85.0, 180.0, 85.0)
DEFAULT_ZOOM = 3
MAX_ZOOM = 18


def _number(text):
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(text)
    return value


class ViewForm(forms.Form):
    """The part of the map shown: ``bbox=west,south,east,north`` in degrees and
    ``zoom`` (Leaflet's zoom level)."""

    bbox = forms.CharField(label=_("Map view"), required=False, max_length=200)
    zoom = forms.IntegerField(
        label=_("Zoom"), required=False, min_value=0, max_value=MAX_ZOOM
    )

    def clean_bbox(self):
        value = self.cleaned_data["bbox"]
        if not value:
            return None
        try:
            west, south, east, north = (_number(part) for part in value.split(","))
        except ValueError:
            raise ValidationError(
                _("Give four numbers separated by commas: west, south, east, north."),
                code="invalid",
            ) from None
        west, east = max(west, -180.0), min(east, 180.0)
        south, north = max(south, -90.0), min(north, 90.0)
        if west >= east or south >= north:
            raise ValidationError(
                _(
                    "The west edge must be west of the east edge and the south "
                    "edge south of the north edge, within the world."
                ),
                code="invalid",
            )
        return (west, south, east, north)


@dataclass(frozen=True)
class Grid:
    """Cells of ``step_x`` by ``step_y`` degrees over a view snapped to them."""

    west: float
    south: float
    east: float
    north: float
    step_x: float
    step_y: float

    @classmethod
    def for_view(cls, bbox=None, zoom=None):
        west, south, east, north = bbox or WORLD
        zoom = DEFAULT_ZOOM if zoom is None else zoom
        # A cell is square on screen: in the Web Mercator projection a degree of
        # latitude is 1/cos(latitude) times as tall as one of longitude. Rounded
        # to 10 degrees, so that panning a little keeps the same cells.
        middle = round((south + north) / 2 / 10) * 10
        ratio = max(math.cos(math.radians(middle)), 0.25)
        step = CELL_PX * 360 / (256 * 2**zoom)
        step = max(
            step, (east - west) / MAX_COLUMNS, (north - south) / ratio / MAX_ROWS
        )
        # The next coarser step of 360 / 2^k degrees: cells nest across zooms.
        step = 360 / 2 ** math.floor(math.log2(360 / step))
        step_y = step * ratio
        return cls(
            west=math.floor(west / step) * step,
            south=math.floor(south / step_y) * step_y,
            east=math.ceil(east / step) * step,
            north=math.ceil(north / step_y) * step_y,
            step_x=step,
            step_y=step_y,
        )

    def key(self):
        """What the answer depends on, for the cache."""
        return (
            round(self.west, 6),
            round(self.south, 6),
            round(self.east, 6),
            round(self.north, 6),
            round(self.step_x, 9),
            round(self.step_y, 9),
        )

    def inside(self, prefix=""):
        """Filter keyword arguments: the points inside the (snapped) view."""
        return {
            f"{prefix}latitude__isnull": False,
            f"{prefix}longitude__isnull": False,
            f"{prefix}longitude__gte": self.west,
            f"{prefix}longitude__lte": self.east,
            f"{prefix}latitude__gte": self.south,
            f"{prefix}latitude__lte": self.north,
        }

    def cell_annotations(self, prefix=""):
        """``cell_x`` and ``cell_y``: the cell of each point (floats, whole)."""
        return {
            "cell_x": Floor(
                Cast(F(f"{prefix}longitude"), FloatField()) / Value(self.step_x)
            ),
            "cell_y": Floor(
                Cast(F(f"{prefix}latitude"), FloatField()) / Value(self.step_y)
            ),
        }

    def cells(self, queryset, prefix=""):
        """One query: ``{(x, y): Cell}`` of the points of ``queryset`` in view."""
        latitude = Cast(F(f"{prefix}latitude"), FloatField())
        longitude = Cast(F(f"{prefix}longitude"), FloatField())
        rows = (
            queryset.filter(**self.inside(prefix))
            .order_by()
            .annotate(**self.cell_annotations(prefix))
            .values("cell_x", "cell_y")
            .annotate(
                count=Count("*"),
                min_lat=Min(latitude),
                max_lat=Max(latitude),
                min_lon=Min(longitude),
                max_lon=Max(longitude),
            )
        )
        return {
            (int(row["cell_x"]), int(row["cell_y"])): Cell(
                count=row["count"],
                south=row["min_lat"],
                north=row["max_lat"],
                west=row["min_lon"],
                east=row["max_lon"],
            )
            for row in rows
        }

    def in_cells(self, queryset, keys, prefix=""):
        """``queryset`` narrowed to the points in the cells ``keys``."""
        queryset = queryset.filter(**self.inside(prefix)).annotate(
            **self.cell_annotations(prefix)
        )
        # No cell: a condition no point meets, still one query (not ``none()``,
        # which makes none), so a request makes as many at any size.
        condition = Q(cell_x__isnull=True)
        for x, y in keys:
            condition |= Q(cell_x=x, cell_y=y)
        return queryset.filter(condition)


@dataclass
class Cell:
    count: int
    south: float
    north: float
    west: float
    east: float

    @property
    def one_spot(self):
        return self.south == self.north and self.west == self.east


def merge(*kinds):
    """``{key: {kind: Cell}}`` from ``(kind, {key: Cell})`` pairs."""
    merged = {}
    for kind, cells in kinds:
        for key, cell in cells.items():
            merged.setdefault(key, {})[kind] = cell
    return merged


def shown_as_records(merged, total):
    """The cells whose records are sent one by one: all when few are in view,
    else those with one record or with a few all at one spot."""
    if total <= MAX_RECORDS:
        return set(merged)
    opened = set()
    for key, by_kind in merged.items():
        count = sum(cell.count for cell in by_kind.values())
        cells = list(by_kind.values())
        same_spot = (
            all(cell.one_spot for cell in cells)
            and len({(cell.south, cell.west) for cell in cells}) == 1
        )
        if count == 1 or (same_spot and count <= MAX_AT_ONE_SPOT):
            opened.add(key)
    return opened


def cluster_feature(by_kind, labels):
    """A group of records in one cell: a point at the middle of its records'
    extent, with the counts per kind and the extent to zoom to."""
    south = min(cell.south for cell in by_kind.values())
    north = max(cell.north for cell in by_kind.values())
    west = min(cell.west for cell in by_kind.values())
    east = max(cell.east for cell in by_kind.values())
    counts = {kind: cell.count for kind, cell in by_kind.items()}
    return {
        "type": "Feature",
        "geometry": {
            "type": "Point",
            "coordinates": [round((west + east) / 2, 5), round((south + north) / 2, 5)],
        },
        "properties": {
            "cluster": True,
            "count": sum(counts.values()),
            "counts": counts,
            "kind_labels": {kind: str(labels[kind]) for kind in counts},
            "bbox": [round(west, 5), round(south, 5), round(east, 5), round(north, 5)],
        },
    }
