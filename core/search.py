"""Full-text search shared by every app: the parsed query (``SearchText``), the
searchable QuerySet (``SearchQuerySet``, ``SlugQuerySet``) and the field and index
helpers a model declares its search vector with."""

import functools
import operator
import re
import unicodedata

from django.contrib.postgres.indexes import GinIndex, OpClass
from django.contrib.postgres.lookups import TrigramWordSimilar
from django.contrib.postgres.search import (
    SearchHeadline,
    SearchQuery,
    SearchRank,
    SearchVector,
    SearchVectorField,
    TrigramWordSimilarity,
)
from django.db import models
from django.db.models import (
    Case,
    Count,
    ExpressionWrapper,
    F,
    Func,
    Q,
    Sum,
    Value,
    When,
    Window,
)
from django.db.models.functions import Greatest, Lower
from django.db.models.lookups import Exact
from django.utils.translation import gettext_lazy as _


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
    """GIN trigram index serving the typo fallback on ``field``."""
    return GinIndex(
        OpClass(AtlasUnaccent(Lower(field)), name="gin_trgm_ops"), name=name
    )


class SearchText:
    """A visitor's query, parsed once and turned into tsqueries.

    Words are matched one by one: each word may match in any configuration
    (English or Lithuanian stem, or as written), as a prefix when it is the last
    word, split in two ("cyberattacks" ~ "cyber attacks") or joined with its
    neighbour ("cyber attack" ~ "cyberattack"). A query using web-search syntax
    (quotes, ``or``, ``-word``) goes to websearch_to_tsquery() as a whole instead.
    """

    def __init__(self, text):
        text = (text or "").replace("\x00", "")[:MAX_SEARCH_LENGTH]
        self.text = " ".join(text.split())
        self.words = self.text.split()[:MAX_SEARCH_WORDS]
        self.advanced = bool(_WEBSEARCH_SYNTAX.search(self.text))
        # Words with nothing to index ("&", "–") would only match nothing.
        self.words = [word for word in self.words if re.search(r"\w", word)]

    def __bool__(self):
        return bool(self.words)

    def word_query(self, index):
        word = self.words[index]
        query = functools.reduce(
            operator.or_,
            (SearchQuery(word, config=config) for config in SEARCH_CONFIGS),
        )
        folded = strip_accents(word).lower()
        if index == len(self.words) - 1 and re.fullmatch(r"\w+", folded):
            # 'klaip':* finds "Klaipėda" while the visitor is still typing.
            query |= SearchQuery(
                f"'{folded}':*", config="atlas_simple", search_type="raw"
            )
        if folded.isalpha() and _SPLIT_MIN <= len(folded) <= _SPLIT_MAX:
            for cut in range(_SPLIT_PART, len(folded) - _SPLIT_PART + 1):
                query |= SearchQuery(
                    f"{folded[:cut]} {folded[cut:]}",
                    config="atlas_english",
                    search_type="phrase",
                )
        for neighbour in (index - 1, index + 1):
            if 0 <= neighbour < len(self.words):
                pair = sorted((index, neighbour))
                joined = "".join(self.words[i] for i in pair)
                query |= SearchQuery(joined, config="atlas_english")
        return query

    def tsquery(self):
        """The whole query, for matching, ranking and headlines."""
        if self.advanced:
            return functools.reduce(
                operator.or_,
                (
                    SearchQuery(self.text, config=config, search_type="websearch")
                    for config in SEARCH_CONFIGS
                ),
            )
        return functools.reduce(
            operator.and_, (self.word_query(i) for i in range(len(self.words)))
        )


def _has_search_vector(model):
    return any(field.name == "search_vector" for field in model._meta.concrete_fields)


class SearchQuerySet(models.QuerySet):
    """Accent-insensitive, bilingual full-text search over a model's records.

    ``search(text)`` only filters (no annotations, no ordering, no joins, so no
    duplicates): list pages and facets build on it. A record matches when every
    word of the query matches its ``search_vector`` (stemmed, unaccented) or, as
    before full-text search, is contained in one of ``search_fields``, which may
    follow relations (actor, party, series, location names).

    ``ranked_search(text)`` is for the search page: the same matches plus close
    spellings of ``search_title_fields`` (trigram word similarity), annotated
    with the rank, a flag for real matches, counts and highlighted headlines.
    """

    search_fields = ()
    search_title_fields = ()
    search_body_field = None

    def _word_condition(self, search, index, vector):
        word = strip_accents(search.words[index])
        own = [field for field in self.search_fields if "__" not in field]
        related = [field for field in self.search_fields if "__" in field]
        condition = functools.reduce(
            operator.or_,
            (Q(**{f"{field}__unaccent__icontains": word}) for field in own),
            Q(search_vector=search.word_query(index)) if vector else Q(pk__in=[]),
        )
        if related:
            # A subquery, not a join: a record matching through two parties
            # must still come back once.
            matches = self.model._base_manager.filter(
                functools.reduce(
                    operator.or_,
                    (Q(**{f"{field}__unaccent__icontains": word}) for field in related),
                )
            )
            condition |= Q(pk__in=matches.values("pk"))
        return condition

    def search_condition(self, text):
        """The Q object ``search(text)`` filters with (None for an empty query)."""
        search = text if isinstance(text, SearchText) else SearchText(text)
        if not search:
            return None
        vector = _has_search_vector(self.model)
        if search.advanced and vector:
            return Q(search_vector=search.tsquery())
        return functools.reduce(
            operator.and_,
            (
                self._word_condition(search, index, vector)
                for index in range(len(search.words))
            ),
        )

    def search(self, text):
        condition = self.search_condition(text)
        if condition is None:
            return self
        return self.filter(condition)

    def ranked_search(self, text):
        """Matches first, best first, then close spellings of the title.

        Each row carries ``search_hit`` (a real match, not just a close
        spelling), ``search_exact`` (a match whose title is the query),
        ``search_rank``, ``search_similarity``, ``search_hits`` and
        ``search_total`` (counts over all rows, before any slicing) and
        ``headline_*`` columns: the title and body marked with MARK_START/STOP
        in the English and the Lithuanian configuration. Needs
        ``search_title_fields`` and a ``search_vector``.
        """
        search = SearchText(text)
        condition = self.search_condition(search)
        if condition is None:
            return self.none()
        folded = AtlasUnaccent(
            Lower(Value(search.text, output_field=models.TextField()))
        )
        similar = [
            TrigramWordSimilar(AtlasUnaccent(Lower(field)), folded)
            for field in self.search_title_fields
        ]
        similarity = [
            TrigramWordSimilarity(folded, AtlasUnaccent(Lower(field)))
            for field in self.search_title_fields
        ]
        # The query is the whole title ("Lithuania", "NATO"): that record first.
        exact = functools.reduce(
            operator.or_,
            (
                Q(Exact(AtlasUnaccent(Lower(field)), folded))
                for field in self.search_title_fields
            ),
        )
        hit = ExpressionWrapper(condition, output_field=models.BooleanField())
        tsquery = search.tsquery()
        annotations = {
            "search_hit": hit,
            "search_exact": ExpressionWrapper(
                condition & exact, output_field=models.BooleanField()
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
            "search_hits": Window(Sum(Case(When(condition, then=1), default=0))),
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
            self.filter(functools.reduce(operator.or_, similar, condition))
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
