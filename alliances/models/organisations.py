"""Organisations and their memberships."""

from django.apps import apps
from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import DateRangeField, RangeOperators
from django.contrib.postgres.indexes import GinIndex
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import (
    F,
    Func,
    OuterRef,
    Prefetch,
    Q,
    Value,
)
from django.db.models.functions import Lower
from django.db.models.lookups import GreaterThanOrEqual, LessThanOrEqual
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core.dates import (
    PeriodEnd,
    not_before_constraint,
    precision_field,
    vague_date_constraint,
)
from core.history import track_history
from core.kinds import SearchKind
from core.models import (
    ReviewedQuerySet,
    ReviewedRecord,
    SourcedRecord,
    Status,
    workflow_constraints,
)
from core.search import (
    SearchQuerySet,
    folded_index,
    newest_published_index,
    search_vector_field,
    trigram_index,
)
from core.searchwords import title_words_index

from .countries import Country, Source, SubqueryCount, current_date


class OrganisationQuerySet(ReviewedQuerySet):
    search_fields = ("name", "acronym", "description", "hq")
    search_title_fields = ("name", "acronym")
    search_body_field = "description"

    def for_list(self):
        """With ``member_count``: countries whose membership is known to run
        today, and ``start_unknown_count``: countries whose membership has no
        known start (listed apart, never counted as members)."""
        memberships = Membership.objects.filter(organisation=OuterRef("pk"))
        return self.select_related("hq_country").annotate(
            member_count=SubqueryCount(
                memberships.active_on(current_date())
                .order_by()
                .values("country")
                .distinct()
            ),
            start_unknown_count=SubqueryCount(
                memberships.start_unknown_on(current_date())
                .order_by()
                .values("country")
                .distinct()
            ),
        )

    def for_detail(self):
        """What the public page shows: related records that are published only
        (child organisations, agreements, led exercises), so a template cannot
        show a draft."""
        exercise = self.model._meta.get_field("led_exercises").related_model
        return self.select_related("parent", "hq_country").prefetch_related(
            Prefetch(
                "children",
                queryset=Organisation.objects.published().order_by("name"),
            ),
            Prefetch(
                "memberships",
                queryset=Membership.objects.select_related("country").order_by(
                    F("joined").asc(nulls_last=True), "country__name"
                ),
            ),
            "sources",
            Prefetch(
                "agreement_parties",
                queryset=apps.get_model("alliances", "AgreementParty")
                .objects.filter(agreement__publication_status=Status.PUBLISHED)
                .select_related("agreement")
                .order_by(
                    F("agreement__signed").desc(nulls_last=True), "agreement__title"
                ),
            ),
            # Exercise lives in the exercises app; the reverse relation reaches it
            # without an import (STYLE: dependencies point one way).
            Prefetch("led_exercises", queryset=exercise.objects.published()),
        )


@track_history
class Organisation(ReviewedRecord):
    """An alliance, union, regional format, multinational unit or coalition."""

    # Its API resource (/api/v1/organisations/) and kind in /deletions/.
    api_kind = "organisations"
    # The field that names a record (retractions, timeline).
    title_field = "name"
    search_kind = SearchKind(
        "organisations",
        _("Organisations"),
        "alliances:organisation_list",
        "founded",
        position=10,
    )

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
            title_words_index(["name", "acronym"], "organisation_title_words"),
            trigram_index("acronym", "organisation_acronym_trgm"),
            folded_index("name", "organisation_name_folded"),
            folded_index("acronym", "organisation_acronym_folded"),
            newest_published_index("organisation_pub_newest"),
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

    def search_detail(self):
        """One more fact to tell similar titles apart on the search page."""
        return self.get_type_display()

    @property
    def short_name(self):
        return self.acronym or self.name


MEMBERSHIP_OVERLAP_MESSAGE = _(
    "This country already has a membership of this organisation covering part of "
    "these dates."
)


class MembershipQuerySet(SearchQuerySet):
    search_fields = (
        "organisation__name",
        "organisation__acronym",
        "country__name",
        "role_detail",
        "note",
    )

    def get_by_natural_key(self, organisation_slug, country_iso2, joined):
        return self.get(
            organisation__slug=organisation_slug,
            country__iso2=country_iso2,
            joined=joined,
        )

    def active_on(self, day):
        """Memberships known to run on ``day``: begun for certain by then (all of
        a vague start, read at its precision, on or before it) and not ended
        before it (``left`` is the last day as a member, so it counts). A row
        with no known start never counts: see ``start_unknown_on``. ``day`` may
        be a date or an expression (``current_date()``)."""
        return self.filter(
            LessThanOrEqual(PeriodEnd("joined"), day),
            Q(left__isnull=True) | Q(left__gte=day),
            joined__isnull=False,
        )

    def start_unknown_on(self, day):
        """Memberships whose start no source gives and that had not ended
        (for certain) before ``day``: they may or may not cover it, so pages
        and the API list them apart ("membership date unknown"), never in a
        count of members."""
        return self.filter(
            Q(left__isnull=True) | GreaterThanOrEqual(PeriodEnd("left"), day),
            joined__isnull=True,
        )


@track_history
class Membership(SourcedRecord):
    """A country's place in an organisation over a period of time."""

    # Its API resource (/api/v1/memberships/) and kind in /deletions/.
    api_kind = "memberships"

    # Part of its organisation's content: public when the organisation is published, and a
    # change to it is an edit of the organisation (core.publication.reviewed_parent).
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
        help_text=_(
            "The last day as a member (it counts as a member's day); leave empty "
            "while the membership lasts."
        ),
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
            # end counts as unbounded (needs btree_gist for the "=" parts). The
            # day left is a member's last day, yet the range leaves it out
            # ("[)"): a next stint may begin that day (a handover, or a partner
            # "until 2004" then member "from 2004", both stored as 1 January).
            # A row with an unknown start is exempt: its period is unknown, not
            # "since ever" (a second stint whose dates no source gives).
            ExclusionConstraint(
                name="membership_no_overlap",
                condition=Q(joined__isnull=False),
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
