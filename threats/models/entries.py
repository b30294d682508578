"""Threat entries: what happened, when and where, how severe, how credible, and
whom it targeted."""

from django.contrib.postgres.indexes import GinIndex
from django.core.exceptions import ValidationError
from django.db import connections, models
from django.db.models import Q
from django.db.models.functions import Coalesce, Lower, TruncMonth
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from alliances.models import NOT_RATED, Country, Publisher, Source
from core.dates import (
    coordinates_constraints,
    latitude_field,
    longitude_field,
    not_before_constraint,
    precision_field,
    vague_date_constraint,
)
from core.history import track_history
from core.kinds import SearchKind, TimelineKind
from core.models import (
    DatabaseKeptArrayField,
    ReviewedQuerySet,
    ReviewedRecord,
    Status,
    published_index,
    workflow_constraints,
)
from core.search import (
    folded_index,
    newest_published_index,
    search_index,
    search_vector_field,
    trigram_index,
)
from core.searchwords import title_words_index
from exercises.models import Exercise

from .links import EXERCISE_LINK_FIELDS, EntryLinks, attribution_model
from .targets import TargetCounts
from .vocabulary import ThreatCategory

PUBLISH_NEEDS_SEVERITY = _(
    "Assess the severity (1-5) before publishing: a published threat entry needs one."
)


def credibility_from_corroboration(independent_publishers):
    """The Admiralty information-credibility grade that corroboration alone
    supports (README "Assessments"):

    - 3 or more independent publishers report it: 2, probably true;
    - 2: 3, possibly true;
    - 1: 6, truth cannot be judged (nothing to judge it against);
    - none (no source yet): not rated.

    A count never gives 1 (confirmed) or the negative grades 4 and 5: they
    judge the content itself, which only a reviewer does (the override).
    """
    if independent_publishers >= 3:
        return ThreatEntry.Credibility.PROBABLY_TRUE
    if independent_publishers == 2:
        return ThreatEntry.Credibility.POSSIBLY_TRUE
    if independent_publishers == 1:
        return ThreatEntry.Credibility.CANNOT_BE_JUDGED
    return None


class ThreatEntryQuerySet(TargetCounts, EntryLinks, ReviewedQuerySet):
    search_fields = (
        "title",
        "summary",
        "location_name",
        "targets_note",
        "attributions__actor__name",
    )
    search_title_fields = ("title",)
    search_body_field = "summary"

    def for_search(self):
        return self.select_related("category")

    def for_list(self):
        """The joins a row of a list, feed or export needs: category, location
        country and the actors blamed (attributions ordered by actor, so a page
        can skip an actor named twice by different parties)."""
        return self.select_related("category", "location_country").prefetch_related(
            models.Prefetch(
                "attributions",
                queryset=attribution_model()
                .objects.select_related("actor")
                .order_by("actor__name", "actor_id", "attributed_by"),
            )
        )

    def for_detail(self):
        """Everything a detail page shows, in a fixed number of queries (not
        the search vectors, kilobytes a row that no page shows; linked records
        with what their line shows)."""
        return (
            self.select_related(
                "category", "location_country", "coordinates_source__publisher"
            )
            .defer("search_vector", "location_country__search_vector")
            .prefetch_related(
                models.Prefetch(
                    "target_countries",
                    queryset=Country.objects.defer("search_vector"),
                ),
                "sources",
                models.Prefetch(
                    "attributions",
                    queryset=attribution_model()
                    .objects.select_related("actor")
                    .prefetch_related("sources")
                    .order_by("actor__name", "attributed_on", "attributed_by"),
                ),
                # Related exercises: the published ones only, so a draft is
                # not named on the page (linked entries: ``linked_to``).
                models.Prefetch(
                    "related_exercises",
                    queryset=Exercise.objects.published()
                    .only(*EXERCISE_LINK_FIELDS)
                    .order_by(models.F("start").desc(nulls_last=True), "name"),
                ),
            )
        )

    def refresh_assessment(self):
        """Recompute the ratings derived from the sources of these entries
        (source reliability, corroboration, credibility) and save those that
        changed, with a new ``updated`` so API mirrors fetch them again. Called
        when an entry's sources, a source's publisher or a publisher's rating
        change. Two queries: one to read, one bulk update."""
        cited = ThreatEntry.sources.through.objects.filter(
            threatentry=models.OuterRef("pk"), source__publisher__isnull=False
        ).order_by()
        best_letter = (
            cited.exclude(source__publisher__reliability="")
            .order_by("source__publisher__reliability")
            .values("source__publisher__reliability")[:1]
        )
        # One outlet under two spellings ("Censor.NET", "Censor.net") counts once.
        independent = (
            cited.filter(source__publisher__relays_others=False)
            .values("threatentry")
            .annotate(
                count=models.Count(Lower("source__publisher__name"), distinct=True)
            )
            .values("count")
        )
        any_publisher = models.Exists(cited)
        rows = self.order_by().annotate(
            new_reliability=Coalesce(models.Subquery(best_letter), models.Value("")),
            new_independent=Coalesce(models.Subquery(independent), 0),
            has_publisher=any_publisher,
        )
        now = timezone.now()
        changed = []
        for entry in rows:
            # Sources that only relay others still show it was reported once.
            count = max(entry.new_independent, 1 if entry.has_publisher else 0)
            before = entry.assessment()
            entry.source_reliability = entry.new_reliability
            entry.corroboration = count
            entry.derive_credibility()
            if entry.assessment() != before:
                entry.updated = now
                changed.append(entry)
        self.model.objects.bulk_update(
            changed,
            [
                "source_reliability",
                "corroboration",
                "information_credibility",
                "updated",
            ],
        )
        return len(changed)

    def target_monthly_counts(self):
        """Rows for a chart stacked by target country (core/charts.py): these
        entries per month of their start, its precision and country targeted
        by ``targeting``'s rule (named, or happened in it): ``month``,
        ``precision``, ``key`` (ISO code, None for an entry targeting none),
        ``name``, ``name_lt``, ``count``. One aggregate query (the rule joins
        two relations, which the ORM cannot group over in one query)."""
        entries_sql, params = (
            self.order_by()
            .values(
                e_id=models.F("pk"),
                e_date=models.F("occurred_start"),
                e_precision=models.F("occurred_start_precision"),
                e_located=models.F("location_country_id"),
            )
            .query.sql_with_params()
        )
        through = self.model.target_countries.through._meta
        country = Country._meta.db_table
        # Table names from the models' meta; every value is a parameter.
        sql = f"""
            WITH chosen AS ({entries_sql})
            SELECT date_trunc('month', chosen.e_date)::date AS month,
                   chosen.e_precision AS precision, c.iso2 AS key,
                   c.name AS name, c.name_lt AS name_lt,
                   COUNT(DISTINCT chosen.e_id) AS count
            FROM chosen
            LEFT JOIN (
                SELECT named.threatentry_id AS entry_id, named.country_id
                FROM "{through.db_table}" named
                WHERE named.threatentry_id IN (SELECT e_id FROM chosen)
                UNION
                SELECT e_id, e_located FROM chosen WHERE e_located IS NOT NULL
            ) targeted ON targeted.entry_id = chosen.e_id
            LEFT JOIN "{country}" c ON c.id = targeted.country_id
            GROUP BY 1, 2, 3, 4, 5
        """  # noqa: S608
        with connections[self.db].cursor() as cursor:
            cursor.execute(sql, params)
            names = [column[0] for column in cursor.description]
            return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def involving(self, country):
        """Entries targeting ``country`` (``targeting``), annotated ``targeted``
        when they name it among their target countries (not only happened in
        it), for the country profile, with their category."""
        named = self.model.target_countries.through.objects.filter(country=country)
        return (
            self.targeting(country)
            .annotate(
                targeted=models.Exists(named.filter(threatentry=models.OuterRef("pk")))
            )
            .select_related("category")
        )

    def timeline_rows(self):
        """Threat entries as timeline rows (config/pages/timeline.py), with
        their category."""
        return self.annotate(
            item_slug=models.F("slug"),
            item_title=models.F("title"),
            item_date=models.F("occurred_start"),
            item_date_precision=models.F("occurred_start_precision"),
            item_end=models.F("occurred_end"),
            item_end_precision=models.F("occurred_end_precision"),
            item_summary=models.F("summary"),
            item_category=models.F("category__name"),
        )

    def monthly_counts(self):
        """Entries per month (of the start) and category: dicts with month,
        precision, category slug, names (English and Lithuanian) and position,
        and count. Entries dated
        only to the year come back with precision "year" so a chart can leave
        them out instead of piling them on January."""
        return (
            self.annotate(month=TruncMonth("occurred_start"))
            .order_by()
            .values(
                "month",
                "occurred_start_precision",
                "category__slug",
                "category__name",
                "category__name_lt",
                "category__position",
            )
            .annotate(count=models.Count("pk"))
            .order_by("month", "category__position")
        )


@track_history
class ThreatEntry(ReviewedRecord):
    """An incident or threat development, rated with the NATO Admiralty code."""

    # Its API resource (/api/v1/threats/) and kind in /deletions/.
    api_kind = "threats"
    # The field that names a record (retractions, timeline).
    title_field = "title"
    timeline_kind = TimelineKind("threat", _("Threat entries"), _("Threat"), 30)
    search_kind = SearchKind(
        "threats",
        _("Threat entries"),
        "threats:threatentry_list",
        "occurred_start",
        "occurred_end",
        40,
    )

    class Severity(models.IntegerChoices):
        MINIMAL = 1, _("1 – minimal: signalling or nuisance, no disruption")
        LOW = 2, _("2 – low: limited, short-lived disruption or a contained incident")
        MODERATE = (
            3,
            _(
                "3 – moderate: noticeable disruption of services, borders or public order"
            ),
        )
        HIGH = (
            4,
            _(
                "4 – high: serious harm to critical infrastructure, forces or public safety"
            ),
        )
        CRITICAL = (
            5,
            _("5 – critical: loss of life, armed attack or lasting national harm"),
        )

    # Source reliability is rated per publisher (alliances.Publisher).
    Reliability = Publisher.Reliability

    class Credibility(models.IntegerChoices):
        """Admiralty code: how credible the information is, judged apart from the source."""

        CONFIRMED = 1, _("1 – confirmed by other sources")
        PROBABLY_TRUE = 2, _("2 – probably true")
        POSSIBLY_TRUE = 3, _("3 – possibly true")
        DOUBTFUL = 4, _("4 – doubtful")
        IMPROBABLE = 5, _("5 – improbable")
        CANNOT_BE_JUDGED = 6, _("6 – truth cannot be judged")

    class GeoPrecision(models.TextChoices):
        """How precisely the entry is placed (README "Assessments")."""

        EXACT = "exact", _("exact place")
        TOWN = "town", _("nearest town")
        REGION = "region", _("region")
        COUNTRY = "country", _("country")
        SEA_AREA = "sea_area", _("sea area")

    class SeaArea(models.TextChoices):
        """The sea where a maritime, cable or over-sea incident happened."""

        BALTIC_SEA = "baltic_sea", _("Baltic Sea")
        GULF_OF_FINLAND = "gulf_of_finland", _("Gulf of Finland")
        GULF_OF_RIGA = "gulf_of_riga", _("Gulf of Riga")
        GULF_OF_BOTHNIA = "gulf_of_bothnia", _("Gulf of Bothnia")

    title = models.CharField(_("title"), max_length=300)
    slug = models.SlugField(_("slug"), max_length=100, db_index=False)
    summary = models.TextField(_("summary"), blank=True)
    category = models.ForeignKey(
        ThreatCategory,
        on_delete=models.PROTECT,
        related_name="entries",
        verbose_name=_("category"),
    )
    occurred_start = models.DateField(_("occurred (start)"))
    occurred_start_precision = precision_field(_("start precision"))
    occurred_end = models.DateField(_("occurred (end)"), null=True, blank=True)
    occurred_end_precision = precision_field(_("end precision"))
    reported = models.DateField(
        _("first reported"),
        null=True,
        blank=True,
        help_text=_("When the incident was first made public, if known."),
    )
    location_name = models.CharField(_("location"), max_length=300, blank=True)
    location_country = models.ForeignKey(
        Country,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="threat_locations",
        verbose_name=_("location country"),
    )
    geo_precision = models.CharField(
        _("placed to"),
        max_length=10,
        choices=GeoPrecision.choices,
        blank=True,
        help_text=_(
            "How precisely the location is known: an exact place (a named site), "
            "the nearest town, a region, only the country, or a sea area."
        ),
    )
    sea_area = models.CharField(
        _("sea area"),
        max_length=20,
        choices=SeaArea.choices,
        blank=True,
        help_text=_("For maritime, cable and over-sea incidents."),
    )
    sea_area_detail = models.CharField(
        _("part of the sea"),
        max_length=200,
        blank=True,
        help_text=_(
            "The part of the sea area the sources name, e.g. "
            "'east of Gotland (Swedish EEZ)'."
        ),
    )
    latitude = latitude_field()
    longitude = longitude_field()
    coordinates_source = models.ForeignKey(
        Source,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="threat_coordinates",
        verbose_name=_("source of the coordinates"),
    )
    coordinates_note = models.CharField(
        _("note on the coordinates"), max_length=300, blank=True
    )
    target_countries = models.ManyToManyField(
        Country,
        blank=True,
        related_name="targeted_by_threats",
        verbose_name=_("target countries"),
        help_text=_(
            "Countries it names among its targets. The country where it happened "
            "counts as a target without being listed here."
        ),
    )
    # ``targeting``'s rule on the row (ids of the countries named and where it
    # happened), kept by database triggers (migration 0015) whoever writes, so
    # that the list's indexes serve the target filter.
    targeted_country_ids = DatabaseKeptArrayField(
        models.BigIntegerField(),
        default=list,
        blank=True,
        editable=False,
        verbose_name=_("targeted countries (ids)"),
    )
    targets_note = models.TextField(
        _("targets"),
        blank=True,
        help_text=_("What or who was targeted, in words (systems, people, bodies)."),
    )
    severity = models.PositiveSmallIntegerField(
        _("severity"),
        choices=Severity.choices,
        null=True,
        blank=True,
        help_text=_(
            "Editors' assessment on the 1-5 scale; needed before the entry is "
            "published."
        ),
    )
    severity_note = models.CharField(
        _("why this severity"),
        max_length=500,
        blank=True,
        help_text=_("One sentence: what the sources state that sets the level."),
    )
    # Derived from the sources (refresh_assessment), never typed in: the best
    # letter among the publishers of its sources, and how many independent
    # publishers report it.
    source_reliability = models.CharField(
        _("source reliability"),
        max_length=1,
        choices=Reliability.choices,
        blank=True,
        editable=False,
        help_text=_(
            "The best rating among the publishers of its sources; empty: none of "
            "them is rated."
        ),
    )
    corroboration = models.PositiveSmallIntegerField(
        _("independent publishers"),
        default=0,
        editable=False,
        help_text=_(
            "Publishers among its sources that report it independently (those "
            "relaying another publisher's text are not counted)."
        ),
    )
    credibility_override = models.PositiveSmallIntegerField(
        _("credibility set by a reviewer"),
        choices=Credibility.choices,
        null=True,
        blank=True,
        help_text=_(
            "Only when a reviewer judges the information otherwise than its "
            "corroboration says; say why in the note on the rating."
        ),
    )
    information_credibility = models.PositiveSmallIntegerField(
        _("information credibility"),
        choices=Credibility.choices,
        null=True,
        blank=True,
        editable=False,
        help_text=_("The reviewer's grade if set, else the one corroboration gives."),
    )
    rating_note = models.TextField(
        _("note on the rating"),
        blank=True,
        help_text=_("Why a reviewer set the credibility otherwise, if they did."),
    )
    related_exercises = models.ManyToManyField(
        Exercise,
        blank=True,
        related_name="related_threats",
        verbose_name=_("related exercises"),
    )
    follows_up = models.ManyToManyField(
        "self",
        symmetrical=False,
        blank=True,
        related_name="followed_up_by",
        verbose_name=_("follows up"),
        help_text=_("Earlier entries this one follows up, continues or answers."),
    )
    sources = models.ManyToManyField(
        Source, related_name="threat_entries", verbose_name=_("sources")
    )
    search_vector = search_vector_field(
        A=["title"], B=["location_name", "targets_note"], C=["summary"]
    )

    objects = ThreatEntryQuerySet.as_manager()

    class Meta:
        ordering = ["-occurred_start", "title"]
        verbose_name = _("threat entry")
        verbose_name_plural = _("threat entries")
        permissions = [
            ("publish_threatentry", _("Can publish and retract threat entries")),
        ]
        indexes = [
            search_index("threat_entry_search"),
            trigram_index("title", "threat_entry_title_trgm"),
            title_words_index(["title"], "threat_entry_title_words"),
            # The lists' default order (newest first), alone and after a
            # category; with the id, the country where it happened and the
            # countries targeted, so a bounded count by category and target
            # reads the index only.
            published_index(
                "threat_entry_pub_order",
                ["-occurred_start", "title"],
                include=["location_country", "id", "targeted_country_ids"],
            ),
            # Also the few columns the list page's facet counts and the home
            # chart count: they read it, not the wide rows.
            published_index(
                "threat_entry_pub_category",
                ["category", "-occurred_start", "title"],
                include=[
                    "location_country",
                    "id",
                    "occurred_start_precision",
                    "severity",
                    "information_credibility",
                    "source_reliability",
                    "geo_precision",
                    "sea_area",
                    "targeted_country_ids",
                ],
            ),
            # A target country named by few entries: its entries from here,
            # then sorted (a common one walks the order indexes above).
            GinIndex(
                fields=["targeted_country_ids"],
                name="threat_entry_pub_targets",
                condition=Q(publication_status=Status.PUBLISHED),
            ),
            folded_index("title", "threat_entry_title_folded"),
            newest_published_index("threat_entry_pub_newest"),
            # The map's grid (config/pages/mapgrid.py): published entries'
            # coordinates, read by an index-only scan, also under the map's
            # year and category filters.
            models.Index(
                fields=["longitude", "latitude"],
                include=["occurred_start", "category"],
                name="threat_entry_map_point",
                condition=Q(publication_status="published", latitude__isnull=False),
            ),
            # The home page's "recently added".
            published_index("threat_entry_pub_published_at", ["-published_at"]),
        ]
        constraints = [
            *workflow_constraints("threat_entry"),
            models.UniqueConstraint(fields=["slug"], name="threat_entry_slug_unique"),
            vague_date_constraint("threat_entry", "occurred_start"),
            vague_date_constraint("threat_entry", "occurred_end"),
            not_before_constraint(
                "threat_entry",
                "occurred_start",
                "occurred_end",
                _("The end cannot be before the start."),
            ),
            models.CheckConstraint(
                condition=Q(severity__isnull=True)
                | Q(severity__gte=1, severity__lte=5),
                name="threat_entry_severity_range",
                violation_error_message=_("Severity must be between 1 and 5."),
            ),
            models.CheckConstraint(
                condition=~Q(publication_status=Status.PUBLISHED)
                | Q(severity__isnull=False),
                name="threat_entry_published_has_severity",
                violation_error_message=PUBLISH_NEEDS_SEVERITY,
            ),
            models.CheckConstraint(
                condition=Q(source_reliability__in=["", "A", "B", "C", "D", "E", "F"]),
                name="threat_entry_reliability_range",
                violation_error_message=_(
                    "Source reliability must be a letter A to F."
                ),
            ),
            models.CheckConstraint(
                condition=Q(information_credibility__isnull=True)
                | Q(information_credibility__gte=1, information_credibility__lte=6),
                name="threat_entry_credibility_range",
                violation_error_message=_(
                    "Information credibility must be between 1 and 6."
                ),
            ),
            models.CheckConstraint(
                condition=Q(credibility_override__isnull=True)
                | Q(credibility_override__gte=1, credibility_override__lte=6),
                name="threat_entry_credibility_override_range",
                violation_error_message=_(
                    "Information credibility must be between 1 and 6."
                ),
            ),
            models.CheckConstraint(
                condition=Q(
                    geo_precision__in=[
                        "",
                        "exact",
                        "town",
                        "region",
                        "country",
                        "sea_area",
                    ]
                ),
                name="threat_entry_geo_precision_valid",
                violation_error_message=_("Unknown geo-precision code."),
            ),
            models.CheckConstraint(
                condition=Q(
                    sea_area__in=[
                        "",
                        "baltic_sea",
                        "gulf_of_finland",
                        "gulf_of_riga",
                        "gulf_of_bothnia",
                    ]
                ),
                name="threat_entry_sea_area_valid",
                violation_error_message=_("Unknown sea area."),
            ),
            models.CheckConstraint(
                condition=~Q(geo_precision="sea_area") | ~Q(sea_area=""),
                name="threat_entry_sea_area_given",
                violation_error_message=_(
                    "An entry placed by its sea area needs the sea area."
                ),
            ),
            models.CheckConstraint(
                condition=Q(sea_area_detail="") | ~Q(sea_area=""),
                name="threat_entry_sea_area_detail_needs_area",
                violation_error_message=_("Name the sea area of which this is a part."),
            ),
            models.CheckConstraint(
                condition=Q(latitude__isnull=True)
                | Q(coordinates_source__isnull=False),
                name="threat_entry_coordinates_sourced",
                violation_error_message=_(
                    "Coordinates need the source that gives them."
                ),
            ),
            *coordinates_constraints("threat_entry"),
        ]

    def __str__(self):
        return self.title

    def natural_key(self):
        return (self.slug,)

    def get_absolute_url(self):
        return reverse("threats:threatentry_detail", args=[self.slug])

    def search_detail(self):
        """One more fact to tell similar titles apart on the search page."""
        return self.category

    def save(self, *args, **kwargs):
        self.derive_credibility()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "credibility_override" in update_fields:
            kwargs["update_fields"] = {*update_fields, "information_credibility"}
        super().save(*args, **kwargs)

    def clean(self):
        super().clean()
        if self.publication_status == Status.PUBLISHED and self.severity is None:
            raise ValidationError({"severity": PUBLISH_NEEDS_SEVERITY})

    def derive_credibility(self):
        """The reviewer's grade if they set one, else corroboration's."""
        self.information_credibility = (
            self.credibility_override
            or credibility_from_corroboration(self.corroboration)
        )

    def assessment(self):
        return (
            self.source_reliability,
            self.corroboration,
            self.information_credibility,
        )

    def publication_refusal(self):
        """Why this entry may not be published yet (core.workflow), or None."""
        if self.severity is None:
            return PUBLISH_NEEDS_SEVERITY
        return None

    @property
    def targeted_countries(self):
        """The countries it targets by the one rule (``targeting``): those it
        names and the one it happened in, by name. Read from the loaded
        ``target_countries`` and ``location_country``."""
        countries = {country.pk: country for country in self.target_countries.all()}
        if self.location_country_id:
            countries.setdefault(self.location_country_id, self.location_country)
        return sorted(countries.values(), key=lambda country: country.name)

    @property
    def admiralty_code(self):
        """'B2' style rating; the letter is "–" while no publisher of its sources
        is rated, and the code is empty while there is no credibility."""
        if not self.information_credibility:
            return ""
        return f"{self.source_reliability or '–'}{self.information_credibility}"

    @property
    def reliability_label(self):
        if self.source_reliability:
            return self.get_source_reliability_display()
        return NOT_RATED

    @property
    def credibility_is_derived(self):
        return self.information_credibility is not None and (
            self.credibility_override is None
        )
