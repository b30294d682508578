"""SQL compiled once per shape of query and kept in the process.

Compiling a list's page query is most of the ORM's work on an API list: for
the threat entries' page (their columns, three joined tables, the order) about
0.9 ms of Python, and as much again for the bounded count, on every request,
to produce the same text. Here the text is kept, keyed by everything in the
query that shapes it:

- the WHERE clause compiled (cheap: a few conditions, each with its values),
  so two queries share a text only if their conditions are the same text
  with the same parameters;
- the tables already joined (filters' joins), with their join types and
  reference counts;
- the selected columns, deferred fields, related records selected, order,
  slice and distinctness.

Queries with parts the key does not describe (annotations, extra SQL,
aggregation, unions, locks, filtered relations) are never kept: they compile
as usual. With ``ATLAS_CHECK_COMPILED_SQL`` on (the test suite turns it on),
every query served from here is compiled again and must give the same text
and parameters, so a key that missed a part would fail the suite.
"""

import contextlib
import functools
import threading
from collections import OrderedDict
from dataclasses import dataclass

import psycopg
from django.conf import settings
from django.core.exceptions import EmptyResultSet, FullResultSet
from django.db import connections
from django.db.backends.utils import CursorDebugWrapper, CursorWrapper
from django.utils.hashable import make_hashable

# Shapes per process: a list has a few (default order, a filter or two, page
# numbers); cursor pages and filter values add one each, so old ones go.
CAPACITY = 512

_kept = OrderedDict()
_lock = threading.Lock()


@dataclass(frozen=True)
class Compiled:
    sql: str
    params: tuple
    # The compiler that produced the text: its select list, klass_info and
    # converters describe the rows the text returns.
    compiler: object

    @functools.cached_property
    def converters(self):
        """The compiler's converters for the selected columns, looked up once
        (results_iter asks every field for its converters on every call)."""
        compiler = self.compiler
        fields = [column[0] for column in compiler.select[0 : compiler.col_count]]
        return compiler.get_converters(fields)

    def convert(self, fetched):
        """The fetched rows as ``compiler.results_iter`` gives them."""
        converters = self.converters
        if not converters:
            return fetched
        return list(self.compiler.apply_converters(fetched, converters))


class CompiledSQLMismatch(AssertionError):
    """A kept text differs from the one the ORM compiles now (check mode)."""


def _tables(query):
    return tuple(
        (
            alias,
            type(table).__name__,
            table.table_name,
            getattr(table, "parent_alias", None),
            getattr(table, "join_type", None),
            getattr(table, "join_field", None),
            getattr(table, "nullable", None),
            getattr(table, "filtered_relation", None),
            query.alias_refcount.get(alias),
        )
        for alias, table in query.alias_map.items()
    )


def _shape(query, using):
    """A hashable key for ``query``'s SQL text, or None when the query has
    parts the key does not describe."""
    if (
        query.annotations
        or query.extra
        or query.extra_tables
        or query.extra_order_by
        or query.combinator
        or query.group_by is not None
        or query.select_for_update
        or query.distinct_fields
        or query._filtered_relations
        or query.subquery
    ):
        return None
    compiler = query.get_compiler(using)
    try:
        where, where_params = compiler.compile(query.where)
    except FullResultSet:
        where, where_params = "", ()
    except EmptyResultSet:
        return None
    try:
        key = (
            using,
            query.model,
            where,
            # With their types: 1 and True are equal keys, not equal SQL values.
            tuple((type(value), make_hashable(value)) for value in where_params),
            _tables(query),
            tuple(query.select),
            tuple(query.values_select),
            query.default_cols,
            make_hashable(query.select_related),
            make_hashable(query.deferred_loading),
            tuple(query.order_by),
            query.default_ordering,
            query.standard_ordering,
            query.low_mark,
            query.high_mark,
            query.distinct,
        )
        hash(key)
    except TypeError:  # a value with no hash: compile as usual
        return None
    return key


def compiled(query, using):
    """``Compiled`` for ``query`` on the database ``using``, from the kept
    texts when one has its shape, or None when it cannot be kept (compile and
    run it as usual then; an empty result, for one)."""
    key = _shape(query, using)
    if key is None:
        return None
    with _lock:
        found = _kept.get(key)
        if found is not None:
            _kept.move_to_end(key)
    if found is not None and not getattr(settings, "ATLAS_CHECK_COMPILED_SQL", False):
        return found
    compiler = query.get_compiler(using)
    try:
        sql, params = compiler.as_sql()
    except (EmptyResultSet, FullResultSet):
        return None
    if compiler.has_extra_select:
        return None
    fresh = Compiled(sql, tuple(params), compiler)
    if found is not None:
        if (found.sql, found.params) != (fresh.sql, fresh.params):
            raise CompiledSQLMismatch(
                f"kept SQL {found.sql!r} {found.params!r} differs from the "
                f"ORM's {fresh.sql!r} {fresh.params!r}"
            )
        return fresh
    with _lock:
        _kept[key] = fresh
        while len(_kept) > CAPACITY:
            _kept.popitem(last=False)
    return fresh


def fetch_rows(queryset, prepared=False):
    """The rows of ``queryset`` as the ORM's compiler gives them (converters
    applied) and the compiler that describes them; through a kept text when
    one fits, run as a prepared statement if ``prepared`` (see
    ``prepared_cursor`` for when that suits). Returns ``(rows, compiler)``."""
    using = queryset.db
    found = compiled(queryset.query, using)
    if found is None:
        compiler = queryset.query.get_compiler(using)
        return list(compiler.results_iter()), compiler
    cursor = prepared_cursor(using) if prepared else connections[using].cursor()
    with cursor:
        cursor.execute(found.sql, found.params)
        fetched = cursor.fetchall()
    return found.convert(fetched), found.compiler


def bounded_count(queryset, limit):
    """``queryset.order_by()[:limit].count()``: how many rows it has, counting
    no further than ``limit``, in one query as Django writes it, through a
    kept text when the queryset's shape allows."""
    inner = queryset.order_by().values_list("pk")[:limit]
    found = None if inner.query.distinct else compiled(inner.query, inner.db)
    if found is None:
        return queryset.order_by()[:limit].count()
    with connections[inner.db].cursor() as cursor:
        cursor.execute(
            f"SELECT COUNT(*) FROM ({found.sql}) bounded",  # noqa: S608 (compiled by the ORM)
            found.params,
        )
        return cursor.fetchone()[0]


NEVER_BY_COUNT = 2**62


class _PreparedCursor(psycopg.Cursor):
    """psycopg's server-side binding cursor, every statement prepared on the
    connection the first time it runs (Django's own cursors bind on the client
    and prepare nothing)."""

    def execute(self, query, params=None, *, prepare=None, binary=None):
        return super().execute(query, params, prepare=True, binary=binary)


class _LoggedWithValues(CursorDebugWrapper):
    """Django's debug cursor (DEBUG, tests' query counts), logging a prepared
    statement with its values in, as it logs any other: psycopg keeps no text
    of a server-side bound statement for Django's last_executed_query."""

    def execute(self, sql, params=None):
        text = psycopg.ClientCursor(self.db.connection).mogrify(sql, params)
        with self.debug_sql(text):
            return CursorWrapper.execute(self, sql, params)


def prepared_cursor(using):
    """A Django cursor (counted and logged like any other) whose statements the
    server parses and plans once per connection, then runs as prepared: for
    the few fixed texts every list request sends (the threat list's related
    rows), whose planning cost the server more than running them.

    Only for texts whose best plan does not depend on their values: after five
    runs the server may keep one generic plan for all values. A plain cursor
    when ``DATABASE_PREPARED_STATEMENTS`` is off (a pooler that cannot keep
    them)."""
    database = connections[using]
    if not settings.DATABASE_PREPARED_STATEMENTS:
        return database.cursor()
    database.close_if_health_check_failed()
    database.ensure_connection()
    raw = database.connection
    if raw.prepare_threshold is None:
        # Django turns psycopg's preparing off (None), which ignores
        # prepare=True too. A threshold no query reaches lets this cursor's
        # statements be prepared and leaves every other one as it was (Django's
        # client-side binding cursors prepare nothing).
        raw.prepare_threshold = NEVER_BY_COUNT
    database.validate_thread_sharing()
    with database.wrap_database_errors:
        cursor = _PreparedCursor(raw)
    if database.queries_logged:
        return _LoggedWithValues(cursor, database)
    return database.make_cursor(cursor)


@contextlib.contextmanager
def generic_plans(using):
    """Within the block, the connection's prepared statements run with the one
    plan the server makes for any values (``plan_cache_mode``), from their
    first run: for statements whose best plan does not depend on their values
    (the search page's, ``core/searchcompiled.py``), which the server would
    otherwise plan afresh for five runs on each connection, and for one of
    them (the threat entries', whose estimate differs with the words) on
    every run. Set and reset on the connection itself: session settings, not
    queries. Nothing when prepared statements are off."""
    if not settings.DATABASE_PREPARED_STATEMENTS:
        yield
        return
    database = connections[using]
    database.ensure_connection()
    raw = database.connection
    raw.execute("SET plan_cache_mode = force_generic_plan")
    try:
        yield
    finally:
        # In a failed transaction the rollback takes the setting back with it
        # (it was made in that transaction), and a statement now would fail.
        failed = raw.info.transaction_status == psycopg.pq.TransactionStatus.INERROR
        if not raw.closed and not failed:
            raw.execute("RESET plan_cache_mode")
