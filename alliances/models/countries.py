"""Countries, publishers and sources: the reference data every record names."""

from django.apps import apps
from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.db import models
from django.db.models import (
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    Subquery,
)
from django.db.models.functions import Cast, Lower, Now
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core.dates import precision_field, vague_date_constraint
from core.history import track_history
from core.kinds import SearchKind
from core.models import (
    BilingualName,
    Status,
    TimeStampedModel,
)
from core.search import (
    SearchQuerySet,
    folded_index,
    search_vector_field,
    strip_accents,
    trigram_index,
)
from core.searchwords import title_words_index


class SubqueryCount(Subquery):
    """COUNT(*) of a correlated subquery's rows, 0 when there are none.

    Counting in a subquery rather than with ``Count()`` over joins keeps the outer
    query free of GROUP BY and of the row multiplication of several many-valued
    joins, so facets and filters can be stacked on the annotated queryset.
    """

    template = "(SELECT COUNT(*) FROM (%(subquery)s) _count)"
    output_field = IntegerField()


def current_date():
    """Today in the database: an expression, so a queryset built at import time
    (a view's ``queryset`` attribute) does not freeze the day it was built."""
    return Cast(Now(), models.DateField())


def _model(name):
    """A model of this app defined in a module that imports this one
    (organisations, agreements): looked up when a query is built."""
    return apps.get_model("alliances", name)


class CountryQuerySet(SearchQuerySet):
    search_fields = ("name", "name_lt")
    search_title_fields = ("name", "name_lt")
    search_body_field = "name_lt"

    def get_by_natural_key(self, iso2):
        return self.get(iso2=iso2)

    def search(self, text):
        """Accent- and case-insensitive match of every word on the English name,
        the Lithuanian name or the ISO code ("Lietuva", "lt", "Sveicarija")."""
        words = strip_accents(text or "").split()
        condition = Q()
        for word in words:
            condition &= (
                Q(name__unaccent__icontains=word)
                | Q(name_lt__unaccent__icontains=word)
                | Q(iso2__iexact=word)
            )
        return self.filter(condition)

    def _related(self, name):
        # exercises and threats import from alliances, never the other way round
        # (STYLE): their models are reached through the reverse relations.
        return self.model._meta.get_field(name).related_model

    def with_records(self):
        """Countries named in a published record: a membership of a published
        organisation, a published agreement's party, a published exercise (host or
        participant) or a published threat entry (target or location). Drafts name
        no country in public."""
        published = Status.PUBLISHED
        hosts = self.model._meta.get_field("hosted_exercises").through
        participation = self._related("exercise_participations")
        threat = self._related("threat_locations")

        def named_in(rows):
            # The few distinct countries, kept in a hash table and read once:
            # an EXISTS per country reads every row for each country no record
            # names (most of them).
            return Q(pk__in=rows.values("country").distinct())

        return self.filter(
            named_in(
                _model("Membership").objects.filter(
                    organisation__publication_status=published
                )
            )
            | named_in(
                _model("AgreementParty").objects.filter(
                    agreement__publication_status=published
                )
            )
            | named_in(hosts.objects.filter(exercise__publication_status=published))
            | named_in(
                participation.objects.filter(exercise__publication_status=published)
            )
            # The one rule of "targets a country" (ThreatEntryQuerySet).
            | threat.objects.published().targeted()
        )

    def for_list(self, sees_unpublished=None):
        """Per country: memberships, agreements it is party to, exercises it
        hosted or took part in, threat entries targeting it or located in it.

        Published records only, unless ``sees_unpublished(model)`` says the
        reader may see the others of that model (an editor in the API).
        """
        exercise = self._related("hosted_exercises")
        threat = self._related("targeted_by_threats")

        def shown(queryset, model, path=""):
            if sees_unpublished is not None and sees_unpublished(model):
                return queryset
            return queryset.filter(**{f"{path}publication_status": Status.PUBLISHED})

        return self.annotate(
            membership_count=SubqueryCount(
                shown(
                    _model("Membership").objects.filter(country=OuterRef("pk")),
                    _model("Organisation"),
                    "organisation__",
                ).values("pk")
            ),
            agreement_count=SubqueryCount(
                shown(
                    _model("AgreementParty").objects.filter(country=OuterRef("pk")),
                    _model("Agreement"),
                    "agreement__",
                ).values("agreement")
            ),
            exercise_count=SubqueryCount(
                shown(
                    exercise.objects.filter(
                        Q(host_countries=OuterRef("pk"))
                        | Q(participations__country=OuterRef("pk"))
                    ),
                    exercise,
                )
                .order_by()
                .values("pk")
                .distinct()
            ),
            threat_count=SubqueryCount(
                # The one rule of "targets a country" (ThreatEntryQuerySet).
                shown(threat.objects.targeting(OuterRef("pk")), threat)
                .order_by()
                .values("pk")
            ),
        )

    def for_detail(self):
        """The country profile's memberships (of published organisations) and
        agreement parties (of published agreements)."""
        published = Status.PUBLISHED
        return self.prefetch_related(
            Prefetch(
                "memberships",
                queryset=_model("Membership")
                .objects.filter(organisation__publication_status=published)
                .select_related("organisation")
                .order_by(F("joined").asc(nulls_last=True), "organisation__name"),
            ),
            Prefetch(
                "agreement_parties",
                queryset=_model("AgreementParty")
                .objects.filter(agreement__publication_status=published)
                .select_related("agreement")
                .order_by(
                    F("agreement__signed").desc(nulls_last=True), "agreement__title"
                ),
            ),
        )


@track_history
class Country(BilingualName, TimeStampedModel):
    """A state, identified by its ISO 3166-1 alpha-2 code (GB for the United Kingdom)."""

    # Its API resource (/api/v1/countries/) and kind in /deletions/.
    api_kind = "countries"
    # Last on the search page when groups rank alike: a country's name turns up
    # in many queries and is the least specific answer.
    search_kind = SearchKind(
        "countries", _("Countries"), "alliances:country_list", position=90
    )

    iso2 = models.CharField(
        _("ISO code"),
        max_length=2,
        help_text=_("ISO 3166-1 alpha-2 code, two capital letters (LT, PL, GB)."),
    )
    name = models.CharField(_("name"), max_length=100)
    name_lt = models.CharField(_("name in Lithuanian"), max_length=100, blank=True)
    search_vector = search_vector_field(A=["name", "name_lt", "iso2"])

    objects = CountryQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("country")
        verbose_name_plural = _("countries")
        indexes = [
            GinIndex(fields=["search_vector"], name="country_search"),
            trigram_index("name", "country_name_trgm"),
            title_words_index(["name", "name_lt"], "country_title_words"),
            trigram_index("name_lt", "country_name_lt_trgm"),
            folded_index("name", "country_name_folded"),
            folded_index("name_lt", "country_name_lt_folded"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["iso2"], name="country_iso2_unique"),
            models.UniqueConstraint(
                Lower("name"),
                name="country_name_unique_ci",
                violation_error_message=_("A country with this name already exists."),
            ),
            models.CheckConstraint(
                condition=Q(iso2__regex=r"^[A-Z]{2}$"),
                name="country_iso2_format",
                violation_error_message=_(
                    "The ISO code must be two capital letters, such as LT."
                ),
            ),
        ]

    def __str__(self):
        return self.name

    def natural_key(self):
        return (self.iso2,)

    def get_absolute_url(self):
        return reverse("alliances:country_detail", args=[self.iso2])

    def search_detail(self):
        return ""


# What pages, exports and the API's labels say for a publisher without a letter.
NOT_RATED = _("not rated")


class PublisherQuerySet(SearchQuerySet):
    search_fields = ("name", "rating_note")

    def get_by_natural_key(self, name):
        return self.get(name=name)


@track_history
class Publisher(TimeStampedModel):
    """An outlet or body that publishes sources (a ministry, a news agency, a
    blog), rated once for the reliability of everything it publishes.

    The rating is the first half of the NATO Admiralty code. Reviewers give it
    (the ``publish_publisher`` permission); editors may add publishers, which
    stay "not rated" until a reviewer rates them. A threat entry's source
    reliability is read from the publishers of its sources (threats.models).
    """

    # Its API resource (/api/v1/publishers/) and kind in /deletions/.
    api_kind = "publishers"

    class Reliability(models.TextChoices):
        """Admiralty code: how reliable a source is, judged apart from what it says."""

        A = "A", _("A – completely reliable")
        B = "B", _("B – usually reliable")
        C = "C", _("C – fairly reliable")
        D = "D", _("D – not usually reliable")
        E = "E", _("E – unreliable")
        F = "F", _("F – reliability cannot be judged")

    name = models.CharField(
        _("name"),
        max_length=200,
        help_text=_("As the sources give it (one row per variant of a name)."),
    )
    reliability = models.CharField(
        _("reliability"),
        max_length=1,
        choices=Reliability.choices,
        blank=True,
        help_text=_("Admiralty letter; empty: not rated. Only reviewers change it."),
    )
    relays_others = models.BooleanField(
        _("relays other publishers"),
        default=False,
        help_text=_(
            "It carries other publishers' texts (an aggregator, a mirror, a "
            "syndicated wire story): it does not corroborate them independently."
        ),
    )
    rating_note = models.TextField(
        _("note on the rating"),
        blank=True,
        help_text=_("Why this letter, or why the publisher is not rated."),
    )
    rated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="rated_publishers",
        verbose_name=_("rated by"),
        help_text=_("The reviewer who last changed the letter (empty: the seed data)."),
    )
    rated_at = models.DateTimeField(_("rated on"), null=True, blank=True)
    notes = models.TextField(_("editor notes"), blank=True)

    objects = PublisherQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("publisher")
        verbose_name_plural = _("publishers")
        permissions = [
            ("publish_publisher", _("Can rate the reliability of publishers")),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["name"],
                name="publisher_name_unique",
                violation_error_message=_("A publisher with this name already exists."),
            ),
            models.CheckConstraint(
                condition=~Q(name=""),
                name="publisher_name_not_empty",
                violation_error_message=_("A publisher needs a name."),
            ),
            models.CheckConstraint(
                condition=Q(reliability__in=["", "A", "B", "C", "D", "E", "F"]),
                name="publisher_reliability_letter",
                violation_error_message=_(
                    "Reliability must be a letter A to F, or empty (not rated)."
                ),
            ),
        ]

    def __str__(self):
        return self.name

    def natural_key(self):
        return (self.name,)

    @property
    def reliability_label(self):
        """The letter in words, or "not rated": never a placeholder letter."""
        if self.reliability:
            return self.get_reliability_display()
        return NOT_RATED


class SourceQuerySet(SearchQuerySet):
    search_fields = ("title", "publisher__name", "url")


class SourceManager(models.Manager.from_queryset(SourceQuerySet)):
    # A source is never shown without its publisher (its name and reliability),
    # so every list of sources, prefetched ones included, joins it.
    def get_queryset(self):
        return super().get_queryset().select_related("publisher")

    def get_by_natural_key(self, url):
        return self.get(url=url)


@track_history
class Source(TimeStampedModel):
    """A public document a record relies on: an article, a release, a report."""

    # Its API resource (/api/v1/sources/) and kind in /deletions/.
    api_kind = "sources"
    # The relations __str__ reads: lists of sources select them (core.history).
    str_related = ("publisher",)

    url = models.URLField(_("URL"), max_length=1000)
    title = models.CharField(_("title"), max_length=500)
    publisher = models.ForeignKey(
        Publisher,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="sources",
        verbose_name=_("publisher"),
        help_text=_("Its reliability is rated once for all its sources."),
    )
    published = models.DateField(_("publication date"), null=True, blank=True)
    published_precision = precision_field(_("publication date precision"))
    accessed = models.DateField(_("access date"), null=True, blank=True)
    language = models.CharField(
        _("language"),
        max_length=8,
        blank=True,
        help_text=_("ISO 639-1 code of the document's language (en, lt, de...)."),
    )
    archive_url = models.URLField(_("archived copy URL"), max_length=1000, blank=True)
    caution = models.CharField(
        _("caution"),
        max_length=300,
        blank=True,
        help_text=_(
            "Why readers should weigh this source with care (partisan outlet, "
            "aggregator, state media...). Shown next to the source."
        ),
    )

    objects = SourceManager()

    class Meta:
        ordering = ["publisher__name", "title"]
        verbose_name = _("source")
        verbose_name_plural = _("sources")
        constraints = [
            models.UniqueConstraint(fields=["url"], name="source_url_unique"),
            vague_date_constraint("source", "published"),
        ]

    def __str__(self):
        # Select the publisher with the source where many are named (a list).
        if self.publisher_id:
            return f"{self.publisher.name}: {self.title}"
        return self.title

    def natural_key(self):
        return (self.url,)
