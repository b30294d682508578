"""Exercises (with their series, participants and places) in the seed files; the
driver is core/seed.py."""

from django.utils.text import slugify

from alliances.seed import coordinates, country, organisation_by_id, sources
from core.seed import RecordError, as_list, seed_kind

from .models import Exercise, ExerciseLocation, ExerciseSeries, Participation


@seed_kind("exercise", Exercise, id_prefix="ex-")
def import_exercise(importer, record):
    domain = (record.get("domain") or "").strip().lower()
    if domain not in Exercise.Domain.values:
        raise RecordError(f"domain: unknown domain {record.get('domain')!r}")
    series = None
    if record.get("series"):
        name = importer.text(record, "series")
        series, _outcome = importer.upsert(
            ExerciseSeries, {"slug": slugify(name)}, {"name": name}
        )
    lead_organisation = None
    if record.get("lead_organisation"):
        lead_organisation = organisation_by_id(importer, record["lead_organisation"])
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
        "name": importer.text(record, "name"),
        "series": series,
        "edition": importer.text(record, "edition"),
        **importer.dates(record, "start_date", "start_precision", target="start"),
        **importer.dates(record, "end_date", "end_precision", target="end"),
        "lead": importer.text(record, "lead"),
        "lead_country": country(importer, record.get("lead_country"), "lead_country"),
        "lead_organisation": lead_organisation,
        "domain": domain,
        "scenario": record.get("scenario") or "",
        "personnel": personnel,
        "personnel_note": importer.text(record, "personnel_note"),
        "participants_note": importer.text(record, "participants_note"),
        "description": importer.text(record, "description"),
        **importer.provenance(record),
    }
    cited = sources(importer, record)
    hosts = [
        country(importer, code, "host_countries")
        for code in as_list(record.get("host_countries"))
    ]
    participants = [
        {"country": country(importer, code, "participants")}
        for code in dict.fromkeys(as_list(record.get("participants")))
    ]
    locations = [_location(importer, row) for row in record.get("locations") or []]
    obj, outcome = importer.upsert(
        Exercise, {"slug": importer.slug(record, "exercise")}, values
    )
    changed = importer.set_m2m(obj.sources, cited)
    changed |= importer.set_m2m(obj.host_countries, hosts)
    changed |= importer.sync_children(
        Participation.objects.filter(exercise=obj),
        [{**row, "exercise": obj} for row in participants],
        key=("exercise", "country"),
    )
    changed |= importer.sync_children(
        ExerciseLocation.objects.filter(exercise=obj),
        [{**row, "exercise": obj} for row in locations],
        key=("exercise", "name"),
    )
    return importer.outcome(obj, outcome, changed)


def _location(importer, row):
    return {
        "name": importer.text(row, "name"),
        "country": country(importer, row.get("country"), "locations"),
        **coordinates(importer, row),
    }
