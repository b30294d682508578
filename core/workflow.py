"""The editorial workflow: draft -> in review -> published -> retracted.

Editors (change permission) write drafts and submit them for review. Reviewers
(the ``publish_<model>`` permission, given to the Reviewers group) publish,
send back to draft and retract. Nobody publishes a record they submitted or were
the last to edit: a second person always reviews. Every transition locks the
row, checks the state it expects, and is recorded in the history with a reason.

The admin actions and the API's workflow endpoints both call these functions.
"""

import pghistory
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.models import Deletion, Status


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
    return None


def mark_edited(obj, user):
    """Call before saving a content change made by ``user`` (admin, API)."""
    if user is not None and user.is_authenticated:
        obj.last_edited_by = user


def reviewed_parent(row):
    """The reviewed record a row belongs to (a membership's organisation), or
    None for a reviewed record itself and for reference data."""
    via = getattr(type(row), "reviewed_via", None)
    return getattr(row, via, None) if via else None


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
    return type(obj).objects.select_for_update().get(pk=obj.pk)


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
    return _save(obj, fields, reason or _("Reviewed and published"))


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
    return obj
