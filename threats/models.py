from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower, TruncMonth
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from alliances.models import Country, Source
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
    ReviewedQuerySet,
    ReviewedRecord,
    SourcedRecord,
    TimeStampedModel,
    workflow_constraints,
)
from core.search import (
    SearchQuerySet,
    SlugQuerySet,
    search_vector_field,
    trigram_index,
)
from exercises.models import Exercise


class ThreatCategoryQuerySet(SlugQuerySet):
    search_fields = ("name", "description")


@track_history
class ThreatCategory(TimeStampedModel):
    """An entry of the controlled list of threat kinds (cyber attack, sabotage...)."""

    # Its API resource (/api/v1/threat-categories/) and kind in /deletions/.
    api_kind = "threat-categories"

    name = models.CharField(_("name"), max_length=100)
    slug = models.SlugField(_("slug"), max_length=60, db_index=False)
    description = models.TextField(_("description"), blank=True)
    position = models.PositiveSmallIntegerField(_("position in lists"), default=0)

    objects = ThreatCategoryQuerySet.as_manager()

    class Meta:
        ordering = ["position", "name"]
        verbose_name = _("threat category")
        verbose_name_plural = _("threat categories")
        constraints = [
            models.UniqueConstraint(
                fields=["slug"], name="threat_category_slug_unique"
            ),
            models.UniqueConstraint(
                Lower("name"),
                name="threat_category_name_unique_ci",
                violation_error_message=_("A category with this name already exists."),
            ),
        ]

    def __str__(self):
        return self.name

    def natural_key(self):
        return (self.slug,)


class ActorQuerySet(SlugQuerySet):
    search_fields = ("name", "description")


@track_history
class Actor(TimeStampedModel):
    """Who is behind, or blamed for, a threat: a state, an agency, a group or unknown."""

    # Its API resource (/api/v1/actors/) and kind in /deletions/.
    api_kind = "actors"

    class Kind(models.TextChoices):
        STATE = "state", _("state")
        STATE_AFFILIATED = "state_affiliated", _("state-affiliated")
        NON_STATE = "non_state", _("non-state")
        UNKNOWN = "unknown", _("unknown")

    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=100, db_index=False)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    country = models.ForeignKey(
        Country,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="actors",
        verbose_name=_("country"),
        help_text=_("The state it is, or is tied to."),
    )
    aliases = ArrayField(
        models.CharField(max_length=200),
        verbose_name=_("aliases"),
        default=list,
        blank=True,
    )
    description = models.TextField(_("description"), blank=True)

    objects = ActorQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("actor")
        verbose_name_plural = _("actors")
        constraints = [
            models.UniqueConstraint(fields=["slug"], name="actor_slug_unique"),
            models.UniqueConstraint(
                Lower("name"),
                name="actor_name_unique_ci",
                violation_error_message=_("An actor with this name already exists."),
            ),
        ]

    def __str__(self):
        return self.name

    def natural_key(self):
        return (self.slug,)


class ThreatEntryQuerySet(ReviewedQuerySet):
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
                queryset=Attribution.objects.select_related("actor").order_by(
                    "actor__name", "actor_id", "attributed_by"
                ),
            )
        )

    def for_detail(self):
        """Everything a detail page shows, in a fixed number of queries."""
        return self.select_related(
            "category", "location_country", "coordinates_source"
        ).prefetch_related(
            "target_countries",
            "sources",
            models.Prefetch(
                "attributions",
                queryset=Attribution.objects.select_related("actor")
                .prefetch_related("sources")
                .order_by("actor__name", "attributed_on", "attributed_by"),
            ),
            # Only the published exercises: a draft is not named on the page.
            models.Prefetch(
                "related_exercises",
                queryset=Exercise.objects.published().order_by(
                    models.F("start").desc(nulls_last=True), "name"
                ),
            ),
        )

    def involving(self, country):
        """Entries that targeted ``country`` or happened in it, annotated
        ``targeted`` (the country profile), with their category."""
        targets = self.model.target_countries.through.objects.filter(country=country)
        return (
            self.filter(
                Q(pk__in=targets.values("threatentry")) | Q(location_country=country)
            )
            .annotate(
                targeted=models.Exists(
                    targets.filter(threatentry=models.OuterRef("pk"))
                )
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

    def related_to(self, entry):
        """Other entries of the same category or blaming one of the same actors:
        those sharing both first, then the same category (the narrower tie:
        one state is blamed for most entries), then the same actor. ``entry.attributions`` should be prefetched
        (``for_detail``): the actors are read from it, not queried again."""
        actor_ids = {attribution.actor_id for attribution in entry.attributions.all()}
        shares_actor = (
            models.Exists(
                Attribution.objects.filter(
                    entry=models.OuterRef("pk"), actor_id__in=actor_ids
                )
            )
            if actor_ids
            else models.Value(False)
        )
        return (
            self.exclude(pk=entry.pk)
            .annotate(
                shares_actor=shares_actor,
                shares_category=models.ExpressionWrapper(
                    Q(category_id=entry.category_id),
                    output_field=models.BooleanField(),
                ),
            )
            .filter(Q(shares_actor=True) | Q(shares_category=True))
            .select_related("category")
            .order_by("-shares_category", "-shares_actor", "-occurred_start", "title")
        )

    def monthly_counts(self):
        """Entries per month (of the start) and category: dicts with month,
        precision, category slug, name and position, and count. Entries dated
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

    class Reliability(models.TextChoices):
        """Admiralty code: how reliable the source is, judged apart from the content."""

        A = "A", _("A – completely reliable")
        B = "B", _("B – usually reliable")
        C = "C", _("C – fairly reliable")
        D = "D", _("D – not usually reliable")
        E = "E", _("E – unreliable")
        F = "F", _("F – reliability cannot be judged")

    class Credibility(models.IntegerChoices):
        """Admiralty code: how credible the information is, judged apart from the source."""

        CONFIRMED = 1, _("1 – confirmed by other sources")
        PROBABLY_TRUE = 2, _("2 – probably true")
        POSSIBLY_TRUE = 3, _("3 – possibly true")
        DOUBTFUL = 4, _("4 – doubtful")
        IMPROBABLE = 5, _("5 – improbable")
        CANNOT_BE_JUDGED = 6, _("6 – truth cannot be judged")

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
        help_text=_("Editors' assessment on the 1-5 scale; empty until assessed."),
    )
    source_reliability = models.CharField(
        _("source reliability"),
        max_length=1,
        choices=Reliability.choices,
        blank=True,
    )
    information_credibility = models.PositiveSmallIntegerField(
        _("information credibility"),
        choices=Credibility.choices,
        null=True,
        blank=True,
    )
    rating_note = models.TextField(
        _("note on the rating"),
        blank=True,
        help_text=_("Why the sources and information were rated as they are."),
    )
    related_exercises = models.ManyToManyField(
        Exercise,
        blank=True,
        related_name="related_threats",
        verbose_name=_("related exercises"),
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
            GinIndex(fields=["search_vector"], name="threat_entry_search"),
            trigram_index("title", "threat_entry_title_trgm"),
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

    @property
    def admiralty_code(self):
        """'B2' style rating, or an empty string until both halves are rated."""
        if self.source_reliability and self.information_credibility:
            return f"{self.source_reliability}{self.information_credibility}"
        return ""


class AttributionQuerySet(SearchQuerySet):
    search_fields = ("attributed_by", "basis", "actor__name")

    def get_by_natural_key(self, entry_slug, actor_slug, attributed_by):
        return self.get(
            entry__slug=entry_slug, actor__slug=actor_slug, attributed_by=attributed_by
        )


@track_history
class Attribution(SourcedRecord):
    """A claim, by someone, that an actor is behind a threat entry."""

    # Its API resource (/api/v1/attributions/) and kind in /deletions/.
    api_kind = "attributions"

    # Part of its entry's content: public when the entry is published, and a
    # change to it is an edit of the entry (core.publication.reviewed_parent).
    reviewed_via = "entry"

    class Confidence(models.TextChoices):
        CONFIRMED = "confirmed", _("confirmed (e.g. by a court ruling)")
        SELF_DECLARED = "self_declared", _("self-declared by the actor")
        CLAIMED = "claimed", _("claimed by the perpetrator")
        OFFICIAL_ASSESSMENT = "official_assessment", _("official assessment")
        SUSPECTED = "suspected", _("suspected")
        DISPUTED = "disputed", _("disputed")
        NOT_ATTRIBUTED = "not_attributed", _("not attributed")

    entry = models.ForeignKey(
        ThreatEntry,
        on_delete=models.CASCADE,
        related_name="attributions",
        verbose_name=_("threat entry"),
    )
    actor = models.ForeignKey(
        Actor,
        on_delete=models.PROTECT,
        related_name="attributions",
        verbose_name=_("actor"),
    )
    attributed_by = models.CharField(
        _("attributed by"),
        max_length=200,
        blank=True,
        help_text=_(
            "Who made the attribution: a government, a court, the actor itself."
        ),
    )
    attributed_on = models.DateField(_("attributed on"), null=True, blank=True)
    attributed_on_precision = precision_field(_("attributed on precision"))
    attribution_confidence = models.CharField(
        _("attribution confidence"),
        max_length=20,
        choices=Confidence.choices,
    )
    basis = models.TextField(_("basis"), blank=True)
    sources = models.ManyToManyField(
        Source, related_name="attributions", verbose_name=_("sources")
    )

    objects = AttributionQuerySet.as_manager()

    class Meta:
        ordering = ["entry", "actor__name"]
        verbose_name = _("attribution")
        verbose_name_plural = _("attributions")
        constraints = [
            models.UniqueConstraint(
                fields=["entry", "actor", "attributed_by"],
                name="attribution_unique",
                violation_error_message=_(
                    "This actor is already attributed by the same party."
                ),
            ),
            vague_date_constraint("attribution", "attributed_on"),
        ]

    def __str__(self):
        return f"{self.actor} – {self.entry}"

    def natural_key(self):
        return (self.entry.slug, self.actor.slug, self.attributed_by)

    natural_key.dependencies = ["threats.threatentry", "threats.actor"]
