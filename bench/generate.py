"""A reproducible synthetic archive for the benchmark, written with COPY.

``generate(conninfo, rows)`` fills a migrated database so that it holds ``rows``
published threat entries (the seed data's included, if loaded), and around them
what a real archive of that size would hold:

- threat entries dated 2014-2026 (more each year, as reporting grew), at day,
  month or year precision (stored on the first day of the period, as the
  ``*_precision`` constraints require), an end for one in five, 1-3 target
  countries (Lithuania in most), 1-3 sources, 0-2 attributions (each with a
  source), a severity for every published one (the database requires it),
  a location country for three in five and coordinates for most of those
  (always with the source that gives them), a sea area for most maritime
  incidents, a related exercise for one in twenty; the source reliability,
  independent publishers and credibility derived from the sources' publishers
  exactly as the application derives them (``Reference.assessment``), with a
  reviewer's credibility for one in 25; 300-800-character summaries in
  English with Lithuanian names and phrases, accents included. One entry in 100
  is a draft and one in 1,000 retracted (with its date and public reason);
  every published one has its publication date;
- ``rows // 10`` exercises with 2-12 participants, 1-2 host countries, 1-3
  locations and their sources; ``rows // 200`` agreements with 2-4 parties;
  ``rows // 1000`` organisations with memberships that never overlap (the
  exclusion constraint), some countries leaving and joining again;
- sources shared the way citations are: most cited once or twice, a few often;
  each from one of the vocabulary's publishers, rated with a plausible
  Admiralty letter (one not rated, one an aggregator relaying others).

Every row is built from ``random.Random`` seeded with the seed, the table and
the chunk, so the same ``rows`` and ``seed`` give the same data whatever the
number of worker processes. Chunks of threat entries and exercises are copied
by ``workers`` processes in parallel (the search vectors, generated columns,
are computed by PostgreSQL as rows arrive, which is most of the time). The
history triggers (django-pghistory) are paused while rows are copied and
their insert events written afterwards in one statement per table (see
``History``), so every record has the insert event a load through the
application would give it. Progress is printed.
"""

import datetime
import multiprocessing
import random
import re
import time
import unicodedata
from decimal import Decimal

import psycopg

from bench import vocabulary as words

SEED = 20261204
# Bump when the data set changes shape: benchmark databases made by an older
# generator are generated again.
VERSION = 3
CHUNK = 5000
UTC = datetime.UTC
YEAR_WEIGHTS = {
    2014: 3,
    2015: 3,
    2016: 4,
    2017: 4,
    2018: 5,
    2019: 5,
    2020: 6,
    2021: 8,
    2022: 12,
    2023: 12,
    2024: 14,
    2025: 15,
    2026: 12,
}
LAST_DAY = datetime.date(2026, 11, 30)
CATEGORY_WEIGHTS = {
    "cyber-attack": 22,
    "disinformation": 18,
    "hybrid-operation": 10,
    "instrumentalised-migration": 6,
    "airspace-violation": 8,
    "maritime-incident": 5,
    "sabotage": 6,
    "gps-interference": 10,
    "military-build-up": 5,
    "espionage": 5,
    "energy-coercion": 2,
    "economic-coercion": 3,
}


def plan(rows):
    """How many records of each kind go with ``rows`` published threat entries."""
    rows = int(rows)
    exercises = max(20, rows // 10)
    agreements = max(10, rows // 200)
    organisations = max(5, rows // 1000)
    return {
        "threats": rows,
        "threat_drafts": rows // 100,
        "threat_retracted": rows // 1000,
        "exercises": exercises,
        "agreements": agreements,
        "organisations": organisations,
        "sources": max(100, rows // 2 + exercises // 2 + agreements + organisations),
    }


def slugify(text, limit=80):
    folded = unicodedata.normalize("NFKD", text)
    folded = "".join(c for c in folded if not unicodedata.combining(c)).lower()
    return re.sub(r"[^a-z0-9]+", "-", folded).strip("-")[:limit].strip("-")


def weighted(rng, pairs):
    values, weights = zip(*pairs, strict=True)
    return rng.choices(values, weights)[0]


def vague_date(rng, day, shares=(75, 18, 7)):
    """``day`` at a random precision, normalised as the constraints require."""
    precision = rng.choices(("day", "month", "year"), shares)[0]
    if precision == "month":
        return day.replace(day=1), precision
    if precision == "year":
        return day.replace(month=1, day=1), precision
    return day, precision


def random_day(rng, first=2014):
    years = [year for year in YEAR_WEIGHTS if year >= first]
    year = rng.choices(years, [YEAR_WEIGHTS[year] for year in years])[0]
    start = datetime.date(year, 1, 1)
    end = min(datetime.date(year, 12, 31), LAST_DAY)
    return start + datetime.timedelta(days=rng.randrange((end - start).days + 1))


def moment(rng, day, after_days=0, spread_days=30):
    """A timestamp some days after ``day``, never after the data set's last day."""
    when = datetime.datetime.combine(day, datetime.time(), tzinfo=UTC)
    when += datetime.timedelta(
        days=after_days + rng.randrange(spread_days + 1),
        seconds=rng.randrange(86400),
        microseconds=rng.randrange(1_000_000),
    )
    last = datetime.datetime.combine(LAST_DAY, datetime.time(23, 59), tzinfo=UTC)
    if when > last:
        when = last - datetime.timedelta(seconds=rng.randrange(7 * 86400))
    return when


def coordinate(value, rng, spread=0.08):
    return Decimal(f"{value + rng.uniform(-spread, spread):.5f}")


def prose(rng, sentences, low, high, fill, extra=()):
    """Sentences until the text is between ``low`` and ``high`` characters."""
    target = rng.randint(low, high)
    parts = list(extra)
    length = sum(len(part) + 1 for part in parts)
    # Each sentence at most once per text.
    for template in rng.sample(sentences, len(sentences)):
        if length >= target:
            break
        sentence = template.format(**fill())
        if length + len(sentence) + 1 > high and length >= low:
            break
        parts.append(sentence)
        length += len(sentence) + 1
    rng.shuffle(parts)
    text = " ".join(parts)
    return text[:high]


class Reference:
    """Ids of the reference rows (countries, categories, actors, series) and
    of the id blocks reserved for the generated records."""

    def __init__(self, conn, counts, seed=SEED):
        self.countries = dict(conn.execute("SELECT iso2, id FROM alliances_country"))
        self.categories = dict(
            conn.execute("SELECT slug, id FROM threats_threatcategory")
        )
        by_name = dict(conn.execute("SELECT lower(name), id FROM threats_actor"))
        by_slug = dict(conn.execute("SELECT slug, id FROM threats_actor"))
        self.actors = [
            (by_name.get(name.lower()) or by_slug[slug], weight)
            for slug, name, _kind, _country, weight in words.ACTORS
        ]
        self.actor_names = dict(
            conn.execute(
                "SELECT id, name FROM threats_actor WHERE id = ANY(%s)",
                [[a for a, _w in self.actors]],
            )
        )
        self.series = [
            row[0] for row in conn.execute("SELECT id FROM exercises_exerciseseries")
        ]
        # (id, letter, relays others, lower-case name) of the vocabulary's
        # publishers, as stored (the seed data's rating wins where it has one).
        rated = {
            name: (pk, letter, relays, folded)
            for pk, name, letter, relays, folded in conn.execute(
                "SELECT id, name, reliability, relays_others, lower(name) "
                "FROM alliances_publisher WHERE name = ANY(%s)",
                [[name for name, *_rest in words.PUBLISHERS]],
            )
        }
        self.publishers = [rated[name] for name, *_rest in words.PUBLISHERS]
        self.counts = counts
        self.base = {}
        # Each source's publisher (an index into ``publishers``), drawn here
        # once: the threat entries' derived ratings read the publishers of
        # the sources they cite, whichever process copies them.
        draw = random.Random(f"{seed}:source-publishers:{counts['sources']}")
        self.source_publishers = bytes(
            draw.randrange(len(self.publishers)) for _ in range(counts["sources"])
        )
        for table, count in (
            ("alliances_source", counts["sources"]),
            ("threats_threatentry", counts["threats_total"]),
            ("threats_attribution", 2 * counts["threats_total"]),
            ("exercises_exercise", counts["exercises"]),
            ("alliances_agreement", counts["agreements"]),
            ("alliances_organisation", counts["organisations"]),
            ("alliances_membership", 40 * counts["organisations"]),
        ):
            self.base[table] = reserve_ids(conn, table, count)

    def source(self, rng):
        """A cited source: most are cited once or twice, a few very often."""
        count = self.counts["sources"]
        if rng.random() < 0.15:
            index = int(rng.paretovariate(1.2)) % 200
        else:
            index = rng.randrange(count)
        return self.base["alliances_source"] + index

    def sources(self, rng, low=1, high=2):
        chosen = {self.source(rng) for _ in range(rng.randint(low, high))}
        return sorted(chosen)

    def publisher_of(self, source):
        """(id, letter, relays others, lower-case name) of a generated source's
        publisher."""
        index = source - self.base["alliances_source"]
        return self.publishers[self.source_publishers[index]]

    def assessment(self, sources, override=None):
        """(source reliability, corroboration, information credibility) of an
        entry citing ``sources``, derived as ThreatEntryQuerySet.
        refresh_assessment derives them: the best letter among the publishers,
        the independent publishers (spellings of one name once; relays not
        counted, but a relayed report still counts as reported once), and the
        reviewer's credibility if set, else corroboration's."""
        publishers = [self.publisher_of(source) for source in sources]
        letters = sorted(letter for _pk, letter, _relays, _name in publishers if letter)
        independent = len({name for _pk, _l, relays, name in publishers if not relays})
        corroboration = max(independent, 1 if publishers else 0)
        return (
            letters[0] if letters else "",
            corroboration,
            override or credibility_from_corroboration(corroboration),
        )


def credibility_from_corroboration(independent_publishers):
    """threats.models.credibility_from_corroboration, without Django."""
    if independent_publishers >= 3:
        return 2
    if independent_publishers == 2:
        return 3
    if independent_publishers == 1:
        return 6
    return None


def reserve_ids(conn, table, count):
    """Take a block of ``count`` ids from the table's sequence; returns the first."""
    sequence = conn.execute(
        "SELECT pg_get_serial_sequence(%s, 'id')", [table]
    ).fetchone()[0]
    first = conn.execute(
        "SELECT GREATEST(nextval(%s), (SELECT COALESCE(max(id), 0) + 1 FROM "
        + table
        + "))",
        [sequence],
    ).fetchone()[0]
    conn.execute("SELECT setval(%s, %s)", [sequence, first + max(count, 1)])
    return first


def ensure_reference_data(conn):
    """Countries, actors and exercise series the generator names; the seed data's
    rows are kept where they exist (same ISO code, slug or name)."""
    now = datetime.datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
    for iso2, name, name_lt in words.COUNTRIES:
        conn.execute(
            "INSERT INTO alliances_country (created, updated, iso2, name, name_lt) "
            "VALUES (%s, %s, %s, %s, %s) ON CONFLICT DO NOTHING",
            [now, now, iso2, name, name_lt],
        )
    for name, _domain, _caution, letter, relays in words.PUBLISHERS:
        conn.execute(
            "INSERT INTO alliances_publisher (created, updated, name, reliability, "
            "relays_others, rating_note, rated_at, notes) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s, '') ON CONFLICT DO NOTHING",
            [
                now,
                now,
                name,
                letter,
                relays,
                "Rated from its record of corrections." if letter else "",
                now if letter else None,
            ],
        )
    countries = dict(conn.execute("SELECT iso2, id FROM alliances_country"))
    for slug, name, kind, country, _weight in words.ACTORS:
        conn.execute(
            "INSERT INTO threats_actor (created, updated, name, name_lt, slug, kind, "
            "aliases, description, country_id) "
            "VALUES (%s, %s, %s, '', %s, %s, '{}', '', %s) "
            "ON CONFLICT DO NOTHING",
            [now, now, name, slug, kind, countries.get(country)],
        )
    for slug, name in words.EXERCISE_SERIES:
        conn.execute(
            "INSERT INTO exercises_exerciseseries (created, updated, name, slug, "
            "description) VALUES (%s, %s, %s, %s, '') ON CONFLICT DO NOTHING",
            [now, now, name, slug],
        )


# -- the records, chunk by chunk ----------------------------------------------------

SOURCE_COLUMNS = (
    "id, created, updated, url, title, publisher_id, published, published_precision, "
    "accessed, language, archive_url, caution"
)


def copy_sources(conn, ref, seed, chunk, first, last):
    rng = random.Random(f"{seed}:sources:{chunk}")
    base = ref.base["alliances_source"]
    with conn.cursor().copy(
        f"COPY alliances_source ({SOURCE_COLUMNS}) FROM STDIN"
    ) as copy:
        for index in range(first, last):
            pk = base + index
            _name, domain, caution, _letter, _relays = words.PUBLISHERS[
                ref.source_publishers[index]
            ]
            publisher = ref.publishers[ref.source_publishers[index]][0]
            day = random_day(rng)
            published, precision = vague_date(rng, day, (90, 8, 2))
            place = rng.choice(words.PLACES)[0]
            headline = rng.choice(
                (
                    f"Incident reported in {place}",
                    f"Officials respond to events near {place}",
                    f"Security review after incident in {place}",
                    f"{rng.choice(words.TARGETS)} statement",
                    "Threat assessment update",
                )
            )
            created = moment(rng, day, 1, 60)
            copy.write_row(
                (
                    pk,
                    created,
                    created,
                    f"https://www.{domain}/{day.year}/{slugify(headline, 60)}-{pk}",
                    f"{headline} [{pk}]",
                    publisher,
                    published,
                    precision,
                    created.date(),
                    "lt" if domain.endswith(".lt") else "en",
                    "",
                    caution,
                )
            )


THREAT_COLUMNS = (
    "id, created, updated, confidence, notes, title, slug, summary, category_id, "
    "occurred_start, occurred_start_precision, occurred_end, occurred_end_precision, "
    "reported, location_name, location_country_id, geo_precision, sea_area, "
    "sea_area_detail, latitude, longitude, coordinates_source_id, coordinates_note, "
    "targets_note, severity, severity_note, source_reliability, corroboration, "
    "credibility_override, information_credibility, rating_note, "
    "publication_status, published_at, retracted_at, retraction_reason, last_verified"
)
# Categories whose incidents happen at sea (or over it) often enough to be
# placed by their sea area.
AT_SEA = {"maritime-incident": 0.8, "gps-interference": 0.3, "airspace-violation": 0.1}
SEA_AREAS = (
    ("baltic_sea", 60),
    ("gulf_of_finland", 20),
    ("gulf_of_riga", 12),
    ("gulf_of_bothnia", 8),
)
SEA_AREA_DETAILS = (
    "east of Gotland (Swedish EEZ)",
    "north of Bornholm",
    "off the Curonian Spit",
    "between Hanko and Paldiski",
)
SEVERITY_NOTES = (
    "Services were disrupted for several hours, as the operator confirmed.",
    "No damage was reported; the incident was contained the same day.",
    "Officials called it a deliberate act against critical infrastructure.",
)
ATTRIBUTION_COLUMNS = (
    "id, created, updated, confidence, notes, entry_id, actor_id, attributed_by, "
    "attributed_on, attributed_on_precision, attribution_confidence, basis, "
    "actor_unit"
)


def threat_status(index, counts):
    """Published first, then the drafts and the retracted entries."""
    if index < counts["threats"]:
        return "published"
    if index < counts["threats"] + counts["threat_drafts"]:
        return "draft"
    return "retracted"


def copy_threats(conn, ref, seed, chunk, first, last):
    rng = random.Random(f"{seed}:threats:{chunk}")
    base = ref.base["threats_threatentry"]
    attribution_base = ref.base["threats_attribution"]
    categories = [
        (ref.categories[slug], slug, weight)
        for slug, weight in CATEGORY_WEIGHTS.items()
        if slug in ref.categories
    ]
    targets = [(ref.countries[iso2], weight) for iso2, weight in words.TARGET_WEIGHTS]
    entries, target_links, source_links = [], [], []
    attributions, attribution_sources, exercise_links = [], [], []
    for index in range(first, last):
        pk = base + index
        category_id, category, _weight = rng.choices(
            categories, [weight for *_rest, weight in categories]
        )[0]
        place, iso2, latitude, longitude = rng.choice(words.PLACES)
        target = rng.choice(words.TARGETS)
        day = random_day(rng)
        start, start_precision = vague_date(rng, day)
        end, end_precision = None, ""
        end_day = min(day + datetime.timedelta(days=rng.randint(1, 120)), LAST_DAY)
        if rng.random() < 0.2 and end_day > day:
            end, end_precision = vague_date(rng, end_day, (70, 25, 5))
            if end < start:  # "2024" cannot end a period that started in May 2024
                end, end_precision = end_day, "day"
        title = rng.choice(words.TITLES[category]).format(place=place, target=target)
        if rng.random() < 0.3:
            title = f"{title} ({day.year})"
        actor_ids = []
        for _ in range(rng.choices((0, 1, 2), (12, 70, 18))[0]):
            actor_ids.append(weighted(rng, ref.actors))
        actor_ids = list(dict.fromkeys(actor_ids))
        extra = [words.RARE_SENTENCE] if index % words.RARE_EVERY == 7 else []
        summary = prose(
            rng,
            words.SENTENCES,
            300,
            800,
            lambda place=place, target=target, actor_ids=actor_ids: {
                "place": rng.choice(words.PLACES)[0] if rng.random() < 0.3 else place,
                "target": target,
                "actor": ref.actor_names[actor_ids[0]] if actor_ids else "Russia",
            },
            extra,
        )
        located = rng.random() < 0.6
        has_coordinates = located and rng.random() < 0.85
        geo_precision = ""
        if has_coordinates:
            geo_precision = rng.choices(
                ("exact", "town", "region", ""), (30, 40, 20, 10)
            )[0]
        elif located:
            geo_precision = rng.choices(("region", "country", ""), (30, 50, 20))[0]
        sea_area, sea_area_detail = "", ""
        if rng.random() < AT_SEA.get(category, 0):
            sea_area = weighted(rng, SEA_AREAS)
            if rng.random() < 0.3:
                sea_area_detail = rng.choice(SEA_AREA_DETAILS)
            if not has_coordinates:
                geo_precision = "sea_area"
        created = moment(rng, day, 0, 45)
        updated = moment(rng, created.date(), 0, 90)
        status = threat_status(index, ref.counts)
        published_at = (
            max(created, moment(rng, created.date(), 0, 5))
            if status != "draft"
            else None
        )
        if published_at is not None:
            updated = max(updated, published_at)
        retracted_at = (
            moment(rng, updated.date(), 1, 200) if status == "retracted" else None
        )
        # Published (and once published, retracted) entries have a severity:
        # the database refuses to publish one without it.
        severity = rng.choices((1, 2, 3, 4, 5), (25, 32, 24, 12, 4))[0]
        if status == "draft" and rng.random() < 0.4:
            severity = None
        severity_note = (
            rng.choice(SEVERITY_NOTES) if severity and rng.random() < 0.3 else ""
        )
        sources = ref.sources(rng, 1, 3 if rng.random() < 0.15 else 2)
        # A reviewer grades the information otherwise now and then; the rest
        # is derived from the sources' publishers, as the application does.
        override = (
            rng.choices((1, 2, 3, 4, 5), (30, 25, 15, 20, 10))[0]
            if rng.random() < 0.04
            else None
        )
        reliability, corroboration, credibility = ref.assessment(sources, override)
        entries.append(
            (
                pk,
                created,
                updated,
                rng.choices(("high", "medium"), (70, 30))[0],
                "",
                title,
                f"{slugify(title)}-{pk}",
                summary,
                category_id,
                start,
                start_precision,
                end,
                end_precision,
                min(start + datetime.timedelta(days=rng.randint(0, 10)), LAST_DAY)
                if rng.random() < 0.7
                else None,
                place if located or rng.random() < 0.5 else "",
                ref.countries[iso2] if located else None,
                geo_precision,
                sea_area,
                sea_area_detail,
                # Coordinates only with the source that gives them (a constraint).
                coordinate(latitude, rng) if has_coordinates else None,
                coordinate(longitude, rng) if has_coordinates else None,
                rng.choice(sources) if has_coordinates else None,
                "",
                target if rng.random() < 0.6 else "",
                severity,
                severity_note,
                reliability,
                corroboration,
                override,
                credibility,
                "The reviewer weighed what the sources say, not only how many "
                "report it."
                if override
                else "",
                status,
                published_at,
                retracted_at,
                "The only source withdrew its report." if retracted_at else "",
                updated.date() if rng.random() < 0.4 else None,
            )
        )
        chosen_targets = {ref.countries["LT"]} if rng.random() < 0.55 else set()
        for _ in range(rng.choices((1, 2, 3), (55, 33, 12))[0]):
            if len(chosen_targets) >= 3:
                break
            chosen_targets.add(weighted(rng, targets))
        target_links.extend((pk, country) for country in sorted(chosen_targets))
        source_links.extend((pk, source) for source in sources)
        for position, actor_id in enumerate(actor_ids):
            attribution_id = attribution_base + 2 * index + position
            on_day = min(day + datetime.timedelta(days=rng.randint(0, 60)), LAST_DAY)
            on, on_precision = (
                vague_date(rng, on_day, (80, 15, 5))
                if rng.random() < 0.8
                else (None, "")
            )
            attributions.append(
                (
                    attribution_id,
                    created,
                    created,
                    rng.choices(("high", "medium"), (70, 30))[0],
                    "",
                    pk,
                    actor_id,
                    rng.choice(words.ATTRIBUTED_BY),
                    on,
                    on_precision,
                    weighted(rng, words.ATTRIBUTION_CONFIDENCES),
                    "Stated in the official's public remarks.",
                    "",
                )
            )
            attribution_sources.append((attribution_id, rng.choice(sources)))
        if rng.random() < 0.05:
            exercise = ref.base["exercises_exercise"] + rng.randrange(
                ref.counts["exercises"]
            )
            exercise_links.append((pk, exercise))
    # The target countries before their entries (the foreign keys are checked
    # at commit): the database keeps each entry's targeted_country_ids, and an
    # entry copied after its targets gets them as it goes in, where targets
    # copied after it would rewrite every entry once more.
    write_rows(
        conn,
        "threats_threatentry_target_countries",
        "threatentry_id, country_id",
        target_links,
    )
    write_rows(conn, "threats_threatentry", THREAT_COLUMNS, entries)
    write_rows(
        conn, "threats_threatentry_sources", "threatentry_id, source_id", source_links
    )
    write_rows(conn, "threats_attribution", ATTRIBUTION_COLUMNS, attributions)
    write_rows(
        conn,
        "threats_attribution_sources",
        "attribution_id, source_id",
        attribution_sources,
    )
    write_rows(
        conn,
        "threats_threatentry_related_exercises",
        "threatentry_id, exercise_id",
        exercise_links,
    )


EXERCISE_COLUMNS = (
    "id, created, updated, confidence, notes, name, slug, edition, start, "
    'start_precision, "end", end_precision, lead, domain, scenario, personnel, '
    "personnel_note, participants_note, description, lead_country_id, "
    "lead_organisation_id, series_id, publication_status, published_at, "
    "retraction_reason"
)
LOCATION_COLUMNS = (
    "created, updated, name, latitude, longitude, coordinates_note, "
    "coordinates_source_id, country_id, exercise_id"
)


def copy_exercises(conn, ref, seed, chunk, first, last):
    rng = random.Random(f"{seed}:exercises:{chunk}")
    base = ref.base["exercises_exercise"]
    members = [ref.countries[iso2] for iso2 in words.NATO_MEMBERS]
    iso_by_id = {pk: iso2 for iso2, pk in ref.countries.items()}
    exercises, hosts, participations, locations, source_links = [], [], [], [], []
    domains = ("land", "air", "maritime", "cyber", "joint", "special_operations")
    scenarios = (
        "",
        "collective_defence",
        "crisis_response",
        "host_nation_support",
        "certification",
    )
    for index in range(first, last):
        pk = base + index
        day = random_day(rng)
        start, start_precision = vague_date(rng, day, (70, 20, 10))
        end, end_precision = None, ""
        if start_precision == "day":
            end, end_precision = (
                day + datetime.timedelta(days=rng.randint(2, 20)),
                "day",
            )
        elif start_precision == "month" and rng.random() < 0.5:
            end, end_precision = start, "month"
        series = rng.choice(ref.series) if ref.series and rng.random() < 0.6 else None
        name = (
            f"{rng.choice(words.EXERCISE_WORDS)} {rng.choice(words.EXERCISE_NOUNS)} "
            f"{day.year}"
        )
        if rng.random() < 0.5:
            name = f"{name}-{rng.randint(1, 4)}"
        participants = rng.sample(members, rng.randint(2, 12))
        host_ids = sorted(
            set(rng.sample(participants, rng.randint(1, min(2, len(participants)))))
        )
        places = rng.sample(words.PLACES, rng.randint(1, 3))
        status = "published" if rng.random() < 0.97 else "draft"
        created = moment(rng, day, -30, 20)
        published_at = (
            moment(rng, created.date(), 0, 10) if status == "published" else None
        )
        updated = max(created, published_at) if published_at else created
        sources = ref.sources(rng)
        lead_country = host_ids[0] if rng.random() < 0.7 else None
        countries = ", ".join(iso_by_id[pk] for pk in participants[:4])
        exercises.append(
            (
                pk,
                created,
                updated,
                "high",
                "",
                name,
                f"{slugify(name)}-{pk}",
                str(day.year) if rng.random() < 0.5 else "",
                start,
                start_precision,
                end,
                end_precision,
                "Lithuanian Armed Forces" if rng.random() < 0.5 else "",
                rng.choice(domains),
                rng.choice(scenarios),
                rng.choice((None, 800, 1500, 3000, 7000, 12000, 20000)),
                "",
                "",
                prose(
                    rng,
                    words.EXERCISE_SENTENCES,
                    200,
                    600,
                    lambda places=places, countries=countries: {
                        "place": rng.choice(places)[0],
                        "countries": countries,
                    },
                ),
                lead_country,
                None,
                series,
                status,
                published_at,
                "",
            )
        )
        hosts.extend((pk, country) for country in host_ids)
        participations.extend(
            (created, created, None, "", country, pk)
            for country in sorted(participants)
        )
        for place, iso2, latitude, longitude in places:
            located = rng.random() < 0.8
            locations.append(
                (
                    created,
                    created,
                    place,
                    coordinate(latitude, rng) if located else None,
                    coordinate(longitude, rng) if located else None,
                    "",
                    sources[0] if located and rng.random() < 0.5 else None,
                    ref.countries.get(iso2),
                    pk,
                )
            )
        source_links.extend((pk, source) for source in sources)
    write_rows(conn, "exercises_exercise", EXERCISE_COLUMNS, exercises)
    write_rows(
        conn, "exercises_exercise_host_countries", "exercise_id, country_id", hosts
    )
    write_rows(
        conn,
        "exercises_participation",
        "created, updated, personnel, note, country_id, exercise_id",
        participations,
    )
    write_rows(conn, "exercises_exerciselocation", LOCATION_COLUMNS, locations)
    write_rows(
        conn, "exercises_exercise_sources", "exercise_id, source_id", source_links
    )


AGREEMENT_COLUMNS = (
    "id, created, updated, confidence, notes, title, slug, type, type_detail, status, "
    "signatories, signed, signed_precision, entry_into_force, "
    "entry_into_force_precision, ended, ended_precision, place, value, summary, "
    "place_country_id, publication_status, published_at, retraction_reason"
)
ORGANISATION_COLUMNS = (
    "id, created, updated, confidence, notes, name, acronym, slug, type, type_detail, "
    "founded, founded_precision, founding_place, hq, description, members_note, "
    "hq_country_id, parent_id, publication_status, published_at, retraction_reason"
)
MEMBERSHIP_COLUMNS = (
    "id, created, updated, confidence, notes, role, role_detail, joined, "
    'joined_precision, "left", left_precision, note, country_id, organisation_id'
)


def copy_agreements_and_organisations(conn, ref, seed):
    rng = random.Random(f"{seed}:agreements")
    members = [ref.countries[iso2] for iso2 in words.NATO_MEMBERS]
    name_by_id = {
        ref.countries[iso2]: name
        for iso2, name, _lt in words.COUNTRIES
        if iso2 in ref.countries
    }
    agreements, parties, agreement_sources = [], [], []
    base = ref.base["alliances_agreement"]
    for index in range(ref.counts["agreements"]):
        pk = base + index
        kind = rng.choice(words.AGREEMENT_TYPES)
        partners = rng.sample(members, rng.randint(2, 4))
        day = random_day(rng)
        signed, signed_precision = vague_date(rng, day, (80, 15, 5))
        in_force, in_force_precision = (None, "")
        if rng.random() < 0.5:
            in_force = signed + datetime.timedelta(days=rng.randint(0, 400))
            in_force_precision = "day"
        title = (
            f"{kind.replace('_', ' ').capitalize()} between "
            f"{' and '.join(name_by_id.get(p, '?') for p in partners[:2])} ({day.year}, no. {index + 1})"
        )
        created = moment(rng, day, 0, 30)
        published_at = moment(rng, created.date(), 0, 10)
        agreements.append(
            (
                pk,
                created,
                published_at,
                "high",
                "",
                title,
                f"{slugify(title)}-{pk}",
                kind,
                "",
                rng.choice(("signed", "in_force", "")),
                ["Minister of National Defence"],
                signed,
                signed_precision,
                in_force,
                in_force_precision,
                None,
                "",
                rng.choice(("Vilnius", "Brussels", "Warsaw", "")),
                "",
                prose(
                    rng,
                    words.EXERCISE_SENTENCES,
                    150,
                    400,
                    lambda: {"place": "Vilnius", "countries": "LT"},
                ),
                None,
                "published",
                published_at,
                "",
            )
        )
        parties.extend(
            (created, created, "", pk, country, None) for country in sorted(partners)
        )
        if rng.random() < 0.1:
            parties.append((created, created, "KNDS Deutschland", pk, None, None))
        agreement_sources.extend((pk, source) for source in ref.sources(rng))
    write_rows(conn, "alliances_agreement", AGREEMENT_COLUMNS, agreements)
    write_rows(
        conn,
        "alliances_agreementparty",
        "created, updated, name, agreement_id, country_id, organisation_id",
        parties,
    )
    write_rows(
        conn,
        "alliances_agreement_sources",
        "agreement_id, source_id",
        agreement_sources,
    )

    organisations, memberships, membership_sources, organisation_sources = (
        [],
        [],
        [],
        [],
    )
    base = ref.base["alliances_organisation"]
    membership_id = ref.base["alliances_membership"]
    for index in range(ref.counts["organisations"]):
        pk = base + index
        word, noun = rng.choice(words.EXERCISE_WORDS), rng.choice(words.EXERCISE_NOUNS)
        name = f"{word} {noun} Initiative {index + 1}"
        day = random_day(rng)
        founded, founded_precision = vague_date(rng, day, (40, 30, 30))
        created = moment(rng, day, 0, 30)
        published_at = moment(rng, created.date(), 0, 10)
        organisations.append(
            (
                pk,
                created,
                published_at,
                "high",
                "",
                name,
                f"{word[0]}{noun[0]}I{index + 1}".upper(),
                f"{slugify(name)}-{pk}",
                rng.choice(words.ORGANISATION_KINDS),
                "",
                founded,
                founded_precision,
                "",
                rng.choice(("Vilnius", "Riga", "Tallinn", "Brussels")),
                prose(
                    rng,
                    words.EXERCISE_SENTENCES,
                    150,
                    400,
                    lambda: {"place": "Vilnius", "countries": "LT"},
                ),
                "",
                ref.countries["LT"],
                None,
                "published",
                published_at,
                "",
            )
        )
        organisation_sources.extend((pk, source) for source in ref.sources(rng))
        for country in sorted(rng.sample(members, rng.randint(3, 12))):
            # One period, or two that do not overlap (left, then joined again):
            # the exclusion constraint allows nothing else.
            joined = founded + datetime.timedelta(days=rng.randint(0, 900))
            periods = [(joined, None)]
            if rng.random() < 0.15:
                left = joined + datetime.timedelta(days=rng.randint(200, 1500))
                again = left + datetime.timedelta(days=rng.randint(0, 700))
                periods = [(joined, left), (again, None)]
            for joined_on, left_on in periods:
                memberships.append(
                    (
                        membership_id,
                        created,
                        created,
                        "high",
                        "",
                        "member",
                        "",
                        joined_on,
                        "day",
                        left_on,
                        "day" if left_on else "",
                        "",
                        country,
                        pk,
                    )
                )
                membership_sources.append((membership_id, ref.source(rng)))
                membership_id += 1
    write_rows(conn, "alliances_organisation", ORGANISATION_COLUMNS, organisations)
    write_rows(
        conn,
        "alliances_organisation_sources",
        "organisation_id, source_id",
        organisation_sources,
    )
    write_rows(conn, "alliances_membership", MEMBERSHIP_COLUMNS, memberships)
    write_rows(
        conn,
        "alliances_membership_sources",
        "membership_id, source_id",
        membership_sources,
    )


def write_rows(conn, table, columns, rows):
    if not rows:
        return
    with conn.cursor().copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


# -- history, set-based ----------------------------------------------------------

# Every table the generator writes to, parents before children.
WRITTEN_TABLES = (
    "alliances_source",
    "exercises_exercise",
    "exercises_exercise_host_countries",
    "exercises_participation",
    "exercises_exerciselocation",
    "exercises_exercise_sources",
    "threats_threatentry",
    "threats_threatentry_target_countries",
    "threats_threatentry_sources",
    "threats_attribution",
    "threats_attribution_sources",
    "threats_threatentry_related_exercises",
    "alliances_agreement",
    "alliances_agreementparty",
    "alliances_agreement_sources",
    "alliances_organisation",
    "alliances_organisation_sources",
    "alliances_membership",
    "alliances_membership_sources",
)
_EVENT_INSERT = re.compile(
    r'INSERT INTO ("\w+") \(([^)]*)\) VALUES \((.*?)\); RETURN NULL;', re.DOTALL
)


class History:
    """The history triggers' insert events, written set-based after the load.

    django-pghistory's row triggers cost a sub-transaction and two function
    calls per row: most of a bulk load's time. The generator turns off each
    table's insert trigger while it copies, then runs that trigger's own
    INSERT once over the new rows (``NEW."col"`` read from the table instead),
    so the history holds exactly what the triggers would have written. The
    update and delete triggers stay on throughout.
    """

    def __init__(self, conn, tables=WRITTEN_TABLES):
        self.statements = []
        for table in tables:
            triggers = conn.execute(
                """
                SELECT t.tgname, p.prosrc FROM pg_trigger t
                JOIN pg_proc p ON p.oid = t.tgfoid
                WHERE t.tgrelid = %s::regclass AND NOT t.tgisinternal
                  AND t.tgenabled <> 'D' AND (t.tgtype & 4) <> 0
                """,
                [table],
            ).fetchall()
            for name, source in triggers:
                match = _EVENT_INSERT.search(source)
                if match is None:
                    continue  # not a history trigger: it stays on
                event_table, columns, values = match.groups()
                values = values.replace('NEW."', 'src."').replace(
                    "_pgh_attach_context()", "NULL"
                )
                after = conn.execute(
                    f"SELECT COALESCE(max(id), 0) FROM {table}"
                ).fetchone()[0]
                self.statements.append(
                    (
                        table,
                        name,
                        f"INSERT INTO {event_table} ({columns}) SELECT {values} "
                        f"FROM {table} AS src WHERE src.id > {int(after)} ORDER BY src.id",
                    )
                )

    def pause(self, conn):
        for table, name, _sql in self.statements:
            conn.execute(f'ALTER TABLE {table} DISABLE TRIGGER "{name}"')

    def resume(self, conn):
        for table, name, _sql in self.statements:
            conn.execute(f'ALTER TABLE {table} ENABLE TRIGGER "{name}"')

    def write(self, conn, say=None):
        for table, _name, sql in self.statements:
            started = time.monotonic()
            count = conn.execute(sql).rowcount
            if say:
                say(
                    f"  history of {table}: {count:,} events, {time.monotonic() - started:.0f} s"
                )


# -- putting it together ------------------------------------------------------------

COPIERS = {
    "sources": copy_sources,
    "threats": copy_threats,
    "exercises": copy_exercises,
}


def chunks(kind, total):
    return [
        (kind, number, first, min(first + CHUNK, total))
        for number, first in enumerate(range(0, total, CHUNK))
    ]


_worker = {}


def _start_worker(conninfo, ref, seed):
    _worker["conn"] = psycopg.connect(conninfo, autocommit=False)
    _worker["ref"] = ref
    _worker["seed"] = seed


def _run_chunk(task):
    kind, number, first, last = task
    conn = _worker["conn"]
    COPIERS[kind](conn, _worker["ref"], _worker["seed"], number, first, last)
    conn.commit()
    return kind, last - first


class Progress:
    def __init__(self, say, label, total):
        self.say, self.label, self.total = say, label, total
        self.done, self.started, self.shown = 0, time.monotonic(), 0.0

    def add(self, count):
        self.done += count
        now = time.monotonic()
        if now - self.shown >= 5 or self.done >= self.total:
            self.shown = now
            elapsed = now - self.started
            self.say(
                f"  {self.label}: {self.done:,} / {self.total:,} "
                f"({100 * self.done // max(self.total, 1)}%), {elapsed:.0f} s"
            )


def _phase(say, label, timings, function, *args):
    started = time.monotonic()
    result = function(*args)
    timings[label] = round(time.monotonic() - started, 1)
    say(f"  {label}: {timings[label]} s")
    return result


def counts_for(conn, rows):
    counts = plan(rows)
    existing = conn.execute(
        "SELECT count(*) FROM threats_threatentry WHERE publication_status = 'published'"
    ).fetchone()[0]
    counts["threats"] = max(0, counts["threats"] - existing)
    counts["threats_total"] = (
        counts["threats"] + counts["threat_drafts"] + counts["threat_retracted"]
    )
    return counts


def generate_into(conn, rows, seed=SEED, say=print):
    """Generate into one open connection, in its transaction (tests)."""
    ensure_reference_data(conn)
    counts = counts_for(conn, rows)
    ref = Reference(conn, counts, seed)
    history = History(conn)
    # In one transaction, a table with foreign key checks still pending cannot
    # be altered: run them before each ALTER TABLE.
    conn.execute("SET CONSTRAINTS ALL IMMEDIATE")
    history.pause(conn)
    conn.execute("SET CONSTRAINTS ALL DEFERRED")
    for kind, total in (
        ("sources", counts["sources"]),
        ("exercises", counts["exercises"]),
        ("threats", counts["threats_total"]),
    ):
        for _kind, number, first, last in chunks(kind, total):
            COPIERS[kind](conn, ref, seed, number, first, last)
    copy_agreements_and_organisations(conn, ref, seed)
    conn.execute("SET CONSTRAINTS ALL IMMEDIATE")
    history.resume(conn)
    conn.execute("SET CONSTRAINTS ALL DEFERRED")
    history.write(conn)
    untie_titles(conn)
    return counts


def generate(conninfo, rows, seed=SEED, workers=2, say=print):
    """Generate into the database at ``conninfo`` with ``workers`` processes;
    returns the time each phase took, in seconds."""
    timings = {}
    started = time.monotonic()
    with psycopg.connect(conninfo, autocommit=True) as conn:
        ensure_reference_data(conn)
        counts = counts_for(conn, rows)
        ref = Reference(conn, counts, seed)
        history = History(conn)
        history.pause(conn)
    say(
        f"Generating {counts['threats']:,} published threat entries (plus "
        f"{counts['threat_drafts']:,} drafts, {counts['threat_retracted']:,} "
        f"retracted), {counts['exercises']:,} exercises, {counts['agreements']:,} "
        f"agreements, {counts['organisations']:,} organisations, "
        f"{counts['sources']:,} sources; {workers} processes, seed {seed}."
    )
    try:
        context = multiprocessing.get_context("fork")
        with context.Pool(workers, _start_worker, (conninfo, ref, seed)) as pool:
            for kind, total in (
                ("sources", counts["sources"]),
                ("exercises", counts["exercises"]),
                ("threats", counts["threats_total"]),
            ):
                phase_started = time.monotonic()
                progress = Progress(say, kind, total)
                for _kind, done in pool.imap_unordered(_run_chunk, chunks(kind, total)):
                    progress.add(done)
                timings[kind] = round(time.monotonic() - phase_started, 1)
        with psycopg.connect(conninfo, autocommit=True) as conn:
            _phase(
                say,
                "agreements and organisations",
                timings,
                copy_agreements_and_organisations,
                conn,
                ref,
                seed,
            )
    finally:
        with psycopg.connect(conninfo, autocommit=True) as conn:
            history.resume(conn)
    with psycopg.connect(conninfo, autocommit=True) as conn:
        _phase(say, "history (insert events)", timings, history.write, conn, say)
        _phase(say, "untie equal titles", timings, untie_titles, conn)
        say("  VACUUM ANALYZE (statistics for the planner, visibility map)...")
        _phase(say, "vacuum analyze", timings, conn.execute, "VACUUM (ANALYZE)")
    timings["total"] = round(time.monotonic() - started, 1)
    say(f"Generated in {timings['total']} s.")
    return {"counts": counts, "timings": timings}


def untie_titles(conn):
    """Entries sorted by date then title must sort the same way every time, in
    the application and in the floor: the few published entries whose date and
    title both equal another's get their id appended to the title."""
    conn.execute(
        """
        UPDATE threats_threatentry AS entry
        SET title = entry.title || ' (' || entry.id || ')'
        FROM (
            SELECT id, row_number() OVER (
                PARTITION BY occurred_start, title ORDER BY id
            ) AS position
            FROM threats_threatentry
        ) AS ranked
        WHERE ranked.id = entry.id AND ranked.position > 1
        """
    )
