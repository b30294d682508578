"""Load records in the shape of ``fixtures/*.yaml`` (see ``fixtures/SCHEMA.md``).

This is the driver: reading files, ordering kinds, upserting rows, syncing
children, moving statuses and counting. What a kind of record looks like in a
file, and how it becomes rows, is declared by each app in its ``seed.py`` with
``@seed_kind(...)``; the driver finds them the way the admin finds admin.py.

Every record is upserted by its natural key (ISO code, URL or slug), so importing
the same file twice changes nothing the second time. Each record is validated with
``full_clean`` (the same rules the admin applies, database constraints included)
inside its own savepoint; the caller decides whether one bad record aborts the
whole import.

Reviewed records (organisations, agreements, exercises, threat entries) that the
import creates get the status asked for (``status``, a draft by default); an
existing record keeps its status unless a status is asked for explicitly, and
even then an import only moves a record forward (draft -> review -> published):
it never takes a published record back, nor touches a retracted one. A user, when
given, becomes the last editor of every reviewed record the import creates or
changes, as in the admin.
"""

import csv
import json
import re
from collections import Counter
from decimal import Decimal, InvalidOperation
from pathlib import Path

import yaml
from django.apps import apps as django_apps
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils.module_loading import autodiscover_modules
from django.utils.text import slugify

from core.dataversion import bulk_change
from core.dates import parse_vague_date
from core.models import bumps_held
from core.publication import is_reviewed
from core.workflow import FORWARD_PATH, mark_edited, move_without_review

CREATED, UPDATED, UNCHANGED, REJECTED = "created", "updated", "unchanged", "rejected"
# The statuses an import may give, in the order a record moves through them.
IMPORT_STATUSES = FORWARD_PATH

# The seed data, in the order it must load (countries, publishers and flagged
# sources first).
SEED_FILES = [
    "countries.yaml",
    "publishers.yaml",
    "sources.yaml",
    "organisations.yaml",
    "agreements.yaml",
    "exercises.yaml",
    "threats.yaml",
]


# Importer.upsert's default: read the row by its lookup.
LOOK_UP = object()


class RecordError(Exception):
    """A record that cannot be imported, with a message for the person importing."""


class SeedKind:
    """One ``kind`` of record in a file, as an app declares it."""

    def __init__(self, name, model, handler, id_prefix="", counts_as_data=True):
        self.name = name
        self.model = model
        self.handler = handler
        # Ids in the facts carry a prefix ("org-nato"); the slug drops it.
        self.id_prefix = id_prefix
        # Does a row of it mean the database is in use (import_records --if-empty)?
        self.counts_as_data = counts_as_data


_KINDS = {}
_discovered = []


def seed_kind(name, model, id_prefix="", counts_as_data=True):
    """Decorator for ``handler(importer, record) -> outcome`` in an app's seed.py.

    Kinds load in the order they are declared, apps in INSTALLED_APPS order, so
    a kind may rely on those declared before it (organisations on countries).
    """

    def register(handler):
        _KINDS[name] = SeedKind(name, model, handler, id_prefix, counts_as_data)
        return handler

    return register


def kinds():
    """Every kind the apps declare, in dependency order."""
    if not _discovered:
        autodiscover_modules("seed")
        _discovered.append(True)
    return list(_KINDS.values())


def kind_of(name):
    kinds()
    return _KINDS.get(name)


def database_has_records():
    """Does the database hold anything an editor may have worked on?"""
    return any(
        kind.model._default_manager.exists() for kind in kinds() if kind.counts_as_data
    )


def read_records(path):
    """Records from a YAML, JSON or CSV file (CSV lists are separated by '|')."""
    path = Path(path)
    suffix = path.suffix.lower()
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise RecordError(f"cannot read {path}: {exc}") from exc
    try:
        if suffix in {".yaml", ".yml"}:
            # The C loader when PyYAML has it: ten times faster on the seed files.
            data = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # noqa: S506
        elif suffix == ".json":
            data = json.loads(text)
        elif suffix == ".csv":
            data = [_csv_row(row) for row in csv.DictReader(text.splitlines())]
        else:
            raise RecordError(
                f"{path}: unknown format (use .yaml, .yml, .json or .csv)"
            )
    except (yaml.YAMLError, json.JSONDecodeError, csv.Error) as exc:
        raise RecordError(f"{path} is not valid {suffix[1:].upper()}: {exc}") from exc
    if data is None:
        return []
    if not isinstance(data, list) or not all(isinstance(row, dict) for row in data):
        raise RecordError(f"{path} must hold a list of records (mappings)")
    return data


def _csv_row(row):
    out = {}
    for key, value in row.items():
        if value is None or value == "":
            out[key] = None
        elif "|" in value:
            out[key] = [part.strip() for part in value.split("|") if part.strip()]
        else:
            out[key] = value
    return out


def as_list(value):
    """A list field, also when a CSV cell held a single value."""
    if value is None or value == "":
        return []
    if isinstance(value, list | tuple):
        return list(value)
    return [value]


def record_kind(record):
    kind = record.get("kind")
    if kind:
        return kind
    if "iso2" in record:
        return "country"
    if "reliability" in record:
        return "publisher"
    if "url" in record:
        return "source"
    return None


def record_label(record):
    return str(
        record.get("id")
        or record.get("iso2")
        or record.get("url")
        or record.get("name")
        or "?"
    )


def where(origin, record):
    """'threats.yaml record 3 (thr-ikea-arson-2024)', or the id alone."""
    label = record_label(record)
    return f"{origin} ({label})" if origin else label


# The planner's statistics are refreshed when a new kind starts and when the
# current kind has imported 32, 64, 128... records: doubling keeps its estimates
# within a factor of two of the truth, at a cost that grows with the log of the
# import (every 250 records would ANALYZE 800 times in a 200,000-record import).
# Counted per kind, because a kind's tables were empty at its first ANALYZE: with
# 119 memberships planned as none, each update of the rows citing a source took
# half a second (a nested loop over every membership for every membership).
FIRST_ANALYZE_AT = 32


def refresh_planner_statistics():
    """ANALYZE the Atlas's tables, in the import's own transaction (ANALYZE
    counts the rows it inserted). A database that was vacuumed while empty tells
    the planner its tables hold no rows; without this, an import into it plans
    every lookup as a scan of a tiny table and slows down by a factor of twenty
    as the tables fill (seen: 30 s against 10 minutes for fixtures/)."""
    own_apps = [
        config
        for config in django_apps.get_app_configs()
        if Path(config.path).is_relative_to(settings.BASE_DIR)
    ]
    tables = sorted(
        {
            model._meta.db_table
            for config in own_apps
            for model in config.get_models(include_auto_created=True)
            if model._meta.managed and not model._meta.proxy
        }
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE " + ", ".join(map(connection.ops.quote_name, tables)))


class Importer:
    """Upserts records; counts what happened to each one."""

    def __init__(self, progress=None, status=None, user=None):
        """``status``: the status of the reviewed records created, and the status
        existing ones move forward to; None creates drafts and moves nothing.
        ``user``: the last editor of what the import creates or changes."""
        if status is not None and status not in IMPORT_STATUSES:
            raise ValueError(f"an import cannot give the status {status!r}")
        self.progress = progress or (lambda done, total, label: None)
        self.status = status
        self.user = user
        self.counts = Counter()
        self.rejected = []  # (where, message)
        # Lookups the kinds keep for the whole run (countries by code)...
        self.cache = {}
        # ...and rows they may have created in the current record's savepoint
        # (sources by URL): forgotten when the record is rejected.
        self.savepoint_cache = {}
        self._deferred = []

    # -- driving ---------------------------------------------------------------

    def run(self, records, origins=None):
        """Import ``records``; returns True when nothing was rejected.

        ``origins`` (parallel to ``records``) says where each record comes from
        ("threats.yaml record 3"), for the rejection messages. Each record is
        written in its own savepoint, so a rejected one leaves nothing behind; the
        caller wraps the run in a transaction and decides whether a rejection
        rolls back the rest.
        """
        # One data-version bump for the whole import (core/dataversion.py).
        with bulk_change():
            return self._run(records, origins)

    def _run(self, records, origins):
        known = {kind.name: kind for kind in kinds()}
        order = list(known)
        origins = origins or [None] * len(records)
        ordered = sorted(
            zip(records, origins, strict=True),
            key=lambda pair: (
                order.index(record_kind(pair[0]))
                if record_kind(pair[0]) in order
                else len(order)
            ),
        )
        total = len(ordered)
        later = []
        previous_kind = None
        done_of_kind = 0
        next_analyze_at = FIRST_ANALYZE_AT
        for done, (record, origin) in enumerate(ordered, start=1):
            label = record_label(record)
            self.progress(done, total, label)
            name = record_kind(record)
            if name != previous_kind:
                previous_kind = name
                done_of_kind = 0
                next_analyze_at = FIRST_ANALYZE_AT
                refresh_planner_statistics()
            elif done_of_kind == next_analyze_at:
                next_analyze_at *= 2
                refresh_planner_statistics()
            done_of_kind += 1
            deferred = []
            self._deferred = deferred
            try:
                with transaction.atomic(), bumps_held():
                    kind = known.get(name) if name else None
                    if kind is None:
                        raise RecordError(
                            f"unknown kind {name!r} (expected one of {', '.join(order)})"
                        )
                    outcome = kind.handler(self, record)
            except (RecordError, ValidationError, IntegrityError, ValueError) as exc:
                self.rejected.append((where(origin, record), message(exc)))
                self.counts[(name or "?", REJECTED)] += 1
                # Rows created in the rolled-back savepoint are gone again.
                self.savepoint_cache.clear()
            else:
                self.counts[(name, outcome)] += 1
                later += [(name, origin, outcome, step) for step in deferred]
        for name, origin, outcome, step in later:
            changed = step(origin)
            if changed is None or (changed and outcome == UNCHANGED):
                self.counts[(name, outcome)] -= 1
                self.counts[(name, REJECTED if changed is None else UPDATED)] += 1
        return not self.rejected

    def defer(self, step):
        """Run ``step(origin)`` once every record is in (an organisation's parent
        may come later in the files). It returns whether it changed the record,
        or None after rejecting it with ``reject``."""
        self._deferred.append(step)

    def reject(self, origin, record, text):
        self.rejected.append((where(origin, record), text))

    # -- helpers the kinds use ---------------------------------------------------

    def upsert(self, model, lookup, values, stored=LOOK_UP):
        """Create or update one row; returns (obj, outcome). ``stored``: the row
        as the caller has just read it by ``lookup`` (None: there is none), which
        saves reading it again."""
        reviewed = is_reviewed(model)
        obj = model.objects.filter(**lookup).first() if stored is LOOK_UP else stored
        if obj is None:
            obj = model(**lookup, **values)
            if reviewed:
                move_without_review(obj, self.status or FORWARD_PATH[0], self.user)
                mark_edited(obj, self.user)
            clean_and_save(obj)
            return obj, CREATED
        changed = [
            name for name, value in values.items() if getattr(obj, name) != value
        ]
        moved = reviewed and self._advance(obj)
        if not changed and not moved:
            return obj, UNCHANGED
        for name in changed:
            setattr(obj, name, values[name])
        if changed and reviewed:
            mark_edited(obj, self.user)
        clean_and_save(obj)
        return obj, UPDATED

    def _advance(self, obj):
        """Move an existing record forward to the status asked for, if any."""
        current = obj.publication_status
        if self.status is None or current not in IMPORT_STATUSES:
            return False  # no status asked for, or retracted: left alone
        if IMPORT_STATUSES.index(self.status) <= IMPORT_STATUSES.index(current):
            return False
        move_without_review(obj, self.status, self.user)
        return True

    def outcome(self, obj, outcome, changed):
        """The outcome of a reviewed record once its sources and children are
        synced: a change there is a change to the record's content."""
        if not changed or outcome != UNCHANGED:
            return outcome
        if self.user is not None and obj.last_edited_by_id != self.user.pk:
            mark_edited(obj, self.user)
            obj.save(update_fields=["last_edited_by", "updated"])
        return UPDATED

    def set_m2m(self, manager, objects):
        wanted = {obj.pk for obj in objects}
        if set(manager.values_list("pk", flat=True)) == wanted:
            return False
        manager.set(wanted)
        return True

    def sync_children(self, queryset, rows, key):
        """Make the children of a record exactly ``rows`` (dicts of field values).

        ``key`` names the fields that identify a child; a ``_sources`` value is
        set as the child's sources. Returns True on any change.
        """
        changed = False
        keep = []
        for values in rows:
            lookup = {name: values[name] for name in key}
            rest = {name: value for name, value in values.items() if name not in key}
            sources = rest.pop("_sources", None)
            obj, outcome = self.upsert(queryset.model, lookup, rest)
            if sources is not None and self.set_m2m(obj.sources, sources):
                outcome = UPDATED
            changed |= outcome != UNCHANGED
            keep.append(obj.pk)
        stale = queryset.exclude(pk__in=keep)
        if stale.exists():
            stale.delete()
            changed = True
        return changed

    def dates(self, record, field, precision_field=None, target=None):
        """``{target: date, target_precision: precision}`` from a facts date pair."""
        target = target or field
        try:
            value, precision = parse_vague_date(record.get(field))
        except ValueError as exc:
            raise RecordError(f"{field}: {exc}") from None
        declared = record.get(precision_field or f"{field}_precision")
        if value is not None and declared and declared != precision:
            raise RecordError(
                f"{field}: {record.get(field)!r} does not have the precision {declared!r}"
            )
        return {target: value, f"{target}_precision": precision}

    @staticmethod
    def slug(record, kind):
        """The record's slug: its own, or its id without the kind's prefix."""
        if record.get("slug"):
            return record["slug"]
        identifier = record.get("id")
        if not identifier:
            raise RecordError("id: missing")
        prefix = kind_of(kind).id_prefix
        if prefix and identifier.startswith(prefix):
            identifier = identifier[len(prefix) :]
        return slugify(identifier)

    @staticmethod
    def text(record, field):
        value = record.get(field)
        if value is None:
            return ""
        if isinstance(value, list):
            return "; ".join(str(item) for item in value)
        return str(value).strip()

    def provenance(self, record):
        confidence = record.get("confidence") or "high"
        if confidence not in {"high", "medium"}:
            raise RecordError(f"confidence: {confidence!r} is not high or medium")
        return {"confidence": confidence, "notes": self.text(record, "notes")}


def decimal(value):
    if value in (None, ""):
        return None
    try:
        return Decimal(str(value)).quantize(Decimal("0.00001"))
    except InvalidOperation:
        raise RecordError(f"coordinates: {value!r} is not a number") from None


def clean_and_save(obj):
    """full_clean, then save. The table's named constraints are checked by the
    database on save rather than by one SELECT each beforehand (which made the
    seed import several times slower), and a violation is reported with the
    constraint's own message, as full_clean would. No savepoint of its own (two
    queries a row): a violation aborts the record's savepoint (Importer.run),
    which takes the whole record back.

    A foreign key given as an instance (a row the import has just read or
    written) is not looked up again: that check is a SELECT per key, more than a
    fifth of the import's queries. A key given as a bare id is still checked."""
    given = [
        field.name
        for field in obj._meta.concrete_fields
        if field.is_relation
        and field.is_cached(obj)
        and field.get_cached_value(obj) is not None
    ]
    obj.full_clean(exclude=given, validate_constraints=False)
    try:
        obj.save()
    except IntegrityError as exc:
        raise _constraint_error(obj, exc) from exc


def _constraint_error(obj, exc):
    text = str(exc)
    for constraint in obj._meta.constraints:
        if re.search(rf'"{re.escape(constraint.name)}"', text):
            return ValidationError(constraint.get_violation_error_message())
    return exc


def message(exc):
    if isinstance(exc, ValidationError):
        if hasattr(exc, "error_dict"):
            return "; ".join(
                f"{field}: {' '.join(messages)}"
                if field != "__all__"
                else " ".join(messages)
                for field, messages in exc.message_dict.items()
            )
        return " ".join(exc.messages)
    return str(exc)
