"""Threat entries (with their targets and attributions) in the seed files; the
driver is core/seed.py."""

from django.utils.text import slugify

from alliances.models import Country
from alliances.seed import coordinates, country, sources
from core.dates import parse_vague_date
from core.seed import RecordError, as_list, clean_and_save, seed_kind

from .models import Actor, Attribution, ThreatCategory, ThreatEntry

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
        "targets_note": importer.text(record, "targets"),
        **_rating(importer, record, cited),
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
    return importer.outcome(obj, outcome, changed)


def _rating(importer, record, cited):
    """Admiralty rating: the record's own, else an initial one from the facts.

    The initial rating is mechanical and says so: reliability F (not yet judged)
    unless every source carries a caution flag (D, not usually reliable);
    credibility 2 (probably true) for high confidence, 3 (possibly true) for
    medium.
    """
    reliability = record.get("source_reliability")
    credibility = record.get("information_credibility")
    note = importer.text(record, "rating_note")
    if reliability is None and credibility is None:
        flagged = [source for source in cited if source.caution]
        if cited and len(flagged) == len(cited):
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
        actor = _actor(importer, row)
        confidence = row.get("confidence") or Attribution.Confidence.NOT_ATTRIBUTED
        confidence = ATTRIBUTION_CONFIDENCE.get(str(confidence).lower(), confidence)
        if confidence not in Attribution.Confidence.values:
            raise RecordError(
                f"attributions: unknown confidence {row.get('confidence')!r}"
            )
        out.append(
            {
                "actor": actor,
                "attributed_by": importer.text(row, "attributed_by"),
                **importer.dates(row, "attributed_on"),
                "attribution_confidence": confidence,
                "basis": importer.text(row, "basis"),
                "confidence": record.get("confidence") or "high",
                "_sources": cited,
            }
        )
    return out


def _actor(importer, row):
    name = importer.text(row, "actor")
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
            country=country(importer, row.get("actor_country"), "actor_country"),
            aliases=list(row.get("actor_aliases") or []),
        )
        clean_and_save(actor)
    return actor
