"""The raw floor: the benchmark's requests answered with as little work as Python
can do, to measure the application against.

A WSGI application with no Django: a psycopg connection pool, hand-written SQL
over the application's own tables and indexes, and orjson. It answers

- ``/api/v1/threats/`` (page-number pages with the filters ``category`` and
  ``target``, cursor pages, ``format=csv``) and ``/api/v1/threats/<slug>/`` with
  the same bytes as the application: the same keys in the same order, the same
  values, the same pagination envelope and links;
- ``/threats/`` (the HTML list, with the same filters): the same 25 entries, the
  same total and the same facet counts, in plain markup without the site's
  layout.

Anything else is 404, and a parameter it does not implement is 400, so the
benchmark can never compare different work by mistake. ``bench/run.py`` checks
that the two answer alike before it measures.

The SQL is what a careful hand would write: the columns a response shows,
the default order, a bounded count, the related rows of a whole page in one
query each, sent together in a pipeline. It uses whatever indexes the schema
has, like the application. It is the floor for the response, not for the
schema: an index added to the schema lifts both.

Run under gunicorn like the application: ``gunicorn bench.floor:app``, with
``DATABASE_URL`` in the environment.
"""

import base64
import csv
import html
import io
import os
import re
from urllib.parse import parse_qs, parse_qsl, urlencode, urlsplit, urlunsplit
from zoneinfo import ZoneInfo

import orjson
import psycopg

PAGE_SIZE = 50
MAX_PAGE_SIZE = 200
COUNT_WINDOW = 10_000
HTML_PAGE_SIZE = 25
# The source-reliability filter's value for "no publisher of its sources is rated".
NOT_RATED_VALUE = "unrated"
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
TIME_ZONE = ZoneInfo(os.environ.get("DJANGO_TIME_ZONE", "Europe/Vilnius"))

# -- SQL --------------------------------------------------------------------------

ENTRY_COLUMNS = """
    e.id, e.slug, e.title, e.summary, e.occurred_start, e.occurred_start_precision,
    e.occurred_end, e.occurred_end_precision, e.reported, e.location_name,
    e.geo_precision, e.sea_area, e.sea_area_detail,
    e.latitude, e.longitude, e.coordinates_note, e.targets_note, e.severity,
    e.severity_note, e.source_reliability, e.corroboration,
    e.information_credibility, e.credibility_override, e.rating_note, e.confidence,
    e.publication_status, e.published_at, e.retracted_at, e.retraction_reason,
    e.last_verified, e.created, e.updated,
    c.id, c.slug, c.name,
    lc.id, lc.iso2, lc.name,
    cs.id, cs.url, cs.title, cp.name, cp.reliability, cs.caution
"""
ENTRY_FROM = """
    FROM threats_threatentry e
    JOIN threats_threatcategory c ON c.id = e.category_id
    LEFT JOIN alliances_country lc ON lc.id = e.location_country_id
    LEFT JOIN alliances_source cs ON cs.id = e.coordinates_source_id
    LEFT JOIN alliances_publisher cp ON cp.id = cs.publisher_id
"""
(
    ID,
    SLUG,
    TITLE,
    SUMMARY,
    START,
    START_PRECISION,
    END,
    END_PRECISION,
    REPORTED,
    LOCATION,
    GEO_PRECISION,
    SEA_AREA,
    SEA_AREA_DETAIL,
    LATITUDE,
    LONGITUDE,
    COORDINATES_NOTE,
    TARGETS_NOTE,
    SEVERITY,
    SEVERITY_NOTE,
    RELIABILITY,
    CORROBORATION,
    CREDIBILITY,
    CREDIBILITY_OVERRIDE,
    RATING_NOTE,
    CONFIDENCE,
    STATUS,
    PUBLISHED_AT,
    RETRACTED_AT,
    RETRACTION_REASON,
    LAST_VERIFIED,
    CREATED,
    UPDATED,
    CATEGORY_ID,
    CATEGORY_SLUG,
    CATEGORY_NAME,
    COUNTRY_ID,
    COUNTRY_ISO2,
    COUNTRY_NAME,
    SOURCE_ID,
    SOURCE_URL,
    SOURCE_TITLE,
    SOURCE_PUBLISHER,
    SOURCE_RELIABILITY,
    SOURCE_CAUTION,
) = range(44)

RELATED = {
    "target_countries": """
        SELECT t.threatentry_id, c.id, c.iso2, c.name
        FROM threats_threatentry_target_countries t
        JOIN alliances_country c ON c.id = t.country_id
        WHERE t.threatentry_id = ANY(%s)
        ORDER BY c.name""",
    "related_exercises": """
        SELECT r.threatentry_id, x.id, x.slug, x.name
        FROM threats_threatentry_related_exercises r
        JOIN exercises_exercise x ON x.id = r.exercise_id
        WHERE r.threatentry_id = ANY(%s) AND x.publication_status = 'published'
        ORDER BY x.start DESC, x.name""",
    "attributions": """
        SELECT a.entry_id, a.id, a.attributed_by, a.attribution_confidence,
               actor.id, actor.slug, actor.name
        FROM threats_attribution a
        JOIN threats_actor actor ON actor.id = a.actor_id
        WHERE a.entry_id = ANY(%s)
        ORDER BY actor.name, a.actor_id, a.attributed_by""",
    # Source's default order: by its publisher's name (none last), then title.
    "sources": """
        SELECT ts.threatentry_id, s.id, s.url, s.title, p.name, p.reliability,
               s.caution
        FROM threats_threatentry_sources ts
        JOIN alliances_source s ON s.id = ts.source_id
        LEFT JOIN alliances_publisher p ON p.id = s.publisher_id
        WHERE ts.threatentry_id = ANY(%s)
        ORDER BY p.name, s.title""",
}

PUBLISHED = "e.publication_status = 'published'"


class BadRequest(Exception):
    pass


class NotFound(Exception):
    pass


def filters(conn, query):
    """WHERE conditions and parameters for the filters the floor implements.

    Slugs and ISO codes are turned into ids first (as django-filter does when it
    validates them), so the planner sees the ids and its statistics for them:
    behind a join to the countries it cannot tell that ``LT`` is the target of
    most entries, and picks a plan for a few."""
    conditions, params = [PUBLISHED], []
    categories, targets = query.get("category"), query.get("target")
    if categories or targets:
        category_ids, country_ids = conn.execute(
            "SELECT ARRAY(SELECT id FROM threats_threatcategory WHERE slug = ANY(%s)), "
            "ARRAY(SELECT id FROM alliances_country WHERE iso2 = ANY(%s))",
            [categories or [], targets or []],
        ).fetchone()
    if categories:
        conditions.append("e.category_id = ANY(%s)")
        params.append(category_ids)
    if targets:
        # ThreatEntryQuerySet.targeting: named among the targets, or located
        # there, as the database keeps it on the entry (the same column and
        # indexes the application reads).
        conditions.append("e.targeted_country_ids && %s::bigint[]")
        params.append(country_ids)
    return " AND ".join(conditions), params, (country_ids if targets else None)


def page_size(query):
    try:
        size = int(query.get("page_size", [PAGE_SIZE])[0])
    except ValueError:
        return PAGE_SIZE
    return min(max(size, 1), MAX_PAGE_SIZE)


def check_params(query, allowed):
    unknown = set(query) - set(allowed)
    if unknown:
        raise BadRequest(f"the floor does not implement {sorted(unknown)}")


def related_rows(conn, ids):
    """{name: {entry id: [rows]}} for a page of entries: four queries, sent
    together."""
    found = {}
    with conn.pipeline():
        cursors = {}
        for name, sql in RELATED.items():
            cursors[name] = psycopg.Cursor(conn)
            cursors[name].execute(sql, [ids])
    for name, cursor in cursors.items():
        by_entry = found[name] = {}
        for row in cursor.fetchall():
            by_entry.setdefault(row[0], []).append(row)
    return found


# -- JSON ----------------------------------------------------------------------------


def iso(value):
    return None if value is None else value.isoformat()


def moment(value):
    """A timestamp as DRF shows it: in the site's time zone, 'Z' for UTC."""
    if value is None:
        return None
    text = value.astimezone(TIME_ZONE).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def number(value):
    return None if value is None else float(value)


class Urls:
    """Absolute URLs the way the application builds them from the request."""

    def __init__(self, environ):
        host = environ.get("HTTP_HOST") or environ["SERVER_NAME"]
        self.root = f"{environ.get('wsgi.url_scheme', 'http')}://{host}"
        self.api = f"{self.root}/api/v1/"

    def country(self, iso2):
        return f"{self.api}countries/{iso2}/"

    def country_brief(self, pk, iso2, name):
        return {"id": pk, "url": self.country(iso2), "iso2": iso2, "name": name}

    def source_brief(self, pk, url, title, publisher, reliability, caution):
        """SourceBrief: the publisher by name ("" without one) and its letter
        (null when it is not rated or there is no publisher)."""
        return {
            "id": pk,
            "url": f"{self.api}sources/{pk}/",
            "document_url": url,
            "title": title,
            "publisher": publisher or "",
            "reliability": reliability or None,
            "caution": caution,
        }


def entry_json(row, related, urls):
    pk = row[ID]
    slug = row[SLUG]
    reliability = row[RELIABILITY]
    credibility = row[CREDIBILITY]
    override = row[CREDIBILITY_OVERRIDE]
    api = urls.api
    return {
        "id": pk,
        "url": f"{api}threats/{slug}/",
        "web_url": f"{urls.root}/threats/{slug}/",
        "slug": slug,
        "title": row[TITLE],
        "summary": row[SUMMARY],
        "category": {
            "id": row[CATEGORY_ID],
            "url": f"{api}threat-categories/{row[CATEGORY_SLUG]}/",
            "slug": row[CATEGORY_SLUG],
            "name": row[CATEGORY_NAME],
        },
        "occurred_start": iso(row[START]),
        "occurred_start_precision": row[START_PRECISION],
        "occurred_end": iso(row[END]),
        "occurred_end_precision": row[END_PRECISION],
        "reported": iso(row[REPORTED]),
        "location_name": row[LOCATION],
        "location_country": urls.country_brief(
            row[COUNTRY_ID], row[COUNTRY_ISO2], row[COUNTRY_NAME]
        )
        if row[COUNTRY_ID] is not None
        else None,
        "geo_precision": row[GEO_PRECISION],
        "sea_area": row[SEA_AREA],
        "sea_area_detail": row[SEA_AREA_DETAIL],
        "latitude": number(row[LATITUDE]),
        "longitude": number(row[LONGITUDE]),
        "coordinates_source": urls.source_brief(*row[SOURCE_ID : SOURCE_CAUTION + 1])
        if row[SOURCE_ID] is not None
        else None,
        "coordinates_note": row[COORDINATES_NOTE],
        "target_countries": [
            urls.country_brief(*target[1:])
            for target in related["target_countries"].get(pk, ())
        ],
        "targeted_countries": targeted_countries(
            row, related["target_countries"], urls
        ),
        "targets_note": row[TARGETS_NOTE],
        "severity": row[SEVERITY],
        "severity_note": row[SEVERITY_NOTE],
        "source_reliability": reliability or None,
        "independent_publishers": row[CORROBORATION],
        "information_credibility": credibility,
        "credibility_basis": credibility_basis(credibility, override),
        "credibility_override": override,
        "admiralty_code": admiralty_code(reliability, credibility),
        "rating_note": row[RATING_NOTE],
        "related_exercises": [
            {
                "id": exercise[1],
                "url": f"{api}exercises/{exercise[2]}/",
                "slug": exercise[2],
                "name": exercise[3],
            }
            for exercise in related["related_exercises"].get(pk, ())
        ],
        "attributions": [
            {
                "id": attribution[1],
                "url": f"{api}attributions/{attribution[1]}/",
                "actor": {
                    "id": attribution[4],
                    "url": f"{api}actors/{attribution[5]}/",
                    "slug": attribution[5],
                    "name": attribution[6],
                },
                "attributed_by": attribution[2],
                "attribution_confidence": attribution[3],
            }
            for attribution in related["attributions"].get(pk, ())
        ],
        "confidence": row[CONFIDENCE],
        "sources": [
            urls.source_brief(*source[1:]) for source in related["sources"].get(pk, ())
        ],
        "publication_status": row[STATUS],
        "published_at": moment(row[PUBLISHED_AT]),
        "retracted_at": moment(row[RETRACTED_AT]),
        "retraction_reason": row[RETRACTION_REASON],
        "last_verified": iso(row[LAST_VERIFIED]),
        "created": moment(row[CREATED]),
        "updated": moment(row[UPDATED]),
    }


def credibility_basis(credibility, override):
    """ThreatEntrySerializer.get_credibility_basis."""
    if credibility is None:
        return None
    return "reviewer" if override is not None else "corroboration"


def admiralty_code(reliability, credibility):
    """ThreatEntry.admiralty_code: "B2"; "–6" while no publisher is rated;
    empty without a credibility."""
    if not credibility:
        return ""
    return f"{reliability or '–'}{credibility}"


def with_param(url, key, value):
    """DRF's replace_query_param: the parameters sorted, ``key`` replaced."""
    scheme, netloc, path, query, fragment = urlsplit(url)
    params = parse_qs(query, keep_blank_values=True)
    params[key] = [str(value)]
    query = urlencode(sorted(params.items()), doseq=True)
    return urlunsplit((scheme, netloc, path, query, fragment))


def without_param(url, key):
    scheme, netloc, path, query, fragment = urlsplit(url)
    params = parse_qs(query, keep_blank_values=True)
    params.pop(key, None)
    query = urlencode(sorted(params.items()), doseq=True)
    return urlunsplit((scheme, netloc, path, query, fragment))


def encode_cursor(url, position, reverse=False):
    tokens = {}
    if reverse:
        tokens["r"] = "1"
    tokens["p"] = str(position)
    encoded = base64.b64encode(urlencode(tokens).encode("ascii")).decode("ascii")
    return with_param(url, "cursor", encoded)


def decode_cursor(text):
    try:
        tokens = parse_qs(base64.b64decode(text.encode("ascii")).decode("ascii"))
    except ValueError:
        raise NotFound("Invalid cursor") from None
    if "o" in tokens or "r" in tokens:
        raise BadRequest("the floor follows forward cursors only")
    position = tokens.get("p", [None])[0]
    if position is not None and not re.fullmatch(r"[0-9]{1,18}", position):
        raise NotFound("Invalid cursor")
    return None if position is None else int(position)


def threat_list(conn, query, urls, url):
    """``/api/v1/threats/``: the page as a dict for JSON, and its rows."""
    check_params(
        query,
        ("page", "page_size", "category", "target", "pagination", "cursor", "format"),
    )
    size = page_size(query)
    where, params, _targets = filters(conn, query)
    cursor_mode = query.get("pagination", ["page"])[0] == "cursor" or "cursor" in query
    if cursor_mode:
        position = decode_cursor(query["cursor"][0]) if "cursor" in query else None
        if position is not None:
            where += " AND e.id > %s"
            params = [*params, position]
        rows = conn.execute(
            f"SELECT {ENTRY_COLUMNS} {ENTRY_FROM} WHERE {where} ORDER BY e.id LIMIT %s",
            [*params, size + 1],
        ).fetchall()
        has_next = len(rows) > size
        rows = rows[:size]
        next_link = encode_cursor(url, rows[-1][ID]) if has_next else None
        previous_link = (
            encode_cursor(url, rows[0][ID], reverse=True)
            if position is not None and rows
            else None
        )
        count = None
    else:
        page_text = query.get("page", ["1"])[0]
        if not re.fullmatch(r"[0-9]{1,9}", page_text) or int(page_text) < 1:
            raise NotFound("Invalid page.")
        page = int(page_text)
        offset = (page - 1) * size
        if offset >= COUNT_WINDOW:
            raise BadRequest("page beyond the window")
        rows = conn.execute(
            f"SELECT {ENTRY_COLUMNS} {ENTRY_FROM} WHERE {where} "
            "ORDER BY e.occurred_start DESC, e.title LIMIT %s OFFSET %s",
            [*params, size + 1, offset],
        ).fetchall()
        has_next = len(rows) > size
        rows = rows[:size]
        if not rows and page > 1:
            raise NotFound("Invalid page.")
        if has_next:
            count = conn.execute(
                f"SELECT count(*) FROM (SELECT 1 FROM threats_threatentry e "
                f"WHERE {where} LIMIT %s) bounded",
                [*params, COUNT_WINDOW + 1],
            ).fetchone()[0]
            count = count if count <= COUNT_WINDOW else None
        else:
            count = offset + len(rows)
        next_link = with_param(url, "page", page + 1) if has_next else None
        if page == 1:
            previous_link = None
        elif page == 2:
            previous_link = without_param(url, "page")
        else:
            previous_link = with_param(url, "page", page - 1)
    related = related_rows(conn, [row[ID] for row in rows])
    results = [entry_json(row, related, urls) for row in rows]
    data = {
        "count": count,
        "next": next_link,
        "previous": previous_link,
        "results": results,
    }
    return data, rows


def threat_detail(conn, slug, urls):
    row = conn.execute(
        f"SELECT {ENTRY_COLUMNS} {ENTRY_FROM} WHERE e.slug = %s "
        "AND e.publication_status IN ('published', 'retracted')",
        [slug],
    ).fetchone()
    if row is None:
        raise NotFound("No ThreatEntry matches the given query.")
    if row[STATUS] == "retracted":
        raise BadRequest("the floor does not serve retracted records")
    return entry_json(row, related_rows(conn, [row[ID]]), urls)


# -- CSV (the API's ?format=csv) ----------------------------------------------------

CSV_KEYS = ("slug", "iso2", "document_url", "name", "title")


def flat(value):
    """A cell the way the API's CSV renderer writes it."""
    if value is None:
        return ""
    if isinstance(value, dict):
        for key in CSV_KEYS:
            if value.get(key) not in (None, ""):
                return flat(value[key])
        for item in value.values():
            if isinstance(item, dict):
                return flat(item)
        return flat(value.get("id"))
    if isinstance(value, list):
        return "; ".join(str(flat(item)) for item in value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def csv_body(results, rows):
    out = io.StringIO()
    writer = csv.writer(out)
    if not results:
        writer.writerow([])
        return out.getvalue().encode()
    header = list(results[0])
    writer.writerow(header)
    for result, row in zip(results, rows, strict=True):
        # The CSV renderer sees the serializer's Decimals (12.50000), not the
        # floats JSON shows.
        cells = {**result, "latitude": row[LATITUDE], "longitude": row[LONGITUDE]}
        writer.writerow([flat(cells[key]) for key in header])
    return out.getvalue().encode()


# -- HTML list (/threats/) ------------------------------------------------------------

RELIABILITY_LABELS = {
    "A": "A – completely reliable",
    "B": "B – usually reliable",
    "C": "C – fairly reliable",
    "D": "D – not usually reliable",
    "E": "E – unreliable",
    "F": "F – reliability cannot be judged",
    NOT_RATED_VALUE: "not rated",
}
# The facets of a field with choices: {field: {value: label}}.
CHOICE_FACETS = {
    "information_credibility": {
        1: "1 – confirmed by other sources",
        2: "2 – probably true",
        3: "3 – possibly true",
        4: "4 – doubtful",
        5: "5 – improbable",
        6: "6 – truth cannot be judged",
    },
    "severity": {
        1: "1 – minimal: signalling or nuisance, no disruption",
        2: "2 – low: limited, short-lived disruption or a contained incident",
        3: "3 – moderate: noticeable disruption of services, borders or public order",
        4: "4 – high: serious harm to critical infrastructure, forces or public safety",
        5: "5 – critical: loss of life, armed attack or lasting national harm",
    },
    "geo_precision": {
        "exact": "exact place",
        "town": "nearest town",
        "region": "region",
        "country": "country",
        "sea_area": "sea area",
    },
    "sea_area": {
        "baltic_sea": "Baltic Sea",
        "gulf_of_finland": "Gulf of Finland",
        "gulf_of_riga": "Gulf of Riga",
        "gulf_of_bothnia": "Gulf of Bothnia",
    },
}
CONFIDENCE_LABELS = {
    "confirmed": "confirmed (e.g. by a court ruling)",
    "self_declared": "self-declared by the actor",
    "claimed": "claimed by the perpetrator",
    "official_assessment": "official assessment",
    "suspected": "suspected",
    "disputed": "disputed",
    "not_attributed": "not attributed",
}
MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]


def vague(day, precision):
    if day is None:
        return ""
    if precision == "year":
        return str(day.year)
    if precision == "month":
        return f"{MONTHS[day.month - 1]} {day.year}"
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def targeted_countries(row, named, urls):
    """ThreatEntry.targeted_countries: those named and where it happened, by name."""
    countries = {target[1]: target[1:] for target in named.get(row[ID], ())}
    if row[COUNTRY_ID] is not None:
        countries.setdefault(
            row[COUNTRY_ID], (row[COUNTRY_ID], row[COUNTRY_ISO2], row[COUNTRY_NAME])
        )
    return [
        urls.country_brief(*country)
        for country in sorted(countries.values(), key=lambda country: country[2])
    ]


def facet_queries(where, params, target_ids):
    """(facet, SQL, parameters) for the six facets of the list page, each over
    the filtered entries. A facet on a relation the filter already joins counts
    the rows the filter matched (as the application's ORM query does)."""
    entries = f"SELECT e.id FROM threats_threatentry e WHERE {where}"
    # While countries are chosen, the target facet lists only them (as the page).
    chosen, chosen_params = "", []
    if target_ids is not None:
        chosen, chosen_params = "AND tc.id = ANY(%s)", [target_ids]
    return [
        (
            "category",
            f"""SELECT c.slug, c.name, count(*) FROM threats_threatentry e
                JOIN threats_threatcategory c ON c.id = e.category_id
                WHERE {where} GROUP BY c.slug, c.name ORDER BY 3 DESC, 1, 2""",
            params,
        ),
        (
            "actor",
            f"""SELECT actor.slug, actor.name, count(DISTINCT a.entry_id)
                FROM threats_attribution a
                JOIN threats_actor actor ON actor.id = a.actor_id
                WHERE a.entry_id IN ({entries})
                GROUP BY actor.slug, actor.name ORDER BY 3 DESC, 1, 2""",
            params,
        ),
        (
            "target",
            # Entries per country by the one rule (named or located), as the
            # database keeps it on the entry: each country once per entry.
            f"""SELECT tc.iso2, tc.name, count(*) FROM threats_threatentry e
                CROSS JOIN unnest(e.targeted_country_ids) AS targets (country)
                JOIN alliances_country tc ON tc.id = targets.country
                WHERE {where} {chosen}
                GROUP BY tc.iso2, tc.name ORDER BY 3 DESC, 1, 2""",
            params + chosen_params,
        ),
        (
            "year",
            f"""SELECT extract(year FROM e.occurred_start)::int, count(*)
                FROM threats_threatentry e WHERE {where} GROUP BY 1 ORDER BY 1 DESC""",
            params,
        ),
        (
            "attribution_confidence",
            f"""SELECT a.attribution_confidence, count(DISTINCT a.entry_id)
                FROM threats_attribution a WHERE a.entry_id IN ({entries})
                GROUP BY 1 ORDER BY 2 DESC, 1""",
            params,
        ),
        (
            # "Not rated" is an option of its own (ThreatEntryListView).
            "source_reliability",
            f"""SELECT CASE WHEN e.source_reliability = '' THEN '{NOT_RATED_VALUE}'
                ELSE e.source_reliability END, count(*) FROM threats_threatentry e
                WHERE {where} GROUP BY 1 ORDER BY 2 DESC, 1""",
            params,
        ),
        *(
            (
                name,
                f"""SELECT e.{name}, count(*) FROM threats_threatentry e
                    WHERE {where} AND e.{name} IS NOT NULL AND e.{name}::text <> ''
                    GROUP BY 1 ORDER BY 2 DESC, 1""",
                params,
            )
            for name in CHOICE_FACETS
        ),
    ]


def facet_options(name, rows):
    """(value, label, count) as the page lists them."""
    if name == "year":
        return [(str(year), str(year), count) for year, count in rows]
    if name == "attribution_confidence":
        return [(value, CONFIDENCE_LABELS[value], count) for value, count in rows]
    if name == "source_reliability":
        return [(value, RELIABILITY_LABELS[value], count) for value, count in rows]
    if name in CHOICE_FACETS:
        labels = CHOICE_FACETS[name]
        return [(str(value), labels[value], count) for value, count in rows]
    return [(value, label, count) for value, label, count in rows]


def threat_page(conn, query):
    check_params(query, ("page", "category", "target"))
    where, params, target_ids = filters(conn, query)
    page_text = query.get("page", ["1"])[0]
    page = int(page_text) if page_text.isdigit() and int(page_text) > 0 else 1
    offset = (page - 1) * HTML_PAGE_SIZE
    with conn.pipeline():
        total_cursor = psycopg.Cursor(conn)
        total_cursor.execute(
            f"SELECT count(*) FROM threats_threatentry e WHERE {where}", params
        )
        rows_cursor = psycopg.Cursor(conn)
        rows_cursor.execute(
            f"""SELECT e.id, e.slug, e.title, c.name, e.occurred_start,
                e.occurred_start_precision, e.occurred_end, e.occurred_end_precision,
                e.location_name, lc.name, e.source_reliability,
                e.information_credibility, e.severity
                FROM threats_threatentry e
                JOIN threats_threatcategory c ON c.id = e.category_id
                LEFT JOIN alliances_country lc ON lc.id = e.location_country_id
                WHERE {where} ORDER BY e.occurred_start DESC, e.title
                LIMIT %s OFFSET %s""",
            [*params, HTML_PAGE_SIZE, offset],
        )
        facet_cursors = []
        for name, sql, facet_params in facet_queries(where, params, target_ids):
            facet_cursor = psycopg.Cursor(conn)
            facet_cursor.execute(sql, facet_params)
            facet_cursors.append((name, facet_cursor))
    total = total_cursor.fetchone()[0]
    rows = rows_cursor.fetchall()
    actors = {}
    if rows:
        for entry_id, slug, name in conn.execute(
            """SELECT a.entry_id, actor.slug, actor.name FROM threats_attribution a
               JOIN threats_actor actor ON actor.id = a.actor_id
               WHERE a.entry_id = ANY(%s)
               ORDER BY actor.name, a.actor_id, a.attributed_by""",
            [[row[0] for row in rows]],
        ):
            named = actors.setdefault(entry_id, [])
            if (slug, name) not in named:
                named.append((slug, name))
    escape = html.escape
    out = [
        "<!DOCTYPE html><html lang=en><title>Threat entries</title><h1>Threat entries</h1>"
    ]
    for name, facet_cursor in facet_cursors:
        selected = set(query.get(name, ()))
        options = facet_options(name, facet_cursor.fetchall())
        shown = {value for value, _label, _count in options}
        options += [(value, value, 0) for value in sorted(selected - shown)]
        if not options:
            continue
        out.append(f'<section class="facet" aria-labelledby="facet-{name}"><ul>')
        for value, label, count in options:
            out.append(
                f'<li><a href="?{escape(urlencode({name: value}))}">{escape(label)}</a>'
                f' <span class="count">{count}</span></li>'
            )
        out.append("</ul></section>")
    noun = "threat entry" if total == 1 else "threat entries"
    out.append(f'<p class="result-summary">{total} {noun}</p>')
    out.append('<ol class="records threat-records">')
    for row in rows:
        (
            pk,
            slug,
            title,
            category,
            start,
            start_p,
            end,
            end_p,
            location,
            country,
            reliability,
            credibility,
            severity,
        ) = row
        when = vague(start, start_p)
        if end is not None:
            when = f"{when} – {vague(end, end_p)}"
        place = location or country or ""
        if location and country and country not in location:
            place = f"{location}, {country}"
        out.append(
            f'<li class="record"><h3><a href="/threats/{slug}/">{escape(title)}</a></h3>'
            f'<p class="meta"><span class="badge">{escape(category)}</span> {when}'
        )
        if place:
            out.append(f" <span>{escape(place)}</span>")
        code = admiralty_code(reliability, credibility)
        if code:
            out.append(f' <span class="badge rating">{code}</span>')
        if severity:
            out.append(f' <span class="badge severity">Severity {severity} of 5</span>')
        out.append("</p>")
        blamed = actors.get(pk)
        if blamed:
            out.append('<p class="blamed">Blamed: ')
            out.extend(
                f'<a class="actor" href="?actor={slug}">{escape(name)}</a>'
                for slug, name in blamed
            )
            out.append("</p>")
        out.append("</li>")
    out.append("</ol>")
    return "".join(out).encode()


# -- WSGI -------------------------------------------------------------------------

DETAIL = re.compile(r"^/api/v1/threats/([-a-zA-Z0-9_]+)/$")


class Floor:
    """The WSGI application. ``connections`` is anything with a
    ``connection()`` context manager (a psycopg_pool.ConnectionPool)."""

    def __init__(self, connections=None):
        self._connections = connections

    @property
    def connections(self):
        if self._connections is None:
            # Made on first use: after gunicorn forks its workers.
            from psycopg_pool import ConnectionPool

            self._connections = ConnectionPool(
                os.environ["DATABASE_URL"],
                min_size=1,
                max_size=1,
                open=True,
                # psycopg prepares a statement run five times; PostgreSQL may
                # then plan it once for any LIMIT, OFFSET or filter value (a
                # generic plan), which can be far slower. Django binds values
                # client-side, so it always gets a plan for the actual values:
                # so does the floor.
                kwargs={"options": "-c plan_cache_mode=force_custom_plan"},
            )
        return self._connections

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        query = {}
        for key, value in parse_qsl(
            environ.get("QUERY_STRING", ""), keep_blank_values=True
        ):
            query.setdefault(key, []).append(value)
        urls = Urls(environ)
        url = f"{urls.root}{path}"
        if environ.get("QUERY_STRING"):
            url = f"{url}?{environ['QUERY_STRING']}"
        try:
            with self.connections.connection() as conn:
                if path == "/api/v1/threats/":
                    data, rows = threat_list(conn, query, urls, url)
                    if query.get("format", [""])[0] == "csv":
                        body = csv_body(data["results"], rows)
                        return respond(
                            start_response, "200 OK", "text/csv; charset=utf-8", body
                        )
                    if query.get("format", ["json"])[0] != "json":
                        raise BadRequest("format")
                    return json_response(start_response, "200 OK", data)
                match = DETAIL.match(path)
                if match:
                    return json_response(
                        start_response, "200 OK", threat_detail(conn, match[1], urls)
                    )
                if path == "/threats/":
                    return respond(
                        start_response,
                        "200 OK",
                        "text/html; charset=utf-8",
                        threat_page(conn, query),
                    )
            raise NotFound("Not found.")
        except NotFound as error:
            return json_response(
                start_response, "404 Not Found", {"detail": str(error)}
            )
        except BadRequest as error:
            return json_response(
                start_response, "400 Bad Request", {"detail": str(error)}
            )


def json_response(start_response, status, data):
    return respond(start_response, status, "application/json", orjson.dumps(data))


def respond(start_response, status, content_type, body):
    start_response(
        status, [("Content-Type", content_type), ("Content-Length", str(len(body)))]
    )
    return [body]


app = Floor()
