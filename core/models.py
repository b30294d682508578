"""The kernel's model bases and its one model.

``TimeStampedModel`` < ``SourcedRecord`` (cites sources, says how sure it is) <
``ReviewedRecord`` (goes through the editorial workflow, core/workflow.py), the
QuerySet of reviewed records, and ``Deletion``: what API mirrors must drop. Vague
dates live in core/dates.py, search in core/search.py.
"""

import datetime

from django.apps import apps
from django.contrib.postgres.search import TrigramSimilarity
from django.db import models
from django.db.models import Q, Value
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from core.dates import format_vague_date, period_end, period_reaches
from core.publication import PUBLIC_STATUSES, Status, can_see_unpublished
from core.search import AtlasUnaccent, SlugQuerySet


class Confidence(models.TextChoices):
    """How firmly the record's facts are established by the sources cited."""

    HIGH = "high", _("high: stated plainly in the sources")
    MEDIUM = "medium", _("medium: inferred, single weak source or sources conflict")


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
    Every model that declares its API resource name (``api_kind = "threats"``)
    is tracked; it is known by its id, and by its slug or ISO code if it has one.
    """

    # The API resource the record belonged to ("threats"): its model's api_kind.
    kind = models.CharField(_("kind"), max_length=30)
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
        """post_delete receiver for the tracked models.

        Drafts and records in review were never public: their deletion is not
        announced (that would leak their slugs).
        """
        status = getattr(instance, "publication_status", None)
        if status is not None and status not in PUBLIC_STATUSES:
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
                and getattr(relation.related_model, "api_kind", None)
                and relation.remote_field.many_to_one
                and not hasattr(relation.related_model, "publication_status")
            ):
                for child in relation.related_model._default_manager.filter(
                    **{relation.field.name: instance}
                ):
                    cls._create(child, retracted=True, reason=reason)

    @classmethod
    def _create(cls, instance, **extra):
        key = _known_by(type(instance))
        return cls.objects.create(
            kind=type(instance).api_kind,
            object_id=instance.pk,
            slug=(getattr(instance, key) or "") if key else "",
            **extra,
        )


def reviewed_models():
    """The models that go through review (organisations, agreements, exercises,
    threat entries), in app order."""
    return [model for model in apps.get_models() if issubclass(model, ReviewedRecord)]


def tracked_models():
    """The models whose deletions and retractions API mirrors learn of: those
    that declare their API resource name (``api_kind``), in app order."""
    return [model for model in apps.get_models() if getattr(model, "api_kind", None)]


def deletion_kinds():
    """``(kind, label)`` of every tracked model: ``("threats", "threat entries")``."""
    return [
        (model.api_kind, model._meta.verbose_name_plural) for model in tracked_models()
    ]


def _known_by(model):
    """Besides its id, what API clients know a record by: ISO code or slug."""
    names = {field.name for field in model._meta.fields}
    return next((name for name in ("iso2", "slug") if name in names), None)


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


class ReviewedQuerySet(SlugQuerySet):
    """Records that go through review before the public sees them."""

    def published(self):
        """What anonymous visitors, feeds, exports and the public API show."""
        return self.filter(publication_status=Status.PUBLISHED)

    def retracted(self):
        return self.filter(publication_status=Status.RETRACTED)

    def visible_to(self, user):
        """Everything for editors who may view the model; published for the rest."""
        if can_see_unpublished(user, self.model):
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


class ReviewedRecord(SourcedRecord):
    """A sourced record that is reviewed before it is published.

    draft -> review -> published -> retracted; the transitions, and who may make
    them, live in core/workflow.py. Only published records (and, as notices,
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

    # Set by the workflow only (core/workflow.py): read-only in the admin,
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
