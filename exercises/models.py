import datetime

from django.db import models
from django.db.models import Case, Exists, F, OuterRef, Prefetch, Q, Value, When
from django.db.models.functions import Coalesce, Lower
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from alliances.models import Country, Organisation, Source
from core.dates import (
    coordinates_constraints,
    latitude_field,
    longitude_field,
    not_before_constraint,
    period_reaches,
    period_start,
    precision_field,
    vague_date_constraint,
)
from core.history import track_history
from core.kinds import SearchKind, TimelineKind
from core.models import (
    ReviewedQuerySet,
    ReviewedRecord,
    TimeStampedModel,
    published_index,
    workflow_constraints,
)
from core.search import (
    SlugQuerySet,
    folded_index,
    newest_published_index,
    search_index,
    search_vector_field,
    trigram_index,
)
from core.searchwords import title_words_index


class ExerciseSeriesQuerySet(SlugQuerySet):
    search_fields = ("name", "description")


@track_history
class ExerciseSeries(TimeStampedModel):
    """A recurring exercise, such as Iron Wolf or BALTOPS."""

    # Its API resource (/api/v1/exercise-series/) and kind in /deletions/.
    api_kind = "exercise-series"

    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=100, db_index=False)
    description = models.TextField(_("description"), blank=True)

    objects = ExerciseSeriesQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("exercise series")
        verbose_name_plural = _("exercise series")
        constraints = [
            models.UniqueConstraint(
                fields=["slug"], name="exercise_series_slug_unique"
            ),
            models.UniqueConstraint(
                Lower("name"),
                name="exercise_series_name_unique_ci",
                violation_error_message=_("A series with this name already exists."),
            ),
        ]

    def __str__(self):
        return self.name

    def natural_key(self):
        return (self.slug,)


def _period_over_by(field, day):
    """``field``'s whole period lies on or before ``day``."""
    following = day + datetime.timedelta(days=1)
    return Q(
        *(
            Q(
                **{
                    f"{field}_precision": precision,
                    f"{field}__lt": period_start(following, precision),
                }
            )
            for precision in ("day", "month", "year")
        ),
        _connector=Q.OR,
    )


class ExerciseQuerySet(ReviewedQuerySet):
    search_fields = ("name", "description", "series__name", "lead", "locations__name")
    search_title_fields = ("name",)
    search_body_field = "description"

    def for_search(self):
        return self.select_related("series")

    def newest_first(self):
        # An exercise whose start is unknown sorts by its end; undated ones go last.
        return self.order_by(
            Coalesce("start", "end").desc(nulls_last=True), "name", "pk"
        )

    def for_list(self):
        """The joins a list row needs: series and host countries."""
        return (
            self.select_related("series")
            .prefetch_related("host_countries")
            .newest_first()
        )

    def for_export(self):
        """What an export row or a feed entry adds to ``for_list``."""
        return self.select_related(
            "lead_country", "lead_organisation"
        ).prefetch_related(
            Prefetch("participations", Participation.objects.select_related("country")),
            "locations",
            "sources",
        )

    def for_detail(self):
        """What the public page shows: the series' published editions and the
        published threat entries linked to the exercise."""
        threat_model = self.model._meta.get_field("related_threats").related_model
        return self.select_related(
            "series", "lead_country", "lead_organisation"
        ).prefetch_related(
            "host_countries",
            Prefetch(
                "participations",
                Participation.objects.select_related("country").order_by(
                    "country__name"
                ),
            ),
            Prefetch(
                "locations",
                ExerciseLocation.objects.select_related(
                    # the source's name includes its publisher
                    "country",
                    "coordinates_source__publisher",
                ),
            ),
            "sources",
            Prefetch(
                "series__exercises",
                self.model.objects.published()
                .newest_first()
                .only(
                    "name",
                    "slug",
                    "series_id",
                    "start",
                    "start_precision",
                    "end",
                    "end_precision",
                ),
                to_attr="editions",
            ),
            Prefetch(
                "related_threats",
                threat_model.objects.published().select_related("category"),
            ),
        )

    def involving(self, country):
        """Exercises ``country`` hosted or took part in, annotated ``hosted`` and
        ``took_part`` (the country profile), with their series."""
        hosts = self.model.host_countries.through.objects.filter(country=country)
        participants = Participation.objects.filter(country=country)
        return (
            self.filter(
                Q(pk__in=hosts.values("exercise"))
                | Q(pk__in=participants.values("exercise"))
            )
            .annotate(
                hosted=Exists(hosts.filter(exercise=OuterRef("pk"))),
                took_part=Exists(participants.filter(exercise=OuterRef("pk"))),
            )
            .select_related("series")
        )

    def timeline_rows(self):
        """Dated exercises as timeline rows (config/pages/timeline.py): placed at
        their start, or at their end when the start is unknown."""
        return self.filter(Q(start__isnull=False) | Q(end__isnull=False)).annotate(
            item_slug=F("slug"),
            item_title=F("name"),
            item_date=Coalesce("start", "end"),
            item_date_precision=Case(
                When(start__isnull=False, then=F("start_precision")),
                default=F("end_precision"),
            ),
            item_end=Case(
                When(start__isnull=False, then=F("end")),
                output_field=models.DateField(),
            ),
            item_end_precision=Case(
                When(start__isnull=False, then=F("end_precision")),
                default=Value(""),
                output_field=models.CharField(),
            ),
            item_summary=F("description"),
            item_category=Value("", output_field=models.CharField()),
        )

    def overlapping(self, after=None, before=None):
        """Exercises held at least partly between ``after`` and ``before``.

        An exercise spans its start to its end, each at its precision; when one of
        them is unknown the other stands for both. Undated exercises never match.
        """
        queryset = self
        if after is not None:
            queryset = queryset.filter(
                Q(end__isnull=False) & period_reaches("end", after)
                | Q(end__isnull=True) & period_reaches("start", after)
            )
        if before is not None:
            queryset = queryset.filter(
                Q(start__lte=before) | Q(start__isnull=True, end__lte=before)
            )
        return queryset

    def in_years(self, years):
        """Exercises that started in one of ``years`` (or ended, if the start is unknown)."""
        # The date newest_first sorts by, so the list's index serves the ranges
        # (``__year`` is BETWEEN the year's first and last day).
        condition = Q()
        for year in years:
            condition |= Q(dated_year__year=year)
        return self.alias(dated_year=Coalesce("start", "end")).filter(condition)

    def upcoming(self, day):
        """Exercises that certainly start after ``day``."""
        return self.filter(start__gt=day)

    def ongoing(self, day):
        """Exercises that have certainly started by ``day`` and not yet ended."""
        return self.filter(_period_over_by("start", day), end__gte=day)

    def with_timing(self, day):
        """Annotate ``timing``: "upcoming", "ongoing" or "" relative to ``day``."""
        return self.annotate(
            timing=Case(
                When(start__gt=day, then=Value("upcoming")),
                When(
                    _period_over_by("start", day) & Q(end__gte=day),
                    then=Value("ongoing"),
                ),
                default=Value(""),
                output_field=models.CharField(),
            )
        )


@track_history
class Exercise(ReviewedRecord):
    """One edition of a military exercise, with its dates, nations and places."""

    # Its API resource (/api/v1/exercises/) and kind in /deletions/.
    api_kind = "exercises"
    # The field that names a record (retractions, timeline).
    title_field = "name"
    timeline_kind = TimelineKind("exercise", _("Exercises"), _("Exercise"), 20)
    search_kind = SearchKind(
        "exercises", _("Exercises"), "exercises:exercise_list", "start", "end", 30
    )

    class Domain(models.TextChoices):
        LAND = "land", _("land")
        AIR = "air", _("air")
        MARITIME = "maritime", _("maritime")
        CYBER = "cyber", _("cyber")
        JOINT = "joint", _("joint")
        SPECIAL_OPERATIONS = "special_operations", _("special operations")
        SPACE = "space", _("space")

    class Scenario(models.TextChoices):
        COLLECTIVE_DEFENCE = "collective_defence", _("collective defence")
        CRISIS_RESPONSE = "crisis_response", _("crisis response")
        HOST_NATION_SUPPORT = "host_nation_support", _("host nation support")
        CERTIFICATION = "certification", _("certification")
        CYBER_DEFENCE = "cyber_defence", _("cyber defence")
        MINE_COUNTERMEASURES = "mine_countermeasures", _("mine countermeasures")
        PEACE_SUPPORT = "peace_support", _("peace support")

    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=100, db_index=False)
    series = models.ForeignKey(
        ExerciseSeries,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="exercises",
        verbose_name=_("series"),
    )
    edition = models.CharField(_("edition"), max_length=40, blank=True)
    start = models.DateField(_("start"), null=True, blank=True)
    start_precision = precision_field(_("start precision"))
    end = models.DateField(_("end"), null=True, blank=True)
    end_precision = precision_field(_("end precision"))
    lead = models.CharField(
        _("lead (as reported)"),
        max_length=255,
        blank=True,
        help_text=_("Who led it, in the sources' words."),
    )
    lead_country = models.ForeignKey(
        Country,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="led_exercises",
        verbose_name=_("lead nation"),
    )
    lead_organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="led_exercises",
        verbose_name=_("lead organisation"),
    )
    host_countries = models.ManyToManyField(
        Country,
        blank=True,
        related_name="hosted_exercises",
        verbose_name=_("host countries"),
    )
    domain = models.CharField(_("domain"), max_length=20, choices=Domain.choices)
    scenario = models.CharField(
        _("scenario"), max_length=25, choices=Scenario.choices, blank=True
    )
    personnel = models.PositiveIntegerField(
        _("personnel"),
        null=True,
        blank=True,
        help_text=_("The headline total given by the sources; empty when unknown."),
    )
    personnel_note = models.CharField(
        _("note on personnel"), max_length=300, blank=True
    )
    participants_note = models.TextField(_("note on participants"), blank=True)
    description = models.TextField(_("description"), blank=True)
    sources = models.ManyToManyField(
        Source, related_name="exercises", verbose_name=_("sources")
    )
    search_vector = search_vector_field(
        A=["name"],
        B=["edition", "lead", "personnel_note"],
        C=["description", "participants_note"],
    )

    objects = ExerciseQuerySet.as_manager()

    class Meta:
        ordering = ["-start", "name"]
        verbose_name = _("exercise")
        verbose_name_plural = _("exercises")
        permissions = [
            ("publish_exercise", _("Can publish and retract exercises")),
        ]
        indexes = [
            search_index("exercise_search"),
            trigram_index("name", "exercise_name_trgm"),
            title_words_index(["name"], "exercise_name_words"),
            # The lists' order (ExerciseQuerySet.newest_first).
            published_index(
                "exercise_pub_order",
                expressions=[
                    Coalesce("start", "end").desc(nulls_last=True),
                    models.F("name"),
                    models.F("id"),
                ],
            ),
            folded_index("name", "exercise_name_folded"),
            newest_published_index("exercise_pub_newest"),
        ]
        constraints = [
            *workflow_constraints("exercise"),
            models.UniqueConstraint(fields=["slug"], name="exercise_slug_unique"),
            vague_date_constraint("exercise", "start"),
            vague_date_constraint("exercise", "end"),
            not_before_constraint(
                "exercise", "start", "end", _("The end cannot be before the start.")
            ),
        ]

    def __str__(self):
        return self.name

    def natural_key(self):
        return (self.slug,)

    def get_absolute_url(self):
        return reverse("exercises:exercise_detail", args=[self.slug])

    def search_detail(self):
        """One more fact to tell similar titles apart on the search page."""
        return self.series or ""


class ParticipationQuerySet(models.QuerySet):
    def get_by_natural_key(self, exercise_slug, country_iso2):
        return self.get(exercise__slug=exercise_slug, country__iso2=country_iso2)


@track_history
class Participation(TimeStampedModel):
    """A country taking part in an exercise."""

    # Part of its exercise's content: public when the exercise is published, and a
    # change to it is an edit of the exercise (core.publication.reviewed_parent).
    reviewed_via = "exercise"

    exercise = models.ForeignKey(
        Exercise,
        on_delete=models.CASCADE,
        related_name="participations",
        verbose_name=_("exercise"),
    )
    country = models.ForeignKey(
        Country,
        on_delete=models.PROTECT,
        related_name="exercise_participations",
        verbose_name=_("country"),
    )
    personnel = models.PositiveIntegerField(_("personnel"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)

    objects = ParticipationQuerySet.as_manager()

    class Meta:
        ordering = ["exercise", "country__name"]
        verbose_name = _("participation")
        verbose_name_plural = _("participations")
        constraints = [
            models.UniqueConstraint(
                fields=["exercise", "country"],
                name="participation_unique",
                violation_error_message=_("This country is already listed."),
            ),
        ]

    def __str__(self):
        return f"{self.country} in {self.exercise}"

    def natural_key(self):
        return (self.exercise.slug, self.country.iso2)

    natural_key.dependencies = ["exercises.exercise", "alliances.country"]


class ExerciseLocationQuerySet(models.QuerySet):
    def get_by_natural_key(self, exercise_slug, name):
        return self.get(exercise__slug=exercise_slug, name=name)


@track_history
class ExerciseLocation(TimeStampedModel):
    """A place where an exercise was held, with coordinates where a source gives them."""

    # Part of its exercise's content: public when the exercise is published, and a
    # change to it is an edit of the exercise (core.publication.reviewed_parent).
    reviewed_via = "exercise"

    exercise = models.ForeignKey(
        Exercise,
        on_delete=models.CASCADE,
        related_name="locations",
        verbose_name=_("exercise"),
    )
    name = models.CharField(_("name"), max_length=200)
    country = models.ForeignKey(
        Country,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="exercise_locations",
        verbose_name=_("country"),
    )
    latitude = latitude_field()
    longitude = longitude_field()
    coordinates_source = models.ForeignKey(
        Source,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="exercise_locations",
        verbose_name=_("source of the coordinates"),
    )
    coordinates_note = models.CharField(
        _("note on the coordinates"), max_length=300, blank=True
    )

    objects = ExerciseLocationQuerySet.as_manager()

    class Meta:
        ordering = ["exercise", "name"]
        verbose_name = _("location")
        verbose_name_plural = _("locations")
        # Searching exercises by the name of a place (core.search).
        indexes = [trigram_index("name", "exercise_location_name_trgm")]
        constraints = [
            models.UniqueConstraint(
                fields=["exercise", "name"],
                name="exercise_location_unique",
                violation_error_message=_("This place is already listed."),
            ),
            *coordinates_constraints("exercise_location"),
        ]

    def __str__(self):
        return self.name

    def natural_key(self):
        return (self.exercise.slug, self.name)

    natural_key.dependencies = ["exercises.exercise"]
