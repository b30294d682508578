"""The editors' desk on the admin home: what waits for a review, and the
logged-in editor's own drafts.

Every reviewed model registered in the admin (a subclass of ``ReviewedRecord``
that is reviewed by itself, not through its record) is looked at, as far as the
editor may see it: one query a model for each list.
"""

from django.contrib import admin
from django.db.models import F
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.models import ReviewedRecord, Revision
from core.publication import Status

# Rows shown in each list; the heading says how many there are in all.
DESK_ROWS = 25


def reviewed_models(user, site=None):
    """The reviewed models of the admin ``site`` that ``user`` may look at."""
    site = site or admin.site
    models = []
    for model in site._registry:
        if not issubclass(model, ReviewedRecord) or getattr(
            model, "reviewed_via", None
        ):
            continue
        opts = model._meta
        if user.has_perm(f"{opts.app_label}.view_{opts.model_name}") or user.has_perm(
            f"{opts.app_label}.change_{opts.model_name}"
        ):
            models.append(model)
    return sorted(models, key=lambda model: model._meta.verbose_name_plural)


def _row(obj, site, when, who):
    opts = obj._meta
    try:
        url = reverse(
            f"{site.name}:{opts.app_label}_{opts.model_name}_change", args=[obj.pk]
        )
    except NoReverseMatch:
        url = ""
    title = getattr(obj, getattr(obj, "title_field", ""), None) or str(obj)
    return {
        "days": (timezone.now() - when).days if when else None,
        "kind": opts.verbose_name,
        "title": title,
        "url": url,
        "when": when,
        "who": who,
        "obj": obj,
    }


def pending_revisions(user, site):
    """Changes proposed to published records (core/revisions.py), oldest first:
    (rows, total). The records they change are read in one query a model."""
    pending = Revision.objects.pending().visible_to(user)
    revisions = list(
        pending.select_related("author", "record_type").order_by("created", "pk")[
            :DESK_ROWS
        ]
    )
    total = len(revisions) if len(revisions) < DESK_ROWS else pending.count()
    wanted = {}
    for revision in revisions:
        wanted.setdefault(revision.record_type, set()).add(revision.record_id)
    records = {}
    for record_type, ids in wanted.items():
        for record in record_type.model_class()._default_manager.filter(pk__in=ids):
            records[(record_type.pk, record.pk)] = record
    rows = []
    for revision in revisions:
        record = records.get((revision.record_type_id, revision.record_id))
        try:
            url = reverse(f"{site.name}:atlas_revision_change", args=[revision.pk])
        except NoReverseMatch:
            url = ""
        rows.append(
            {
                "days": (timezone.now() - revision.created).days,
                "kind": _("change proposed to a published record"),
                "title": str(record) if record else revision.record_label(),
                "url": url,
                "when": revision.created,
                "who": revision.author,
                "obj": revision,
            }
        )
    return rows, total


def review_queue(user, site=None):
    """What waits for a reviewer: records in review, oldest submission first
    (those moved into review by an import, with no submission date, before
    them), and changes proposed to published records: (rows, total)."""
    site = site or admin.site
    rows, total = pending_revisions(user, site)
    for model in reviewed_models(user, site):
        in_review = model.objects.filter(publication_status=Status.REVIEW)
        total += in_review.count()
        for obj in in_review.select_related("submitted_by").order_by(
            F("submitted_at").asc(nulls_first=True), "pk"
        )[:DESK_ROWS]:
            rows.append(_row(obj, site, obj.submitted_at, obj.submitted_by))
    rows.sort(key=lambda row: (row["when"] is not None, row["when"] or 0))
    return rows[:DESK_ROWS], total


def my_drafts(user, site=None):
    """Drafts ``user`` last edited, the most recently changed first:
    (rows, total)."""
    site = site or admin.site
    rows, total = [], 0
    if user.pk is None:
        return rows, total
    for model in reviewed_models(user, site):
        drafts = model.objects.filter(
            publication_status=Status.DRAFT, last_edited_by=user
        )
        total += drafts.count()
        for obj in drafts.order_by("-updated", "-pk")[:DESK_ROWS]:
            rows.append(_row(obj, site, obj.updated, user))
    rows.sort(key=lambda row: row["when"], reverse=True)
    return rows[:DESK_ROWS], total
