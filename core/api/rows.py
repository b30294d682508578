"""QuerySets read as plain dicts, for list reads that need no model instances.

``values()`` would do, but its related columns stay in every query derived
from it: the paginator's bounded count would join the category, the country,
the source... for nothing. ``as_rows()`` keeps the queryset a model queryset
(``only()`` the shown columns, ``select_related`` the related records), so a
count or a cursor filter derived from it is what it would be for the model,
and only its rows come out as dicts: ``{"title": ..., "category_id": ...,
"category__slug": ...}`` (attnames for the record's own columns,
``relation__column`` for those of related records).
"""

from django.db.models.query import BaseIterable

from core.compiled import fetch_rows


class RowIterable(BaseIterable):
    """Yields each row as a dict keyed as ``as_rows`` describes; ``then`` sees
    the rows of a fetch together first (what prefetch_related would add)."""

    then = None
    prepared = False

    def __iter__(self):
        # The SQL text is compiled once per shape of query (core/compiled.py).
        fetched, compiler = fetch_rows(self.queryset, prepared=self.prepared)
        names = [None] * len(compiler.select)

        def name(info, prefix):
            for index in info["select_fields"]:
                names[index] = prefix + compiler.select[index][0].target.attname
            for related in info.get("related_klass_infos", ()):
                name(related, f"{prefix}{related['field'].name}__")

        if compiler.klass_info:
            name(compiler.klass_info, "")
        for key, index in compiler.annotation_col_map.items():
            names[index] = key
        rows = [dict(zip(names, row, strict=True)) for row in fetched]
        if self.then is not None:
            self.then(rows)
        yield from rows


def as_rows(queryset, fields, then=None, prepared=False):
    """``queryset`` narrowed to ``fields`` (as ``only()`` names them, related
    ones included) and read as dicts. ``then(rows)``, if given, runs on the
    rows of each fetch, as prefetches do: the queries it makes come right after
    the rows' own, in the same order as a prefetching queryset's.

    ``prepared``: the rows' statement is a prepared one (``prepared_cursor``),
    for a queryset whose best plan does not depend on its values (no filter
    whose selectivity varies with its value)."""
    rows = queryset.prefetch_related(None).only(*fields)
    # The iterable class, unlike other attributes, follows the queryset's clones
    # (the paginator's slices and filters).
    rows._iterable_class = type(
        "Rows", (RowIterable,), {"then": staticmethod(then), "prepared": prepared}
    )
    return rows
