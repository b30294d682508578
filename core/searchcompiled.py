"""The search page's queries compiled once per shape of query
(``PrecompiledSearch``), and run again with each new query's texts."""

import copy
import re
import threading
from collections import OrderedDict

import psycopg.sql
from django.core.exceptions import EmptyResultSet
from django.db import connections, router
from django.db.models import Value
from django.db.models.expressions import BaseExpression, Col
from django.db.models.query import get_related_populators

from core.compiled import generic_plans, prepared_cursor
from core.search import QueryText, strip_accents


class PrecompiledSearch:
    """A search page's queries, compiled once per query shape.

    Building and compiling a ranked search (``ranked_search``: candidates,
    counts, rank and headlines, each word matched several ways) is most of
    what a search costs the application, tens of milliseconds over the kinds,
    while its SQL depends only on the query's shape (``SearchText.shape``): the
    visitor's texts are parameters, each a ``QueryText`` that says which text
    of the query it is. So the first query of a shape compiles as usual and
    keeps its SQL and its compiler (how rows become records); later ones of
    that shape run the same SQL with their own texts. A compiled query whose
    other parameters contain a text of the query (one that lost its name on
    the way) is not kept: it is compiled again each time. Each kept query
    holds about 50 KiB (its SQL, and how its rows become records), so the 160
    most recently used (32 shapes of the five kinds) take about 8 MB a process.
    """

    def __init__(self, size=160):
        self.size = size
        self._compiled = OrderedDict()
        self._lock = threading.Lock()

    def results(self, key, search, build):
        """The records of ``build(search)`` (a QuerySet), as a list. ``key``
        names what ``build`` makes (with ``search``'s shape, the cache key)."""
        compiled, queryset = self._compiled_or_built(key, search, build)
        if compiled is None:
            return list(queryset)
        model, sql, slots, template = compiled
        texts = search.texts()
        params = [texts[slot[1]] if slot[0] else slot[1] for slot in slots]
        return _run_compiled(model, sql, params, template)

    def compiled(self, key, search, build):
        """The SQL of ``build(search)`` for its shape, compiled now unless kept
        (None when it cannot be kept)."""
        return self._compiled_or_built(key, search, build)[0]

    def _compiled_or_built(self, key, search, build):
        """(kept SQL, None), or (None, the QuerySet built) when it cannot be
        kept: built once, and run as it is."""
        key = (key, search.shape())
        with self._lock:
            compiled = self._compiled.get(key)
            if compiled is not None:
                self._compiled.move_to_end(key)
                return compiled, None
        queryset = build(search)
        compiled = self._compile(queryset, search)
        if compiled is None:
            return None, queryset
        with self._lock:
            self._compiled[key] = compiled
            while len(self._compiled) > self.size:
                self._compiled.popitem(last=False)
        return compiled, None

    @staticmethod
    def _compile(queryset, search):
        compiler = queryset.query.get_compiler(using=queryset.db)
        try:
            sql, params = compiler.as_sql()
        except EmptyResultSet:
            return None
        folded = [
            strip_accents(text).lower() for text in search.texts().values() if text
        ]
        slots = []
        for param in params:
            if isinstance(param, QueryText):
                slots.append((True, param.slot))
                continue
            if isinstance(param, str):
                value = strip_accents(param).lower()
                if any(
                    text == value or (len(text) > 2 and text in value)
                    for text in folded
                ):
                    return None  # the visitor's text, unnamed: not reusable
            slots.append((False, param))
        sql, slots = _inline_fixed_values(sql, slots)
        # Kept: how rows become records (the columns, and each annotation's
        # type for its converters). Dropped: the query, each column's SQL and
        # the annotations' expression trees, most of the memory a compiled
        # query holds (about 150 KiB a query otherwise).
        compiler.select = [
            (_light(expression), None, alias)
            for expression, _sql, alias in compiler.select
        ]
        compiler.query = compiler.where = compiler.having = compiler.qualify = None
        return queryset.model, sql, slots, compiler


def _inline_fixed_values(sql, slots):
    """``sql`` with every value that is not a text of the query written in as
    a literal, and the slots left. The statement is prepared and run with one
    generic plan (``_run_compiled``), which must see them: a partial index on
    the published rows serves ``publication_status IN ('published')``, not
    ``IN ($3)`` (a generic plan read every published row's status, 30 ms)."""
    pieces, left, values = [], [], iter(slots)
    for piece in _PLACEHOLDERS.split(sql):
        if piece != "%s":
            pieces.append(piece)
            continue
        slot = next(values)
        is_text, value = slot
        if is_text or not isinstance(value, (str, int)) or isinstance(value, bool):
            pieces.append(piece)
            left.append(slot)
        elif isinstance(value, int):
            pieces.append(str(int(value)))
        else:
            # A literal's "%" would read as a placeholder's start.
            pieces.append(psycopg.sql.quote(str(value)).replace("%", "%%"))
    return "".join(pieces), left


_PLACEHOLDERS = re.compile(r"(%%|%s)")


def _light(expression):
    """``expression`` as far as reading its column needs: a value of its type
    when it converts values as any expression of that type does."""
    if isinstance(expression, Col) or not (
        type(expression).get_db_converters is BaseExpression.get_db_converters
        and type(expression).convert_value is BaseExpression.convert_value
    ):
        return expression
    return Value(None, output_field=expression.output_field)


def _run_compiled(model, sql, params, template):
    """Rows of ``sql`` as ``model`` records, as Django's ModelIterable makes
    them from the compiler that wrote the SQL (its select_related records and
    annotations included)."""
    db = router.db_for_read(model)
    connection = connections[db]
    compiler = copy.copy(template)
    compiler.connection, compiler.using = connection, db
    with generic_plans(db), prepared_cursor(db) as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    select, klass_info = compiler.select, compiler.klass_info
    annotation_col_map = compiler.annotation_col_map
    model_cls = klass_info["model"]
    start, end = klass_info["select_fields"][0], klass_info["select_fields"][-1] + 1
    init_list = [column[0].target.attname for column in select[start:end]]
    related_populators = get_related_populators(klass_info, select, db)
    records = []
    for row in compiler.results_iter([rows]):
        record = model_cls.from_db(db, init_list, row[start:end])
        for populator in related_populators:
            populator.populate(row, record)
        for name, position in (annotation_col_map or {}).items():
            setattr(record, name, row[position])
        records.append(record)
    return records
