"""The kernel's model bases and its one model.

``TimeStampedModel`` < ``SourcedRecord`` (cites sources, says how sure it is) <
``ReviewedRecord`` (goes through the editorial workflow, core/workflow.py), the
QuerySet of reviewed records, and ``Deletion``: what API mirrors must drop.
``BilingualName`` gives reference data named in English and Lithuanian its name
in the reader's language; ``PublishedSummary`` says how much is published and up
to when (home page, API root). Vague dates live in core/dates.py, search in
core/search.py.
"""

import contextlib
import contextvars
import datetime

import pgtrigger
from django.apps import apps
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.search import TrigramSimilarity
from django.db import models
from django.db.models import Q, Value
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from core.dates import format_vague_date, period_end, period_reaches
from core.publication import PUBLIC_STATUSES, Status, can_see_unpublished
from core.search import AtlasUnaccent, SlugQuerySet
from core.searchwords import SearchWord  # noqa: F401 - a model of this app


class Confidence(models.TextChoices):
    """How firmly the record's facts are established by the sources cited."""

    HIGH = "high", _("high: stated plainly in the sources")
    MEDIUM = "medium", _("medium: inferred, single weak source or sources conflict")


def lithuanian_active():
    """Is the page, feed or export being rendered in Lithuanian?"""
    return (get_language() or "").split("-")[0] == "lt"


def display_name(name, name_lt):
    """The name in the reader's language: the Lithuanian one on LT pages, when
    it has been written; the English one otherwise."""
    return name_lt if name_lt and lithuanian_active() else name


class BilingualName:
    """Reference data named in English (``name``) and Lithuanian (``name_lt``,
    blank until written): pages show ``display_name``. ``__str__`` stays
    English, so the admin, exports' stable columns and logs do not change with
    the reader's language."""

    @property
    def display_name(self):
        return display_name(self.name, self.name_lt)

    @property
    def other_name(self):
        """The name in the other language, for pages that give both (the
        Lithuanian one on English pages, the English one on Lithuanian pages);
        blank when there is no other name."""
        other = self.name if lithuanian_active() else self.name_lt
        return other if other and other != self.display_name else ""

    @property
    def other_name_lang(self):
        """The language of ``other_name``, for its ``lang`` attribute."""
        return "en" if lithuanian_active() else "lt"


class TimeStampedModel(models.Model):
    # Its rows show on public pages, directly or in counts: a change to its
    # table (or to its many-to-many tables) bumps the data version that public
    # caches are keyed by (core/dataversion.py).
    public_content = True

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

    # /api/v1/deletions/ is public (core/dataversion.py).
    public_content = True

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


def _history_trigger_uris():
    return {
        f"{model._meta.label}:{trigger.name}"
        for model, trigger in pgtrigger.registered()
        if trigger.name == "update_update"
    }


def _compared_fields(model):
    """The stored columns that say whether a save changed a row: not the
    timestamps, not generated columns (a search vector)."""
    return [
        field.attname
        for field in model._meta.concrete_fields
        if not field.primary_key
        and field.name not in ("created", "updated")
        and not kept_by_database(field)
    ]


def note_stored_values(sender, instance, raw=False, **kwargs):
    """pre_save receiver: remember the row as stored, so that saving it unchanged
    (an import run again) bumps nothing (refresh_embedding_records)."""
    if raw or instance.pk is None:
        return
    names = _compared_fields(sender)
    instance._stored_values = (
        sender._base_manager.filter(pk=instance.pk).values_list(*names).first()
    )


def _saved_unchanged(sender, instance):
    stored = getattr(instance, "_stored_values", None)
    if stored is None:
        return False
    current = tuple(getattr(instance, name) for name in _compared_fields(sender))
    return current == stored


def refresh_embedding_records(sender, instance, created=False, raw=False, **kwargs):
    """post_save and pre_delete receiver: the records whose API representation
    shows ``instance`` (a threat entry its category, its actors through its
    attributions, its sources; an organisation its memberships' count) get a
    new ``updated``, so that clients mirroring with ``updated_since`` fetch
    them again. The rows that name ``instance`` and, for rows of a reviewed
    record (an attribution naming a renamed actor), their record; and a row's
    own record. Written without a history event: their content did not change.
    """
    if raw:
        return
    if kwargs.get("signal") is models.signals.post_save and _saved_unchanged(
        sender, instance
    ):
        return  # saved as it was: nothing a mirror must fetch again
    bumps = []  # (model, filter)
    parent_field = getattr(sender, "reviewed_via", None)
    if parent_field:
        parent = sender._meta.get_field(parent_field)
        parent_id = getattr(instance, parent.attname)
        if parent_id is not None and parent.related_model is not sender:
            held = _held_bumps.get()
            if held is None:
                bumps.append((parent.related_model, Q(pk=parent_id)))
            else:
                held.setdefault(parent.related_model, set()).add(parent_id)
    if not created:
        for relation in sender._meta.related_objects:
            model = relation.related_model
            if not issubclass(model, TimeStampedModel):
                continue
            if relation.many_to_many:
                # Through the link table alone: the join Django writes for
                # Q(sources=instance) became a nested loop over every row of
                # the model for every row whenever the planner thought the
                # table empty (an import's first records).
                through = relation.through._default_manager.filter(
                    **{relation.field.m2m_reverse_field_name(): instance.pk}
                )
                naming = Q(pk__in=through.values(relation.field.m2m_field_name()))
            else:
                naming = Q(**{relation.field.name: instance})
            if model is sender:
                naming &= ~Q(pk=instance.pk)
            bumps.append((model, naming))
            via = getattr(model, "reviewed_via", None)
            if via:
                record_model = model._meta.get_field(via).related_model
                rows = model._default_manager.filter(naming).values(via)
                records = Q(pk__in=rows)
                if record_model is sender:
                    records &= ~Q(pk=instance.pk)
                bumps.append((record_model, records))
    _bump(bumps)


# The records whose own rows were written while bumps_held() was on (model ->
# ids), bumped once when it ends.
_held_bumps = contextvars.ContextVar("held_bumps", default=None)


@contextlib.contextmanager
def bumps_held():
    """Within it, a row's record is bumped once at the end rather than once per
    row: the importer writes a record's rows one by one (an exercise's
    participants, an organisation's memberships), which bumped the record as
    many times. Nothing is bumped if the block fails (its savepoint goes too)."""
    held = {}
    token = _held_bumps.set(held)
    try:
        yield
    finally:
        _held_bumps.reset(token)
    _bump([(model, Q(pk__in=ids)) for model, ids in held.items()])


def _bump(bumps):
    """A new ``updated`` for the rows each (model, filter) names."""
    if not bumps:
        return
    now = timezone.now()
    # The history triggers of these tables stay quiet for the bump.
    uris = {f"{model._meta.label}:update_update" for model, _naming in bumps}
    uris &= _history_trigger_uris()
    # (pgtrigger.ignore() with no URI would ignore every trigger.)
    with pgtrigger.ignore(*uris) if uris else contextlib.nullcontext():
        for model, naming in bumps:
            model._default_manager.filter(naming).update(updated=now)


class DataVersion(models.Model):
    """The version of everything the public can read: one row, whose number a
    database trigger raises in the same transaction as any change to a public
    table (core/dataversion.py), so a reader sees data and version alike.

    Numbers come from a sequence and are never reused, even after a rollback:
    a cache entry kept under a number always holds what that number showed.
    """

    number = models.BigIntegerField(_("number"))
    changed_at = models.DateTimeField(_("changed at"))

    class Meta:
        verbose_name = _("data version")
        verbose_name_plural = _("data versions")
        constraints = [
            models.CheckConstraint(
                condition=Q(id=1), name="atlas_dataversion_single_row"
            )
        ]

    def __str__(self):
        return f"{self.number} ({self.changed_at:%Y-%m-%d %H:%M:%S})"


def reviewed_models():
    """The models that go through review (organisations, agreements, exercises,
    threat entries), in app order."""
    return [model for model in apps.get_models() if issubclass(model, ReviewedRecord)]


class PublishedSummary:
    """How much the public can read and how fresh it is.

    ``counts``: ``(model, number of published records)`` per reviewed model, in
    app order; drafts, records in review and retractions are not counted.
    ``current_to``: the moment of the latest change the public could see: a record
    published, edited while published or retracted (its ``updated``), or a public
    record deleted (``Deletion``); None while nothing was ever public. One query
    per reviewed model and one for the deletions.
    """

    def __init__(self):
        published = Q(publication_status=Status.PUBLISHED)
        public = Q(publication_status__in=list(PUBLIC_STATUSES))
        self.counts = []
        moments = []
        for model in reviewed_models():
            row = model._default_manager.aggregate(
                count=models.Count("pk", filter=published),
                latest=models.Max("updated", filter=public),
            )
            self.counts.append((model, row["count"]))
            moments.append(row["latest"])
        moments.append(
            Deletion.objects.aggregate(latest=models.Max("deleted"))["latest"]
        )
        known = [moment for moment in moments if moment is not None]
        self.current_to = max(known) if known else None

    def count_of(self, model):
        return dict(self.counts)[model]


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


class DatabaseKeptArrayField(ArrayField):
    """An array column the database keeps from other rows (triggers installed
    by the migration that adds it), so that an index can serve a filter
    across a relation. The application never sets it: whatever a save
    writes there, the trigger replaces. History, revisions and the check
    for an unchanged save leave it out, as they do a generated column."""

    kept_by_database = True


def kept_by_database(field):
    """Whether ``field``'s value is the database's to compute (a generated
    column, or a ``DatabaseKeptArrayField``), not something an editor wrote."""
    return isinstance(field, models.GeneratedField) or getattr(
        field, "kept_by_database", False
    )


def published_index(name, fields=(), expressions=(), include=None):
    """A B-tree index over the published rows only: what anonymous lists,
    filtered and ordered, read (``fields``: a list's default order, ``-`` for
    descending, led by the column of a common filter; or ``expressions``, an
    order such as ``Coalesce("start", "end").desc(nulls_last=True)``). Drafts
    and retracted records stay out of it, so it stays small and exact for the
    public."""
    return models.Index(
        *expressions,
        fields=list(fields),
        name=name,
        condition=Q(publication_status=Status.PUBLISHED),
        include=include,
    )


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


class RevisionQuerySet(models.QuerySet):
    def pending(self):
        return self.filter(status=Revision.Status.PENDING)

    def for_record(self, record):
        """The revisions proposed for ``record`` (its own fields or its rows)."""
        from django.contrib.contenttypes.models import ContentType

        return self.filter(
            record_type=ContentType.objects.get_for_model(record), record_id=record.pk
        )

    def visible_to(self, user):
        """The revisions of the models whose unpublished states ``user`` may see
        (editors and reviewers); none for anyone else."""
        from django.contrib.contenttypes.models import ContentType

        models_seen = [
            model for model in reviewed_models() if can_see_unpublished(user, model)
        ]
        if not models_seen:
            return self.none()
        types = ContentType.objects.get_for_models(*models_seen).values()
        return self.filter(record_type__in=list(types))


class Revision(models.Model):
    """A change to a published record that an editor proposed and a reviewer
    has yet to approve: until then the public sees the published version.

    The change writes the record itself (its fields, and the rows shown inside
    it: an agreement's parties, an exercise's participants) or one row of it
    that is an API resource of its own (add, change or delete a membership of
    an organisation). ``payload`` holds the proposed values as stored (related
    records by id, dates in ISO form): ``{"fields": {name: value}, "children":
    {relation: [row, ...]}}``; ``before`` the same keys as they were when it was
    proposed, so editors and reviewers read old against new, and an approval
    can tell that someone changed them since. core/revisions.py proposes,
    approves and rejects.
    """

    class Action(models.TextChoices):
        CHANGE = "change", _("change the record")
        ADD = "add", _("add a row")
        DELETE = "delete", _("delete a row")

    class Status(models.TextChoices):
        PENDING = "pending", _("pending review")
        APPROVED = "approved", _("approved")
        REJECTED = "rejected", _("rejected")

    # The published record the change is to (its pending revisions are listed
    # with it); its model's reviewers decide.
    record_type = models.ForeignKey(
        "contenttypes.ContentType",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("kind of record"),
    )
    record_id = models.BigIntegerField(_("id of the record"))
    # What the change writes: the record, or one of its rows (none for a row
    # to add).
    target_type = models.ForeignKey(
        "contenttypes.ContentType",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("kind of what changes"),
    )
    target_id = models.BigIntegerField(_("id of what changes"), null=True, blank=True)
    action = models.CharField(_("action"), max_length=10, choices=Action.choices)
    payload = models.JSONField(_("proposed values"), default=dict)
    before = models.JSONField(_("values when proposed"), default=dict)
    reason = models.TextField(_("reason for the change"))
    author = models.ForeignKey(
        "auth.User",
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("proposed by"),
    )
    created = models.DateTimeField(_("proposed"), auto_now_add=True, db_index=True)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=Status.choices,
        default=Status.PENDING,
        db_index=True,
    )
    decided_by = models.ForeignKey(
        "auth.User",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decision_note = models.TextField(_("reviewer's note"), blank=True)

    objects = RevisionQuerySet.as_manager()

    class Meta:
        ordering = ["-created", "-id"]
        verbose_name = _("revision")
        verbose_name_plural = _("revisions")
        indexes = [
            # A record's pending revisions (its admin page, the API).
            models.Index(
                fields=["record_type", "record_id", "status"],
                name="revision_record_status",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["pending", "approved", "rejected"]),
                name="revision_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(action__in=["change", "add", "delete"]),
                name="revision_action_valid",
            ),
            models.CheckConstraint(
                condition=~Q(reason=""),
                name="revision_has_reason",
                violation_error_message=_("A revision needs a reason."),
            ),
            models.CheckConstraint(
                condition=Q(status="pending", decided_at__isnull=True)
                | (~Q(status="pending") & Q(decided_at__isnull=False)),
                name="revision_decided_has_date",
            ),
            models.CheckConstraint(
                condition=Q(action="add", target_id__isnull=True)
                | (~Q(action="add") & Q(target_id__isnull=False)),
                name="revision_target_known",
            ),
        ]

    def __str__(self):
        return _("Revision %(id)s of %(record)s") % {
            "id": self.pk,
            "record": self.record_label(),
        }

    @property
    def record_model(self):
        return self.record_type.model_class()

    @property
    def target_model(self):
        return self.target_type.model_class()

    def get_record(self):
        return self.record_model._default_manager.filter(pk=self.record_id).first()

    def record_label(self):
        record = self.get_record()
        if record is None:
            return f"{self.record_type.name} {self.record_id}"
        return str(record)

    @property
    def is_pending(self):
        return self.status == self.Status.PENDING
