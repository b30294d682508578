"""Building blocks for the public pages: faceted, exportable lists.

A list page is a ``FilterView`` over the app's FilterSet (the same class the API
uses), plus ``facets`` (counts per value over the filtered rows, one query each)
and ``export_row`` (one dict per record for ``?format=csv`` and ``?format=json``).
"""

import csv
import sys

from django.core.serializers.json import DjangoJSONEncoder
from django.db import InterfaceError, OperationalError
from django.db.models import Count
from django.db.models.functions import ExtractYear
from django.http import HttpResponse, JsonResponse
from django.template import loader
from django.utils.translation import gettext_lazy as _
from django_filters.views import FilterView

EXPORT_FORMATS = ("csv", "json")
EXPORT_LIMIT = 10_000
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def escape_formula(value):
    """Keep spreadsheet programs from running a cell as a formula (CSV injection)."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


class FacetOption:
    def __init__(self, value, label, count, selected):
        self.value = value
        self.label = label
        self.count = count
        self.selected = selected


class Facet:
    """Counts of the filtered rows per value of one field.

    ``path`` is the ORM path of the value put in the URL (a slug, an ISO code, a
    choice value); ``label_path`` the path of the text shown, or ``choices`` to
    name choice values; ``year=True`` groups a date field by year.
    """

    def __init__(
        self, param, label, path, label_path=None, *, choices=None, year=False
    ):
        self.param = param
        self.label = label
        self.path = path
        self.label_path = label_path
        self.choices = dict(choices or ())
        self.year = year

    def options(self, queryset, request):
        selected = set(request.GET.getlist(self.param))
        if self.year:
            rows = (
                queryset.order_by()
                .annotate(facet_value=ExtractYear(self.path))
                .values("facet_value")
                .annotate(count=Count("pk", distinct=True))
                .order_by("-facet_value")
            )
            return [
                FacetOption(
                    str(row["facet_value"]),
                    str(row["facet_value"]),
                    row["count"],
                    str(row["facet_value"]) in selected,
                )
                for row in rows
                if row["facet_value"] is not None
            ]
        fields = [self.path] + ([self.label_path] if self.label_path else [])
        rows = (
            queryset.order_by()
            .values(*fields)
            .annotate(count=Count("pk", distinct=True))
            .order_by("-count", *fields)
        )
        options = []
        for row in rows:
            value = row[self.path]
            if value in (None, ""):
                continue
            label = (
                row[self.label_path]
                if self.label_path
                else self.choices.get(value, value)
            )
            options.append(
                FacetOption(str(value), label, row["count"], str(value) in selected)
            )
        # A chosen value that matches nothing stays listed, so it can be unticked.
        shown = {option.value for option in options}
        for value in sorted(selected - shown):
            options.append(FacetOption(value, self.choices.get(value, value), 0, True))
        return options


class AtlasListView(FilterView):
    """A faceted list page that also exports the current filter as CSV or JSON."""

    paginate_by = 25
    facets = ()
    export_name = "records"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        filtered = self.object_list
        context["facets"] = [
            (facet, facet.options(filtered, self.request)) for facet in self.facets
        ]
        context["export_formats"] = EXPORT_FORMATS
        return context

    def export_row(self, obj):  # pragma: no cover - every list defines its own
        raise NotImplementedError

    def get(self, request, *args, **kwargs):
        export = request.GET.get("format")
        if export is None:
            return super().get(request, *args, **kwargs)
        if export not in EXPORT_FORMATS:
            return JsonResponse({"format": [str(_("Choose csv or json."))]}, status=400)
        filterset = self.get_filterset(self.get_filterset_class())
        if not filterset.is_valid():
            return JsonResponse(filterset.errors.get_json_data(), status=400)
        rows = [self.export_row(obj) for obj in filterset.qs[:EXPORT_LIMIT]]
        if export == "json":
            response = JsonResponse(
                {"count": len(rows), "results": rows},
                encoder=DjangoJSONEncoder,
                json_dumps_params={"ensure_ascii": False},
            )
        else:
            response = HttpResponse(content_type="text/csv; charset=utf-8")
            writer = csv.writer(response)
            header = list(rows[0]) if rows else []
            writer.writerow(header)
            for row in rows:
                writer.writerow([escape_formula(_cell(row[key])) for key in header])
        response["Content-Disposition"] = (
            f'attachment; filename="{self.export_name}.{export}"'
        )
        return response


def _cell(value):
    """Lists become '; '-joined text in CSV cells."""
    if isinstance(value, list | tuple):
        return "; ".join(str(item) for item in value)
    if value is None:
        return ""
    return value


def server_error(request):
    """500 page, or 503 with Retry-After when the database is unreachable.

    A handler500 (not a middleware) sees errors raised anywhere, session saving
    included. It renders without the base template, which needs the database.
    """
    error = sys.exc_info()[1]
    unavailable = isinstance(error, OperationalError | InterfaceError)
    wants_json = request.path.startswith("/api/") or request.GET.get("format") == "json"
    status = 503 if unavailable else 500
    if wants_json:
        message = (
            "Database temporarily unavailable." if unavailable else "Server error."
        )
        response = JsonResponse({"detail": message}, status=status)
    else:
        response = HttpResponse(
            loader.render_to_string("500.html", {"unavailable": unavailable}),
            status=status,
        )
    if unavailable:
        response["Retry-After"] = "5"
    return response
