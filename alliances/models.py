from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import ArrayField, DateRangeField, RangeOperators
from django.contrib.postgres.indexes import GinIndex
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import (
    Exists,
    F,
    Func,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    Subquery,
    Value,
)
from django.db.models.functions import Cast, Lower, Now
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core.dates import not_before_constraint, precision_field, vague_date_constraint
from core.history import track_history
from core.models import (
    ReviewedQuerySet,
    ReviewedRecord,
    SourcedRecord,
    Status,
    TimeStampedModel,
    workflow_constraints,
)
from core.search import (
    SearchQuerySet,
    search_vector_field,
    strip_accents,
    trigram_index,
)


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
        country = OuterRef("pk")
        hosts = self.model._meta.get_field("hosted_exercises").through
        targets = self.model._meta.get_field("targeted_by_threats").through
        participation = self._related("exercise_participations")
        threat = self._related("threat_locations")
        return self.filter(
            Exists(
                Membership.objects.filter(
                    country=country, organisation__publication_status=published
                )
            )
            | Exists(
                AgreementParty.objects.filter(
                    country=country, agreement__publication_status=published
                )
            )
            | Exists(
                hosts.objects.filter(
                    country=country, exercise__publication_status=published
                )
            )
            | Exists(
                participation.objects.filter(
                    country=country, exercise__publication_status=published
                )
            )
            | Exists(
                targets.objects.filter(
                    country=country, threatentry__publication_status=published
                )
            )
            | Exists(threat.objects.published().filter(location_country=country))
        )

    def for_list(self):
        """Per country, counting published records only: memberships of published
        organisations, published agreements it is party to, published exercises it
        hosted or took part in, published threat entries targeting it or located
        in it."""
        published = Status.PUBLISHED
        exercise = self._related("hosted_exercises")
        threat = self._related("targeted_by_threats")
        return self.annotate(
            membership_count=SubqueryCount(
                Membership.objects.filter(
                    country=OuterRef("pk"), organisation__publication_status=published
                ).values("pk")
            ),
            agreement_count=SubqueryCount(
                AgreementParty.objects.filter(
                    country=OuterRef("pk"), agreement__publication_status=published
                ).values("agreement")
            ),
            exercise_count=SubqueryCount(
                exercise.objects.published()
                .filter(
                    Q(host_countries=OuterRef("pk"))
                    | Q(participations__country=OuterRef("pk"))
                )
                .order_by()
                .values("pk")
                .distinct()
            ),
            threat_count=SubqueryCount(
                threat.objects.published()
                .filter(
                    Q(target_countries=OuterRef("pk"))
                    | Q(location_country=OuterRef("pk"))
                )
                .order_by()
                .values("pk")
                .distinct()
            ),
        )


@track_history
class Country(TimeStampedModel):
    """A state, identified by its ISO 3166-1 alpha-2 code (GB for the United Kingdom)."""

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
            trigram_index("name_lt", "country_name_lt_trgm"),
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


class SourceQuerySet(models.QuerySet):
    def get_by_natural_key(self, url):
        return self.get(url=url)


@track_history
class Source(TimeStampedModel):
    """A public document a record relies on: an article, a release, a report."""

    url = models.URLField(_("URL"), max_length=1000)
    title = models.CharField(_("title"), max_length=500)
    publisher = models.CharField(_("publisher"), max_length=200, blank=True)
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

    objects = SourceQuerySet.as_manager()

    class Meta:
        ordering = ["publisher", "title"]
        verbose_name = _("source")
        verbose_name_plural = _("sources")
        constraints = [
            models.UniqueConstraint(fields=["url"], name="source_url_unique"),
            vague_date_constraint("source", "published"),
        ]

    def __str__(self):
        if self.publisher:
            return f"{self.publisher}: {self.title}"
        return self.title

    def natural_key(self):
        return (self.url,)


class OrganisationQuerySet(ReviewedQuerySet):
    search_fields = ("name", "acronym", "description", "hq")
    search_title_fields = ("name", "acronym")
    search_body_field = "description"

    def for_list(self):
        """With ``member_count``: countries with a membership running today."""
        return self.select_related("hq_country").annotate(
            member_count=SubqueryCount(
                Membership.objects.filter(organisation=OuterRef("pk"))
                .active_on(current_date())
                .order_by()
                .values("country")
                .distinct()
            )
        )

    def for_detail(self):
        return self.select_related("parent", "hq_country").prefetch_related(
            Prefetch("children", queryset=Organisation.objects.order_by("name")),
            Prefetch(
                "memberships",
                queryset=Membership.objects.select_related("country").order_by(
                    F("joined").asc(nulls_first=True), "country__name"
                ),
            ),
            "sources",
            Prefetch(
                "agreement_parties",
                queryset=AgreementParty.objects.select_related("agreement").order_by(
                    F("agreement__signed").desc(nulls_last=True), "agreement__title"
                ),
            ),
            # Exercise lives in the exercises app; the reverse relation reaches it
            # without an import (STYLE: dependencies point one way).
            "led_exercises",
        )


@track_history
class Organisation(ReviewedRecord):
    """An alliance, union, regional format, multinational unit or coalition."""

    class Type(models.TextChoices):
        MILITARY_ALLIANCE = "military_alliance", _("military alliance")
        POLITICAL_ECONOMIC_UNION = (
            "political_economic_union",
            _("political-economic union"),
        )
        REGIONAL_FORMAT = "regional_format", _("regional format")
        FRAMEWORK_NATION_FORMAT = (
            "framework_nation_format",
            _("framework nation format"),
        )
        CENTRE_OF_EXCELLENCE = "centre_of_excellence", _("centre of excellence")
        MULTINATIONAL_UNIT = "multinational_unit", _("multinational unit")
        MULTINATIONAL_HQ = "multinational_hq", _("multinational headquarters")
        INTERNATIONAL_ORGANISATION = (
            "international_organisation",
            _("international organisation"),
        )
        CAPABILITY_COALITION = "capability_coalition", _("capability coalition")
        MISSION = "mission", _("mission")
        EDUCATION_INSTITUTION = "education_institution", _("education institution")
        STATIONED_UNIT = "stationed_unit", _("allied stationed unit")
        OTHER = "other", _("other")

    name = models.CharField(_("name"), max_length=200)
    acronym = models.CharField(_("acronym"), max_length=40, blank=True)
    slug = models.SlugField(_("slug"), max_length=100, db_index=False)
    type = models.CharField(_("type"), max_length=30, choices=Type.choices)
    type_detail = models.CharField(_("type detail"), max_length=200, blank=True)
    founded = models.DateField(_("founded"), null=True, blank=True)
    founded_precision = precision_field(_("founded precision"))
    founding_place = models.CharField(_("founding place"), max_length=200, blank=True)
    hq = models.CharField(_("headquarters"), max_length=200, blank=True)
    hq_country = models.ForeignKey(
        Country,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="hosted_organisations",
        verbose_name=_("headquarters country"),
    )
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("parent organisation"),
    )
    description = models.TextField(_("description"), blank=True)
    members_note = models.TextField(_("note on members"), blank=True)
    sources = models.ManyToManyField(
        Source, related_name="organisations", verbose_name=_("sources")
    )
    search_vector = search_vector_field(
        A=["name", "acronym"],
        B=["type_detail", "hq", "founding_place"],
        C=["description", "members_note"],
    )

    objects = OrganisationQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        permissions = [
            ("publish_organisation", _("Can publish and retract organisations")),
        ]
        indexes = [
            GinIndex(fields=["search_vector"], name="organisation_search"),
            trigram_index("name", "organisation_name_trgm"),
            trigram_index("acronym", "organisation_acronym_trgm"),
        ]
        constraints = [
            *workflow_constraints("organisation"),
            models.UniqueConstraint(fields=["slug"], name="organisation_slug_unique"),
            models.UniqueConstraint(
                Lower("name"),
                name="organisation_name_unique_ci",
                violation_error_message=_(
                    "An organisation with this name already exists."
                ),
            ),
            models.CheckConstraint(
                condition=~Q(parent=F("pk")),
                name="organisation_not_own_parent",
                violation_error_message=_("An organisation cannot be its own parent."),
            ),
            vague_date_constraint("organisation", "founded"),
        ]

    def __str__(self):
        if self.acronym and self.acronym != self.name:
            return f"{self.name} ({self.acronym})"
        return self.name

    def natural_key(self):
        return (self.slug,)

    def get_absolute_url(self):
        return reverse("alliances:organisation_detail", args=[self.slug])

    @property
    def short_name(self):
        return self.acronym or self.name


MEMBERSHIP_OVERLAP_MESSAGE = _(
    "This country already has a membership of this organisation covering part of "
    "these dates."
)


class MembershipQuerySet(models.QuerySet):
    def get_by_natural_key(self, organisation_slug, country_iso2, joined):
        return self.get(
            organisation__slug=organisation_slug,
            country__iso2=country_iso2,
            joined=joined,
        )

    def active_on(self, day):
        """Memberships that had begun (or have no known start) and not yet ended."""
        return self.filter(
            Q(joined__isnull=True) | Q(joined__lte=day),
            Q(left__isnull=True) | Q(left__gt=day),
        )


@track_history
class Membership(SourcedRecord):
    """A country's place in an organisation over a period of time."""

    # Part of its organisation's content: public when the organisation is published, and a
    # change to it is an edit of the organisation (core.workflow.reviewed_record).
    reviewed_via = "organisation"

    class Role(models.TextChoices):
        MEMBER = "member", _("member")
        FOUNDING_MEMBER = "founding_member", _("founding member")
        PARTNER = "partner", _("partner")
        OBSERVER = "observer", _("observer")
        FRAMEWORK_NATION = "framework_nation", _("framework nation")
        HOST_NATION = "host_nation", _("host nation")
        LEAD_NATION = "lead_nation", _("lead nation")
        CONTRIBUTOR = "contributor", _("contributing nation")
        PARTICIPANT = "participant", _("participant")

    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        related_name="memberships",
        verbose_name=_("organisation"),
    )
    country = models.ForeignKey(
        Country,
        on_delete=models.PROTECT,
        related_name="memberships",
        verbose_name=_("country"),
    )
    role = models.CharField(
        _("role"), max_length=20, choices=Role.choices, default=Role.MEMBER
    )
    role_detail = models.CharField(_("role detail"), max_length=255, blank=True)
    joined = models.DateField(
        _("joined"),
        null=True,
        blank=True,
        help_text=_("Leave empty when the start is not known."),
    )
    joined_precision = precision_field(_("joined precision"))
    left = models.DateField(
        _("left"),
        null=True,
        blank=True,
        help_text=_("Leave empty while the membership lasts."),
    )
    left_precision = precision_field(_("left precision"))
    note = models.TextField(
        _("public note"),
        blank=True,
        help_text=_("Milestones such as application, invitation and ratification."),
    )
    sources = models.ManyToManyField(
        Source, related_name="memberships", verbose_name=_("sources")
    )

    objects = MembershipQuerySet.as_manager()

    class Meta:
        ordering = ["organisation__name", "joined", "country__name"]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            not_before_constraint(
                "membership",
                "joined",
                "left",
                _("The date left cannot be before the date joined."),
            ),
            vague_date_constraint("membership", "joined"),
            vague_date_constraint("membership", "left"),
            # One membership per country and organisation at any moment; an open
            # start or end counts as unbounded (needs btree_gist for the "=" parts).
            ExclusionConstraint(
                name="membership_no_overlap",
                expressions=[
                    (F("organisation"), RangeOperators.EQUAL),
                    (F("country"), RangeOperators.EQUAL),
                    (
                        Func(
                            F("joined"),
                            F("left"),
                            Value("[)"),
                            function="DATERANGE",
                            output_field=DateRangeField(),
                        ),
                        RangeOperators.OVERLAPS,
                    ),
                ],
                violation_error_message=MEMBERSHIP_OVERLAP_MESSAGE,
            ),
        ]

    def __str__(self):
        return f"{self.country} – {self.organisation.short_name}"

    def clean(self):
        # Reported on the field, so that validate_constraints() skips the overlap
        # check, whose DATERANGE() cannot even be built from inverted dates.
        if self.joined and self.left and self.left < self.joined:
            raise ValidationError(
                {"left": _("The date left cannot be before the date joined.")}
            )

    def natural_key(self):
        return (self.organisation.slug, self.country.iso2, self.joined)

    natural_key.dependencies = ["alliances.organisation", "alliances.country"]


class AgreementQuerySet(ReviewedQuerySet):
    search_fields = (
        "title",
        "summary",
        "place",
        "parties__name",
        "parties__country__name",
    )
    search_title_fields = ("title",)
    search_body_field = "summary"

    def with_parties(self):
        return self.prefetch_related(
            Prefetch(
                "parties",
                queryset=AgreementParty.objects.select_related(
                    "country", "organisation"
                ),
            )
        )

    def for_list(self):
        return self.with_parties()

    def for_detail(self):
        return (
            self.select_related("place_country")
            .with_parties()
            .prefetch_related("sources")
        )

    def related_to(self, agreement):
        """Agreements sharing at least two parties with ``agreement``, or of the
        same type sharing one; most shared parties first, with ``shared_parties``.

        Reads ``agreement.parties.all()`` (prefetched on detail pages) and runs one
        query.
        """
        parties = list(agreement.parties.all())
        shared = (
            Q(parties__country__in=[p.country_id for p in parties if p.country_id])
            | Q(
                parties__organisation__in=[
                    p.organisation_id for p in parties if p.organisation_id
                ]
            )
            | Q(parties__name__in=[p.name for p in parties if p.name])
        )
        return (
            self.exclude(pk=agreement.pk)
            .annotate(
                shared_parties=models.Count("parties", filter=shared, distinct=True)
            )
            .filter(
                Q(shared_parties__gte=2) | Q(type=agreement.type, shared_parties__gte=1)
            )
            .order_by("-shared_parties", F("signed").desc(nulls_last=True), "title")
        )


@track_history
class Agreement(ReviewedRecord):
    """A treaty, agreement, memorandum or contract between two or more parties."""

    class Type(models.TextChoices):
        TREATY = "treaty", _("treaty")
        DEFENCE_COOPERATION = "defence_cooperation", _("defence cooperation agreement")
        STATUS_OF_FORCES = "status_of_forces", _("status of forces agreement")
        MEMORANDUM = "memorandum", _("memorandum of understanding")
        LETTER_OF_INTENT = "letter_of_intent", _("letter of intent")
        ROADMAP = "roadmap", _("roadmap")
        JOINT_DECLARATION = "joint_declaration", _("joint declaration")
        SECURITY_AGREEMENT = "security_agreement", _("security agreement")
        PROCUREMENT_CONTRACT = "procurement_contract", _("procurement contract")
        OTHER = "other", _("other")

    class Status(models.TextChoices):
        SIGNED = "signed", _("signed")
        IN_FORCE = "in_force", _("in force")
        EXPIRED = "expired", _("expired")
        TERMINATED = "terminated", _("terminated")
        SUPERSEDED = "superseded", _("superseded")

    title = models.CharField(_("title"), max_length=300)
    slug = models.SlugField(_("slug"), max_length=100, db_index=False)
    type = models.CharField(_("type"), max_length=30, choices=Type.choices)
    type_detail = models.CharField(_("type detail"), max_length=200, blank=True)
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=Status.choices,
        blank=True,
        help_text=_("Leave empty when not known."),
    )
    signatories = ArrayField(
        models.CharField(max_length=255),
        verbose_name=_("signatories"),
        default=list,
        blank=True,
        help_text=_("People who signed, with their office; one per line."),
    )
    signed = models.DateField(_("signed"), null=True, blank=True)
    signed_precision = precision_field(_("signed precision"))
    entry_into_force = models.DateField(_("entry into force"), null=True, blank=True)
    entry_into_force_precision = precision_field(_("entry into force precision"))
    ended = models.DateField(_("end date"), null=True, blank=True)
    ended_precision = precision_field(_("end date precision"))
    place = models.CharField(_("place of signature"), max_length=200, blank=True)
    place_country = models.ForeignKey(
        Country,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="agreements_signed_in",
        verbose_name=_("country of signature"),
    )
    value = models.CharField(
        _("value"),
        max_length=255,
        blank=True,
        help_text=_(
            "As reported, with currency: 'EUR 193 million'. Empty when unknown."
        ),
    )
    summary = models.TextField(_("summary"), blank=True)
    sources = models.ManyToManyField(
        Source, related_name="agreements", verbose_name=_("sources")
    )
    search_vector = search_vector_field(
        A=["title"], B=["type_detail", "place", "value"], C=["summary"]
    )

    objects = AgreementQuerySet.as_manager()

    class Meta:
        ordering = ["-signed", "title"]
        verbose_name = _("agreement")
        verbose_name_plural = _("agreements")
        permissions = [
            ("publish_agreement", _("Can publish and retract agreements")),
        ]
        indexes = [
            GinIndex(fields=["search_vector"], name="agreement_search"),
            trigram_index("title", "agreement_title_trgm"),
        ]
        constraints = [
            *workflow_constraints("agreement"),
            models.UniqueConstraint(fields=["slug"], name="agreement_slug_unique"),
            vague_date_constraint("agreement", "signed"),
            vague_date_constraint("agreement", "entry_into_force"),
            vague_date_constraint("agreement", "ended"),
            not_before_constraint(
                "agreement",
                "signed",
                "entry_into_force",
                _("Entry into force cannot be before signature."),
            ),
            not_before_constraint(
                "agreement",
                "signed",
                "ended",
                _("The end date cannot be before signature."),
            ),
        ]

    def __str__(self):
        return self.title

    def natural_key(self):
        return (self.slug,)

    def get_absolute_url(self):
        return reverse("alliances:agreement_detail", args=[self.slug])


class AgreementPartyQuerySet(models.QuerySet):
    def get_by_natural_key(self, agreement_slug, country_iso2, organisation_slug, name):
        return self.get(
            agreement__slug=agreement_slug,
            country__iso2=country_iso2,
            organisation__slug=organisation_slug,
            name=name,
        )


@track_history
class AgreementParty(TimeStampedModel):
    """One party to an agreement: a country, an organisation or a named company."""

    # Part of its agreement's content: public when the agreement is published, and a
    # change to it is an edit of the agreement (core.workflow.reviewed_record).
    reviewed_via = "agreement"

    agreement = models.ForeignKey(
        Agreement,
        on_delete=models.CASCADE,
        related_name="parties",
        verbose_name=_("agreement"),
    )
    country = models.ForeignKey(
        Country,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="agreement_parties",
        verbose_name=_("country"),
    )
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="agreement_parties",
        verbose_name=_("organisation"),
    )
    name = models.CharField(
        _("other party"),
        max_length=200,
        blank=True,
        help_text=_(
            "A company or body not listed as an organisation, e.g. 'KNDS Deutschland'."
        ),
    )

    objects = AgreementPartyQuerySet.as_manager()

    class Meta:
        ordering = ["agreement", "country__name", "organisation__name", "name"]
        verbose_name = _("party")
        verbose_name_plural = _("parties")
        constraints = [
            models.CheckConstraint(
                condition=Q(country__isnull=False, organisation__isnull=True, name="")
                | Q(country__isnull=True, organisation__isnull=False, name="")
                | (Q(country__isnull=True, organisation__isnull=True) & ~Q(name="")),
                name="agreement_party_exactly_one",
                violation_error_message=_(
                    "A party is exactly one of: a country, an organisation or a named "
                    "other party."
                ),
            ),
            models.UniqueConstraint(
                fields=["agreement", "country"],
                condition=Q(country__isnull=False),
                name="agreement_party_country_unique",
                violation_error_message=_("This country is already a party."),
            ),
            models.UniqueConstraint(
                fields=["agreement", "organisation"],
                condition=Q(organisation__isnull=False),
                name="agreement_party_organisation_unique",
                violation_error_message=_("This organisation is already a party."),
            ),
            models.UniqueConstraint(
                fields=["agreement", "name"],
                condition=~Q(name=""),
                name="agreement_party_name_unique",
                violation_error_message=_("This party is already listed."),
            ),
        ]

    def __str__(self):
        return str(self.country or self.organisation or self.name)

    def natural_key(self):
        return (
            self.agreement.slug,
            self.country.iso2 if self.country else None,
            self.organisation.slug if self.organisation else None,
            self.name,
        )

    natural_key.dependencies = [
        "alliances.agreement",
        "alliances.country",
        "alliances.organisation",
    ]
