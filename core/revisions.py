"""Review that cannot be bypassed: an editor's change to a published record
waits for a reviewer.

A change by someone who may not review the record (no ``publish_<model>``
permission) to a published record, or to a row of one (a membership of a
published organisation, an attribution of a published threat entry), is not
written: it becomes a pending ``Revision`` (core/models.py) holding the proposed
values and the values they replace. The public keeps reading the published
version. A reviewer other than its author approves it (the change is written in
one transaction, recorded in the record's history with the editor's reason, the
reviewer as the user and the revision's number) or rejects it.

The admin (core/admin.py) and the API (core/api/viewsets.py) hand this module
what the editor sent, already validated, as model field values; apps declare
nothing more than which rows belong to which record (``reviewed_via``).
"""

import json

import pghistory
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core import workflow
from core.models import Revision
from core.publication import Status, reviewed_parent
from core.purge import purge_record

# Columns a revision never proposes: bookkeeping and the workflow's own.
UNREVISABLE = {"id", "created", "updated", "search_vector"}


def revisable_models():
    """The reviewed models: their published records change through revisions."""
    from core.models import reviewed_models

    return reviewed_models()


def needs_revision(user, record):
    """Does a change by ``user`` to ``record`` (a reviewed record, or None) wait
    for a reviewer? Yes for a published record and anyone who may not review it."""
    return (
        record is not None
        and record.publication_status == Status.PUBLISHED
        and not workflow.can_review(user, record)
    )


def record_needing_revision(user, obj, *more_records):
    """The published record a change to ``obj`` (a record or a row; the rows'
    other records: where a row moves to) must wait for, or None."""
    records = [obj if hasattr(obj, "publication_status") else reviewed_parent(obj)]
    records += list(more_records)
    return next((r for r in records if needs_revision(user, r)), None)


# Values as a revision keeps them --------------------------------------------------


def stored(field, value):
    """``value`` of model ``field`` in JSON: related records by id, lists of
    them as sorted ids, dates and numbers as DjangoJSONEncoder writes them."""
    if field.many_to_many:
        return sorted(getattr(item, "pk", item) for item in (value or []))
    if field.is_relation:
        return getattr(value, "pk", value)
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))


def python_value(field, value):
    """The stored ``value`` back as the model field holds it."""
    if field.many_to_many or field.is_relation or value is None:
        return value
    return field.to_python(value)


def current_value(obj, field):
    if field.many_to_many:
        if obj.pk is None:
            return []
        return sorted(getattr(obj, field.name).values_list("pk", flat=True))
    if field.is_relation:
        return getattr(obj, field.attname)
    return stored(field, getattr(obj, field.attname))


def same(field, first, second):
    """Equal as the field understands them ("54.7" and "54.700000")."""
    try:
        return python_value(field, first) == python_value(field, second)
    except ValidationError:
        return first == second


def editable_fields(model, parent_field=None):
    """The fields a revision may write: concrete columns and lists of related
    records, not the id, timestamps, columns the database computes or the row's parent."""
    fields = []
    for field in model._meta.get_fields():
        if field.auto_created or (not field.concrete and not field.many_to_many):
            continue
        if field.name in UNREVISABLE or field.name == parent_field:
            continue
        if (
            getattr(field, "generated", False)
            or getattr(field, "kept_by_database", False)
            or field.name in getattr(model, "WORKFLOW_FIELDS", ())
        ):
            continue
        fields.append(field)
    return fields


def child_relation(model, accessor):
    """The reverse foreign key of rows shown inside ``model`` (``participations``)."""
    for relation in model._meta.related_objects:
        if relation.one_to_many and relation.get_accessor_name() == accessor:
            return relation
    raise LookupError(accessor)


def row_values(row, fields):
    return {"id": row.pk, **{f.name: current_value(row, f) for f in fields}}


# Proposing ------------------------------------------------------------------------


def _field_changes(target, values):
    model = type(target)
    proposed, before = {}, {}
    for name, value in values.items():
        field = model._meta.get_field(name)
        if field.name in UNREVISABLE:
            continue
        new = stored(field, value)
        old = current_value(target, field) if target.pk else None
        if target.pk is None or not same(field, old, new):
            proposed[name] = new
            before[name] = old
    return proposed, before


def _children_changes(record, children):
    """{relation: rows} where the proposed rows differ from the stored ones.
    A proposed row carries the id of the stored row it replaces (None for a new
    row); stored rows left out are removed on approval."""
    model = type(record)
    proposed, before = {}, {}
    for accessor, rows in children.items():
        relation = child_relation(model, accessor)
        fields = editable_fields(relation.related_model, relation.field.name)
        by_name = {f.name: f for f in fields}
        stored_rows = {
            row.pk: row_values(row, fields) for row in getattr(record, accessor).all()
        }
        new_rows = []
        for row in rows:
            new_rows.append(
                {
                    "id": row.get("id"),
                    **{
                        name: stored(by_name[name], value)
                        for name, value in row.items()
                        if name in by_name
                    },
                }
            )
        changed = {row["id"] for row in new_rows} != set(stored_rows) or any(
            row["id"] is None
            or any(
                not same(by_name[name], stored_rows[row["id"]][name], value)
                for name, value in row.items()
                if name != "id"
            )
            for row in new_rows
        )
        if changed:
            proposed[accessor] = new_rows
            before[accessor] = list(stored_rows.values())
    return proposed, before


def _create(record, target_model, target, action, payload, before, user, reason):
    return Revision.objects.create(
        record_type=ContentType.objects.get_for_model(record),
        record_id=record.pk,
        target_type=ContentType.objects.get_for_model(target_model),
        target_id=None if target is None else target.pk,
        action=action,
        payload=payload,
        before=before,
        reason=reason,
        author=user if user is not None and user.is_authenticated else None,
    )


def propose_change(record, target, user, reason, fields, children=None):
    """A pending revision of ``target`` (``record`` itself, or a row of it) with
    ``fields`` ({name: model value}) and, for the record, ``children``
    ({relation: [{"id": stored row id or None, name: value}]}, the whole list).
    None when nothing would change."""
    proposed, before = _field_changes(target, fields)
    proposed_rows, before_rows = _children_changes(record, children or {})
    if not proposed and not proposed_rows:
        return None
    return _create(
        record,
        type(target),
        target,
        Revision.Action.CHANGE,
        {"fields": proposed, "children": proposed_rows},
        {"fields": before, "children": before_rows},
        user,
        reason,
    )


def propose_row(record, model, user, reason, fields):
    """A pending revision adding a row of ``model`` (a membership) to ``record``."""
    row = model()
    proposed, _before = _field_changes(row, fields)
    return _create(
        record,
        model,
        None,
        Revision.Action.ADD,
        {"fields": proposed, "children": {}},
        {"fields": {}, "children": {}},
        user,
        reason,
    )


def propose_deletion(record, row, user, reason):
    """A pending revision deleting ``row`` (a membership) of ``record``."""
    fields = editable_fields(type(row))
    return _create(
        record,
        type(row),
        row,
        Revision.Action.DELETE,
        {"fields": {}, "children": {}},
        {"fields": {f.name: current_value(row, f) for f in fields}, "children": {}},
        user,
        reason,
    )


# Deciding -------------------------------------------------------------------------


def _locked(model, pk):
    return model._default_manager.select_for_update(of=("self",)).filter(pk=pk).first()


def _changed_since(revision, target):
    """The fields whose stored values are no longer those the editor saw."""
    if target is None:
        return []
    changed = []
    for name, old in revision.before.get("fields", {}).items():
        field = type(target)._meta.get_field(name)
        if not same(field, current_value(target, field), old):
            changed.append(str(field.verbose_name))
    for accessor, rows in revision.before.get("children", {}).items():
        relation = child_relation(type(target), accessor)
        fields = editable_fields(relation.related_model, relation.field.name)
        now = [row_values(row, fields) for row in getattr(target, accessor).all()]
        if _row_set(now) != _row_set(rows):
            changed.append(str(relation.related_model._meta.verbose_name_plural))
    return changed


def _row_set(rows):
    # jsonb keeps keys sorted, not in the order they were written.
    return sorted(
        json.dumps(row, sort_keys=True, cls=DjangoJSONEncoder) for row in rows
    )


def _write(obj, values):
    """Set ``values`` (stored form) on ``obj``, check it as a form would, save,
    then set its lists. A rule broken by changes made since: WorkflowError."""
    model = type(obj)
    lists = {}
    for name, value in values.items():
        field = model._meta.get_field(name)
        if field.many_to_many:
            lists[field.name] = value
        elif field.is_relation:
            setattr(obj, field.attname, value)
        else:
            setattr(obj, field.attname, python_value(field, value))
    try:
        obj.full_clean()
    except ValidationError as error:
        raise workflow.WorkflowError(
            _("The change breaks a rule now: %(errors)s")
            % {"errors": " ".join(error.messages)}
        ) from None
    obj.save()
    for name, ids in lists.items():
        getattr(obj, name).set(ids)
    return obj


def _write_children(record, children):
    for accessor, rows in children.items():
        relation = child_relation(type(record), accessor)
        model, parent = relation.related_model, relation.field.name
        existing = {row.pk: row for row in getattr(record, accessor).all()}
        keep = {row["id"] for row in rows if row.get("id") in existing}
        for row in existing.values():
            if row.pk not in keep:
                row.delete()
        for values in rows:
            obj = existing.get(values.get("id")) or model(**{parent: record})
            _write(obj, {k: v for k, v in values.items() if k != "id"})


def refusal(user, revision, record):
    """Why ``user`` may not decide ``revision`` now, or None."""
    if record is None or not workflow.can_review(user, record):
        return _("Only reviewers approve or reject revisions.")
    if revision.status != Revision.Status.PENDING:
        return _("This revision has been decided already.")
    return None


@transaction.atomic
def approve(revision, user, note=""):
    """Write the proposed change, as one transaction; the revision's author may
    not approve it. Refused (WorkflowError) when the record is no longer
    published or what the editor saw has changed since."""
    revision = Revision.objects.select_for_update(of=("self",)).get(pk=revision.pk)
    record = _locked(revision.record_model, revision.record_id)
    why_not = refusal(user, revision, record)
    if why_not:
        if record is None or not workflow.can_review(user, record):
            raise PermissionDenied(why_not)
        raise workflow.WorkflowError(why_not)
    if revision.author_id is not None and revision.author_id == user.pk:
        raise workflow.WorkflowError(
            _("You proposed this change: another reviewer must approve it.")
        )
    if record.publication_status != Status.PUBLISHED:
        raise workflow.WorkflowError(
            _("The record is no longer published: reject this revision.")
        )
    same_row = revision.target_type_id == revision.record_type_id
    if same_row:
        target = record
    elif revision.target_id is not None:
        target = _locked(revision.target_model, revision.target_id)
        if target is None:
            raise workflow.WorkflowError(
                _("The row was deleted since: reject this revision.")
            )
    else:
        target = None
    changed = _changed_since(revision, target)
    if changed:
        raise workflow.WorkflowError(
            _(
                "The record changed since this was proposed (%(fields)s): reject "
                "it and propose the change again."
            )
            % {"fields": ", ".join(changed)}
        )
    context = {
        "reason": revision.reason,
        "revision": revision.pk,
        "proposed_by": revision.author_id,
    }
    # The editor made the change, the reviewer reviewed it.
    record.last_edited_by_id = revision.author_id
    record.reviewed_by = user
    try:
        with pghistory.context(**context), transaction.atomic():
            if revision.action == Revision.Action.DELETE:
                target.delete()
            elif revision.action == Revision.Action.ADD:
                _write(revision.target_model(), revision.payload["fields"])
            elif same_row:
                _write(target, revision.payload.get("fields", {}))
                _write_children(target, revision.payload.get("children", {}))
            else:
                _write(target, revision.payload.get("fields", {}))
            if not same_row or revision.action != Revision.Action.CHANGE:
                record.save(update_fields=["last_edited_by", "reviewed_by", "updated"])
    except IntegrityError as error:
        raise workflow.WorkflowError(
            _("The change breaks a rule now: %(error)s") % {"error": error}
        ) from None
    purge_record(record)
    return _decide(revision, user, Revision.Status.APPROVED, note)


@transaction.atomic
def reject(revision, user, note=""):
    """Close ``revision`` unapplied; the note tells its author why."""
    revision = Revision.objects.select_for_update(of=("self",)).get(pk=revision.pk)
    record = revision.get_record()
    why_not = refusal(user, revision, record)
    if why_not:
        if record is None or not workflow.can_review(user, record):
            raise PermissionDenied(why_not)
        raise workflow.WorkflowError(why_not)
    return _decide(revision, user, Revision.Status.REJECTED, note)


def _decide(revision, user, status, note):
    revision.status = status
    revision.decided_by = user
    revision.decided_at = timezone.now()
    revision.decision_note = (note or "").strip()
    revision.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    return revision


# Reading --------------------------------------------------------------------------


class Difference:
    """One field (or list of rows) of a revision, before and after, in words."""

    def __init__(self, name, label, before, after):
        self.name = name
        self.label = label
        self.before = before
        self.after = after

    def as_dict(self):
        return {"field": self.name, "before": self.before, "after": self.after}


def _label(field, value):
    """A stored value as a reader would want to see it."""
    if value is None or value == "" or value == []:
        return ""
    if field.many_to_many or field.is_relation:
        ids = value if isinstance(value, list) else [value]
        found = field.related_model._default_manager.in_bulk(ids)
        return ", ".join(str(found.get(pk, pk)) for pk in ids)
    if field.choices:
        return str(dict(field.flatchoices).get(python_value(field, value), value))
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    return str(value)


def _row_label(fields, row):
    return "; ".join(
        f"{field.verbose_name}: {_label(field, row[field.name])}"
        for field in fields
        if field.name in row and row[field.name] not in (None, "", [])
    )


def differences(revision):
    """What the revision changes, field by field: ``Difference`` objects."""
    model = revision.target_model
    found = []
    before = revision.before.get("fields", {})
    after = revision.payload.get("fields", {})
    names = list(after) if revision.action != Revision.Action.DELETE else list(before)
    for name in names:
        field = model._meta.get_field(name)
        found.append(
            Difference(
                name,
                str(field.verbose_name),
                _label(field, before.get(name)),
                _label(field, after.get(name)),
            )
        )
    for accessor, rows in revision.payload.get("children", {}).items():
        relation = child_relation(model, accessor)
        fields = editable_fields(relation.related_model, relation.field.name)
        old_rows = revision.before.get("children", {}).get(accessor, [])
        found.append(
            Difference(
                accessor,
                str(relation.related_model._meta.verbose_name_plural),
                "\n".join(_row_label(fields, row) for row in old_rows),
                "\n".join(_row_label(fields, row) for row in rows),
            )
        )
    return found
