"""Load records in the shape of ``shared/facts/*.yaml`` into the database.

Every record is upserted by its natural key (ISO code, URL or slug), so importing
the same file twice changes nothing the second time. Each record is validated with
``full_clean`` (the same rules the admin applies, database constraints included)
inside its own savepoint; the caller decides whether one bad record aborts the
whole import. See ``fixtures/SCHEMA.md`` for the optional keys the seed data adds.

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
import urllib.parse
from collections import Counter
from pathlib import Path

import yaml
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify

from alliances.models import (
    Agreement,
    AgreementParty,
    Country,
    Membership,
    Organisation,
    Source,
)
from core.dates import parse_vague_date
from core.models import ReviewedRecord, Status
from core.workflow import mark_edited
from exercises.models import Exercise, ExerciseLocation, ExerciseSeries, Participation
from threats.models import Actor, Attribution, ThreatCategory, ThreatEntry

CREATED, UPDATED, UNCHANGED, REJECTED = "created", "updated", "unchanged", "rejected"
# The statuses an import may give, in the order a record moves through them.
IMPORT_STATUSES = [Status.DRAFT, Status.REVIEW, Status.PUBLISHED]

# Kinds in dependency order: a file may mix them, they are imported in this order.
KIND_ORDER = ["country", "source", "organisation", "agreement", "exercise", "threat"]
ID_PREFIXES = {
    "organisation": "org-",
    "agreement": "agr-",
    "exercise": "ex-",
    "threat": "thr-",
}

ORGANISATION_TYPES = {
    "military alliance": Organisation.Type.MILITARY_ALLIANCE,
    "political-economic union": Organisation.Type.POLITICAL_ECONOMIC_UNION,
    "regional format": Organisation.Type.REGIONAL_FORMAT,
    "framework nation format": Organisation.Type.FRAMEWORK_NATION_FORMAT,
    "centre of excellence": Organisation.Type.CENTRE_OF_EXCELLENCE,
    "multinational unit": Organisation.Type.MULTINATIONAL_UNIT,
    "multinational headquarters": Organisation.Type.MULTINATIONAL_HQ,
    "international organisation": Organisation.Type.INTERNATIONAL_ORGANISATION,
    "capability coalition": Organisation.Type.CAPABILITY_COALITION,
    "nato mission": Organisation.Type.MISSION,
    "mission": Organisation.Type.MISSION,
    "education institution": Organisation.Type.EDUCATION_INSTITUTION,
    "allied stationed unit": Organisation.Type.STATIONED_UNIT,
}
AGREEMENT_TYPES = {
    "treaty": Agreement.Type.TREATY,
    "defence cooperation agreement": Agreement.Type.DEFENCE_COOPERATION,
    "status of forces agreement": Agreement.Type.STATUS_OF_FORCES,
    "sofa": Agreement.Type.STATUS_OF_FORCES,
    "memorandum of understanding": Agreement.Type.MEMORANDUM,
    "mou": Agreement.Type.MEMORANDUM,
    "letter of intent": Agreement.Type.LETTER_OF_INTENT,
    "roadmap": Agreement.Type.ROADMAP,
    "joint declaration": Agreement.Type.JOINT_DECLARATION,
    "security agreement": Agreement.Type.SECURITY_AGREEMENT,
    "procurement contract": Agreement.Type.PROCUREMENT_CONTRACT,
}
# The facts' category labels, mapped onto the controlled list (threats migration 0002).
THREAT_CATEGORIES = {
    "military build-up/exercise": "military-build-up",
    "military build-up": "military-build-up",
    "hybrid/instrumentalised migration": "instrumentalised-migration",
    "instrumentalised migration": "instrumentalised-migration",
    "hybrid/airspace incursion (balloons)": "hybrid-operation",
    "hybrid operation": "hybrid-operation",
    "airspace violation": "airspace-violation",
    "maritime incident": "maritime-incident",
    "sabotage of infrastructure": "sabotage",
    "sabotage/arson": "sabotage",
    "gps jamming/spoofing": "gps-interference",
    "gps jamming": "gps-interference",
    "cyber attack": "cyber-attack",
    "disinformation/information operation": "disinformation",
    "disinformation": "disinformation",
    "espionage": "espionage",
    "energy coercion": "energy-coercion",
    "economic coercion": "economic-coercion",
    "nuclear safety": "nuclear-safety",
    "political violence": "political-violence",
    "forced diversion of civil aircraft": "civil-aviation-interference",
    "territorial/border provocation": "border-provocation",
}
ATTRIBUTION_CONFIDENCE = {
    "confirmed (court ruling)": Attribution.Confidence.CONFIRMED,
    "confirmed": Attribution.Confidence.CONFIRMED,
    "self-declared": Attribution.Confidence.SELF_DECLARED,
    "claimed by perpetrator": Attribution.Confidence.CLAIMED,
    "official assessment": Attribution.Confidence.OFFICIAL_ASSESSMENT,
    "suspected": Attribution.Confidence.SUSPECTED,
    "disputed": Attribution.Confidence.DISPUTED,
    "not attributed": Attribution.Confidence.NOT_ATTRIBUTED,
}
ISO2 = re.compile(r"^[A-Z]{2}$")


class RecordError(Exception):
    """A record that cannot be imported, with a message for the person importing."""


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
    if "url" in record:
        return "source"
    return None


def record_label(record):
    return str(record.get("id") or record.get("iso2") or record.get("url") or "?")


def _where(origin, record):
    """'threats.yaml record 3 (thr-ikea-arson-2024)', or the id alone."""
    label = record_label(record)
    return f"{origin} ({label})" if origin else label


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
        self._sources_seen = {}
        self._countries = {}

    # -- driving ---------------------------------------------------------------

    def run(self, records, origins=None):
        """Import ``records``; returns True when nothing was rejected.

        ``origins`` (parallel to ``records``) says where each record comes from
        ("threats.yaml record 3"), for the rejection messages. Each record is
        written in its own savepoint, so a rejected one leaves nothing behind; the
        caller wraps the run in a transaction and decides whether a rejection
        rolls back the rest.
        """
        origins = origins or [None] * len(records)
        ordered = sorted(
            zip(records, origins, strict=True),
            key=lambda pair: (
                KIND_ORDER.index(record_kind(pair[0]))
                if record_kind(pair[0]) in KIND_ORDER
                else len(KIND_ORDER)
            ),
        )
        parents = []
        total = len(ordered)
        for done, (record, origin) in enumerate(ordered, start=1):
            label = record_label(record)
            self.progress(done, total, label)
            kind = record_kind(record)
            try:
                with transaction.atomic():
                    handler = getattr(self, f"import_{kind}", None) if kind else None
                    if handler is None:
                        raise RecordError(
                            f"unknown kind {kind!r} (expected one of {', '.join(KIND_ORDER)})"
                        )
                    outcome = handler(record)
                    if kind == "organisation" and record.get("parent"):
                        parents.append((record, origin, outcome))
            except (RecordError, ValidationError, IntegrityError, ValueError) as exc:
                self.rejected.append((_where(origin, record), _message(exc)))
                self.counts[(kind or "?", REJECTED)] += 1
                # Sources created in the rolled-back savepoint are gone again.
                self._sources_seen.clear()
            else:
                self.counts[(kind, outcome)] += 1
        for record, origin, outcome in parents:
            linked = self._link_parent(record, origin)
            if linked is None or (linked and outcome == UNCHANGED):
                self.counts[("organisation", outcome)] -= 1
                self.counts[
                    ("organisation", REJECTED if linked is None else UPDATED)
                ] += 1
        return not self.rejected

    # -- helpers ---------------------------------------------------------------

    def _upsert(self, model, lookup, values):
        """Create or update one row; returns (obj, outcome)."""
        reviewed = issubclass(model, ReviewedRecord)
        obj = model.objects.filter(**lookup).first()
        if obj is None:
            obj = model(**lookup, **values)
            if reviewed:
                self._move(obj, self.status or Status.DRAFT)
                mark_edited(obj, self.user)
            _clean_and_save(obj)
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
        _clean_and_save(obj)
        return obj, UPDATED

    def _advance(self, obj):
        """Move an existing record forward to the status asked for, if any."""
        current = obj.publication_status
        if self.status is None or current not in IMPORT_STATUSES:
            return False  # no status asked for, or retracted: left alone
        if IMPORT_STATUSES.index(self.status) <= IMPORT_STATUSES.index(current):
            return False
        self._move(obj, self.status)
        return True

    def _move(self, obj, status):
        obj.publication_status = status
        if status == Status.REVIEW and obj.submitted_at is None:
            obj.submitted_at = timezone.now()
            obj.submitted_by = self.user
        if status == Status.PUBLISHED and obj.published_at is None:
            obj.published_at = timezone.now()

    def _outcome(self, obj, outcome, changed):
        """The outcome of a reviewed record once its sources and children are
        synced: a change there is a change to the record's content."""
        if not changed or outcome != UNCHANGED:
            return outcome
        if self.user is not None and obj.last_edited_by_id != self.user.pk:
            mark_edited(obj, self.user)
            obj.save(update_fields=["last_edited_by", "updated"])
        return UPDATED

    def _set_m2m(self, manager, objects):
        wanted = {obj.pk for obj in objects}
        if set(manager.values_list("pk", flat=True)) == wanted:
            return False
        manager.set(wanted)
        return True

    def _sync_children(self, queryset, rows, key):
        """Make the children of a record exactly ``rows`` (dicts of field values).

        ``key`` names the fields that identify a child. Returns True on any change.
        """
        changed = False
        keep = []
        for values in rows:
            lookup = {name: values[name] for name in key}
            rest = {name: value for name, value in values.items() if name not in key}
            sources = rest.pop("_sources", None)
            obj, outcome = self._upsert(queryset.model, lookup, rest)
            if sources is not None and self._set_m2m(obj.sources, sources):
                outcome = UPDATED
            changed |= outcome != UNCHANGED
            keep.append(obj.pk)
        stale = queryset.exclude(pk__in=keep)
        if stale.exists():
            stale.delete()
            changed = True
        return changed

    def country(self, code, field="country"):
        if code is None or code == "":
            return None
        code = str(code).strip().upper()
        if code not in self._countries:
            try:
                self._countries[code] = Country.objects.get(iso2=code)
            except Country.DoesNotExist:
                raise RecordError(f"{field}: unknown country code {code!r}") from None
        return self._countries[code]

    def sources(self, record):
        rows = as_list(record.get("sources"))
        if not rows:
            raise RecordError("sources: every record must cite at least one source")
        return [self.source(row) for row in rows]

    def source(self, row):
        if isinstance(row, str):
            row = {"url": row}
        url = (row.get("url") or "").strip()
        if not url:
            raise RecordError("sources: a source without a URL")
        if url in self._sources_seen:
            return self._sources_seen[url]
        values = {}
        for name in ("title", "publisher", "language", "archive_url", "caution"):
            if row.get(name):
                values[name] = str(row[name]).strip()
        if row.get("accessed"):
            values["accessed"], _precision = parse_vague_date(row["accessed"])
        if row.get("published"):
            values["published"], values["published_precision"] = parse_vague_date(
                row["published"]
            )
        existing = Source.objects.filter(url=url).first()
        if existing is None:
            values.setdefault("title", _title_from_url(url))
            values.setdefault("publisher", urllib.parse.urlsplit(url).netloc)
        obj, _outcome = self._upsert(Source, {"url": url}, values)
        self._sources_seen[url] = obj
        return obj

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
        if record.get("slug"):
            return record["slug"]
        identifier = record.get("id")
        if not identifier:
            raise RecordError("id: missing")
        prefix = ID_PREFIXES[kind]
        if identifier.startswith(prefix):
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

    # -- kinds -----------------------------------------------------------------

    def import_country(self, record):
        code = str(record.get("iso2") or "").strip().upper()
        _obj, outcome = self._upsert(
            Country,
            {"iso2": code},
            {
                "name": self.text(record, "name"),
                "name_lt": self.text(record, "name_lt"),
            },
        )
        return outcome

    def import_source(self, record):
        existed = Source.objects.filter(url=record.get("url")).exists()
        before = (
            Source.objects.filter(url=record.get("url")).values().first()
            if existed
            else None
        )
        obj = self.source(record)
        if not existed:
            return CREATED
        after = Source.objects.filter(pk=obj.pk).values().first()
        before.pop("updated"), after.pop("updated")
        return UNCHANGED if before == after else UPDATED

    def import_organisation(self, record):
        kind = "organisation"
        type_label = (record.get("type") or "").strip().lower()
        if (
            type_label not in ORGANISATION_TYPES
            and type_label not in Organisation.Type.values
        ):
            raise RecordError(f"type: unknown organisation type {record.get('type')!r}")
        values = {
            "name": self.text(record, "name"),
            "acronym": self.text(record, "acronym"),
            "type": ORGANISATION_TYPES.get(type_label, type_label),
            "type_detail": self.text(record, "type_detail"),
            "founding_place": self.text(record, "founding_place"),
            "hq": self.text(record, "hq"),
            "hq_country": self.country(record.get("hq_country"), "hq_country"),
            "description": self.text(record, "description"),
            "members_note": self.text(record, "members_note"),
            **self.dates(record, "founded"),
            **self.provenance(record),
        }
        sources = self.sources(record)
        obj, outcome = self._upsert(
            Organisation, {"slug": self.slug(record, kind)}, values
        )
        changed = self._set_m2m(obj.sources, sources)
        memberships = [
            {**row, "organisation": obj, "_sources": sources}
            for row in self._memberships(record)
        ]
        changed |= self._sync_children(
            Membership.objects.filter(organisation=obj),
            memberships,
            key=("organisation", "country", "joined"),
        )
        return self._outcome(obj, outcome, changed)

    def _memberships(self, record):
        lithuania_note = self._lithuania_milestones(record)
        rows = record.get("memberships")
        if rows is None:
            rows = [
                {"country": code, "role": "member"}
                for code in as_list(record.get("members"))
            ]
            if record.get("lithuania_role") or record.get("lithuania_joined"):
                rows = [row for row in rows if row["country"] != "LT"]
                role, detail = _role_from_text(record.get("lithuania_role") or "")
                rows.append(
                    {
                        "country": "LT",
                        "role": role,
                        "role_detail": detail,
                        "joined": record.get("lithuania_joined"),
                        "joined_precision": record.get("lithuania_joined_precision"),
                    }
                )
        out = []
        seen = set()
        for row in rows:
            country = self.country(row.get("country"), "memberships")
            role = row.get("role") or Membership.Role.MEMBER
            if role not in Membership.Role.values:
                raise RecordError(f"memberships: unknown role {role!r}")
            values = {
                "country": country,
                "role": role,
                "role_detail": self.text(row, "role_detail"),
                **self.dates(row, "joined"),
                **self.dates(row, "left"),
                "note": lithuania_note
                if country.iso2 == "LT"
                else self.text(row, "note"),
                "confidence": record.get("confidence") or "high",
            }
            key = (country.iso2, values["joined"])
            if key in seen:
                raise RecordError(f"memberships: {country.iso2} is listed twice")
            seen.add(key)
            out.append(values)
        return out

    @staticmethod
    def _lithuania_milestones(record):
        steps = [
            ("lithuania_applied", "Applied"),
            ("lithuania_invited", "Invited"),
            ("lithuania_accession_signed", "Accession signed"),
            ("lithuania_ratified", "Ratified"),
        ]
        parts = [f"{label}: {record[key]}" for key, label in steps if record.get(key)]
        parts += [str(item) for item in as_list(record.get("lithuania_participation"))]
        return "\n".join(parts)

    def _link_parent(self, record, origin=None):
        """Set an organisation's parent, once all organisations are in.

        Returns whether the parent changed, or None (and rejects the record)
        when the parent is unknown.
        """
        parent_id = record["parent"]
        slug = self.slug({"id": parent_id}, "organisation")
        try:
            parent = Organisation.objects.get(slug=slug)
        except Organisation.DoesNotExist:
            self.rejected.append(
                (_where(origin, record), f"parent: unknown organisation {parent_id!r}")
            )
            return None
        child = Organisation.objects.get(slug=self.slug(record, "organisation"))
        if child.parent_id == parent.pk:
            return False
        child.parent = parent
        mark_edited(child, self.user)
        try:
            child.full_clean()
        except ValidationError as exc:
            self.rejected.append((_where(origin, record), _message(exc)))
            return None
        child.save(update_fields=["parent", "last_edited_by", "updated"])
        return True

    def import_agreement(self, record):
        type_label = (record.get("type") or "").strip().lower()
        if (
            type_label not in AGREEMENT_TYPES
            and type_label not in Agreement.Type.values
        ):
            raise RecordError(f"type: unknown agreement type {record.get('type')!r}")
        signed = self.dates(
            record, "signed_date", "signed_date_precision", target="signed"
        )
        values = {
            "title": self.text(record, "title"),
            "type": AGREEMENT_TYPES.get(type_label, type_label),
            "type_detail": self.text(record, "type_detail"),
            "status": record.get("status")
            or (Agreement.Status.SIGNED if signed["signed"] else ""),
            "signatories": [str(name) for name in as_list(record.get("signatories"))],
            **signed,
            **self.dates(record, "entry_into_force"),
            **self.dates(record, "end_date", target="ended"),
            "place": self.text(record, "place"),
            "place_country": self.country(record.get("place_country"), "place_country"),
            "value": self.text(record, "value"),
            "summary": self.text(record, "summary"),
            **self.provenance(record),
        }
        sources = self.sources(record)
        parties = [self._party(party) for party in as_list(record.get("parties"))]
        if len(parties) < 2:
            raise RecordError("parties: an agreement needs at least two parties")
        obj, outcome = self._upsert(
            Agreement, {"slug": self.slug(record, "agreement")}, values
        )
        changed = self._set_m2m(obj.sources, sources)
        changed |= self._sync_children(
            AgreementParty.objects.filter(agreement=obj),
            [{**party, "agreement": obj} for party in parties],
            key=("agreement", "country", "organisation", "name"),
        )
        return self._outcome(obj, outcome, changed)

    def _party(self, party):
        party = str(party).strip()
        if ISO2.match(party):
            return {
                "country": self.country(party, "parties"),
                "organisation": None,
                "name": "",
            }
        organisation = Organisation.objects.filter(acronym__iexact=party).first() or (
            Organisation.objects.filter(name__iexact=party).first()
        )
        if organisation:
            return {"country": None, "organisation": organisation, "name": ""}
        return {"country": None, "organisation": None, "name": party}

    def import_exercise(self, record):
        domain = (record.get("domain") or "").strip().lower()
        if domain not in Exercise.Domain.values:
            raise RecordError(f"domain: unknown domain {record.get('domain')!r}")
        series = None
        if record.get("series"):
            name = self.text(record, "series")
            series, _outcome = self._upsert(
                ExerciseSeries, {"slug": slugify(name)}, {"name": name}
            )
        lead_organisation = None
        if record.get("lead_organisation"):
            slug = self.slug({"id": record["lead_organisation"]}, "organisation")
            lead_organisation = Organisation.objects.filter(slug=slug).first()
            if lead_organisation is None:
                raise RecordError(
                    f"lead_organisation: unknown {record['lead_organisation']!r}"
                )
        personnel = record.get("personnel")
        if personnel not in (None, ""):
            try:
                personnel = int(personnel)
            except (TypeError, ValueError):
                raise RecordError(
                    f"personnel: {personnel!r} is not a whole number"
                ) from None
        else:
            personnel = None
        values = {
            "name": self.text(record, "name"),
            "series": series,
            "edition": self.text(record, "edition"),
            **self.dates(record, "start_date", "start_precision", target="start"),
            **self.dates(record, "end_date", "end_precision", target="end"),
            "lead": self.text(record, "lead"),
            "lead_country": self.country(record.get("lead_country"), "lead_country"),
            "lead_organisation": lead_organisation,
            "domain": domain,
            "scenario": record.get("scenario") or "",
            "personnel": personnel,
            "personnel_note": self.text(record, "personnel_note"),
            "participants_note": self.text(record, "participants_note"),
            "description": self.text(record, "description"),
            **self.provenance(record),
        }
        sources = self.sources(record)
        hosts = [
            self.country(code, "host_countries")
            for code in as_list(record.get("host_countries"))
        ]
        participants = []
        for code in dict.fromkeys(as_list(record.get("participants"))):
            participants.append({"country": self.country(code, "participants")})
        locations = [self._location(row) for row in record.get("locations") or []]
        obj, outcome = self._upsert(
            Exercise, {"slug": self.slug(record, "exercise")}, values
        )
        changed = self._set_m2m(obj.sources, sources)
        changed |= self._set_m2m(obj.host_countries, hosts)
        changed |= self._sync_children(
            Participation.objects.filter(exercise=obj),
            [{**row, "exercise": obj} for row in participants],
            key=("exercise", "country"),
        )
        changed |= self._sync_children(
            ExerciseLocation.objects.filter(exercise=obj),
            [{**row, "exercise": obj} for row in locations],
            key=("exercise", "name"),
        )
        return self._outcome(obj, outcome, changed)

    def _location(self, row):
        return {
            "name": self.text(row, "name"),
            "country": self.country(row.get("country"), "locations"),
            **self._coordinates(row),
        }

    def _coordinates(self, row):
        source = row.get("coordinates_source")
        return {
            "latitude": _decimal(row.get("lat")),
            "longitude": _decimal(row.get("lon")),
            "coordinates_source": self.source({"url": source}) if source else None,
            "coordinates_note": self.text(row, "coordinates_note"),
        }

    def import_threat(self, record):
        label = (record.get("category") or "").strip()
        slug = THREAT_CATEGORIES.get(label.lower(), slugify(label))
        category = ThreatCategory.objects.filter(slug=slug).first()
        if category is None:
            raise RecordError(f"category: unknown threat category {label!r}")
        location = record.get("location") or {}
        start = self.dates(
            record, "date_start", "date_start_precision", target="occurred_start"
        )
        if start["occurred_start"] is None:
            raise RecordError("date_start: a threat entry needs at least a year")
        sources = self.sources(record)
        values = {
            "title": self.text(record, "title"),
            "summary": self.text(record, "summary"),
            "category": category,
            **start,
            **self.dates(
                record, "date_end", "date_end_precision", target="occurred_end"
            ),
            "location_name": self.text(location, "name"),
            "location_country": self.country(
                location.get("country"), "location.country"
            ),
            **self._coordinates(location),
            "targets_note": self.text(record, "targets"),
            **self._rating(record, sources),
            **self.provenance(record),
        }
        if record.get("reported"):
            values["reported"], _precision = parse_vague_date(record["reported"])
        targets = self._target_countries(record)
        attributions = self._attributions(record, sources)
        obj, outcome = self._upsert(
            ThreatEntry, {"slug": self.slug(record, "threat")}, values
        )
        changed = self._set_m2m(obj.sources, sources)
        changed |= self._set_m2m(obj.target_countries, targets)
        changed |= self._sync_children(
            Attribution.objects.filter(entry=obj),
            [{**row, "entry": obj} for row in attributions],
            key=("entry", "actor", "attributed_by"),
        )
        return self._outcome(obj, outcome, changed)

    def _rating(self, record, sources):
        """Admiralty rating: the record's own, else an initial one from the facts.

        The initial rating is mechanical and says so: reliability F (not yet judged)
        unless every source carries a caution flag (D, not usually reliable);
        credibility 2 (probably true) for high confidence, 3 (possibly true) for
        medium.
        """
        reliability = record.get("source_reliability")
        credibility = record.get("information_credibility")
        note = self.text(record, "rating_note")
        if reliability is None and credibility is None:
            flagged = [source for source in sources if source.caution]
            if sources and len(flagged) == len(sources):
                reliability = "D"
                note = "Every source cited needs care: " + "; ".join(
                    f"{source.publisher} ({source.caution})" for source in flagged
                )
            else:
                reliability = "F"
                note = "Source reliability not yet judged by an editor."
            credibility = 2 if record.get("confidence", "high") == "high" else 3
            note += (
                " Initial credibility follows the compiler's confidence "
                "(high gives 2, medium gives 3)."
            )
        return {
            "source_reliability": reliability or "",
            "information_credibility": int(credibility) if credibility else None,
            "rating_note": note,
            "severity": int(record["severity"]) if record.get("severity") else None,
        }

    def _target_countries(self, record):
        if record.get("target_countries") is not None:
            return [
                self.country(code, "target_countries")
                for code in as_list(record["target_countries"])
            ]
        names = {
            str(target).strip().lower() for target in as_list(record.get("targets"))
        }
        return list(Country.objects.filter(name__in=[n.title() for n in names]))

    def _attributions(self, record, sources):
        rows = record.get("attributions")
        if rows is None:
            rows = [
                {
                    "actor": record.get("actor") or "Unknown",
                    "actor_kind": "unknown",
                    "confidence": ATTRIBUTION_CONFIDENCE.get(
                        (record.get("attribution_confidence") or "").lower(),
                        Attribution.Confidence.NOT_ATTRIBUTED,
                    ),
                    "basis": record.get("attribution"),
                }
            ]
        out = []
        for row in rows:
            actor = self._actor(row)
            confidence = row.get("confidence") or Attribution.Confidence.NOT_ATTRIBUTED
            confidence = ATTRIBUTION_CONFIDENCE.get(str(confidence).lower(), confidence)
            if confidence not in Attribution.Confidence.values:
                raise RecordError(
                    f"attributions: unknown confidence {row.get('confidence')!r}"
                )
            out.append(
                {
                    "actor": actor,
                    "attributed_by": self.text(row, "attributed_by"),
                    **self.dates(row, "attributed_on"),
                    "attribution_confidence": confidence,
                    "basis": self.text(row, "basis"),
                    "confidence": record.get("confidence") or "high",
                    "_sources": sources,
                }
            )
        return out

    def _actor(self, row):
        name = self.text(row, "actor")
        if not name:
            raise RecordError("attributions: an attribution without an actor")
        kind = row.get("actor_kind") or Actor.Kind.UNKNOWN
        if kind not in Actor.Kind.values:
            raise RecordError(f"attributions: unknown actor kind {kind!r}")
        actor = Actor.objects.filter(name__iexact=name).first()
        if actor is None:
            actor = Actor(
                name=name,
                slug=slugify(name)[:100] or "actor",
                kind=kind,
                country=self.country(row.get("actor_country"), "actor_country"),
                aliases=list(row.get("actor_aliases") or []),
            )
            _clean_and_save(actor)
        return actor


def _role_from_text(text):
    lowered = text.lower()
    for needle, role in [
        ("founding", Membership.Role.FOUNDING_MEMBER),
        ("framework", Membership.Role.FRAMEWORK_NATION),
        ("host", Membership.Role.HOST_NATION),
        ("lead", Membership.Role.LEAD_NATION),
        ("contribut", Membership.Role.CONTRIBUTOR),
        ("participat", Membership.Role.PARTICIPANT),
        ("partner", Membership.Role.PARTNER),
        ("observer", Membership.Role.OBSERVER),
    ]:
        if needle in lowered:
            return role, "" if lowered == role.label else text
    return Membership.Role.MEMBER, "" if lowered in {"", "member"} else text


def _decimal(value):
    if value in (None, ""):
        return None
    from decimal import Decimal, InvalidOperation

    try:
        return Decimal(str(value)).quantize(Decimal("0.00001"))
    except InvalidOperation:
        raise RecordError(f"coordinates: {value!r} is not a number") from None


def _title_from_url(url):
    path = urllib.parse.urlsplit(url).path.rstrip("/")
    last = urllib.parse.unquote(path.rsplit("/", 1)[-1]) if path else ""
    return last.replace("_", " ") or url


def _clean_and_save(obj):
    """full_clean, then save; the table's named constraints are checked by the
    database on save rather than by one SELECT each beforehand (which made the
    seed import several times slower), and a violation is reported with the
    constraint's own message, as full_clean would."""
    obj.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            obj.save()
    except IntegrityError as exc:
        raise _constraint_error(obj, exc) from exc


def _constraint_error(obj, exc):
    text = str(exc)
    for constraint in obj._meta.constraints:
        if re.search(rf'"{re.escape(constraint.name)}"', text):
            return ValidationError(constraint.get_violation_error_message())
    return exc


def _message(exc):
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
