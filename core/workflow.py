"""The editorial workflow: draft -> in review -> published -> retracted.

Editors (change permission) write drafts and submit them for review. Reviewers
(the ``publish_<model>`` permission, given to the Reviewers group) publish,
send back to draft and retract. Nobody publishes a record they submitted or were
the last to edit: a second person always reviews. Every transition locks the
row, checks the state it expects, and is recorded in the history with a reason.

``TRANSITIONS`` is the one table of the steps: the admin builds its changelist
actions, change-page buttons and messages from it, the API its endpoints and their
schema, and the importer its status moves (``move_without_review``).
"""

import pghistory
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.models import Deletion
from core.publication import Status
from core.purge import purge_record


class WorkflowError(ValidationError):
    """A transition that the record's current state does not allow."""


def _perm(obj, action):
    opts = obj._meta
    return f"{opts.app_label}.{action}_{opts.model_name}"


def can_edit(user, obj):
    return user.has_perm(_perm(obj, "change"))


def can_review(user, obj):
    """May publish, send back and retract records of this model."""
    return user.has_perm(_perm(obj, "publish"))


def is_own_change(user, obj):
    """Did ``user`` submit the record or make its latest edit?"""
    return user.pk is not None and user.pk in (
        obj.last_edited_by_id,
        obj.submitted_by_id,
    )


def publish_refusal(user, obj):
    """Why ``user`` may not publish ``obj`` now, or None when they may."""
    if not can_review(user, obj):
        return _("Only reviewers can publish.")
    if obj.publication_status != Status.REVIEW:
        return _("Only a record in review can be published.")
    if is_own_change(user, obj):
        return _(
            "You submitted or last edited this record: another reviewer must "
            "publish it."
        )
    # What the record itself still lacks (a threat entry's severity).
    own_refusal = getattr(obj, "publication_refusal", None)
    return own_refusal() if own_refusal else None


def mark_edited(obj, user):
    """Call before saving a content change made by ``user`` (admin, API)."""
    if user is not None and user.is_authenticated:
        obj.last_edited_by = user


def mark_parent_edited(record, user):
    """A change to a row of ``record`` (a membership of an organisation) is an
    edit of the record by ``user``: they may not then publish it themselves.
    Admin, API and bulk import all call this after writing a row."""
    if (
        record is None
        or user is None
        or not user.is_authenticated
        or record.last_edited_by_id == user.pk
    ):
        return
    mark_edited(record, user)
    record.save(update_fields=["last_edited_by", "updated"])


def _locked(obj):
    return type(obj).objects.select_for_update(of=("self",)).get(pk=obj.pk)


def _save(obj, fields, reason):
    fields = [*fields, "updated"]
    with pghistory.context(reason=reason):
        obj.save(update_fields=fields)
    return obj


@transaction.atomic
def submit(obj, user, reason=""):
    """draft -> in review."""
    if not can_edit(user, obj):
        raise PermissionDenied(_("You may not edit this record."))
    obj = _locked(obj)
    if obj.publication_status != Status.DRAFT:
        raise WorkflowError(_("Only a draft can be submitted for review."))
    obj.publication_status = Status.REVIEW
    obj.submitted_by = user
    obj.submitted_at = timezone.now()
    return _save(
        obj,
        ["publication_status", "submitted_by", "submitted_at"],
        reason or _("Submitted for review"),
    )


@transaction.atomic
def publish(obj, user, reason=""):
    """in review -> published, by a reviewer who did not make the change."""
    obj = _locked(obj)
    refusal = publish_refusal(user, obj)
    if refusal:
        if not can_review(user, obj):
            raise PermissionDenied(refusal)
        raise WorkflowError(refusal)
    obj.publication_status = Status.PUBLISHED
    obj.reviewed_by = user
    fields = ["publication_status", "reviewed_by"]
    if obj.published_at is None:
        obj.published_at = timezone.now()
        fields.append("published_at")
    _save(obj, fields, reason or _("Reviewed and published"))
    purge_record(obj)
    return obj


@transaction.atomic
def send_back(obj, user, reason=""):
    """in review -> draft: the reviewer asks for changes."""
    if not can_review(user, obj):
        raise PermissionDenied(_("Only reviewers can send a record back."))
    obj = _locked(obj)
    if obj.publication_status != Status.REVIEW:
        raise WorkflowError(_("Only a record in review can be sent back."))
    obj.publication_status = Status.DRAFT
    return _save(obj, ["publication_status"], reason or _("Sent back to the editor"))


@transaction.atomic
def retract(obj, user, reason):
    """published -> retracted, with a public reason; API mirrors are told."""
    if not can_review(user, obj):
        raise PermissionDenied(_("Only reviewers can retract."))
    reason = (reason or "").strip()
    if not reason:
        raise WorkflowError({"reason": _("Say why the record is retracted.")})
    obj = _locked(obj)
    if obj.publication_status != Status.PUBLISHED:
        raise WorkflowError(_("Only a published record can be retracted."))
    obj.publication_status = Status.RETRACTED
    obj.retracted_at = timezone.now()
    obj.retraction_reason = reason
    _save(
        obj,
        ["publication_status", "retracted_at", "retraction_reason"],
        reason,
    )
    Deletion.record_retraction(obj)
    purge_record(obj)
    return obj


class Transition:
    """One step of the workflow: from which status to which, who may take it
    (the model permission it needs: ``change`` for editors, ``publish`` for
    reviewers) and what the admin says about it."""

    def __init__(
        self, name, source, target, permission, function, label, done, bulk_done
    ):
        self.name = name
        self.source = source
        self.target = target
        self.permission = permission
        self.function = function
        self.label = label  # the button and the changelist action
        self.done = done  # after one record
        self.bulk_done = bulk_done  # after a changelist action
        # Retracting asks for a public reason first (its own admin page).
        self.needs_reason = function is retract

    @property
    def url_path(self):
        return self.name.replace("_", "-")


TRANSITIONS = (
    Transition(
        "submit",
        Status.DRAFT,
        Status.REVIEW,
        "change",
        submit,
        gettext_lazy("Submit for review"),
        gettext_lazy("Submitted for review."),
        gettext_lazy("%(count)d %(items)s submitted for review."),
    ),
    Transition(
        "publish",
        Status.REVIEW,
        Status.PUBLISHED,
        "publish",
        publish,
        gettext_lazy("Publish"),
        gettext_lazy("Published."),
        gettext_lazy("%(count)d %(items)s published."),
    ),
    Transition(
        "send_back",
        Status.REVIEW,
        Status.DRAFT,
        "publish",
        send_back,
        gettext_lazy("Send back to draft"),
        gettext_lazy("Sent back to draft."),
        gettext_lazy("%(count)d %(items)s sent back to draft."),
    ),
    Transition(
        "retract",
        Status.PUBLISHED,
        Status.RETRACTED,
        "publish",
        retract,
        gettext_lazy("Retract…"),
        None,  # retracting goes through its reason page, which says what it did
        gettext_lazy("%(count)d %(items)s retracted."),
    ),
)
BY_NAME = {transition.name: transition for transition in TRANSITIONS}


def _forward_path():
    """draft, review, published: the statuses the forward steps lead through."""
    path = [Status.DRAFT]
    steps = {t.source: t.target for t in TRANSITIONS if t.name in ("submit", "publish")}
    while path[-1] in steps:
        path.append(steps[path[-1]])
    return path


# The statuses an import may give, in the order a record moves through them.
FORWARD_PATH = _forward_path()


def move_without_review(obj, status, user=None):
    """Put a record not yet saved, or being updated by an import, at ``status``
    on the forward path, with the dates the steps on the way would have set.

    For data reviewed elsewhere (the seed data is reviewed in the repository's
    pull requests): no four-eyes check and no reviewer is recorded. Saving is
    the caller's.
    """
    if status not in FORWARD_PATH:
        raise ValueError(f"an import cannot give the status {status!r}")
    obj.publication_status = status
    if status == Status.REVIEW and obj.submitted_at is None:
        obj.submitted_at = timezone.now()
        obj.submitted_by = user
    if status == Status.PUBLISHED and obj.published_at is None:
        obj.published_at = timezone.now()
