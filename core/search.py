"""Full-text search shared by every app: the parsed query (``SearchText``), the
searchable QuerySet (``SearchQuerySet``, ``SlugQuerySet``) and the field and index
helpers a model declares its search vector with."""

import functools
import itertools
import operator
import re
import unicodedata

from django.contrib.postgres.expressions import ArraySubquery
from django.contrib.postgres.indexes import GinIndex, OpClass
from django.contrib.postgres.search import (
    SearchHeadline,
    SearchQueryField,
    SearchRank,
    SearchVector,
    SearchVectorField,
    TrigramWordSimilarity,
)
from django.core.exceptions import EmptyResultSet
from django.db import connections, models
from django.db.models import (
    Case,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    Func,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    When,
    Window,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Greatest, Lower
from django.db.models.lookups import Contains, Exact, IsNull, LessThan
from django.utils.translation import gettext_lazy as _

from core.searchwords import CLOSE_WORDS_SQL, TitleWords


def strip_accents(text):
    """'Klaipėda' -> 'Klaipeda', the same folding PostgreSQL's unaccent() does."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(char for char in decomposed if not unicodedata.combining(char))


# Full-text search. The migration alliances/0003 creates three text search
# configurations that put unaccent() in front of the stemmer, so "Šiauliai" and
# "Siauliai" give the same lexeme and ts_headline() can still mark the accented
# original; and atlas_unaccent(), an IMMUTABLE wrapper usable in index expressions.
SEARCH_CONFIGS = ("atlas_english", "atlas_lithuanian", "atlas_simple")
# Headlines are marked with these private-use characters, then escaped and turned
# into <mark> in Python (see config.pages.search), so record text is never trusted as HTML.
MARK_START, MARK_STOP = "\ue000", "\ue001"
MAX_SEARCH_LENGTH = 200
MAX_SEARCH_WORDS = 12
# Compound splitting ("cyberattacks" -> "cyber attacks") only for plain words
# of a reasonable length, to bound the number of alternatives in the tsquery.
_SPLIT_MIN, _SPLIT_MAX, _SPLIT_PART = 7, 24, 3
# atlas_word_splits(word): the word split in two at each place leaving at
# least three letters (_SPLIT_PART) on each side ("cyberattacks" ~ "cyber attacks"),
# the English phrases OR'ed. IMMUTABLE (as the configurations never change), so
# that the planner computes it once from the query's text. Installed by
# core/migrations/0009_word_splits.py.
WORD_SPLITS_SQL = """
CREATE OR REPLACE FUNCTION atlas_word_splits(word text) RETURNS tsquery
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $function$
DECLARE
    phrases text;
BEGIN
    SELECT string_agg(split::text, ' | ') INTO phrases FROM (
        SELECT phraseto_tsquery(
            'atlas_english', left(word, cut) || ' ' || substr(word, cut + 1)
        ) AS split
        FROM generate_series(3, length(word) - 3) AS cut
    ) AS splits
    WHERE numnode(split) > 0;
    IF phrases IS NULL THEN
        RETURN plainto_tsquery('atlas_english', word);
    END IF;
    RETURN phrases::tsquery;
END
$function$;
"""
_WEBSEARCH_SYNTAX = re.compile(r'"|(?:^|\s)-\w|(?:^|\s)or(?:\s|$)', re.IGNORECASE)


class AtlasUnaccent(Func):
    """atlas_unaccent(text): unaccent() marked IMMUTABLE, for indexes."""

    function = "atlas_unaccent"
    output_field = models.TextField()


def search_vector(**weighted_fields):
    """A tsvector over the record's own columns: ``search_vector(A=["title"], ...)``.

    Every group is indexed with the English, Lithuanian and simple (unstemmed)
    configurations and weighted by its letter (A ranks highest).
    """
    parts = [
        SearchVector(*fields, config=config, weight=weight)
        for weight, fields in sorted(weighted_fields.items())
        for config in SEARCH_CONFIGS
    ]
    return functools.reduce(operator.add, parts)


def search_vector_field(**weighted_fields):
    return models.GeneratedField(
        expression=search_vector(**weighted_fields),
        output_field=SearchVectorField(),
        db_persist=True,
        verbose_name=_("search vector"),
    )


def trigram_index(field, name):
    """GIN trigram index on the folded ``field``: a search for a related
    record's name (``LIKE '%word%'``) and possible duplicates of a title."""
    return GinIndex(
        OpClass(AtlasUnaccent(Lower(field)), name="gin_trgm_ops"), name=name
    )


# The id negated: newest first in ascending order, in no B-tree index.
NEGATED_ID = ExpressionWrapper(F("id") * -1, output_field=models.BigIntegerField())


def search_index(name):
    """The GIN index of the search vector, with the negated id beside it
    (btree_gin): the newest matches among the newest records, the words and
    the id range answered together (``SearchQuerySet._candidates``)."""
    return GinIndex(F("search_vector"), NEGATED_ID, name=name)


def newest_published_index(name):
    """The published records, newest (highest id) first: where the search page
    looks for matches before it asks the GIN index (``_candidates``), without
    walking over the drafts under review, usually the newest rows."""
    return models.Index(
        F("id").desc(), name=name, condition=Q(publication_status="published")
    )


def folded_index(field, name):
    """B-tree index on the folded ``field``: the search page's "the query is
    the whole title" (a trigram index would read every title sharing a
    trigram with a common word)."""
    return models.Index(AtlasUnaccent(Lower(field)), name=name)


class QueryText(str):
    """A text of the visitor's query as it goes into SQL (a parameter), named
    by where it comes from (``slot``: the whole query, its third word, the
    second word split after four letters...). The search page compiles its
    queries once per query shape and fills in each new query's texts by these
    names (``PrecompiledSearch``)."""

    def __new__(cls, value, slot):
        text = super().__new__(cls, value)
        text.slot = slot
        return text


class SearchText:
    """A visitor's query, parsed once and turned into tsqueries.

    Words are matched one by one: each word may match in any configuration
    (English or Lithuanian stem, or as written), as a prefix when it is the last
    word, split in two ("cyberattacks" ~ "cyber attacks") or joined with its
    neighbour ("cyber attack" ~ "cyberattack"). A query using web-search syntax
    (quotes, ``or``, ``-word``) goes to websearch_to_tsquery() as a whole instead.
    """

    def __init__(self, text, once=False):
        # once: each tsquery a subquery, computed once per run of a statement
        # (an InitPlan) rather than by the planner: for statements prepared
        # once and run with a generic plan (``PrecompiledSearch``).
        self.once = once
        text = (text or "").replace("\x00", "")[:MAX_SEARCH_LENGTH]
        self.text = " ".join(text.split())
        self.words = self.text.split()[:MAX_SEARCH_WORDS]
        self.advanced = bool(_WEBSEARCH_SYNTAX.search(self.text))
        # Words with nothing to index ("&", "–") would only match nothing.
        self.words = [
            QueryText(word, ("word", index))
            for index, word in enumerate(
                word for word in self.words if re.search(r"\w", word)
            )
        ]
        self.text = QueryText(self.text, ("text",))

    def __bool__(self):
        return bool(self.words)

    def _word_parts(self, index):
        """(function, configuration, text) of each way word ``index`` may match."""
        word = self.words[index]
        parts = [("plainto_tsquery", config, word) for config in SEARCH_CONFIGS]
        folded = strip_accents(word).lower()
        if index == len(self.words) - 1 and re.fullmatch(r"\w+", folded):
            # 'klaip':* finds "Klaipėda" while the visitor is still typing.
            parts.append(
                (
                    "to_tsquery",
                    "atlas_simple",
                    QueryText(f"'{folded}':*", ("prefix", index)),
                )
            )
        if folded.isalpha() and _SPLIT_MIN <= len(folded) <= _SPLIT_MAX:
            # Every split of the word, as one part whatever its length (made
            # by the database: WORD_SPLITS_SQL), so that words of any length
            # give the same SQL, compiled once (``PrecompiledSearch``).
            parts.append(
                ("atlas_word_splits", None, QueryText(folded, ("split", index)))
            )
        for neighbour in (index - 1, index + 1):
            if 0 <= neighbour < len(self.words):
                pair = tuple(sorted((index, neighbour)))
                joined = "".join(self.words[i] for i in pair)
                parts.append(
                    (
                        "plainto_tsquery",
                        "atlas_english",
                        QueryText(joined, ("joined", *pair)),
                    )
                )
        return parts

    def shape(self):
        """What the SQL of this query depends on besides its texts: the same
        for "Siauliai" and "Šiauliai", not for "drone" and "drones attack"."""
        return (
            self.once,
            self.advanced,
            tuple(
                tuple(
                    (function, config, text.slot)
                    for function, config, text in self._word_parts(index)
                )
                for index in range(len(self.words))
            ),
        )

    def texts(self):
        """``{slot: text}``: every text of the query that may go into SQL."""
        found = {self.text.slot: self.text}
        for index, word in enumerate(self.words):
            found[word.slot] = word
            for _function, _config, text in self._word_parts(index):
                found[text.slot] = text
        return found

    def _sql(self, groups):
        """One tsquery expression: the parts of each group OR'ed, the groups
        AND'ed. Written as SQL once (the visitor's words are parameters), since
        the ORM would resolve and compile each of its dozens of parts again
        wherever the query is used (match, rank, headlines)."""
        sql = " && ".join(
            "("
            + " || ".join(
                f"{function}('{config}'::regconfig, %s)"
                if config
                else f"{function}(%s)"
                for function, config, _text in parts
            )
            + ")"
            for parts in groups
        )
        params = [text for parts in groups for _function, _config, text in parts]
        if self.once:
            sql = f"(SELECT {sql})"
        return RawSQL(sql, params, output_field=SearchQueryField())  # noqa: S611

    def word_query(self, index):
        return self._sql([self._word_parts(index)])

    def tsquery(self):
        """The whole query, for matching, ranking and headlines."""
        if self.advanced:
            return self._sql(
                [
                    [
                        ("websearch_to_tsquery", config, self.text)
                        for config in SEARCH_CONFIGS
                    ]
                ]
            )
        return self._sql([self._word_parts(i) for i in range(len(self.words))])


def searches_to_precompile():
    """A query of each shape (``SearchText.shape``) of one to three words of
    letters, to compile ahead of the first visitor: each word short or long
    enough to be split in two (a word of letters and digits is a short one)."""
    examples = []
    for count in (1, 2, 3):
        for lengths in itertools.product((_SPLIT_MIN - 1, _SPLIT_MIN), repeat=count):
            words = " ".join("x" * length for length in lengths)
            examples.append(SearchText(words, once=True))
    return examples


class Matches(Func):
    """``vector @@ tsquery``."""

    template = "%(expressions)s"
    arg_joiner = " @@ "
    output_field = models.BooleanField()


def _has_search_vector(model):
    return any(field.name == "search_vector" for field in model._meta.concrete_fields)


def _vector_fields(model):
    """The columns a model's ``search_vector`` is made of."""
    found, pending = set(), []
    for field in model._meta.concrete_fields:
        if field.name == "search_vector":
            pending.append(field.expression)
    while pending:
        expression = pending.pop()
        if isinstance(expression, F):
            found.add(expression.name)
        pending.extend(getattr(expression, "get_source_expressions", list)())
    return found


def _folded(value):
    """atlas_unaccent(lower(value)): folded by the database, as the indexes are."""
    if not hasattr(value, "resolve_expression"):
        value = Value(value, output_field=models.TextField())
    return AtlasUnaccent(Lower(value))


def _named(model, path, word):
    """``model``'s rows whose ``path`` (a name, maybe across a foreign key)
    contains ``word``, as a join: the planner starts from the few names that
    match and probes the foreign key's index, where "actor_id = ANY(...)" over
    ids it cannot see is guessed at half the rows and read by a scan of every
    attribution."""
    return model._base_manager.filter(
        Contains(_folded(F(path)), _folded(word))
    ).order_by()


def _path_match(model, path, word):
    """``model``'s rows whose ``path`` contains ``word``; a foreign key on the
    way is matched through the ids of the rows it may point to, found once
    (the actor's name of an attribution: the actors named so, then the
    attributions of those actors)."""
    first, _sep, rest = path.partition("__")
    field = model._meta.get_field(first)
    if rest and field.many_to_one:
        target = field.related_model
        ids = target._base_manager.filter(_path_match(target, rest, word))
        return Q(AnyOf(F(field.attname), ids.order_by().values("pk")))
    return Q(Contains(_folded(F(path)), _folded(word)))


class AnyOf(Func):
    """``column = ANY(ARRAY(subquery))``: the subquery runs once (an InitPlan)
    and the condition can be answered by the column's index, also as one arm of
    an OR beside the full-text match (a bitmap OR), which ``IN (subquery)``
    cannot."""

    template = "%(expressions)s"
    arg_joiner = " = ANY("
    output_field = models.BooleanField()

    def __init__(self, column, subquery):
        super().__init__(column, ArraySubquery(subquery))

    def as_sql(self, compiler, connection, **extra):
        sql, params = super().as_sql(compiler, connection, **extra)
        return f"{sql})", params


class SearchQuerySet(models.QuerySet):
    """Accent-insensitive, bilingual full-text search over a model's records.

    ``search(text)`` only filters (no annotations, no ordering, no joins, so no
    duplicates): list pages and facets build on it. A record matches when every
    word of the query matches its ``search_vector`` (stemmed, unaccented, the
    last word also as a prefix) or is contained in the name of a related record
    named in ``search_fields`` (actor, party, series, location names). Both are
    answered by indexes: the search vector's GIN index, and the related
    records' ids collected once per query (``AnyOf``) and looked up in the
    primary or foreign key index. Own fields of ``search_fields`` that are not
    in the search vector are matched as substrings (none of the searched models
    has one; the vector holds them all).

    ``ranked_search(text)`` is for the search page: the same matches plus close
    spellings of ``search_title_fields`` (titles holding a word of the
    vocabulary close to one of the query's, core/searchwords.py), annotated
    with the rank, a flag for real matches, counts and highlighted headlines.
    It ranks a bounded set of candidates (``search_candidates``), so its cost
    does not grow with the number of matches.
    """

    search_fields = ()
    search_title_fields = ()
    search_body_field = None
    # The most recently added matches the search page ranks, and the most close
    # spellings it considers; a kind with more matches shows "N+". The newest
    # records checked one by one before the indexes are asked (see _candidates).
    search_candidates = 20
    search_window = 1000
    # Then the matches among the records of the newest ids this far back
    # (``_candidates``), before all of them.
    search_span = 20_000

    def _related_condition(self, path, word, per_row):
        """A record related to one whose ``path`` contains ``word``."""
        first, rest = path.split("__", 1)
        field = self.model._meta.get_field(first)
        related = field.related_model
        match = _path_match(related, rest, word)
        if field.many_to_one:
            # A foreign key of the record itself (an exercise's series).
            ids = related._base_manager.filter(match).order_by().values("pk")
            return Q(AnyOf(F(field.attname), ids))
        if field.one_to_many:
            # Rows pointing at the record (attributions, locations, parties).
            back = field.field
            rows = related._base_manager.filter(match).order_by()
            if per_row:
                # A scalar subquery, one index probe per row: an EXISTS here
                # may be run as a hash of every related row instead.
                first_row = rows.filter(**{back.name: OuterRef("pk")}).values("pk")
                # Whether any related row matches at all, asked once per query
                # (an InitPlan): for the usual word, in no related name, no
                # record is probed (a tenth of a search page's time at 1,000,000).
                named = _named(related, rest, word)
                return Q(Exists(named.values("pk"))) & Q(
                    IsNull(Subquery(first_row[:1]), False)
                )
            return Q(AnyOf(F("pk"), rows.values(back.attname)))
        # Anything else: a subquery, not a join, so no duplicates.
        matches = self.model._base_manager.filter(
            Contains(_folded(F(path)), _folded(word))
        )
        return Q(pk__in=matches.values("pk"))

    def _word_condition(self, search, index, vector, per_row=False):
        word = search.words[index]
        own = [field for field in self.search_fields if "__" not in field]
        if vector:
            indexed = _vector_fields(self.model)
            own = [field for field in own if field not in indexed]
        related = [field for field in self.search_fields if "__" in field]
        conditions = [
            Q(Contains(_folded(F(field)), _folded(word))) for field in own
        ] + [self._related_condition(path, word, per_row) for path in related]
        if vector:
            conditions.insert(
                0, Q(Matches(F("search_vector"), search.word_query(index)))
            )
        return functools.reduce(operator.or_, conditions, Q(pk__in=[]))

    def search_condition(self, text, per_row=False):
        """The Q object ``search(text)`` filters with (None for an empty query).

        ``per_row``: the form cheapest to check on a few given rows (related
        names as EXISTS) rather than the one an index answers over the table.
        """
        search = text if isinstance(text, SearchText) else SearchText(text)
        if not search:
            return None
        vector = _has_search_vector(self.model)
        if search.advanced and vector:
            return Q(Matches(F("search_vector"), search.tsquery()))
        return functools.reduce(
            operator.and_,
            (
                self._word_condition(search, index, vector, per_row)
                for index in range(len(search.words))
            ),
        )

    def search(self, text):
        search = SearchText(text)
        condition = self.search_condition(search)
        if condition is None:
            return self
        if not _has_search_vector(self.model):
            return self.filter(condition)
        frequent, related = self._frequent(search)
        if frequent:
            # Many matches: a list's order is walked and each record checked;
            # when a related name matches, by one index probe each (not a list
            # of every record an actor is blamed for). The same condition
            # serves a bounded count through the GIN index.
            return self.filter(self.search_condition(search, per_row=related))
        # Few matches: their ids first, through the indexes, then the list's
        # own order over them. Left to itself, the planner (which guesses the
        # same share for a word in one record in 4,000 as for one in 50) walks
        # the list's order index over every record.
        matches = self.filter(condition).order_by().values("pk")
        return self.filter(AnyOf(F("pk"), matches))

    def _frequent(self, search):
        """Whether more than ``search_candidates`` of the ``search_window``
        newest records match, and whether any related record's name does: one
        query, bounded (the newest-first index, each row checked; the related
        names' own indexes). Frequent words are best found by walking a list's
        order and checking each record; rare ones through the indexes."""
        window, limit = self.search_window, self.search_candidates
        recent = (
            self.annotate(
                atlas_match=ExpressionWrapper(
                    self.search_condition(search, per_row=True),
                    output_field=models.BooleanField(),
                )
            )
            .order_by("-pk")
            .values("atlas_match")[:window]
        )
        try:
            sql, params = recent.query.sql_with_params()
        except EmptyResultSet:
            return True, True  # .none(): nothing to look at, nothing to gain
        related, related_params = ["false"], []
        if not search.advanced:
            for path in self.search_fields:
                if "__" not in path:
                    continue
                first, rest = path.split("__", 1)
                model = self.model._meta.get_field(first).related_model
                for word in search.words:
                    # A join (_named), not _path_match's ids.
                    rows = _named(model, rest, word)
                    row_sql, row_params = rows.values("pk")[:1].query.sql_with_params()
                    related.append(f"EXISTS ({row_sql})")
                    related_params.extend(row_params)
        with connections[self.db].cursor() as cursor:
            cursor.execute(
                "SELECT count(*), " + " OR ".join(related) + " FROM ("  # noqa: S608
                f"SELECT 1 FROM ({sql}) AS recent WHERE recent.atlas_match "
                f"LIMIT {limit + 1:d}) AS found",
                (*related_params, *params),
            )
            found, related_match = cursor.fetchone()
            return found > limit, related_match

    def _candidates(self, search, condition, row_condition, exact):
        """SQL for the ids worth ranking, at a cost bounded whatever the number
        of matches: the ``search_candidates`` most recently added matches, any
        match whose title is the query, and, only when nothing matches, the
        most recently added records whose titles hold a word spelled close to
        one of the query's (the vocabulary of titles, core/searchwords.py).

        The newest matches are looked for in two steps, since neither index
        serves both frequent and rare words and the planner cannot tell them
        apart (its estimate for a word it has no statistics on is the same for
        one record in 4,000 as for one in 50): first among the
        ``search_window`` newest records (the primary key index, each row
        checked; enough for any word in more than one record in 50), then, only
        when that found too few, among all the matches the indexes give (the
        GIN index, the related records' ids; few, or the first step would have
        found them). Between the two, when the newest records hold too few,
        the matches among the ``search_span`` newest ids, which the search
        vector's index gives with its id column. Close spellings are looked
        for in the first and last ways, except
        that the older records are searched only when none of the newest has
        one: a close word in one title in a hundred would otherwise have its
        thousands of titles read to rank twenty, and the group of close
        spellings never claimed to count them all.
        """
        limit, window = self.search_candidates, self.search_window

        def newest(condition):
            """The newest ``window`` records, each with whether it matches."""
            return (
                self.annotate(
                    atlas_match=ExpressionWrapper(
                        condition, output_field=models.BooleanField()
                    )
                )
                .order_by("-pk")
                .values("pk", "atlas_match")[:window]
            )

        def older(condition):
            # Ordered by an expression no index has: all the matches are found
            # through the indexes, then sorted, never by walking the primary key.
            return (
                self.filter(condition)
                .order_by(NEGATED_ID.asc())
                .values("pk")[: limit + 1]
            )

        def close(column, vector):
            query = RawSQL(  # noqa: S611 - a column name of ours
                f"(SELECT atlas_close.{column} FROM atlas_close)",  # noqa: S608
                [],
                output_field=SearchQueryField(),
            )
            return Q(Matches(vector, query))

        # Titles holding a close word: checked on each of the newest records
        # in the search vector (already read, the title's lexemes weighted A),
        # found among the older ones through the titles' own index.
        close_in_vector = close("in_vector", F("search_vector"))
        close_in_title = close("in_title", TitleWords(*self.search_title_fields))
        # A title that is the whole query matches it (the search vector holds
        # the title): no need to check the words again.
        exact_hits = self.filter(exact).order_by().values("pk")[:limit]
        # The newest ``search_span`` ids: answered with the words by the
        # search vector's index (``search_index``, its second column the
        # negated id: no other index has it, so the planner cannot walk the
        # primary key instead), and a word in one record in a hundred has a
        # few hundred rows read, not ten thousand.
        quote = connections[self.db].ops.quote_name
        newest_ids = Q(
            LessThan(
                NEGATED_ID,
                RawSQL(  # noqa: S611 - names of ours
                    f"(SELECT {self.search_span:d} - "  # noqa: S608
                    f"max({quote(self.model._meta.pk.column)}) "
                    f"FROM {quote(self.model._meta.db_table)})",
                    [],
                ),
            )
        )
        parts = [
            query.query.sql_with_params()
            for query in (
                newest(row_condition),
                older(condition & newest_ids),
                older(condition),
                exact_hits,
                newest(close_in_vector),
                older(close_in_title),
            )
        ]
        # Django compiled each part; every value in them is a parameter.
        sql = (
            "WITH atlas_recent AS MATERIALIZED ("  # noqa: S608
            f"SELECT recent.pk FROM ({parts[0][0]}) AS recent "
            f"WHERE recent.atlas_match LIMIT {limit + 1:d}), "
            "atlas_span AS MATERIALIZED ("
            f"SELECT span.pk FROM ({parts[1][0]}) AS span "
            f"WHERE (SELECT count(*) FROM atlas_recent) <= {limit:d}), "
            "atlas_hits AS MATERIALIZED ("
            "SELECT * FROM atlas_recent UNION SELECT * FROM atlas_span "
            f"UNION SELECT older.pk FROM ({parts[2][0]}) AS older "
            f"WHERE (SELECT count(*) FROM atlas_recent) <= {limit:d} "
            f"AND (SELECT count(*) FROM atlas_span) <= {limit:d} "
            f"ORDER BY 1 DESC LIMIT {limit + 1:d}), "
            # Read only when nothing matches (the arms below are skipped
            # otherwise): the three closest words to each of the query's.
            f"atlas_close AS MATERIALIZED ({CLOSE_WORDS_SQL}), "
            "atlas_close_recent AS MATERIALIZED ("
            f"SELECT recent.pk FROM ({parts[4][0]}) AS recent "
            f"WHERE recent.atlas_match LIMIT {limit + 1:d}) "
            "SELECT * FROM atlas_hits "
            f"UNION SELECT * FROM ({parts[3][0]}) AS atlas_exact "
            "UNION SELECT * FROM atlas_close_recent "
            "WHERE NOT EXISTS (SELECT 1 FROM atlas_hits) "
            f"UNION SELECT older.pk FROM ({parts[5][0]}) AS older "
            "WHERE NOT EXISTS (SELECT 1 FROM atlas_hits) "
            "AND NOT EXISTS (SELECT 1 FROM atlas_close_recent)"
        )
        params = [
            *parts[0][1],
            *parts[1][1],
            *parts[2][1],
            search.text,
            *parts[4][1],
            *parts[3][1],
            *parts[5][1],
        ]
        return RawSQL(sql, params)  # noqa: S611

    def ranked_search(self, text):
        """Matches first, best first, then close spellings of the title.

        Each row carries ``search_hit`` (a real match, not just a close
        spelling), ``search_exact`` (a match whose title is the query),
        ``search_rank``, ``search_similarity``, ``search_hits`` and
        ``search_total`` (counts over the candidates: at most
        ``search_candidates`` + 1 matches, so a count above
        ``search_candidates`` means "more") and ``headline_*`` columns: the
        title and body marked with MARK_START/STOP in the English and the
        Lithuanian configuration (computed for the rows fetched only). Needs
        ``search_title_fields`` and a ``search_vector``.
        """
        search = text if isinstance(text, SearchText) else SearchText(text)
        condition = self.search_condition(search)
        if condition is None:
            return self.none()
        row_condition = self.search_condition(search, per_row=True)
        folded = _folded(search.text)
        similarity = [
            TrigramWordSimilarity(folded, _folded(F(field)))
            for field in self.search_title_fields
        ]
        # The query is the whole title ("Lithuania", "NATO"): that record first.
        exact = functools.reduce(
            operator.or_,
            (Q(Exact(_folded(F(field)), folded)) for field in self.search_title_fields),
        )
        tsquery = search.tsquery()
        annotations = {
            # Later annotations name this one rather than repeat the condition
            # (resolving it again is most of the Python a search costs).
            "search_exact": ExpressionWrapper(
                Q(search_hit=True) & exact, output_field=models.BooleanField()
            ),
            "search_rank": (
                SearchRank(F("search_vector"), tsquery)
                if _has_search_vector(self.model)
                else Value(0.0, output_field=models.FloatField())
            ),
            "search_similarity": (
                Greatest(*similarity) if len(similarity) > 1 else similarity[0]
            ),
            "search_total": Window(Count("pk")),
            "search_hits": Window(Sum(Case(When(search_hit=True, then=1), default=0))),
        }
        title = self.search_title_fields[0]
        for language in ("english", "lithuanian"):
            config = f"atlas_{language}"
            annotations[f"headline_title_{language}"] = SearchHeadline(
                title,
                tsquery,
                config=config,
                start_sel=MARK_START,
                stop_sel=MARK_STOP,
                highlight_all=True,
            )
            if self.search_body_field:
                annotations[f"headline_body_{language}"] = SearchHeadline(
                    self.search_body_field,
                    tsquery,
                    config=config,
                    start_sel=MARK_START,
                    stop_sel=MARK_STOP,
                    max_words=35,
                    min_words=15,
                    max_fragments=2,
                    fragment_delimiter=" … ",
                )
        return (
            self.filter(
                pk__in=self._candidates(search, condition, row_condition, exact)
            )
            .defer("search_vector")
            .annotate(
                search_hit=ExpressionWrapper(
                    row_condition, output_field=models.BooleanField()
                )
            )
            .annotate(**annotations)
            .order_by(
                "-search_hit",
                "-search_exact",
                "-search_rank",
                "-search_similarity",
                *self.model._meta.ordering,
                "pk",
            )
        )

    def for_search(self):
        """The joins a search result needs besides its own row (its detail)."""
        return self


class SlugQuerySet(SearchQuerySet):
    """Records whose natural key is their slug, searchable with ``search()``."""

    def get_by_natural_key(self, slug):
        return self.get(slug=slug)
