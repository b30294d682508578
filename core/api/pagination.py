"""Page numbers without a COUNT(*) over the table, and cursor pages for
mirroring (named in REST_FRAMEWORK)."""

import re

from django.utils.translation import gettext_lazy as _
from rest_framework import (
    exceptions,
    pagination,
)
from rest_framework.response import Response

from core.compiled import bounded_count


def _page_size(request, default, maximum):
    """``page_size`` as the schema says: a whole number from 1 to the maximum;
    anything else (0, 201, ``page_size=``) is a 400 that says so."""
    text = request.query_params.get("page_size")
    if text is None:
        return default
    if re.fullmatch(r"[0-9]{1,9}", text) and 1 <= int(text) <= maximum:
        return int(text)
    raise exceptions.ValidationError(
        {
            "page_size": [
                _("Give a whole number of records from 1 to %(maximum)s.")
                % {"maximum": maximum}
            ]
        }
    )


class PageNumberPagination(pagination.BasePagination):
    """``?page=N&page_size=M``, without a COUNT(*) over the whole table.

    One extra row tells whether there is a next page. ``count`` is exact up to
    ``window`` records (a count over at most window + 1 rows, skipped when the
    first page holds everything) and null beyond; page-number paging stops at the
    window too, since deep OFFSET scans are slow: cursor pagination goes on.
    """

    page_size = 50
    max_page_size = 200
    window = 10_000
    # Counted up to this many with a search (?q=): checking each match costs
    # more than reading an index entry.
    search_window = 1_000

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        size = _page_size(request, self.page_size, self.max_page_size)
        page_text = request.query_params.get("page", "1")
        if not re.fullmatch(r"[0-9]{1,9}", page_text) or int(page_text) < 1:
            raise exceptions.NotFound(_("Invalid page."))
        self.page = int(page_text)
        offset = (self.page - 1) * size
        if offset >= self.window:
            raise exceptions.ValidationError(
                {
                    "page": [
                        _(
                            "Page-number paging reaches the first %(window)s "
                            "records; use pagination=cursor to go further."
                        )
                        % {"window": self.window}
                    ]
                }
            )
        rows = list(queryset[offset : offset + size + 1])
        self.has_next = len(rows) > size
        rows = rows[:size]
        if not rows and self.page > 1:
            raise exceptions.NotFound(_("Invalid page."))
        if not self.has_next:
            self.count = offset + len(rows)
        else:
            window = (
                self.search_window if request.query_params.get("q") else self.window
            )
            bounded = bounded_count(queryset, window + 1)
            self.count = bounded if bounded <= window else None
        self.size = size
        return rows

    def _link(self, page):
        url = self.request.build_absolute_uri()
        return pagination.replace_query_param(url, "page", page)

    def get_next_link(self):
        return self._link(self.page + 1) if self.has_next else None

    def get_previous_link(self):
        if self.page == 1:
            return None
        if self.page == 2:
            return pagination.remove_query_param(
                self.request.build_absolute_uri(), "page"
            )
        return self._link(self.page - 1)

    def get_paginated_response(self, data):
        return paginated_response(
            self.count, self.get_next_link(), self.get_previous_link(), data
        )


class CursorPagination(pagination.CursorPagination):
    """``?pagination=cursor``: pages in id order, each at the same cost however
    far in; follow ``next`` to walk a whole resource (with ``updated_since`` to
    fetch only what changed)."""

    ordering = ("id",)
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200

    def get_page_size(self, request):
        return _page_size(request, self.page_size, self.max_page_size)

    def decode_cursor(self, request):
        cursor = super().decode_cursor(request)
        if (
            cursor is not None
            and cursor.position is not None
            and not re.fullmatch(r"[0-9]{1,18}", str(cursor.position))
        ):
            raise exceptions.NotFound(self.invalid_cursor_message)
        return cursor

    def get_paginated_response(self, data):
        return paginated_response(
            None, self.get_next_link(), self.get_previous_link(), data
        )


def paginated_response(count, next_link, previous_link, results):
    links = []
    if next_link:
        links.append(f'<{next_link}>; rel="next"')
    if previous_link:
        links.append(f'<{previous_link}>; rel="prev"')
    headers = {"Link": ", ".join(links)} if links else None
    return Response(
        {
            "count": count,
            "next": next_link,
            "previous": previous_link,
            "results": results,
        },
        headers=headers,
    )


class AtlasPagination(pagination.BasePagination):
    """Page numbers by default; ``?pagination=cursor`` (or a ``cursor``) for sync."""

    modes = ("page", "cursor")

    def paginate_queryset(self, queryset, request, view=None):
        mode = request.query_params.get("pagination", "page")
        if mode not in self.modes:
            raise exceptions.ValidationError(
                {"pagination": [_("Choose page or cursor.")]}
            )
        page = request.query_params.get("page")
        if page is not None and not re.fullmatch(r"0*[1-9][0-9]{0,8}", page):
            # Refused in cursor pagination too, where a page number means
            # nothing: what the schema forbids is never silently ignored.
            raise exceptions.NotFound(_("Invalid page."))
        if mode == "cursor" or "cursor" in request.query_params:
            self.delegate = CursorPagination()
        else:
            self.delegate = PageNumberPagination()
        return self.delegate.paginate_queryset(queryset, request, view)

    def get_paginated_response(self, data):
        return self.delegate.get_paginated_response(data)

    def get_paginated_response_schema(self, schema):
        return {
            "type": "object",
            "required": ["count", "next", "previous", "results"],
            "properties": {
                "count": {
                    "type": "integer",
                    "nullable": True,
                    "description": (
                        "Records matching the filters, when there are at most "
                        f"{PageNumberPagination.window} "
                        f"({PageNumberPagination.search_window} with q); null "
                        "beyond that and in cursor pagination."
                    ),
                },
                "next": {"type": "string", "format": "uri", "nullable": True},
                "previous": {"type": "string", "format": "uri", "nullable": True},
                "results": schema,
            },
        }

    def get_schema_operation_parameters(self, view):
        return [
            {
                "name": "pagination",
                "in": "query",
                "required": False,
                "description": (
                    "page (default): page numbers, up to the first "
                    f"{PageNumberPagination.window} records. cursor: pages in id "
                    "order at constant cost; follow `next`."
                ),
                "schema": {"type": "string", "enum": list(self.modes)},
            },
            {
                "name": "page",
                "in": "query",
                "required": False,
                "description": "Page number (page pagination).",
                "schema": {"type": "integer", "minimum": 1},
            },
            {
                "name": "page_size",
                "in": "query",
                "required": False,
                "description": (
                    f"Records per page: {PageNumberPagination.page_size} by "
                    f"default, at most {PageNumberPagination.max_page_size}."
                ),
                "schema": {
                    "type": "integer",
                    "minimum": 1,
                    "maximum": PageNumberPagination.max_page_size,
                },
            },
            {
                "name": "cursor",
                "in": "query",
                "required": False,
                "description": "Opaque cursor from a `next`/`previous` link.",
                "schema": {"type": "string"},
            },
        ]
