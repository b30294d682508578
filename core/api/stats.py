"""``/api/v1/<resource>/stats/``: the list's chart as data (core/charts.py).

The same filters as the resource's list (and its page), plus ``by`` (the facet
the counts are split by) and ``interval`` (``month`` or ``year``; by default
the range decides, as on the page). One aggregate query, like the chart.
Anonymous users count published records only, as in the list; editors count
what the list shows them (``publication_status`` narrows it).

A viewset gets the endpoint with ``stats = stats_endpoint(SPEC)``.
"""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from core.charts import INTERVALS, aggregate

KEY_DESCRIPTION = (
    "The value counted (a slug, an ISO country code or a choice value, as in "
    "the list's filter of the same name); null for records with none."
)


class StatsQuerySerializer(serializers.Serializer):
    # An empty value is refused, as the schema's enums say (leave it out for
    # the default).
    by = serializers.ChoiceField(choices=(), required=False)
    interval = serializers.ChoiceField(choices=INTERVALS, required=False)

    def __init__(self, *args, spec, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["by"].choices = [facet.key for facet in spec.facets]


def stats_schema(spec):
    """The response, exactly: every field required, nothing else allowed."""
    key = {"type": "string", "nullable": True, "description": KEY_DESCRIPTION}
    count = {"type": "integer", "minimum": 0}
    return {
        "type": "object",
        "additionalProperties": False,
        "required": [
            "by",
            "interval",
            "total",
            "undated",
            "year_only",
            "series",
            "periods",
        ],
        "properties": {
            "by": {"type": "string", "enum": [f.key for f in spec.facets]},
            "interval": {"type": "string", "enum": list(INTERVALS)},
            "total": {
                **count,
                "description": "The sum of every count (a record with several "
                "values counts once under each).",
            },
            "undated": {
                **count,
                "description": "Records without a date: not counted.",
            },
            "year_only": {
                **count,
                "description": "By month: records dated only to their year, "
                "not counted. Always 0 by year.",
            },
            "series": {
                "type": "array",
                "description": "Every value counted, most first (null last).",
                "items": {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["key", "label", "total"],
                    "properties": {
                        "key": key,
                        "label": {
                            "type": "string",
                            "description": "Its name in the request's language.",
                        },
                        "total": count,
                    },
                },
            },
            "periods": {
                "type": "array",
                "description": "Each month or year from the first counted to the "
                "last, oldest first; those with nothing counted included.",
                "items": {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["period", "start", "total", "counts"],
                    "properties": {
                        "period": {
                            "type": "string",
                            "pattern": r"^\d{4}(-\d{2})?$",
                            "description": "YYYY-MM by month, YYYY by year.",
                        },
                        "start": {"type": "string", "format": "date"},
                        "total": count,
                        "counts": {
                            "type": "array",
                            "description": "The values counted in this period "
                            "(in the order of series; none with 0).",
                            "items": {
                                "type": "object",
                                "additionalProperties": False,
                                "required": ["key", "count"],
                                "properties": {
                                    "key": key,
                                    "count": {"type": "integer", "minimum": 1},
                                },
                            },
                        },
                    },
                },
            },
        },
    }


def stats_endpoint(spec):
    """The ``stats`` action of a list resource counting by ``spec``."""
    facets = ", ".join(f"`{facet.key}`" for facet in spec.facets)

    @extend_schema(
        summary="Counts over time, split by a facet",
        parameters=[
            OpenApiParameter(
                "by",
                str,
                enum=[facet.key for facet in spec.facets],
                description=f"What the counts are split by: {facets} "
                f"(default `{spec.default}`).",
            ),
            OpenApiParameter(
                "interval",
                str,
                enum=list(INTERVALS),
                description="Count by month or year. Without it, by year when "
                "the records span more than 36 months, else by month.",
            ),
        ],
        responses={200: stats_schema(spec)},
        filters=True,
    )
    @action(detail=False, methods=["get"], pagination_class=None)
    def stats(self, request, *args, **kwargs):
        """The records the list's filters select (the same parameters as the
        list), counted per month or year and per value of `by`: the numbers of
        the chart on the list page, from one aggregate query. A record with
        several values (two actors blamed) counts once under each. Anonymous
        users count published records only."""
        # A plain dict: from a QueryDict, DRF reads "by=" as left out.
        query = StatsQuerySerializer(data=request.query_params.dict(), spec=spec)
        if not query.is_valid():
            raise ValidationError(query.errors)
        queryset = self.filter_queryset(self.get_queryset())
        counts = aggregate(
            spec,
            queryset,
            query.validated_data.get("by"),
            query.validated_data.get("interval"),
        )
        return Response(counts)

    return stats
