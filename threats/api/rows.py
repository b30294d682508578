"""The threat entries' API list read as plain rows: the same JSON as
ThreatEntrySerializer, without building a model instance per row and per
related record.

A page of 50 entries through the serializer builds some 500 model instances
(entries, categories, countries, sources, publishers, attributions, actors,
exercises) and reads each field through Django's descriptors: tens of
milliseconds of Python per page. Here the page is one query of the
columns the JSON shows (never ``search_vector`` or the editors' notes;
core/api/rows.py), and each list of related records one query for the whole
page, as many queries as the prefetches they replace.
tests/api/test_list_rows.py holds the two to the same output.
"""

from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.utils import timezone

from core.api.fields import api_url, web_url
from core.api.rows import as_rows
from core.compiled import prepared_cursor
from core.publication import Status, sees_unpublished
from exercises.models import Exercise
from threats.models import Attribution, ThreatEntry

ENTRY_COLUMNS = (
    "id",
    "slug",
    "title",
    "summary",
    "occurred_start",
    "occurred_start_precision",
    "occurred_end",
    "occurred_end_precision",
    "reported",
    "location_name",
    "geo_precision",
    "sea_area",
    "sea_area_detail",
    "latitude",
    "longitude",
    "coordinates_note",
    "targets_note",
    "severity",
    "severity_note",
    "source_reliability",
    "corroboration",
    "information_credibility",
    "credibility_override",
    "rating_note",
    "confidence",
    "publication_status",
    "published_at",
    "retracted_at",
    "retraction_reason",
    "last_verified",
    "created",
    "updated",
    "category__slug",
    "category__name",
    "location_country__iso2",
    "location_country__name",
    "coordinates_source__url",
    "coordinates_source__title",
    "coordinates_source__caution",
    "coordinates_source__publisher__name",
    "coordinates_source__publisher__reliability",
)


def rows(queryset, request, prepared=False):
    """The list's queryset (filtered, ordered) as dicts of the shown columns,
    each with its related records under ``"related"`` (``related()``).
    ``prepared``: its statement may be a prepared one (as_rows)."""

    def add_related(found):
        lists = related([row["id"] for row in found], request, queryset.db)
        for row in found:
            row["related"] = {
                name: rows.get(row["id"], ()) for name, rows in lists.items()
            }

    return as_rows(
        queryset.select_related(
            "category", "location_country", "coordinates_source__publisher"
        ),
        ENTRY_COLUMNS,
        then=add_related,
        prepared=prepared,
    )


def _moment(value, zone):
    """serializers.DateTimeField's output, with the zone looked up once."""
    if value is None:
        return None
    text = value.astimezone(zone).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def _day(value):
    return None if value is None else value.isoformat()


class Urls:
    """The request's URL prefixes, built once (core.api.fields caches them)."""

    def __init__(self, request):
        self.entry = api_url(request, "threatentry", "")
        self.web = web_url(request, "threats:threatentry_detail", "\x00")
        self.category = api_url(request, "threatcategory", "")
        self.country = api_url(request, "country", "")
        self.source = api_url(request, "source", "")
        self.exercise = api_url(request, "exercise", "")
        self.attribution = api_url(request, "attribution", "")
        self.actor = api_url(request, "actor", "")

    @staticmethod
    def join(prefix, key):
        # api_url gives "<prefix>/<key>/": the empty key left "<prefix>//".
        return f"{prefix[:-1]}{key}/"


def _source(urls, pk, url, title, caution, publisher, letter):
    """SourceBrief.represent."""
    return {
        "id": pk,
        "url": urls.join(urls.source, pk),
        "document_url": url,
        "title": title,
        "publisher": publisher or "",
        "reliability": letter or None,
        "caution": caution,
    }


def _related_sql():
    """The four queries of ``related``, as SQL written once per process: the
    ORM would compile the same four statements on every request (about a
    millisecond of Python each). Names come from the models; the orders are
    the prefetches' (Country, Exercise, Source Meta.ordering; for_list's
    attributions), which tests/api/test_list_rows.py holds them to."""
    quote = connection.ops.quote_name

    def table(model):
        return quote(model._meta.db_table)

    from alliances.models import Country, Publisher, Source

    targets = table(ThreatEntry.target_countries.through)
    exercises = table(ThreatEntry.related_exercises.through)
    sources = table(ThreatEntry.sources.through)
    return {
        "target_countries": f"""
            SELECT t.threatentry_id, c.id, c.iso2, c.name
            FROM {targets} t JOIN {table(Country)} c ON c.id = t.country_id
            WHERE t.threatentry_id = ANY(%s::bigint[]) ORDER BY c.name""",  # noqa: S608 (names from the models)
        "related_exercises": f"""
            SELECT r.threatentry_id, x.id, x.slug, x.name
            FROM {exercises} r JOIN {table(Exercise)} x ON x.id = r.exercise_id
            WHERE r.threatentry_id = ANY(%s::bigint[]) AND (%s OR x.publication_status = %s)
            ORDER BY x.start DESC, x.name""",  # noqa: S608
        "attributions": f"""
            SELECT a.entry_id, a.id, a.attributed_by, a.attribution_confidence,
                   actor.id, actor.slug, actor.name
            FROM {table(Attribution)} a
            JOIN {table(Attribution.actor.field.related_model)} actor
              ON actor.id = a.actor_id
            WHERE a.entry_id = ANY(%s::bigint[])
            ORDER BY actor.name, a.actor_id, a.attributed_by""",  # noqa: S608
        "sources": f"""
            SELECT ts.threatentry_id, s.id, s.url, s.title, s.caution, p.name,
                   p.reliability
            FROM {sources} ts JOIN {table(Source)} s ON s.id = ts.source_id
            LEFT JOIN {table(Publisher)} p ON p.id = s.publisher_id
            WHERE ts.threatentry_id = ANY(%s::bigint[]) ORDER BY p.name, s.title""",  # noqa: S608
    }


_RELATED_SQL = None


def related(ids, request, using=DEFAULT_DB_ALIAS):
    """The page's target countries, exercises, attributions and sources:
    ``{name: {entry id: [tuples]}}``, one query each, in the orders the
    serializer's prefetches give, from the database ``using`` (the page's own,
    a replica for an anonymous read). Unpublished exercises are left out for
    readers who may not see them (is_hidden)."""
    global _RELATED_SQL
    if _RELATED_SQL is None:
        _RELATED_SQL = _related_sql()
    found = {name: {} for name in _RELATED_SQL}
    if not ids:
        return found
    # The ids as one array literal, written once: psycopg would dump a list of
    # ints element by element in Python, for each of the four queries.
    id_array = "{" + ",".join(str(int(pk)) for pk in ids) + "}"
    params = {
        "related_exercises": [
            id_array,
            sees_unpublished(request, Exercise),
            Status.PUBLISHED.value,
        ]
    }
    database = connections[using]
    # Prepared statements: planning these four cost the server more than
    # running them, and their plans (an index probe per id) suit any page.
    # (Making a cursor connects: database.connection exists below.)
    cursors = {name: prepared_cursor(using) for name in _RELATED_SQL}
    try:
        # Sent together, as one round trip (psycopg's pipeline mode); still four
        # statements, each through Django's cursor (counted, logged). Errors
        # surface when the pipeline syncs: wrapped as Django's, as execute's are.
        with database.wrap_database_errors, database.connection.pipeline():
            for name, sql in _RELATED_SQL.items():
                cursors[name].execute(sql, params.get(name, [id_array]))
        for name, cursor in cursors.items():
            by_entry = found[name]
            for entry, *rest in cursor.fetchall():
                by_entry.setdefault(entry, []).append(rest)
    finally:
        for cursor in cursors.values():
            cursor.close()
    return found


class Representation:
    """Turns the dicts of ``rows`` into what ThreatEntrySerializer shows."""

    def __init__(self, request):
        self.request = request
        self.urls = Urls(request)
        self.zone = timezone.get_current_timezone()
        self.countries = {}

    def many(self, page):
        return [self.one(row, row["related"]) for row in page]

    def country(self, pk, iso2, name):
        # One dict per country and page: a page names the same few countries
        # again and again (targets, targeted, located), and nothing changes
        # these dicts once built.
        key = (pk, iso2, name)
        found = self.countries.get(key)
        if found is None:
            found = self.countries[key] = {
                "id": pk,
                "url": self.urls.join(self.urls.country, iso2),
                "iso2": iso2,
                "name": name,
            }
        return found

    def one(self, row, found):
        urls = self.urls
        join = urls.join
        pk = row["id"]
        slug = row["slug"]
        zone = self.zone
        targets = found["target_countries"]
        target_countries = [self.country(*target) for target in targets]
        location = (
            self.country(
                row["location_country_id"],
                row["location_country__iso2"],
                row["location_country__name"],
            )
            if row["location_country_id"] is not None
            else None
        )
        # ThreatEntry.targeted_countries: named ones and where it happened, by name.
        targeted = {target[0]: target for target in targets}
        if location is not None:
            targeted.setdefault(
                row["location_country_id"],
                (
                    row["location_country_id"],
                    row["location_country__iso2"],
                    row["location_country__name"],
                ),
            )
        targeted_countries = [
            self.country(*target)
            for target in sorted(targeted.values(), key=lambda target: target[2])
        ]
        credibility = row["information_credibility"]
        override = row["credibility_override"]
        reliability = row["source_reliability"]
        latitude = row["latitude"]
        longitude = row["longitude"]
        return {
            "id": pk,
            "url": join(urls.entry, slug),
            "web_url": urls.web.replace("\x00", slug),
            "slug": slug,
            "title": row["title"],
            "summary": row["summary"],
            "category": {
                "id": row["category_id"],
                "url": join(urls.category, row["category__slug"]),
                "slug": row["category__slug"],
                "name": row["category__name"],
            },
            "occurred_start": _day(row["occurred_start"]),
            "occurred_start_precision": row["occurred_start_precision"],
            "occurred_end": _day(row["occurred_end"]),
            "occurred_end_precision": row["occurred_end_precision"],
            "reported": _day(row["reported"]),
            "location_name": row["location_name"],
            "location_country": location,
            "geo_precision": row["geo_precision"],
            "sea_area": row["sea_area"],
            "sea_area_detail": row["sea_area_detail"],
            # As stored: a numeric column comes back at its scale, the
            # decimal places the serializer's DecimalField quantizes to, so its
            # to_representation would give the same Decimal.
            "latitude": latitude,
            "longitude": longitude,
            "coordinates_source": _source(
                urls,
                row["coordinates_source_id"],
                row["coordinates_source__url"],
                row["coordinates_source__title"],
                row["coordinates_source__caution"],
                row["coordinates_source__publisher__name"],
                row["coordinates_source__publisher__reliability"],
            )
            if row["coordinates_source_id"] is not None
            else None,
            "coordinates_note": row["coordinates_note"],
            "target_countries": target_countries,
            "targeted_countries": targeted_countries,
            "targets_note": row["targets_note"],
            "severity": row["severity"],
            "severity_note": row["severity_note"],
            "source_reliability": reliability or None,
            "independent_publishers": row["corroboration"],
            "information_credibility": credibility,
            "credibility_basis": None
            if credibility is None
            else ("corroboration" if override is None else "reviewer"),
            "credibility_override": override,
            "admiralty_code": f"{reliability or '–'}{credibility}"
            if credibility
            else "",
            "rating_note": row["rating_note"],
            "related_exercises": [
                {
                    "id": exercise_id,
                    "url": join(urls.exercise, exercise_slug),
                    "slug": exercise_slug,
                    "name": exercise_name,
                }
                for exercise_id, exercise_slug, exercise_name in found[
                    "related_exercises"
                ]
            ],
            "attributions": [
                {
                    "id": attribution_id,
                    "url": join(urls.attribution, attribution_id),
                    "actor": {
                        "id": actor_id,
                        "url": join(urls.actor, actor_slug),
                        "slug": actor_slug,
                        "name": actor_name,
                    },
                    "attributed_by": attributed_by,
                    "attribution_confidence": confidence,
                }
                for (
                    attribution_id,
                    attributed_by,
                    confidence,
                    actor_id,
                    actor_slug,
                    actor_name,
                ) in found["attributions"]
            ],
            "confidence": row["confidence"],
            "sources": [_source(urls, *source) for source in found["sources"]],
            "publication_status": row["publication_status"],
            "published_at": _moment(row["published_at"], zone),
            "retracted_at": _moment(row["retracted_at"], zone),
            "retraction_reason": row["retraction_reason"],
            "last_verified": _day(row["last_verified"]),
            "created": _moment(row["created"], zone),
            "updated": _moment(row["updated"], zone),
        }
