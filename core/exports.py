"""One export path for every download: the list pages' ``?format=csv`` and the
API's CSV renderer write their cells the same way, and the map and the API's
``?format=geojson`` build their points the same way. Spreadsheet formula cells
are escaped everywhere (the admin's import/export too)."""

import csv

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


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


def write_csv(out, header, rows):
    """``rows`` (dicts) as CSV into ``out``, one column per ``header`` key."""
    writer = csv.writer(out)
    writer.writerow(header)
    for row in rows:
        writer.writerow([escape_formula(csv_cell(row.get(key))) for key in header])


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
        yield writer.writerow(
            [escape_formula(csv_cell(row.get(key))) for key in header]
        )
    if header is None:
        yield writer.writerow([])
    if trailer:
        yield writer.writerow([escape_formula(trailer)])


def point_feature(latitude, longitude, properties, feature_id=None):
    """A GeoJSON point (coordinates in longitude, latitude order)."""
    feature = {"type": "Feature"}
    if feature_id is not None:
        feature["id"] = feature_id
    feature["geometry"] = {"type": "Point", "coordinates": [longitude, latitude]}
    feature["properties"] = properties
    return feature
