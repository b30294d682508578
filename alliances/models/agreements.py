"""Agreements and their parties."""

from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import (
    F,
    Prefetch,
    Q,
    Value,
)
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core.dates import not_before_constraint, precision_field, vague_date_constraint
from core.history import track_history
from core.kinds import SearchKind, TimelineKind
from core.models import (
    ReviewedQuerySet,
    ReviewedRecord,
    Status,
    TimeStampedModel,
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

from .countries import Country, Source
from .organisations import Organisation


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

    def with_parties(self, public=False):
        """With the parties; ``public=True`` leaves out a party that is an
        unpublished organisation (its name would leak from the agreement)."""
        parties = AgreementParty.objects.select_related("country", "organisation")
        if public:
            parties = parties.filter(
                Q(organisation__isnull=True)
                | Q(organisation__publication_status=Status.PUBLISHED)
            )
        return self.prefetch_related(Prefetch("parties", queryset=parties))

    def for_list(self):
        """A page's rows: the parties the public may see."""
        return self.with_parties(public=True)

    def for_detail(self):
        """The public page: place, the parties the public may see, sources."""
        return (
            self.select_related("place_country")
            .with_parties(public=True)
            .prefetch_related("sources")
        )

    def timeline_rows(self):
        """Dated agreements as timeline rows (config/pages/timeline.py): the
        item_* columns every kind gives, placed at the signature."""
        return self.filter(signed__isnull=False).annotate(
            item_slug=F("slug"),
            item_title=F("title"),
            item_date=F("signed"),
            item_date_precision=F("signed_precision"),
            item_end=Value(None, output_field=models.DateField()),
            item_end_precision=Value("", output_field=models.CharField()),
            item_summary=F("summary"),
            item_category=Value("", output_field=models.CharField()),
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

    # Its API resource (/api/v1/agreements/) and kind in /deletions/.
    api_kind = "agreements"
    # The field that names a record (retractions, timeline).
    title_field = "title"
    timeline_kind = TimelineKind(
        "agreement", _("Agreements"), _("Agreement"), 10, year_filter="signed"
    )
    search_kind = SearchKind(
        "agreements",
        _("Agreements"),
        "alliances:agreement_list",
        "signed",
        position=20,
    )

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
            search_index("agreement_search"),
            trigram_index("title", "agreement_title_trgm"),
            title_words_index(["title"], "agreement_title_words"),
            # The lists' default order: latest signed first.
            published_index("agreement_pub_order", ["-signed", "title"]),
            folded_index("title", "agreement_title_folded"),
            newest_published_index("agreement_pub_newest"),
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

    def search_detail(self):
        """One more fact to tell similar titles apart on the search page."""
        return self.get_type_display()


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
    # change to it is an edit of the agreement (core.publication.reviewed_parent).
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
        # Searching agreements by the name of a party (core.search).
        indexes = [trigram_index("name", "agreement_party_name_trgm")]
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
