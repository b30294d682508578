"""How a list page shows its results, on top of its filters (core/views.py
``AtlasListView``): the chart of the filtered records over time
(core/charts.py, ``includes/list_chart.html``) and the dense table view
(``?view=table``, ``includes/table_head.html``).

The display parameters (``view``, ``page_size``, ``by``, ``interval``) are not
filters: they ride along in every link and form of the page (facets, removals,
sorting, pages, the filter form) so a reader keeps the view while filtering.
"""

from django.utils.translation import gettext_lazy as _

from core.charts import ChartForm, aggregate, chart
from core.datacache import cached

TABLE = "table"
VIEWS = ("", TABLE)
PAGE_SIZES = (50, 100, 200)
DISPLAY_PARAMS = ("view", "page_size", "by", "interval")


class Column:
    """A column of the table view: its heading and, when it sorts, the value of
    the list's ``ordering`` parameter for ascending order (``-`` + it for
    descending). ``descending_first``: the first click sorts high to low (dates
    newest first, severity highest first)."""

    def __init__(self, label, ordering=None, *, descending_first=False, numeric=False):
        self.label = label
        self.ordering = ordering
        self.descending_first = descending_first
        self.numeric = numeric


class SortHeader:
    def __init__(self, column, query, sort):
        self.label = column.label
        self.numeric = column.numeric
        self.query = query
        # aria-sort's value on the column the rows are sorted by
        self.sort = sort


def _query(params, **changes):
    params = params.copy()
    params.pop("page", None)
    for name, value in changes.items():
        params.pop(name, None)
        if value:
            params[name] = value
    encoded = params.urlencode()
    return f"?{encoded}" if encoded else "?"


class ListDisplayMixin:
    """For AtlasListView: ``chart_spec`` (a core.charts.ChartSpec, or None for
    no chart), ``table_columns`` (Columns, or () for no table view) and
    ``default_ordering`` (the ``ordering`` value the list uses when none is
    given, so its column shows as sorted)."""

    chart_spec = None
    table_columns = ()
    default_ordering = ""

    @property
    def table_view(self):
        return bool(self.table_columns) and self.request.GET.get("view") == TABLE

    def get_paginate_by(self, queryset):
        if not self.table_view:
            return self.paginate_by
        size = self.request.GET.get("page_size", "")
        return int(size) if size in {str(n) for n in PAGE_SIZES} else PAGE_SIZES[0]

    def display_errors(self):
        params = self.request.GET
        errors = []
        view = params.get("view")
        if view is not None and (view not in VIEWS or not self.table_columns):
            errors.append(
                _("There is no view “%(view)s”: the list is shown.")
                % {"view": view[:40]}
            )
        size = params.get("page_size")
        if (
            self.table_view
            and size is not None
            and size not in {str(n) for n in PAGE_SIZES}
        ):
            errors.append(
                _("Rows a page: choose 50, 100 or 200 (%(size)s are shown).")
                % {"size": PAGE_SIZES[0]}
            )
        return errors

    def display_context(self, filtered, filter_errors):
        params = self.request.GET
        context = {
            "table_view": self.table_view,
            "has_table_view": bool(self.table_columns),
            "display_errors": self.display_errors(),
            "display_carried": [
                (name, value.replace("\x00", ""))
                for name in DISPLAY_PARAMS
                for value in params.getlist(name)[:1]
            ],
            "cards_query": _query(params, view=None, page_size=None),
            "table_query": _query(params, view=TABLE),
        }
        # Keeps the view (and its page size) when the filters are cleared.
        kept = params.copy()
        for name in list(kept):
            if name not in ("view", "page_size"):
                kept.pop(name)
        context["clear_query"] = f"?{kept.urlencode()}" if kept else ""
        if self.table_view:
            context["sort_headers"] = self.sort_headers()
            current = self.get_paginate_by(None)
            context["page_sizes"] = [
                (size, _query(params, page_size=str(size)), size == current)
                for size in PAGE_SIZES
            ]
        if self.chart_spec is not None and not filter_errors:
            context.update(self.chart_context(filtered))
        return context

    def sort_headers(self):
        params = self.request.GET
        current = params.get("ordering") or self.default_ordering
        headers = []
        for column in self.table_columns:
            if not column.ordering:
                headers.append(SortHeader(column, None, None))
                continue
            key = column.ordering
            if current == key:
                sort, following = "ascending", f"-{key}"
            elif current == f"-{key}":
                sort, following = "descending", key
            else:
                sort = None
                following = f"-{key}" if column.descending_first else key
            headers.append(SortHeader(column, _query(params, ordering=following), sort))
        return headers

    def chart_context(self, filtered):
        params = self.request.GET
        spec = self.chart_spec
        form = ChartForm(spec, params)
        context = {
            "chart_title": spec.title,
            "chart_form": form,
            "chart_carried": [
                (name, value.replace("\x00", ""))
                for name, values in params.lists()
                if name not in ("page", "by", "interval")
                for value in values
            ],
        }
        if not form.is_valid():
            return context
        by = form.cleaned_data["by"]
        interval = form.cleaned_data["interval"] or None
        vary = sorted(
            (name, value)
            for name, values in params.lists()
            if name not in ("page", "view", "page_size")
            for value in values
        )
        # Lists show published records only: the same numbers for every reader.
        stats = cached(
            f"chart:{type(self).__module__}.{type(self).__qualname__}",
            lambda: aggregate(spec, filtered, by, interval),
            vary=vary,
        )
        context["chart"] = chart(stats, spec)
        return context
