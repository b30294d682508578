"""Countries, sources, organisations (with their memberships) and agreements (with
their parties) in the seed files; the driver is core/seed.py.

Also the lookups the other apps' kinds share: a country by its code, the sources
a record cites, coordinates with the source that gives them.
"""

import re
import urllib.parse

from django.core.exceptions import ValidationError

from core.dates import parse_vague_date
from core.seed import (
    CREATED,
    UNCHANGED,
    UPDATED,
    RecordError,
    as_list,
    decimal,
    message,
    seed_kind,
)
from core.workflow import mark_edited

from .models import (
    Agreement,
    AgreementParty,
    Country,
    Membership,
    Organisation,
    Publisher,
    Source,
)

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
ISO2 = re.compile(r"^[A-Z]{2}$")
# publishers.yaml's rubric rules (its `category`) for outlets that carry other
# publishers' texts: they repeat a report, they do not corroborate it.
RELAYING_CATEGORIES = {"relay_b", "relay_c", "aggregator", "mirror"}


# -- lookups shared with the other apps' kinds ------------------------------------


def country(importer, code, field="country"):
    """The country with ISO code ``code`` (any case), or None for no code."""
    if code is None or code == "":
        return None
    code = str(code).strip().upper()
    countries = importer.cache.setdefault("countries", {})
    if code not in countries:
        try:
            countries[code] = Country.objects.get(iso2=code)
        except Country.DoesNotExist:
            raise RecordError(f"{field}: unknown country code {code!r}") from None
    return countries[code]


def sources(importer, record):
    """The sources a record cites (at least one), created or updated as given."""
    rows = as_list(record.get("sources"))
    if not rows:
        raise RecordError("sources: every record must cite at least one source")
    return [source(importer, row) for row in rows]


def source(importer, row):
    if isinstance(row, str):
        row = {"url": row}
    url = (row.get("url") or "").strip()
    if not url:
        raise RecordError("sources: a source without a URL")
    values = {}
    for name in ("title", "language", "archive_url", "caution"):
        if row.get(name):
            values[name] = str(row[name]).strip()
    if row.get("publisher"):
        values["publisher"] = publisher(importer, row["publisher"])
    if row.get("accessed"):
        values["accessed"], _precision = parse_vague_date(row["accessed"])
    if row.get("published"):
        values["published"], values["published_precision"] = parse_vague_date(
            row["published"]
        )
    # A URL cited by several rows is written from the first row that cites it;
    # a later row only fills what the earlier ones left out (the flagged sources
    # of sources.yaml come first, with a caution alone; the records citing them
    # then give their title and publisher). Earlier rows winning makes a second
    # run write every source as the first run left it, so nothing is bumped.
    seen = importer.savepoint_cache.setdefault("sources", {})
    if url in seen:
        obj, given = seen[url]
        missing = {name: value for name, value in values.items() if name not in given}
        if not missing:
            return obj
        given = {**given, **missing}
        written = missing
        stored = obj
    else:
        given = dict(values)
        written = dict(values)
        stored = Source.objects.filter(url=url).first()
        if stored is None:
            # No publisher is guessed: one the row does not name stays unknown.
            # The title taken from the URL is not "given": a later row's wins.
            written.setdefault("title", _title_from_url(url))
    obj, _outcome = importer.upsert(Source, {"url": url}, written, stored=stored)
    seen[url] = (obj, given)
    return obj


def publisher(importer, name):
    """The publisher of that name; a new one is not rated (a reviewer rates it)."""
    name = str(name).strip()[:200]
    if not name:
        return None
    seen = importer.savepoint_cache.setdefault("publishers", {})
    if name not in seen:
        stored = Publisher.objects.filter(name=name).first()
        seen[name], _outcome = importer.upsert(
            Publisher, {"name": name}, {}, stored=stored
        )
    return seen[name]


def coordinates(importer, row):
    """Latitude, longitude and the source that gives them (exercise locations,
    threat entries)."""
    source_url = row.get("coordinates_source")
    return {
        "latitude": decimal(row.get("lat")),
        "longitude": decimal(row.get("lon")),
        "coordinates_source": source(importer, {"url": source_url})
        if source_url
        else None,
        "coordinates_note": importer.text(row, "coordinates_note"),
    }


def organisation_by_id(importer, identifier):
    """An organisation named by its id in the facts ("org-nato"), or None."""
    slug = importer.slug({"id": identifier}, "organisation")
    return Organisation.objects.filter(slug=slug).first()


# -- kinds ------------------------------------------------------------------------


# The country list is reference data, not an editor's work: a database holding
# only countries is still empty for import_records --if-empty.
@seed_kind("country", Country, counts_as_data=False)
def import_country(importer, record):
    code = str(record.get("iso2") or "").strip().upper()
    _obj, outcome = importer.upsert(
        Country,
        {"iso2": code},
        {
            "name": importer.text(record, "name"),
            "name_lt": importer.text(record, "name_lt"),
        },
    )
    return outcome


# Rated reference data, like the country list: a database holding only
# publishers is still empty for import_records --if-empty.
@seed_kind("publisher", Publisher, counts_as_data=False)
def import_publisher(importer, record):
    letter = record.get("reliability") or ""
    if letter not in Publisher.Reliability.values and letter != "":
        raise RecordError(f"reliability: {letter!r} is not a letter A to F or null")
    _obj, outcome = importer.upsert(
        Publisher,
        {"name": importer.text(record, "name")},
        {
            "reliability": letter,
            "relays_others": record.get("category") in RELAYING_CATEGORIES,
            "rating_note": importer.text(record, "rating_note"),
        },
    )
    return outcome


@seed_kind("source", Source)
def import_source(importer, record):
    existed = Source.objects.filter(url=record.get("url")).exists()
    before = (
        Source.objects.filter(url=record.get("url")).values().first()
        if existed
        else None
    )
    obj = source(importer, record)
    if not existed:
        return CREATED
    after = Source.objects.filter(pk=obj.pk).values().first()
    before.pop("updated"), after.pop("updated")
    return UNCHANGED if before == after else UPDATED


@seed_kind("organisation", Organisation, id_prefix="org-")
def import_organisation(importer, record):
    type_label = (record.get("type") or "").strip().lower()
    if (
        type_label not in ORGANISATION_TYPES
        and type_label not in Organisation.Type.values
    ):
        raise RecordError(f"type: unknown organisation type {record.get('type')!r}")
    values = {
        "name": importer.text(record, "name"),
        "acronym": importer.text(record, "acronym"),
        "type": ORGANISATION_TYPES.get(type_label, type_label),
        "type_detail": importer.text(record, "type_detail"),
        "founding_place": importer.text(record, "founding_place"),
        "hq": importer.text(record, "hq"),
        "hq_country": country(importer, record.get("hq_country"), "hq_country"),
        "description": importer.text(record, "description"),
        "members_note": importer.text(record, "members_note"),
        **importer.dates(record, "founded"),
        **importer.provenance(record),
    }
    cited = sources(importer, record)
    obj, outcome = importer.upsert(
        Organisation, {"slug": importer.slug(record, "organisation")}, values
    )
    changed = importer.set_m2m(obj.sources, cited)
    # A membership cites its own sources (memberships.yaml) when the file gives
    # them, otherwise its organisation's.
    memberships = [
        {**row, "organisation": obj, "_sources": row["_sources"] or cited}
        for row in _memberships(importer, record)
    ]
    changed |= importer.sync_children(
        Membership.objects.filter(organisation=obj),
        memberships,
        key=("organisation", "country", "joined"),
    )
    if record.get("parent"):
        # The parent may come later in the files: linked once all are in.
        importer.defer(lambda origin: _link_parent(importer, record, origin))
    return importer.outcome(obj, outcome, changed)


def _memberships(importer, record):
    lithuania_note = _lithuania_milestones(record)
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
        member = country(importer, row.get("country"), "memberships")
        role = row.get("role") or Membership.Role.MEMBER
        if role not in Membership.Role.values:
            raise RecordError(f"memberships: unknown role {role!r}")
        values = {
            "country": member,
            "role": role,
            "role_detail": importer.text(row, "role_detail"),
            **importer.dates(row, "joined"),
            **importer.dates(row, "left"),
            "note": lithuania_note
            if member.iso2 == "LT"
            else importer.text(row, "note"),
            # The row's own confidence and editor notes, else its organisation's
            # confidence (a row derived from a `members` list has neither).
            **importer.provenance(
                {
                    "confidence": row.get("confidence") or record.get("confidence"),
                    "notes": row.get("notes"),
                }
            ),
            "_sources": sources(importer, row) if row.get("sources") else [],
        }
        key = (member.iso2, values["joined"])
        if key in seen:
            raise RecordError(f"memberships: {member.iso2} is listed twice")
        seen.add(key)
        out.append(values)
    return out


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


def _link_parent(importer, record, origin=None):
    """Set an organisation's parent, once all organisations are in.

    Returns whether the parent changed, or None (and rejects the record) when
    the parent is unknown.
    """
    parent_id = record["parent"]
    parent = organisation_by_id(importer, parent_id)
    if parent is None:
        importer.reject(origin, record, f"parent: unknown organisation {parent_id!r}")
        return None
    child = Organisation.objects.get(slug=importer.slug(record, "organisation"))
    if child.parent_id == parent.pk:
        return False
    child.parent = parent
    mark_edited(child, importer.user)
    try:
        child.full_clean()
    except ValidationError as exc:
        importer.reject(origin, record, message(exc))
        return None
    child.save(update_fields=["parent", "last_edited_by", "updated"])
    return True


@seed_kind("agreement", Agreement, id_prefix="agr-")
def import_agreement(importer, record):
    type_label = (record.get("type") or "").strip().lower()
    if type_label not in AGREEMENT_TYPES and type_label not in Agreement.Type.values:
        raise RecordError(f"type: unknown agreement type {record.get('type')!r}")
    signed = importer.dates(
        record, "signed_date", "signed_date_precision", target="signed"
    )
    values = {
        "title": importer.text(record, "title"),
        "type": AGREEMENT_TYPES.get(type_label, type_label),
        "type_detail": importer.text(record, "type_detail"),
        "status": record.get("status")
        or (Agreement.Status.SIGNED if signed["signed"] else ""),
        "signatories": [str(name) for name in as_list(record.get("signatories"))],
        **signed,
        **importer.dates(record, "entry_into_force"),
        **importer.dates(record, "end_date", target="ended"),
        "place": importer.text(record, "place"),
        "place_country": country(
            importer, record.get("place_country"), "place_country"
        ),
        "value": importer.text(record, "value"),
        "summary": importer.text(record, "summary"),
        **importer.provenance(record),
    }
    cited = sources(importer, record)
    parties = [_party(importer, party) for party in as_list(record.get("parties"))]
    if len(parties) < 2:
        raise RecordError("parties: an agreement needs at least two parties")
    obj, outcome = importer.upsert(
        Agreement, {"slug": importer.slug(record, "agreement")}, values
    )
    changed = importer.set_m2m(obj.sources, cited)
    changed |= importer.sync_children(
        AgreementParty.objects.filter(agreement=obj),
        [{**party, "agreement": obj} for party in parties],
        key=("agreement", "country", "organisation", "name"),
    )
    return importer.outcome(obj, outcome, changed)


def _party(importer, party):
    party = str(party).strip()
    if ISO2.match(party):
        return {
            "country": country(importer, party, "parties"),
            "organisation": None,
            "name": "",
        }
    organisation = Organisation.objects.filter(acronym__iexact=party).first() or (
        Organisation.objects.filter(name__iexact=party).first()
    )
    if organisation:
        return {"country": None, "organisation": organisation, "name": ""}
    return {"country": None, "organisation": None, "name": party}


def _title_from_url(url):
    path = urllib.parse.urlsplit(url).path.rstrip("/")
    last = urllib.parse.unquote(path.rsplit("/", 1)[-1]) if path else ""
    return last.replace("_", " ") or url
