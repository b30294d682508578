"""Record history: every insert, update and delete of a domain row, with context.

django-pghistory installs PostgreSQL triggers, so changes made by the admin, the
API, management commands, bulk imports and ``QuerySet.update()`` are all
recorded. Who made a change and why come from ``pghistory.context``: the
middleware adds the user and URL of each request, and the code that knows the
reason (admin forms, API ``change_reason``, ``import_records --reason``) adds it.
"""

import re
from pathlib import PurePath

import pghistory
from django.db import models
from django.utils.translation import gettext, gettext_noop

from core.publication import PUBLIC_STATUSES


def _pascal(name):
    return "".join(part.title() for part in name.split("_"))


def track_history(model):
    """Class decorator: keep a snapshot of ``model`` on every insert/update/delete.

    Generated columns (the search vectors) and columns the database keeps from
    other tables are left out of the snapshot: they are derived. Changes to a record's sources (its
    many-to-many ``sources`` table) are tracked as "sources.add"/"sources.remove".
    """
    exclude = [
        field.name
        for field in model._meta.local_fields
        # Also the columns the database keeps from other tables (an entry's
        # targeted countries): their changes are recorded where they happen.
        if isinstance(field, models.GeneratedField)
        or getattr(field, "kept_by_database", False)
    ]
    pghistory.track(
        pghistory.InsertEvent(),
        pghistory.UpdateEvent(),
        pghistory.DeleteEvent(),
        exclude=exclude,
        model_name=f"{model.__name__}Event",
    )(model)
    for field in model._meta.local_many_to_many:
        through = field.remote_field.through
        if isinstance(through, str) or not through._meta.auto_created:
            continue
        pghistory.track(
            pghistory.InsertEvent(f"{field.name}.add"),
            pghistory.DeleteEvent(f"{field.name}.remove"),
            obj_field=None,
            app_label=model._meta.app_label,
            model_name=f"{model.__name__}{_pascal(field.name)}Event",
        )(through)
    return model


# Bookkeeping columns that every save touches or that say nothing to a reader.
NOISE = {"id", "created", "updated"}
# Columns the public never sees (editor notes, who did what inside the team).
INTERNAL = {
    "notes",
    "last_edited_by",
    "submitted_by",
    "submitted_at",
    "reviewed_by",
    "last_verified",
}

# The reasons imports record (manage.py import_records): words for the public
# change log, never a command line or a file path. Stored in English, shown in
# the reader's language.
SEED_IMPORT_REASON = gettext_noop("Imported from the Atlas's verified facts")
FILE_IMPORT_REASON = gettext_noop("Imported from a data file")
ATLAS_REASONS = {SEED_IMPORT_REASON, FILE_IMPORT_REASON}
# What imports recorded before: "import_records fixtures/", or the command line
# with the path of the file ("import_records /home/someone/export.yaml").
_IMPORT_COMMAND_LINE = re.compile(
    r"^\s*(?:\S*python\S*\s+)?(?:\S*manage\.py\s+)?import_records(?:\s+(?P<arguments>.*))?$",
    re.S,
)
# A file system path in a text: "/srv/data/x.yaml", "~/x", "../x", a folder and a
# data file ("exports/threats.csv"), a Windows drive ("C:\\"). URLs are no paths.
_PATH = re.compile(
    r"(?:^|\s)(?:~|\.{1,2})?/\S"
    r"|(?:^|\s)(?![A-Za-z][\w+.-]*://)[^\s/]+/\S*\.(?:ya?ml|json|csv|tsv|xlsx?)\b"
    r"|\b[A-Za-z]:\\"
)


def public_reason(metadata):
    """The reason of a change as the public may read it (``metadata`` is the
    history context's). A command line or a path that an import recorded as its
    reason becomes the plain reason it stands for; the Atlas's own reasons are
    translated; reasons people wrote are shown as they wrote them."""
    reason = (metadata.get("reason") or "").strip()
    command_line = _IMPORT_COMMAND_LINE.match(reason)
    if command_line:
        paths = (command_line["arguments"] or "").split()
        from_seed = paths and all(
            PurePath(path).parts[:1] == ("fixtures",) for path in paths
        )
        reason = SEED_IMPORT_REASON if from_seed else FILE_IMPORT_REASON
    elif metadata.get("command") and _PATH.search(reason):
        reason = FILE_IMPORT_REASON
    if reason in ATLAS_REASONS:
        return gettext(reason)
    return reason


class Change:
    """One field's before and after, in words a reader understands."""

    def __init__(self, field, before, after):
        self.field = field
        self.name = field.name
        self.label = str(field.verbose_name)
        self.before = before
        self.after = after

    def as_dict(self):
        return {"field": self.name, "before": self.before, "after": self.after}


class Entry:
    """One event in a record's life: who, when, why, what changed."""

    def __init__(self, event, kind, user_id, reason, changes, snapshot):
        self.event = event
        self.id = event.pgh_id
        self.when = event.pgh_created_at
        self.kind = kind  # "insert", "update", "delete", "sources.add"...
        self.user_id = user_id
        self.user = None  # filled in by record_history
        self.reason = reason
        self.changes = changes
        self.snapshot = snapshot

    @property
    def status(self):
        return self.snapshot.get("publication_status")


def _display_value(field, value, labels):
    """The value as a reader would want to see it (labels for keys and choices)."""
    if value is None or value == "":
        return ""
    if field.is_relation:
        return labels.get((field.related_model, value), str(value))
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    return str(value)


def record_history(obj, public=False, values=True):
    """The events of ``obj``, oldest first, with the fields each one changed.

    ``public=True`` keeps what anonymous readers may see: only events while the
    record was published or retracted, no internal fields or names, and reasons
    as ``public_reason`` words them.
    Queries: events (with context), one per many-to-many tracked table, one per
    related model whose labels are shown, and one for the users.

    ``values=False`` (a page's change log, which names the fields that changed
    and never their values): each change's before and after are left empty, so
    no related record's label is looked up and the many-to-many tables' events
    come in one query (a UNION of their events): two queries in all.
    """

    model = type(obj)
    event_model = model._meta.get_field("events").related_model
    fields = [
        model._meta.get_field(f.name)
        for f in event_model._meta.concrete_fields
        if not f.name.startswith("pgh_") and f.name not in NOISE
    ]
    if public:
        fields = [f for f in fields if f.name not in INTERNAL]
    events = list(
        event_model.objects.filter(pgh_obj_id=obj.pk)
        .select_related("pgh_context")
        .order_by("pgh_id")
    )
    # Changes to many-to-many tables (sources, target countries...).
    if not values:
        return _history_entries(
            model, fields, events, _m2m_event_rows(model, obj), {}, public, values
        )
    m2m_events = []
    for m2m, through_events in _m2m_event_models(model):
        through = m2m.remote_field.through
        owner = m2m.m2m_field_name()
        target = m2m.m2m_reverse_field_name()
        target_field = through._meta.get_field(target)
        # What the target's name reads besides its own row (a source's
        # publisher): declared by its model as ``str_related``.
        named_with = [
            f"{target}__{name}"
            for name in getattr(target_field.related_model, "str_related", ())
        ]
        for row in (
            through_events.objects.filter(**{f"{owner}_id": obj.pk})
            .select_related("pgh_context", target, *named_with)
            .order_by("pgh_id")
        ):
            m2m_events.append((m2m, target_field, row))

    labels = _related_labels(fields, events)
    return _history_entries(model, fields, events, m2m_events, labels, public, values)


def _m2m_event_models(model):
    """``(m2m field, its history's event model)`` for each many-to-many table
    of ``model`` whose changes are tracked."""
    for m2m in model._meta.local_many_to_many:
        event_name = f"{model.__name__}{_pascal(m2m.name)}Event"
        try:
            yield m2m, model._meta.apps.get_model(model._meta.app_label, event_name)
        except LookupError:
            continue


def _m2m_event_rows(model, obj):
    """``[(m2m field, None, event)]``: the events of ``obj``'s many-to-many
    tables in one query (their targets not read), in the order
    ``record_history`` reads them table by table."""
    parts = []
    fields = model._meta.local_many_to_many
    for m2m, through_events in _m2m_event_models(model):
        owner = m2m.m2m_field_name()
        position = fields.index(m2m)
        parts.append(
            through_events.objects.filter(**{f"{owner}_id": obj.pk})
            .order_by()
            .values(
                "pgh_id",
                "pgh_created_at",
                "pgh_label",
                "pgh_context_id",
                metadata=models.F("pgh_context__metadata"),
                position=models.Value(position),
            )
        )
    if not parts:
        return []
    rows = list(parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0])
    rows.sort(key=lambda row: (row["position"], row["pgh_id"]))
    return [(fields[row["position"]], None, _M2MEvent(row)) for row in rows]


class _M2MEvent:
    """A many-to-many table's event read as values (``_m2m_event_rows``)."""

    def __init__(self, row):
        self.pgh_id = row["pgh_id"]
        self.pgh_created_at = row["pgh_created_at"]
        self.pgh_label = row["pgh_label"]
        self.pgh_context_id = row["pgh_context_id"]
        self.metadata = row["metadata"] or {}


def _history_entries(model, fields, events, m2m_events, labels, public, values):
    from django.contrib.auth import get_user_model

    def _display(field, value, labels):
        # values=False: only which fields changed is wanted, values are blanks.
        return _display_value(field, value, labels) if values else ""

    entries = []
    previous = {}
    for event in events:
        snapshot = {f.name: getattr(event, f.attname) for f in fields}
        snapshot["publication_status"] = getattr(event, "publication_status", None)
        if event.pgh_label == "update":
            changes = [
                Change(
                    f,
                    _display(f, previous.get(f.name), labels),
                    _display(f, snapshot[f.name], labels),
                )
                for f in fields
                if previous.get(f.name) != snapshot[f.name]
            ]
        elif event.pgh_label == "insert":
            changes = [
                Change(f, "", _display(f, snapshot[f.name], labels))
                for f in fields
                if snapshot[f.name] not in (None, "", [])
            ]
        else:
            changes = []
        previous = snapshot
        metadata = event.pgh_context.metadata if event.pgh_context_id else {}
        entries.append(
            Entry(
                event,
                event.pgh_label,
                metadata.get("user"),
                public_reason(metadata) if public else metadata.get("reason", ""),
                changes,
                snapshot,
            )
        )
    for m2m, target_field, row in m2m_events:
        if target_field is None:  # _m2m_event_rows: no value read
            metadata, value = row.metadata, ""
        else:
            metadata = row.pgh_context.metadata if row.pgh_context_id else {}
            value = str(getattr(row, target_field.name))
        added = row.pgh_label.endswith(".add")
        entries.append(
            Entry(
                row,
                row.pgh_label,
                metadata.get("user"),
                public_reason(metadata) if public else metadata.get("reason", ""),
                [Change(m2m, "" if added else value, value if added else "")],
                {},
            )
        )
    entries.sort(key=lambda entry: (entry.when, entry.id))
    if public:
        if any(f.name == "publication_status" for f in model._meta.fields):
            entries = _public_entries(entries)
    else:
        users = get_user_model().objects.in_bulk(
            {entry.user_id for entry in entries if entry.user_id}
        )
        for entry in entries:
            entry.user = users.get(entry.user_id)
    return entries


def _public_entries(entries):
    """Events from the first publication on; m2m events follow their record's state."""
    public = []
    status = None
    for entry in entries:
        if entry.snapshot:
            status = entry.status
        if status in PUBLIC_STATUSES:
            public.append(entry)
    return public


def _related_labels(fields, events):
    """{(model, pk): label} for the foreign keys that the events mention."""
    wanted = {}
    for field in fields:
        if field.is_relation and field.many_to_one:
            ids = {getattr(event, field.attname) for event in events} - {None}
            if ids:
                wanted.setdefault(field.related_model, set()).update(ids)
    labels = {}
    for model, ids in wanted.items():
        for pk, obj in model._default_manager.in_bulk(ids).items():
            labels[(model, pk)] = str(obj)
    return labels
