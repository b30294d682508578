"""Abstract bases and field helpers shared by the Atlas's apps.

A *vague date* is a ``DateField`` plus a sibling ``<name>_precision`` field: the
date is stored at its first possible day (October 2016 is kept as 2016-10-01 with
precision ``month``) and shown at its precision ("October 2016").
"""

import datetime
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
    TrigramSimilarity,
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
from django.utils import formats
from django.utils.translation import gettext_lazy as _


class DatePrecision(models.TextChoices):
    DAY = "day", _("day")
    MONTH = "month", _("month")
    YEAR = "year", _("year")


class Confidence(models.TextChoices):
    """How firmly the record's facts are established by the sources cited."""

    HIGH = "high", _("high: stated plainly in the sources")
    MEDIUM = "medium", _("medium: inferred, single weak source or sources conflict")


_VAGUE_DATE = re.compile(r"^(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?$")


def parse_vague_date(text):
    """Parse ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD`` into ``(date, precision)``.

    Raises ``ValueError`` with a readable message for anything else.
    """
    if text is None or text == "":
        return None, ""
    if isinstance(text, datetime.date):
        return text, DatePrecision.DAY
    match = _VAGUE_DATE.match(str(text).strip())
    if not match:
        raise ValueError(f"{text!r} is not a date (use YYYY, YYYY-MM or YYYY-MM-DD)")
    year, month, day = match.groups()
    value = datetime.date(int(year), int(month or 1), int(day or 1))
    if day:
        return value, DatePrecision.DAY
    if month:
        return value, DatePrecision.MONTH
    return value, DatePrecision.YEAR


def period_start(day, precision):
    """The first day of the day, month or year that contains ``day``."""
    if precision == DatePrecision.YEAR:
        return day.replace(month=1, day=1)
    if precision == DatePrecision.MONTH:
        return day.replace(day=1)
    return day


def period_end(value, precision):
    """The last day a vague date may mean: 30 June 2024 for "June 2024"."""
    if value is None:
        return None
    if precision == DatePrecision.YEAR:
        return value.replace(month=12, day=31)
    if precision == DatePrecision.MONTH:
        following = (value.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
        return following - datetime.timedelta(days=1)
    return value


def period_reaches(field, day):
    """Q: the vague date ``field``, read at its precision, lasts until ``day``.

    A vague date is stored at the first day of its period, so "June 2024" still
    reaches 15 June 2024: its stored 1 June is compared with the 1st of that month.
    """
    return Q(
        *(
            Q(
                **{
                    f"{field}_precision": precision,
                    f"{field}__gte": period_start(day, precision),
                }
            )
            for precision in DatePrecision.values
        ),
        _connector=Q.OR,
    )


def format_vague_date(value, precision):
    """Show a date at its precision, in the active language."""
    if value is None:
        return ""
    if precision == DatePrecision.YEAR:
        return str(value.year)
    if precision == DatePrecision.MONTH:
        return formats.date_format(value, "YEAR_MONTH_FORMAT")
    return formats.date_format(value, "DATE_FORMAT")


def precision_field(verbose_name):
    return models.CharField(
        verbose_name,
        max_length=5,
        choices=DatePrecision.choices,
        blank=True,
        help_text=_(
            "How precisely the date is known; leave empty when there is no date."
        ),
    )


def vague_date_constraint(prefix, field):
    """The precision is set exactly when the date is, and the date is normalised.

    A month-precision date must be the 1st of its month, a year-precision date
    1 January, so that sorting and range filters compare like with like.
    """
    precision = f"{field}_precision"
    return models.CheckConstraint(
        condition=Q(**{f"{field}__isnull": True, precision: ""})
        | Q(**{f"{field}__isnull": False, precision: DatePrecision.DAY})
        | Q(
            **{
                f"{field}__isnull": False,
                precision: DatePrecision.MONTH,
                f"{field}__day": 1,
            }
        )
        | Q(
            **{
                f"{field}__isnull": False,
                precision: DatePrecision.YEAR,
                f"{field}__day": 1,
                f"{field}__month": 1,
            }
        ),
        name=f"{prefix}_{field}_precision",
        violation_error_message=_(
            "Give a precision exactly when there is a date; a month-precision date "
            "must be the 1st of the month and a year-precision date 1 January."
        ),
    )


def not_before_constraint(prefix, start, end, message):
    return models.CheckConstraint(
        condition=Q(**{f"{start}__isnull": True})
        | Q(**{f"{end}__isnull": True})
        | Q(**{f"{end}__gte": models.F(start)}),
        name=f"{prefix}_{end}_not_before_{start}",
        violation_error_message=message,
    )


def coordinates_constraints(prefix):
    """Latitude and longitude in range, and given together or not at all."""
    return [
        models.CheckConstraint(
            condition=Q(latitude__isnull=True) | Q(latitude__gte=-90, latitude__lte=90),
            name=f"{prefix}_latitude_range",
            violation_error_message=_("Latitude must be between -90 and 90."),
        ),
        models.CheckConstraint(
            condition=Q(longitude__isnull=True)
            | Q(longitude__gte=-180, longitude__lte=180),
            name=f"{prefix}_longitude_range",
            violation_error_message=_("Longitude must be between -180 and 180."),
        ),
        models.CheckConstraint(
            condition=Q(latitude__isnull=True, longitude__isnull=True)
            | Q(latitude__isnull=False, longitude__isnull=False),
            name=f"{prefix}_coordinates_paired",
            violation_error_message=_("Give both latitude and longitude, or neither."),
        ),
    ]


def latitude_field():
    return models.DecimalField(
        _("latitude"),
        max_digits=8,
        decimal_places=5,
        null=True,
        blank=True,
        help_text=_("WGS84 decimal degrees, -90 to 90."),
    )


def longitude_field():
    return models.DecimalField(
        _("longitude"),
        max_digits=8,
        decimal_places=5,
        null=True,
        blank=True,
        help_text=_("WGS84 decimal degrees, -180 to 180."),
    )


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
# into <mark> in Python (see config.search), so record text is never trusted as HTML.
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


class SlugQuerySet(SearchQuerySet):
    """Records whose natural key is their slug, searchable with ``search()``."""

    def get_by_natural_key(self, slug):
        return self.get(slug=slug)


class TimeStampedModel(models.Model):
    created = models.DateTimeField(_("created"), auto_now_add=True)
    # Indexed: API clients sync with ?updated_since=, and lists sort by it.
    updated = models.DateTimeField(_("last updated"), auto_now=True, db_index=True)

    class Meta:
        abstract = True

    def vague(self, field):
        """``obj.vague("signed")`` -> "October 2016"."""
        return format_vague_date(
            getattr(self, field), getattr(self, f"{field}_precision")
        )


class SourcedRecord(TimeStampedModel):
    """A public record: it cites sources and says how sure it is.

    Concrete models add ``sources = models.ManyToManyField(Source, ...)``; the
    admin requires at least one, and the seed data always has one.
    """

    confidence = models.CharField(
        _("confidence"),
        max_length=6,
        choices=Confidence.choices,
        default=Confidence.HIGH,
    )
    notes = models.TextField(
        _("editor notes"),
        blank=True,
        help_text=_(
            "Doubts, conflicting figures, how a date was inferred. Not shown publicly."
        ),
    )

    class Meta:
        abstract = True

    def vague(self, field):
        """``obj.vague("signed")`` -> "October 2016"."""
        return format_vague_date(
            getattr(self, field), getattr(self, f"{field}_precision")
        )


class Deletion(models.Model):
    """A record removed from the Atlas: what it was and when it went.

    API clients that keep a copy (``updated_since``) read ``/api/v1/deletions/``
    to drop what was deleted. Rows are written by post_delete signals (see
    ``AtlasConfig.ready``), so deletions in the admin and cascades count too.
    """

    class Kind(models.TextChoices):
        COUNTRIES = "countries", _("countries")
        ORGANISATIONS = "organisations", _("organisations")
        MEMBERSHIPS = "memberships", _("memberships")
        AGREEMENTS = "agreements", _("agreements")
        SOURCES = "sources", _("sources")
        EXERCISE_SERIES = "exercise-series", _("exercise series")
        EXERCISES = "exercises", _("exercises")
        THREAT_CATEGORIES = "threat-categories", _("threat categories")
        ACTORS = "actors", _("actors")
        THREATS = "threats", _("threat entries")
        ATTRIBUTIONS = "attributions", _("attributions")

    # model label -> (kind, the attribute clients know it by besides its id)
    TRACKED = {
        "alliances.Country": (Kind.COUNTRIES, "iso2"),
        "alliances.Organisation": (Kind.ORGANISATIONS, "slug"),
        "alliances.Membership": (Kind.MEMBERSHIPS, None),
        "alliances.Agreement": (Kind.AGREEMENTS, "slug"),
        "alliances.Source": (Kind.SOURCES, None),
        "exercises.ExerciseSeries": (Kind.EXERCISE_SERIES, "slug"),
        "exercises.Exercise": (Kind.EXERCISES, "slug"),
        "threats.ThreatCategory": (Kind.THREAT_CATEGORIES, "slug"),
        "threats.Actor": (Kind.ACTORS, "slug"),
        "threats.ThreatEntry": (Kind.THREATS, "slug"),
        "threats.Attribution": (Kind.ATTRIBUTIONS, None),
    }

    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    object_id = models.BigIntegerField(_("id of the deleted record"))
    slug = models.CharField(
        _("slug or ISO code of the deleted record"), max_length=100, blank=True
    )
    # Clients ask for deletions since a moment: /deletions/?since=
    deleted = models.DateTimeField(_("deleted"), auto_now_add=True, db_index=True)
    retracted = models.BooleanField(
        _("retracted"),
        default=False,
        help_text=_("The record was withdrawn from public view, not deleted."),
    )
    reason = models.TextField(_("public reason"), blank=True)

    class Meta:
        ordering = ["deleted", "id"]
        verbose_name = _("deletion")
        verbose_name_plural = _("deletions")

    def __str__(self):
        return f"{self.kind} {self.object_id} ({self.deleted:%Y-%m-%d %H:%M})"

    @classmethod
    def record(cls, sender, instance, **kwargs):
        """post_delete receiver for the models in TRACKED.

        Drafts and records in review were never public: their deletion is not
        announced (that would leak their slugs).
        """
        status = getattr(instance, "publication_status", None)
        if status in (Status.DRAFT, Status.REVIEW):
            return
        cls._create(instance)

    @classmethod
    def record_retraction(cls, instance):
        """A published record was retracted: mirrors must drop it, and the rows
        that belong to it and are API resources of their own (an organisation's
        memberships, a threat entry's attributions), too."""
        reason = instance.retraction_reason
        cls._create(instance, retracted=True, reason=reason)
        for relation in instance._meta.related_objects:
            if (
                relation.one_to_many
                and relation.related_model._meta.label in cls.TRACKED
                and relation.remote_field.many_to_one
                and not hasattr(relation.related_model, "publication_status")
            ):
                for child in relation.related_model._default_manager.filter(
                    **{relation.field.name: instance}
                ):
                    cls._create(child, retracted=True, reason=reason)

    @classmethod
    def _create(cls, instance, **extra):
        kind, key = cls.TRACKED[instance._meta.label]
        return cls.objects.create(
            kind=kind,
            object_id=instance.pk,
            slug=(getattr(instance, key) or "") if key else "",
            **extra,
        )


# Titles at least this similar (pg_trgm similarity of the accent-free, lower-case
# titles) are possible duplicates: "GPS jamming over Klaipėda" and "GPS jamming
# near Klaipeda" score 0.68, "Cyber attack on Lithuanian railways" and "Cyber
# attack on Seimas" 0.37 (see tests/test_admin_workflow.py).
DUPLICATE_SIMILARITY = 0.4
# ...and dated within this many days of each other (read at their precision).
DUPLICATE_WINDOW = datetime.timedelta(days=30)
MAX_DUPLICATES = 5


def _shifted(day, delta):
    """``day + delta``, kept within the calendar (year 1 to 9999)."""
    try:
        return day + delta
    except OverflowError:
        return datetime.date.max if delta > datetime.timedelta(0) else datetime.date.min


class Status(models.TextChoices):
    """Where a record is in the editorial workflow (see config/workflow.py)."""

    DRAFT = "draft", _("draft")
    REVIEW = "review", _("in review")
    PUBLISHED = "published", _("published")
    RETRACTED = "retracted", _("retracted")


class ReviewedQuerySet(SlugQuerySet):
    """Records that go through review before the public sees them."""

    def published(self):
        """What anonymous visitors, feeds, exports and the public API show."""
        return self.filter(publication_status=Status.PUBLISHED)

    def retracted(self):
        return self.filter(publication_status=Status.RETRACTED)

    def visible_to(self, user):
        """Everything for editors who may view the model; published for the rest."""
        if user_sees_unpublished(user, self.model):
            return self
        return self.published()

    def review_overdue(self, today=None):
        """Published records never verified, or verified too long ago."""
        from django.conf import settings

        today = today or datetime.date.today()  # noqa: DTZ011 - a calendar day
        cutoff = today - datetime.timedelta(days=settings.REVIEW_INTERVAL_DAYS)
        return self.published().filter(
            Q(last_verified__isnull=True) | Q(last_verified__lt=cutoff)
        )

    def possible_duplicates(self, title_field, date_field, title, day, precision):
        """Records whose title is like ``title`` and whose date is
        close to ``day`` (a vague date at ``precision``), most similar first.

        Titles are compared without accents or case, with the same expression as
        the model's trigram index (``%`` finds the candidates through the index).
        A record without a date, or a new one without a date, cannot be told apart
        by date: only the title counts then.
        """
        folded = AtlasUnaccent(Lower(Value(title)))
        candidates = (
            self.annotate(folded_title=AtlasUnaccent(Lower(title_field)))
            .filter(folded_title__trigram_similar=folded)
            .annotate(similarity=TrigramSimilarity("folded_title", folded))
            .filter(similarity__gte=DUPLICATE_SIMILARITY)
        )
        if day is not None:
            last = period_end(day, precision or "day")
            candidates = candidates.filter(
                Q(**{f"{date_field}__isnull": True})
                | (
                    Q(**{f"{date_field}__lte": _shifted(last, DUPLICATE_WINDOW)})
                    & period_reaches(date_field, _shifted(day, -DUPLICATE_WINDOW))
                )
            )
        return list(candidates.order_by("-similarity", "pk")[:MAX_DUPLICATES])


def user_sees_unpublished(user, model):
    """Editors (view permission on the model) see drafts, reviews and retractions."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    opts = model._meta
    return user.has_perm(f"{opts.app_label}.view_{opts.model_name}")


class ReviewedRecord(SourcedRecord):
    """A sourced record that is reviewed before it is published.

    draft -> review -> published -> retracted; the transitions, and who may make
    them, live in config/workflow.py. Only published records (and, as notices,
    retracted ones) are public.
    """

    publication_status = models.CharField(
        _("publication status"),
        max_length=10,
        choices=Status.choices,
        default=Status.DRAFT,
        db_index=True,
    )
    # Who changed the record's content last: a reviewer may not publish it then.
    last_edited_by = models.ForeignKey(
        "auth.User",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("last edited by"),
    )
    submitted_by = models.ForeignKey(
        "auth.User",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("submitted for review by"),
    )
    submitted_at = models.DateTimeField(
        _("submitted for review"), null=True, blank=True
    )
    reviewed_by = models.ForeignKey(
        "auth.User",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("published by"),
    )
    published_at = models.DateTimeField(_("first published"), null=True, blank=True)
    retracted_at = models.DateTimeField(_("retracted"), null=True, blank=True)
    retraction_reason = models.TextField(
        _("reason for retraction"),
        blank=True,
        help_text=_("Shown publicly on the record's page once it is retracted."),
    )
    last_verified = models.DateField(
        _("last verified"),
        null=True,
        blank=True,
        help_text=_("The day an editor last checked this record against its sources."),
    )

    # Set by the workflow only (config/workflow.py): read-only in the admin,
    # exported but never imported.
    WORKFLOW_FIELDS = (
        "publication_status",
        "submitted_by",
        "submitted_at",
        "reviewed_by",
        "published_at",
        "retracted_at",
        "retraction_reason",
        "last_edited_by",
    )

    class Meta:
        abstract = True

    @property
    def is_public(self):
        return self.publication_status == Status.PUBLISHED


def workflow_constraints(prefix):
    """What must hold for every reviewed record, by status."""
    return [
        models.CheckConstraint(
            condition=~Q(publication_status=Status.PUBLISHED)
            | Q(published_at__isnull=False),
            name=f"{prefix}_published_has_date",
            violation_error_message=_("A published record needs a publication date."),
        ),
        models.CheckConstraint(
            condition=~Q(publication_status=Status.RETRACTED)
            | (Q(retracted_at__isnull=False) & ~Q(retraction_reason="")),
            name=f"{prefix}_retraction_has_reason",
            violation_error_message=_("A retraction needs a date and a public reason."),
        ),
        models.CheckConstraint(
            condition=Q(publication_status__in=Status.values),
            name=f"{prefix}_publication_status_valid",
            violation_error_message=_("Unknown publication status."),
        ),
    ]
