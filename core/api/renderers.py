"""JSON through orjson; lists as CSV and as GeoJSON."""

import decimal
import io
import json

import orjson
from rest_framework import (
    renderers,
)
from rest_framework.utils.encoders import JSONEncoder

from core.exports import write_csv

# -- Rendering ----------------------------------------------------------------------

_ORJSON_OPTIONS = (
    orjson.OPT_PASSTHROUGH_DATETIME
    | orjson.OPT_PASSTHROUGH_DATACLASS
    | orjson.OPT_NON_STR_KEYS
)
_DRF_ENCODER = JSONEncoder()


def _default(value):
    """What orjson leaves to us, as DRF's encoder writes it: a Decimal as the
    float's repr (``1e-05``, where orjson would write ``0.00001``), datetimes
    with ``Z`` and milliseconds, lazy strings, querysets..."""
    if isinstance(value, decimal.Decimal):
        return orjson.Fragment(repr(float(value)))
    return _DRF_ENCODER.default(value)


class JSONRenderer(renderers.JSONRenderer):
    """DRF's compact JSON, byte for byte, written by orjson: a page of 50
    records encodes several times faster. Indented output (the browsable API,
    ``; indent=``) is DRF's own. (No serializer here gives plain floats, whose
    smallest values orjson would write without an exponent; Decimals, such as
    coordinates, are written as DRF writes them.)"""

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if data is None:
            return b""
        renderer_context = renderer_context or {}
        if (
            self.get_indent(accepted_media_type, renderer_context)
            or not self.compact
            or self.ensure_ascii
        ):
            return super().render(data, accepted_media_type, renderer_context)
        try:
            body = orjson.dumps(data, default=_default, option=_ORJSON_OPTIONS)
        except TypeError:  # what orjson refuses (an int beyond 64 bits): DRF's
            return super().render(data, accepted_media_type, renderer_context)
        # Like DRF: the two line separators JavaScript does not allow in strings.
        if b"\xe2\x80\xa8" in body or b"\xe2\x80\xa9" in body:
            body = body.replace(b"\xe2\x80\xa8", b"\\u2028")
            body = body.replace(b"\xe2\x80\xa9", b"\\u2029")
        return body


class CSVRenderer(renderers.BaseRenderer):
    """A list page as CSV: one row per record, related records by slug or ISO
    code, sources by URL; cells that a spreadsheet would run as formulas are
    escaped."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        renderer_context = renderer_context or {}
        rows = data.get("results", []) if isinstance(data, dict) else data or []
        view = renderer_context.get("view")
        if rows:
            header = list(rows[0])
        elif view is not None:
            header = [
                name
                for name, field in view.get_serializer().fields.items()
                if not field.write_only
            ]
        else:  # pragma: no cover
            header = []
        out = io.StringIO()
        write_csv(out, header, rows)
        response = renderer_context.get("response")
        if response is not None and view is not None:
            name = getattr(view, "export_name", None) or "records"
            response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
            if isinstance(data, dict) and "results" in data:
                self.say_if_cut(response, data)
        return out.getvalue().encode(self.charset)

    @staticmethod
    def say_if_cut(response, data):
        """A CSV file holds one page (``page_size``, at most 200 rows) and has no
        room for the page's links: the headers say whether more records match
        (``X-Export-Truncated``; the ``Link`` header has the next page) and, when
        known, how many (``X-Total-Count``)."""
        response["X-Export-Truncated"] = "true" if data.get("next") else "false"
        if data.get("count") is not None:
            response["X-Total-Count"] = str(data["count"])


class GeoJSONRenderer(renderers.BaseRenderer):
    """A list page as a GeoJSON FeatureCollection of the records' located points
    (``view.geojson_features(row)``). Records without coordinates have no
    feature: ``skipped`` says how many of the page's records were left out."""

    media_type = "application/geo+json"
    format = "geojson"
    charset = None

    def render(self, data, accepted_media_type=None, renderer_context=None):
        view = (renderer_context or {}).get("view")
        rows = data.get("results", []) if isinstance(data, dict) else []
        features, skipped = [], 0
        for row in rows:
            found = list(view.geojson_features(row))
            features += found
            skipped += not found
        collection = {
            "type": "FeatureCollection",
            "features": features,
            "skipped": skipped,
        }
        if isinstance(data, dict):
            collection["next"] = data.get("next")
            collection["previous"] = data.get("previous")
        return json.dumps(
            collection, cls=renderers.JSONRenderer.encoder_class, ensure_ascii=False
        ).encode()


GEOJSON_SCHEMA = {
    "type": "object",
    "required": ["type", "features", "skipped"],
    "properties": {
        "type": {"type": "string", "enum": ["FeatureCollection"]},
        "skipped": {
            "type": "integer",
            "minimum": 0,
            "description": (
                "Records of this page left out because they have no "
                "coordinates (a record with several located places has a "
                "feature for each)."
            ),
        },
        "features": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["type", "geometry", "properties"],
                "properties": {
                    "type": {"type": "string", "enum": ["Feature"]},
                    "id": {"type": "string"},
                    "geometry": {
                        "type": "object",
                        "properties": {
                            "type": {"type": "string", "enum": ["Point"]},
                            "coordinates": {
                                "type": "array",
                                "items": {"type": "number"},
                                "minItems": 2,
                                "maxItems": 2,
                            },
                        },
                    },
                    "properties": {"type": "object", "additionalProperties": True},
                },
            },
        },
        "next": {"type": "string", "format": "uri", "nullable": True},
        "previous": {"type": "string", "format": "uri", "nullable": True},
    },
}
