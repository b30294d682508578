"""One export path for every download: the list pages' ``?format=csv``,
``?format=json`` and ``?format=xlsx`` (``export_response``) and the API's CSV
renderer write their cells the same way, and the map and the API's
``?format=geojson`` build their points the same way. Spreadsheet formula cells
are escaped everywhere (the admin's import/export too).

A page export is streamed: rows are read from the database
``EXPORT_CHUNK_SIZE`` at a time (a server-side cursor; each chunk's prefetches
run once for it) and written out as they come, so a worker's memory does not
grow with the number of rows. CSV and JSON go to the client as they are
written; XLSX is written row by row to a temporary file (openpyxl's write-only
mode) and sent from there, since a workbook is a zip file whose index comes
last. An export holds at most ``EXPORT_MAX_ROWS`` records (a setting) and says
when it was cut."""

import csv
import datetime
import tempfile
from dataclasses import dataclass

from django.core.serializers.json import DjangoJSONEncoder
from django.http import FileResponse, StreamingHttpResponse
from django.utils.translation import gettext_lazy as _

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

EXPORT_FORMATS = ("csv", "json", "xlsx")
# Rows fetched from the database at a time while an export streams (the
# prefetches of each chunk run once for it: queries grow by a few per chunk,
# never per row).
EXPORT_CHUNK_SIZE = 500
# Characters gathered before they are handed to the server: one write per
# line would cost a system call (and a chunk header) per record.
STREAM_BLOCK = 64 * 1024
BOM = "\ufeff"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# The most characters a spreadsheet cell holds (Excel's limit).
XLSX_CELL_MAX = 32_767
BOOLEAN_VALUES = {"": False, "0": False, "false": False, "1": True, "true": True}


def escape_formula(value):
    """Keep spreadsheet programs from running a cell as a formula (CSV injection)."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def csv_cell(value):
    """A value as a CSV cell: lists joined with '; ', related records (the API's
    brief objects) by their key, booleans as true/false, nothing as empty."""
    if value is None:
        return ""
    if isinstance(value, dict):
        for key in ("slug", "iso2", "document_url", "name", "title"):
            if value.get(key) not in (None, ""):
                return csv_cell(value[key])
        for item in value.values():  # an attribution: its actor
            if isinstance(item, dict):
                return csv_cell(item)
        return csv_cell(value.get("id"))
    if isinstance(value, list | tuple):
        return "; ".join(str(csv_cell(item)) for item in value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


def csv_value(value):
    """``escape_formula(csv_cell(value))``: what a cell of a CSV file holds.
    Most cells are text, whole numbers or nothing, answered first: an export
    of 200 records has some 9,000 cells, and the general path's type checks
    were half of the API's CSV time."""
    kind = type(value)
    if kind is str:
        return "'" + value if value.startswith(FORMULA_PREFIXES) else value
    if value is None:
        return ""
    if kind is int:
        return value
    return escape_formula(csv_cell(value))


def vague_iso(value, precision):
    """A vague date in ISO 8601 at its precision: 2016, 2016-10 or 2016-10-05."""
    if value is None:
        return ""
    if precision == "year":
        return f"{value.year:04d}"
    if precision == "month":
        return f"{value.year:04d}-{value.month:02d}"
    return value.isoformat()


def vague_interval(start, start_precision, end=None, end_precision=""):
    """Two vague dates as an ISO 8601 interval at their precisions
    (``2016-10/2017``), or the one known (``2016-10``)."""
    first, last = vague_iso(start, start_precision), vague_iso(end, end_precision)
    if first and last and first != last:
        return f"{first}/{last}"
    return first or last


def write_csv(out, header, rows):
    """``rows`` (dicts) as CSV into ``out``, one column per ``header`` key."""
    writer = csv.writer(out)
    writer.writerow(header)
    for row in rows:
        writer.writerow([csv_value(row.get(key)) for key in header])


class _Echo:
    """A file that hands back what is written to it: csv.writer's lines one at
    a time, for a streamed response."""

    def write(self, value):
        return value


def csv_lines(rows, trailer=None):
    """``rows`` (dicts, possibly a lazy iterator) as CSV lines, the header from
    the first row's keys; ``trailer``, if given, as a last one-cell line."""
    writer = csv.writer(_Echo())
    header = None
    for row in rows:
        if header is None:
            header = list(row)
            yield writer.writerow(header)
        yield writer.writerow([csv_value(row.get(key)) for key in header])
    if header is None:
        yield writer.writerow([])
    if trailer:
        yield writer.writerow([escape_formula(trailer)])


def json_parts(head, rows):
    """``{**head, "results": [rows...]}`` as JSON text, a piece at a time: the
    same text ``json.dumps`` would give (DjangoJSONEncoder, non-ASCII kept)."""
    encoder = DjangoJSONEncoder(ensure_ascii=False)
    opening = encoder.encode(head)
    yield opening[:-1] + (', "results": [' if head else '"results": [')
    separator = ""
    for row in rows:
        yield separator + encoder.encode(row)
        separator = ", "
    yield "]}"


def blocks(parts, size=STREAM_BLOCK, prefix=""):
    """Strings gathered into blocks of about ``size`` characters, UTF-8 encoded."""
    pending, length = [prefix] if prefix else [], len(prefix)
    for part in parts:
        pending.append(part)
        length += len(part)
        if length >= size:
            yield "".join(pending).encode()
            pending, length = [], 0
    if pending:
        yield "".join(pending).encode()


def xlsx_cell(value):
    """A value as a spreadsheet cell: numbers and dates as such, times with
    their offset as ISO 8601 text (a spreadsheet has no time zones), lists and
    related records as in CSV, text without the control characters a workbook
    cannot hold, formulas escaped as in CSV."""
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, datetime.datetime):
        return value.isoformat()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, dict | list | tuple):
        value = csv_cell(value)
    if not isinstance(value, str):
        return value  # Decimal
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    return escape_formula(ILLEGAL_CHARACTERS_RE.sub("", value))[:XLSX_CELL_MAX]


def xlsx_file(rows, title, trailer=None):
    """``rows`` (dicts, possibly a lazy iterator) as a one-sheet workbook in a
    temporary file (rewound): a bold header row that stays in view, then one
    row per record; ``trailer``, if given, as a last one-cell row. openpyxl's
    write-only mode keeps rows on disk, not in memory."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])
    sheet.freeze_panes = "A2"
    header = None
    bold = Font(bold=True)
    for row in rows:
        if header is None:
            header = list(row)
            cells = [WriteOnlyCell(sheet, value=name) for name in header]
            for cell in cells:
                cell.font = bold
            sheet.append(cells)
        sheet.append([xlsx_cell(row.get(key)) for key in header])
    if trailer:
        sheet.append([xlsx_cell(trailer)])
    out = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it
    workbook.save(out)
    out.seek(0)
    return out


class ExportError(ValueError):
    """A request for an export that cannot be: ``errors`` by parameter, for a 400."""

    def __init__(self, errors):
        super().__init__(errors)
        self.errors = errors


@dataclass(frozen=True)
class ExportRequest:
    """What ``?format=`` and ``?bom=`` ask for, checked. ``bom=1`` starts a CSV
    file with a UTF-8 byte order mark, which spreadsheet programs need to read
    it as UTF-8 (JSON never has one; a workbook needs none)."""

    format: str
    bom: bool = False

    @classmethod
    def from_query(cls, params):
        errors = {}
        export = params.get("format")
        if export not in EXPORT_FORMATS:
            errors["format"] = [str(_("Choose csv, json or xlsx."))]
        bom = params.get("bom", "").strip().lower()
        if bom not in BOOLEAN_VALUES:
            errors["bom"] = [str(_("Use bom=1 for a byte order mark, or bom=0."))]
        if errors:
            raise ExportError(errors)
        return cls(export, BOOLEAN_VALUES[bom])


def truncation_notice(limit, total):
    """The notice a cut export carries, in the active language."""
    return str(
        _(
            "Truncated: only the first %(limit)s of %(total)s records are in "
            "this file. Narrow the filters to export the rest, or page "
            "through the API."
        )
        % {"limit": limit, "total": total}
    )


def export_response(export, queryset, export_row, name, limit):
    """The download of ``queryset`` (filtered and ordered) as ``export`` (an
    ExportRequest): at most ``limit`` records, each as ``export_row(obj)`` (a
    dict, the same keys for every record), read a chunk at a time.

    The headers say how many records matched (``X-Total-Count``), the cap
    (``X-Export-Limit``) and whether it cut the set (``X-Export-Truncated``);
    a cut file says it too: a last ``# Truncated: ...`` line (CSV) or row
    (XLSX), ``truncated``, ``total`` and ``message`` members (JSON)."""
    total = queryset.count()
    truncated = total > limit
    # Built here, in the request's language: a streamed body is written after
    # the view has returned.
    notice = truncation_notice(limit, total) if truncated else None
    rows = (
        export_row(obj)
        for obj in queryset[:limit].iterator(chunk_size=EXPORT_CHUNK_SIZE)
    )
    if export.format == "xlsx":
        response = FileResponse(
            xlsx_file(rows, name, trailer=f"# {notice}" if truncated else None),
            content_type=XLSX_CONTENT_TYPE,
        )
    elif export.format == "json":
        head = {"count": min(total, limit), "total": total, "truncated": truncated}
        if truncated:
            head["message"] = notice
        response = StreamingHttpResponse(
            blocks(json_parts(head, rows)), content_type="application/json"
        )
    else:
        response = StreamingHttpResponse(
            blocks(
                csv_lines(rows, trailer=f"# {notice}" if truncated else None),
                prefix=BOM if export.bom else "",
            ),
            content_type="text/csv; charset=utf-8",
        )
    response["Content-Disposition"] = f'attachment; filename="{name}.{export.format}"'
    response["X-Total-Count"] = str(total)
    response["X-Export-Limit"] = str(limit)
    response["X-Export-Truncated"] = "true" if truncated else "false"
    return response


def point_feature(latitude, longitude, properties, feature_id=None):
    """A GeoJSON point (coordinates in longitude, latitude order)."""
    feature = {"type": "Feature"}
    if feature_id is not None:
        feature["id"] = feature_id
    feature["geometry"] = {"type": "Point", "coordinates": [longitude, latitude]}
    feature["properties"] = properties
    return feature
