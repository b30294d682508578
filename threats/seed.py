"""Threat entries (with their targets and attributions) in the seed files; the
driver is core/seed.py."""

from django.utils.text import slugify

from alliances.models import Country
from alliances.seed import coordinates, country, sources
from core.dates import parse_vague_date
from core.seed import RecordError, as_list, clean_and_save, seed_kind

from .models import Actor, ActorAlias, Attribution, ThreatCategory, ThreatEntry

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
# Sea areas as the seed files name them, each the start of `location.sea_area`.
SEA_AREA_NAMES = [
    (ThreatEntry.SeaArea.GULF_OF_FINLAND, "gulf of finland"),
    (ThreatEntry.SeaArea.GULF_OF_RIGA, "gulf of riga"),
    (ThreatEntry.SeaArea.GULF_OF_BOTHNIA, "gulf of bothnia"),
    (ThreatEntry.SeaArea.BALTIC_SEA, "baltic sea"),
]
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


@seed_kind("threat", ThreatEntry, id_prefix="thr-")
def import_threat(importer, record):
    label = (record.get("category") or "").strip()
    slug = THREAT_CATEGORIES.get(label.lower(), slugify(label))
    category = ThreatCategory.objects.filter(slug=slug).first()
    if category is None:
        raise RecordError(f"category: unknown threat category {label!r}")
    location = record.get("location") or {}
    start = importer.dates(
        record, "date_start", "date_start_precision", target="occurred_start"
    )
    if start["occurred_start"] is None:
        raise RecordError("date_start: a threat entry needs at least a year")
    cited = sources(importer, record)
    values = {
        "title": importer.text(record, "title"),
        "summary": importer.text(record, "summary"),
        "category": category,
        **start,
        **importer.dates(
            record, "date_end", "date_end_precision", target="occurred_end"
        ),
        "location_name": importer.text(location, "name"),
        "location_country": country(
            importer, location.get("country"), "location.country"
        ),
        **coordinates(importer, location),
        **_placement(importer, location),
        "targets_note": importer.text(record, "targets"),
        **_assessment(importer, record),
        **importer.provenance(record),
    }
    if record.get("reported"):
        values["reported"], _precision = parse_vague_date(record["reported"])
    targets = _target_countries(importer, record)
    attributions = _attributions(importer, record, cited)
    obj, outcome = importer.upsert(
        ThreatEntry, {"slug": importer.slug(record, "threat")}, values
    )
    changed = importer.set_m2m(obj.sources, cited)
    changed |= importer.set_m2m(obj.target_countries, targets)
    changed |= importer.sync_children(
        Attribution.objects.filter(entry=obj),
        [{**row, "entry": obj} for row in attributions],
        key=("entry", "actor", "attributed_by"),
    )
    if record.get("follows_up") is not None:
        # The entries it follows up may come later in the files.
        importer.defer(lambda origin: _link_follow_ups(importer, record, origin))
    return importer.outcome(obj, outcome, changed)


def _link_follow_ups(importer, record, origin=None):
    """Set the entries a record follows up, once all are in. Returns whether
    they changed, or None (after rejecting the record) for an unknown id."""
    entry = ThreatEntry.objects.get(slug=importer.slug(record, "threat"))
    earlier = []
    for identifier in as_list(record["follows_up"]):
        slug = importer.slug({"id": identifier}, "threat")
        other = ThreatEntry.objects.filter(slug=slug).exclude(pk=entry.pk).first()
        if other is None:
            importer.reject(origin, record, f"follows_up: unknown entry {identifier!r}")
            return None
        earlier.append(other)
    return importer.set_m2m(entry.follows_up, earlier)


def _assessment(importer, record):
    """Severity with its reason, and a reviewer's credibility grade if the record
    gives one. Source reliability and the corroboration grade are not read: they
    follow from the publishers of the sources (ThreatEntry.refresh_assessment)."""
    severity = record.get("severity")
    if severity not in (None, "") and str(severity) not in {"1", "2", "3", "4", "5"}:
        raise RecordError(f"severity: {severity!r} is not 1 to 5")
    override = record.get("credibility_override")
    if override not in (None, "") and str(override) not in {
        str(value) for value in ThreatEntry.Credibility.values
    }:
        raise RecordError(f"credibility_override: {override!r} is not 1 to 6")
    return {
        "severity": int(severity) if severity not in (None, "") else None,
        "severity_note": importer.text(record, "severity_note")[:500],
        "credibility_override": int(override) if override not in (None, "") else None,
        "rating_note": importer.text(record, "rating_note"),
    }


def _placement(importer, location):
    """How precisely the entry is placed, and its sea area ("Baltic Sea east of
    Gotland (Swedish EEZ)" -> the Baltic Sea, "east of Gotland (Swedish EEZ)")."""
    precision = location.get("geo_precision") or ""
    if precision not in ("", *ThreatEntry.GeoPrecision.values):
        raise RecordError(f"location.geo_precision: unknown code {precision!r}")
    text = importer.text(location, "sea_area")
    area, detail = "", ""
    if text:
        lowered = text.lower()
        for value, label in SEA_AREA_NAMES:
            if lowered.startswith(label):
                area, detail = value, text[len(label) :].strip(" ,;:-–")
                break
        else:
            known = ", ".join(label for _value, label in SEA_AREA_NAMES)
            raise RecordError(
                f"location.sea_area: {text!r} does not start with a known sea "
                f"area ({known})"
            )
        if detail.startswith("(") and detail.endswith(")") and detail.count("(") == 1:
            detail = detail[1:-1]
    return {"geo_precision": precision, "sea_area": area, "sea_area_detail": detail}


def _target_countries(importer, record):
    if record.get("target_countries") is not None:
        return [
            country(importer, code, "target_countries")
            for code in as_list(record["target_countries"])
        ]
    names = {str(target).strip().lower() for target in as_list(record.get("targets"))}
    return list(Country.objects.filter(name__in=[n.title() for n in names]))


def _attributions(importer, record, cited):
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
        actor, unit = _actor(importer, row)
        confidence = row.get("confidence") or Attribution.Confidence.NOT_ATTRIBUTED
        confidence = ATTRIBUTION_CONFIDENCE.get(str(confidence).lower(), confidence)
        if confidence not in Attribution.Confidence.values:
            raise RecordError(
                f"attributions: unknown confidence {row.get('confidence')!r}"
            )
        out.append(
            {
                "actor": actor,
                # The file's unit, else the one the actor's name carried.
                "actor_unit": importer.text(row, "actor_unit") or unit,
                "attributed_by": importer.text(row, "attributed_by"),
                **importer.dates(row, "attributed_on"),
                "attribution_confidence": confidence,
                "basis": importer.text(row, "basis"),
                "confidence": record.get("confidence") or "high",
                "_sources": cited,
            }
        )
    return out


# Lithuanian names of the actors the facts name with a common noun or a
# country; proper names (Killnet, GRU, Eagle S) read the same in both languages.
# The interface's vocabulary, not facts: an actor not listed keeps a blank
# name_lt, and an editor's Lithuanian name is never overwritten.
ACTOR_NAMES_LT = {
    "Unknown": "Nežinomas",
    "Russia": "Rusija",
    "Belarus": "Baltarusija",
    "China": "Kinija",
    "Belarusian KGB": "Baltarusijos KGB",
    "Pro-Russian hacktivists": "Prorusiški haktyvistai",
    "Smugglers operating from Belarus": "Kontrabandininkai iš Baltarusijos",
    "Wagner Group": "Wagner grupuotė",
    "Intelligence Bureau of the Joint Staff Department": (
        "Jungtinio štabo departamento žvalgybos biuras"
    ),
}


def _actor(importer, row):
    """``(actor, unit)`` for an attribution row: the actor its name or an alias
    means ("Russian Federation", "Russia (Navy)" -> Russia, unit "Navy"), else a
    new actor. The row's ``actor_aliases`` become the actor's aliases."""
    name = importer.text(row, "actor")
    if not name:
        raise RecordError("attributions: an attribution without an actor")
    kind = row.get("actor_kind") or Actor.Kind.UNKNOWN
    if kind not in Actor.Kind.values:
        raise RecordError(f"attributions: unknown actor kind {kind!r}")
    aliases = [str(alias).strip() for alias in as_list(row.get("actor_aliases"))]
    actor, unit = Actor.objects.resolve(name)
    if actor is None:
        actor = Actor(
            name=name,
            name_lt=ACTOR_NAMES_LT.get(name, ""),
            slug=slugify(name)[:100] or "actor",
            kind=kind,
            country=country(importer, row.get("actor_country"), "actor_country"),
            aliases=aliases,
        )
        clean_and_save(actor)
    elif not actor.name_lt and ACTOR_NAMES_LT.get(actor.name):
        actor.name_lt = ACTOR_NAMES_LT[actor.name]
        clean_and_save(actor)
    for alias in aliases:
        owner = Actor.objects.named(alias)
        if owner is None:
            clean_and_save(ActorAlias(actor=actor, name=alias))
        elif owner != actor:
            raise RecordError(
                f"attributions: the alias {alias!r} of {actor.name!r} already "
                f"names {owner.name!r}"
            )
    return actor, unit
