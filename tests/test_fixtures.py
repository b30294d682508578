"""The real seed data in fixtures/: complete and true to the verified facts in
../shared/facts, loads published, loads again without change, and is sourced;
and the answers it gives an analyst through the pages and the API."""

import calendar
import datetime
import functools
import io
import os
import re
from collections import defaultdict
from pathlib import Path

import pghistory.models
import pytest
import yaml
from django.apps import apps
from django.core import serializers
from django.core.management import call_command

from alliances.models import (
    Agreement,
    AgreementParty,
    Country,
    Membership,
    Organisation,
    Publisher,
    Source,
)
from exercises.models import Exercise, ExerciseLocation, ExerciseSeries, Participation
from tests.queries import VERSION_LOOKUP
from tests.shared_data import module_data
from tests.yaml_text import load_yaml
from threats.models import Actor, Attribution, ThreatEntry

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
# The verified facts the seed data is written from, beside the clone (../shared/facts).
FACTS = ROOT.parent / "shared" / "facts"

ALL_MODELS = [
    Country,
    Source,
    Organisation,
    Membership,
    Agreement,
    AgreementParty,
    ExerciseSeries,
    Exercise,
    Participation,
    ExerciseLocation,
    Actor,
    ThreatEntry,
    Attribution,
]
PUBLIC_RECORDS = [
    Organisation,
    Membership,
    Agreement,
    Exercise,
    ThreatEntry,
    Attribution,
]
REVIEWED_RECORDS = [Organisation, Agreement, Exercise, ThreatEntry]

# Each kind of record: its file (the same name in fixtures/ and in the facts) and the
# public prose field that the seed data rewrites in the Atlas's own words.
KINDS = {
    "organisation": ("organisations.yaml", "description"),
    "agreement": ("agreements.yaml", "summary"),
    "exercise": ("exercises.yaml", "description"),
    "threat": ("threats.yaml", "summary"),
}
# A rewrite may share names and short phrases with the facts, never a run this long
# (words and punctuation marks in a row).
LONGEST_SHARED_RUN = 11

# Founding dates (and one founding place) that ../shared/facts/memberships.yaml
# corrects or makes precise; see added-2026-12-memberships.md, "Conflicts found".
# Each value must be written in a memberships.yaml row of the organisation (as the
# row's start, or spelled out in its notes), and the organisation then cites that
# row's sources besides its own.
CORRECTIONS = {
    # Inaugurated on 24 February 1999; the facts' 25 February is the date of the report.
    "org-baltdefcol": {"founded": "1999-02-24", "founded_precision": "day"},
    # The Centre's own establishment date (the facts give the year only).
    "org-nato-ensec-coe": {"founded": "2012-07-10", "founded_precision": "day"},
    "org-nato-ccdcoe": {"founded": "2008-05-14", "founded_precision": "day"},
    "org-baltron": {"founded": "1998-08-28", "founded_precision": "day"},
    "org-baltbat": {"founded": "1994-09-13", "founded_precision": "day"},
    # Formed by four defence ministers in Brussels (the facts leave both empty).
    "org-nordic-battlegroup": {
        "founded": "2005-05-23",
        "founded_precision": "day",
        "founding_place": "Brussels",
    },
}
# memberships.yaml roles -> Membership.Role values; "(former)" rows also have an end.
ROW_ROLES = {
    "member": "member",
    "founding member": "founding_member",
    "contributor": "contributor",
    "observer": "observer",
    "partner": "partner",
    "lead nation": "lead_nation",
}
RECORD_DATES = ("founded", "signed_date", "start_date", "date_start")


@functools.cache
def read_yaml(path):
    """A YAML file's records, read once per run (callers must not change them)."""
    return load_yaml(path.read_text(encoding="utf-8")) or []


def running_in_ci():
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


def facts(name):
    """The records of ../shared/facts/<name>.

    Skipped when the facts are not beside this checkout. Once they are, a file that
    cannot be read skips the test on a workstation but fails it loudly in CI
    (CI=true), so a comparison never silently stops running there.
    """
    if not FACTS.is_dir():
        pytest.skip(f"the verified facts ({FACTS}) are not beside this checkout")
    path = FACTS / name
    try:
        return read_yaml(path)
    except (OSError, yaml.YAMLError) as exc:
        message = f"cannot read the facts file {path}: {exc}"
        if running_in_ci():
            pytest.fail(message)
        pytest.skip(message)


def fixtures(name):
    return read_yaml(FIXTURES / name)


def by_id(records):
    return {record["id"]: record for record in records}


def all_fixture_records():
    return {
        record["id"]: record
        for name, _prose in KINDS.values()
        for record in fixtures(name)
    }


@functools.cache
def membership_rows():
    rows = defaultdict(list)
    for row in facts("memberships.yaml"):
        rows[row["organisation"]].append(row)
    return rows


def words(text):
    return re.findall(r"\w+(?:[-'’.]\w+)*|[^\w\s]", text.lower())


def longest_shared_run(ours, theirs):
    """The longest run of words (and punctuation marks) the two texts share."""
    a, b = words(ours), words(theirs)
    best, previous = [], [0] * (len(b) + 1)
    for i in range(1, len(a) + 1):
        current = [0] * (len(b) + 1)
        for j in range(1, len(b) + 1):
            if a[i - 1] == b[j - 1]:
                current[j] = previous[j - 1] + 1
                if current[j] > len(best):
                    best = a[i - current[j] : i]
        previous = current
    return best


def spelled(iso_date):
    """'1999-02-24' -> '24 February 1999', as the facts' notes write dates."""
    day = datetime.date.fromisoformat(iso_date)
    return f"{day.day} {calendar.month_name[day.month]} {day.year}"


def source_differences(expected, actual, may_add=()):
    """How the fixture's source list differs from the facts' one: every source of the
    facts with the same values (the fixture may add keys to an entry), and no other
    URL than those in ``may_add``."""
    problems = []
    actual_by_url = {source["url"]: source for source in actual}
    for source in expected:
        ours = actual_by_url.get(source["url"])
        if ours is None:
            problems.append(f"missing source {source['url']}")
            continue
        changed = [key for key, value in source.items() if ours.get(key) != value]
        if changed:
            problems.append(f"source {source['url']} differs in {changed}")
    expected_urls = {source["url"] for source in expected}
    extra = set(actual_by_url) - expected_urls - set(may_add)
    if extra:
        problems.append(f"sources the facts do not cite: {sorted(extra)}")
    return problems


def correction_rows(organisation_id):
    """The memberships.yaml rows of an organisation that write its corrected
    founding date (as their start, or spelled out in their notes)."""
    founded = CORRECTIONS.get(organisation_id, {}).get("founded")
    if founded is None:
        return []
    return [
        row
        for row in membership_rows()[organisation_id]
        if row["start"] == founded or spelled(founded) in (row["notes"] or "")
    ]


def correction_sources(organisation_id):
    """URLs an organisation may cite besides its own: those of the rows that carry
    its correction."""
    return {
        source["url"]
        for row in correction_rows(organisation_id)
        for source in row["sources"]
    }


# -- The fixtures against the facts ---------------------------------------------------

# Keys the seed data adds to a threat's location, described in fixtures/SCHEMA.md.
ADDED_LOCATION_KEYS = {"geo_precision", "sea_area"}


@pytest.mark.parametrize("kind", KINDS)
def test_every_fact_record_is_in_the_fixtures_with_the_same_values(kind):
    name, prose = KINDS[kind]
    expected = facts(name)
    ours = by_id(fixtures(name))
    missing = [record["id"] for record in expected if record["id"] not in ours]
    assert missing == [], f"{name}: {len(missing)} fact records missing: {missing}"
    problems = []
    for record in expected:
        fixture = ours[record["id"]]
        corrected = CORRECTIONS.get(record["id"], {})
        for key, value in record.items():
            if key == prose:
                continue
            if key == "sources":
                problems += [
                    f"{record['id']}: {problem}"
                    for problem in source_differences(
                        value, fixture.get(key, []), correction_sources(record["id"])
                    )
                ]
            elif key not in fixture:
                problems.append(f"{record['id']}: key {key!r} missing")
            elif isinstance(value, dict) and isinstance(fixture[key], dict):
                # A threat's location: the facts' keys with the facts' values, plus
                # the documented assessment keys (fixtures/SCHEMA.md) and no others.
                mine = fixture[key]
                if {k: mine.get(k) for k in value} != value:
                    problems.append(
                        f"{record['id']}: {key} is {mine!r}, the facts say {value!r}"
                    )
                if set(mine) - set(value) - ADDED_LOCATION_KEYS:
                    problems.append(
                        f"{record['id']}: {key} has undocumented keys "
                        f"{sorted(set(mine) - set(value) - ADDED_LOCATION_KEYS)}"
                    )
            elif fixture[key] != corrected.get(key, value):
                problems.append(
                    f"{record['id']}: {key} is {fixture[key]!r}, the facts say {value!r}"
                )
    assert problems == [], "\n".join(problems)


@pytest.mark.parametrize("kind", KINDS)
def test_no_field_the_facts_leave_empty_is_filled(kind):
    """An unknown stays unknown: null in the facts is null in the fixtures (also in
    each location of an exercise), except the documented corrections."""
    name, _prose = KINDS[kind]
    ours = by_id(fixtures(name))
    filled = []
    for record in facts(name):
        fixture = ours.get(record["id"], {})
        corrected = CORRECTIONS.get(record["id"], {})
        for key, value in record.items():
            if value is None and fixture.get(key) is not None and key not in corrected:
                filled.append(f"{record['id']}.{key} = {fixture[key]!r}")
        locations = fixture.get("locations") or []
        for index, location in enumerate(record.get("locations") or []):
            mine = locations[index] if index < len(locations) else {}
            filled += [
                f"{record['id']}.locations[{index}].{key} = {mine.get(key)!r}"
                for key, value in location.items()
                if value is None and mine.get(key) is not None
            ]
    assert filled == [], "\n".join(filled)


@pytest.mark.parametrize("kind", KINDS)
def test_prose_is_in_our_own_words(kind):
    """The public prose is rewritten: never the facts' text, nor a long run of it."""
    name, prose = KINDS[kind]
    theirs = by_id(facts(name))
    copied = []
    for record in fixtures(name):
        original = (theirs.get(record["id"]) or {}).get(prose)
        if not original or not record.get(prose):
            continue
        run = longest_shared_run(record[prose], original)
        if record[prose] == original or len(run) > LONGEST_SHARED_RUN:
            copied.append(f"{record['id']}: '{' '.join(run)}'")
    assert copied == [], f"{name}: copied from the facts:\n" + "\n".join(copied)


def test_corrections_are_written_in_the_membership_facts():
    organisations = by_id(fixtures("organisations.yaml"))
    for organisation_id, values in CORRECTIONS.items():
        rows = correction_rows(organisation_id)
        assert rows, f"{organisation_id}: no memberships.yaml row gives {values}"
        precision = {4: "year", 7: "month", 10: "day"}[len(values["founded"])]
        assert values["founded_precision"] == precision, organisation_id
        if "founding_place" in values:
            assert any(values["founding_place"] in row["notes"] for row in rows)
        fixture = organisations[organisation_id]
        assert {key: fixture[key] for key in values} == values, organisation_id
        # The corrected date is sourced: the organisation cites a row that gives it.
        cited = {source["url"] for source in fixture["sources"]}
        assert any(
            {source["url"] for source in row["sources"]} <= cited for row in rows
        ), organisation_id


def test_every_membership_row_is_in_the_fixtures():
    """Every row of memberships.yaml: its dates, role, sources, confidence and notes."""
    organisations = by_id(fixtures("organisations.yaml"))
    problems = []
    count = 0
    for organisation_id, rows in membership_rows().items():
        assert organisation_id in organisations, organisation_id
        ours = organisations[organisation_id].get("memberships") or []
        for row in rows:
            count += 1
            label = f"{organisation_id} {row['country']} from {row['start']}"
            matches = [
                membership
                for membership in ours
                if membership["country"] == row["country"]
                and membership["joined"] == row["start"]
            ]
            if len(matches) != 1:
                problems.append(f"{label}: {len(matches)} memberships match")
                continue
            [membership] = matches
            expected = {
                "joined_precision": row["start_precision"],
                "left": row["end"],
                "left_precision": row["end_precision"],
                "confidence": row["confidence"],
                "notes": row["notes"],
                "role": ROW_ROLES[row["role"].removesuffix(" (former)")],
            }
            actual = {key: membership.get(key) for key in expected}
            if actual != expected:
                problems.append(f"{label}: {actual} != {expected}")
            problems += [
                f"{label}: {problem}"
                for problem in source_differences(
                    row["sources"], membership.get("sources") or []
                )
            ]
            if row["role"].endswith("(former)") and not (
                membership["left"] and "former" in (membership["role_detail"] or "")
            ):
                problems.append(f"{label}: a former member without end or 'former'")
    assert count == len(facts("memberships.yaml"))
    assert problems == [], "\n".join(problems)


def test_memberships_without_a_row_have_no_invented_dates():
    """A membership that memberships.yaml does not give keeps only the dates the
    organisation's own facts give: Lithuania's joining date, nothing else."""
    rows = membership_rows()
    organisations = by_id(facts("organisations.yaml"))
    invented = []
    for record in fixtures("organisations.yaml"):
        given = {(row["country"], row["start"]) for row in rows[record["id"]]}
        fact = organisations[record["id"]]
        for membership in record.get("memberships") or []:
            if (membership["country"], membership["joined"]) in given:
                continue
            lithuania = (fact["lithuania_joined"], fact["lithuania_joined_precision"])
            dates = (membership["joined"], membership["joined_precision"])
            if membership["left"] is not None or (
                dates != (None, None)
                and not (membership["country"] == "LT" and dates == lithuania)
            ):
                invented.append(
                    f"{record['id']} {membership['country']}: joined {dates}, "
                    f"left {membership['left']!r}"
                )
    assert invented == [], "\n".join(invented)


# -- The fixture files on their own (no facts, no database) ---------------------------


def test_related_records_exist_and_follow_ups_come_later():
    records = all_fixture_records()

    def date_of(record):
        value = next((record[key] for key in RECORD_DATES if record.get(key)), None)
        return vague_bounds(value)[0] if value else None

    problems = []
    for record_id, record in records.items():
        for key in ("follows_up", "related"):
            for other in record.get(key) or []:
                if other not in records or other == record_id:
                    problems.append(f"{record_id}.{key}: no record {other!r}")
                elif key == "follows_up" and (
                    date_of(records[other]) is None
                    or date_of(record) is None
                    or date_of(records[other]) > date_of(record)
                ):
                    problems.append(f"{record_id} follows up the later {other}")
    assert problems == [], "\n".join(problems)
    assert any(record.get("follows_up") for record in records.values())


def vague_bounds(value):
    """The first and last day a 'YYYY', 'YYYY-MM' or 'YYYY-MM-DD' date can mean."""
    parts = [int(part) for part in value.split("-")]
    if len(parts) == 3:
        day = datetime.date(*parts)
        return day, day
    year, month = parts[0], (parts[1] if len(parts) == 2 else None)
    if month is None:
        return datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    last = calendar.monthrange(year, month)[1]
    return datetime.date(year, month, 1), datetime.date(year, month, last)


def members_on(organisation_id, day):
    """Countries whose membership is known to cover ``day``: a known start on or
    before it and no end before it (the facts' end is the last day as a member). An
    unknown start never counts; a vague date counts only where all of it fits."""
    [record] = [
        record
        for record in fixtures("organisations.yaml")
        if record["id"] == organisation_id
    ]
    countries = set()
    for membership in record["memberships"]:
        if not membership["joined"] or vague_bounds(membership["joined"])[1] > day:
            continue
        if membership["left"] and vague_bounds(membership["left"])[0] < day:
            continue
        countries.add(membership["country"])
    return countries


# Members of an organisation (its slug) on a day, by the seed files here and by the
# pages and the API once loaded (test_members_on_a_day_in_the_page_and_the_api).
MEMBERS_ON = [
    ("nato", "2000-01-01", 19),
    ("nato", "2004-04-01", 26),
    ("nato", "2020-03-28", 30),
    ("nato", "2024-03-08", 32),
    ("eu", "2004-05-01", 25),
    ("eu", "2020-02-01", 27),
]


@pytest.mark.parametrize(("organisation", "day", "expected"), MEMBERS_ON)
def test_members_on_a_day(organisation, day, expected):
    members = members_on(f"org-{organisation}", datetime.date.fromisoformat(day))
    assert len(members) == expected, sorted(members)


def test_members_on_a_day_leaves_out_unknown_starts_and_ended_memberships():
    before_finland = members_on("org-nato", datetime.date(2023, 4, 3))
    assert "FI" not in before_finland and "SE" not in before_finland
    assert "FI" in members_on("org-nato", datetime.date(2023, 4, 4))
    assert "GB" in members_on("org-eu", datetime.date(2020, 1, 31))
    assert "GB" not in members_on("org-eu", datetime.date(2020, 2, 1))
    # The eFP battlegroup's second Croatian stint has no known start.
    assert "US" not in members_on("org-efp-bg-lithuania", datetime.date(2024, 1, 1))


# -- Loading the seed -----------------------------------------------------------------


def load_seed():
    """What `make run` and `make seed` do."""
    out = io.StringIO()
    call_command("import_records", str(FIXTURES), status="published", stdout=out)
    return out.getvalue()


def history_events():
    return sum(
        model.objects.count()
        for model in apps.get_models()
        if issubclass(model, pghistory.models.Event)
    )


def snapshot():
    return {
        model.__name__: sorted(model.objects.values_list("pk", "updated"))
        for model in ALL_MODELS
    }


# Loaded once for the module; each test runs in a savepoint (tests/shared_data.py).
seed_output = module_data(load_seed)


@pytest.fixture
def seeded(seed_output, db):
    return seed_output


def test_seed_data_loads_with_expected_counts(seeded):
    output = seeded
    assert Organisation.objects.count() == 44
    assert Agreement.objects.count() == 52
    assert Exercise.objects.count() == 92
    assert ThreatEntry.objects.count() == len(fixtures("threats.yaml"))
    assert Country.objects.count() == 249
    assert Country.objects.get(iso2="LT").name_lt == "Lietuva"
    assert "rejected" in output  # the summary table is printed
    memberships = [
        membership
        for record in fixtures("organisations.yaml")
        for membership in record["memberships"]
    ]
    assert Membership.objects.count() == len(memberships)
    assert Membership.objects.filter(joined=None).count() == len(
        [membership for membership in memberships if not membership["joined"]]
    )
    # Memberships carry the dates the facts give.
    nato = Membership.objects.get(organisation__acronym="NATO", country__iso2="LT")
    assert nato.vague("joined") == "29 March 2004"
    assert (
        Membership.objects.get(organisation__acronym="NATO", country__iso2="FI").vague(
            "joined"
        )
        == "4 April 2023"
    )
    britain = Membership.objects.get(organisation__acronym="EU", country__iso2="GB")
    assert (britain.vague("joined"), britain.vague("left")) == (
        "1 January 1973",
        "31 January 2020",
    )
    assert Organisation.objects.get(slug="baltdefcol").vague("founded") == (
        "24 February 1999"
    )
    assert Organisation.objects.get(slug="essi").memberships.count() == 21

    # Every public record cites at least one source.
    for model in PUBLIC_RECORDS:
        assert model.objects.count() > 0
        unsourced = list(model.objects.filter(sources=None))
        assert unsourced == [], f"{model.__name__} without a source: {unsourced}"

    # Reliability comes from the publishers (publishers.yaml), never a
    # placeholder: an entry has the best letter its sources' publishers have.
    letters = {
        row["name"]: row["reliability"] or "" for row in fixtures("publishers.yaml")
    }
    assert Publisher.objects.filter(name__in=letters, reliability="").count() == sum(
        1 for letter in letters.values() if not letter
    )
    for entry in ThreatEntry.objects.prefetch_related("sources__publisher"):
        given = [letters[source.publisher.name] for source in entry.sources.all()]
        assert entry.source_reliability == min(
            (letter for letter in given if letter), default=""
        ), entry
        assert entry.severity is not None, entry
        assert entry.geo_precision, entry
        assert entry.information_credibility in (2, 3, 6), entry
    flagged = Source.objects.exclude(caution="")
    assert flagged.count() == len(
        [row for row in fixtures("sources.yaml") if row.get("caution")]
    )

    # The seed data is reviewed in pull requests: it loads published, so the
    # public sees all of it.
    for model in REVIEWED_RECORDS:
        assert model.objects.published().count() == model.objects.count()
        assert not model.objects.filter(published_at=None).exists()
    assert Exercise.objects.visible_to(None).count() == 92


def test_make_loads_the_seed_data_published():
    makefile = (ROOT / "Makefile").read_text()
    # make run and make prod seed a new database only (manage.py seed); make seed
    # applies the fixtures again.
    # (make run's folder is FIXTURES, fixtures/ unless given.)
    assert re.findall(r"\$\(MANAGE\) seed\b.*", makefile) == [
        "$(MANAGE) seed --fixtures $(FIXTURES)",
        "$(MANAGE) seed",
    ]
    assert re.findall(r"^FIXTURES \?= (.*)$", makefile, re.MULTILINE) == ["fixtures"]
    commands = re.findall(r"import_records [^'\n]*", makefile)
    assert commands == ["import_records fixtures/ --status published"]


def _start_commands():
    """What the Docker image and docker compose run to start the site: the
    Dockerfile's CMD/ENTRYPOINT, compose's command/entrypoint of each service,
    and the repository's scripts they name."""
    texts = [
        line
        for line in (ROOT / "Dockerfile").read_text().splitlines()
        if line.strip().startswith(("CMD", "ENTRYPOINT"))
    ]
    compose = load_yaml((ROOT / "docker-compose.yml").read_text())
    for service in compose.get("services", {}).values():
        for key in ("command", "entrypoint"):
            command = service.get(key)
            if isinstance(command, list):
                command = " ".join(command)
            if command:
                texts.append(command)
    for text in list(texts):
        for word in re.findall(r"[\w./-]+\.sh", text):
            script = ROOT / word.lstrip("/").removeprefix("app/")
            if script.is_file():
                texts.append(script.read_text())
    return "\n".join(texts)


def test_docker_serves_the_seed_data_published():
    """The image seeds like make run: migrate, then the fixtures published into
    a new database (not every record as a draft, which served an empty site)."""
    started = _start_commands()
    assert "manage.py seed" in started
    for command in re.findall(r"import_records[^\"'&;\n]*", started):
        assert "--status published" in command, command


def test_loading_twice_changes_nothing(seeded):
    before = snapshot()
    events = history_events()
    output = load_seed()
    assert snapshot() == before
    assert history_events() == events
    for line in output.splitlines()[-6:]:
        created, updated = line.split()[1:3]
        assert (created, updated) == ("0", "0"), line


def test_natural_keys_round_trip_without_duplicates(seeded):
    """Dumped with natural keys and loaded back, records match themselves."""
    sample = [
        *Organisation.objects.filter(slug__in=["nato", "jef"]),
        *Membership.objects.filter(organisation__slug__in=["nato", "jef"]),
        *Agreement.objects.filter(slug="leopard-2024"),
        *AgreementParty.objects.filter(agreement__slug="leopard-2024"),
        *Exercise.objects.filter(slug="iron-wolf-2017"),
        *Participation.objects.filter(exercise__slug="iron-wolf-2017"),
        *ExerciseLocation.objects.filter(exercise__slug="iron-wolf-2017"),
        *ThreatEntry.objects.filter(slug="ikea-arson-2024"),
        *Attribution.objects.filter(entry__slug="ikea-arson-2024"),
    ]
    assert len(sample) > 40
    counts = {model: model.objects.count() for model in ALL_MODELS}
    dumped = serializers.serialize(
        "json", sample, use_natural_foreign_keys=True, use_natural_primary_keys=True
    )
    for item in serializers.deserialize("json", dumped):
        item.save()
    assert {model: model.objects.count() for model in ALL_MODELS} == counts


def test_every_seed_record_page_renders(
    seeded, client, django_assert_num_queries, django_assert_max_num_queries
):
    for url in ("/organisations/", "/agreements/", "/countries/"):
        assert client.get(url).status_code == 200
        assert client.get(f"{url}?format=csv").status_code == 200
    # The change log names the related records its events mention: one query
    # per kind (HQ country, parent organisation; place of signature), so the
    # count depends on which of them a record has.
    for organisation in Organisation.objects.all():
        with django_assert_max_num_queries(9 + 2 + VERSION_LOOKUP):
            response = client.get(f"{organisation.get_absolute_url()}?as_of=2018-06-01")
        assert response.status_code == 200, organisation.slug
    for agreement in Agreement.objects.all():
        with django_assert_max_num_queries(6 + 1 + VERSION_LOOKUP):
            assert client.get(agreement.get_absolute_url()).status_code == 200
    for country in Country.objects.with_records():
        # The profile's five and its threat summary's two (by year and
        # category, the actors blamed most often).
        with django_assert_num_queries(7 + VERSION_LOOKUP):
            assert client.get(country.get_absolute_url()).status_code == 200


# -- Answers the seed data gives an analyst ---------------------------------------------
# Through the pages and the API alike: members of an organisation on a day (only
# memberships known to cover it; unknown starts listed apart), and threat entries
# targeting a country (one rule for the filter, the facet and the country profile).
# Here, beside the tests of the loading, so that the seed is loaded once for both.


def api_rows(client, url):
    """Every result of an API list, following its pages."""
    rows = []
    while url:
        response = client.get(url)
        assert response.status_code == 200, response.content[:300]
        body = response.json()
        rows += body["results"]
        url = body["next"]
    return rows


# -- Members on a day (MEMBERS_ON, above) ---------------------------------------------


@pytest.mark.parametrize(("organisation", "day", "expected"), MEMBERS_ON)
def test_members_on_a_day_in_the_page_and_the_api(
    seeded, client, organisation, day, expected
):
    response = client.get(f"/organisations/{organisation}/?as_of={day}")
    assert response.status_code == 200
    members = response.context["members_on"]
    assert len(members) == expected, sorted(m.country.iso2 for m in members)
    assert len({m.country_id for m in members}) == expected
    assert all(m.joined is not None for m in members)
    page = response.content.decode()
    section = page.split('id="members-on-heading"')[1].split("</section>")[0]
    assert f"{expected} countries" in section

    rows = api_rows(
        client,
        f"/api/v1/memberships/?organisation={organisation}&as_of={day}&page_size=200",
    )
    assert len(rows) == expected
    assert all(row["joined"] is not None for row in rows)
    assert sorted(row["country"]["iso2"] for row in rows) == sorted(
        m.country.iso2 for m in members
    )


def test_nato_before_the_baltic_states_joined(seeded, client):
    rows = api_rows(client, "/api/v1/memberships/?organisation=nato&as_of=2000-01-01")
    members = {row["country"]["iso2"] for row in rows}
    assert not members & {"LT", "LV", "EE", "MK", "FI", "SE"}
    assert {"US", "PL", "CZ", "HU"} <= members


def test_the_uk_left_the_eu_after_its_last_day(seeded, client):
    def eu_members(day):
        url = f"/api/v1/memberships/?organisation=eu&as_of={day}&page_size=200"
        return {row["country"]["iso2"] for row in api_rows(client, url)}

    assert "GB" in eu_members("2020-01-31")
    assert "GB" not in eu_members("2020-02-01")


def test_unknown_starts_are_listed_apart_never_counted(seeded, client):
    """Every organisation: a membership with no known start is never among the
    members on a day; page and API list the same ones apart."""
    day = "2025-01-01"
    checked = 0
    for organisation in Organisation.objects.all():
        undated = set(
            Membership.objects.filter(organisation=organisation)
            .start_unknown_on(day)
            .values_list("country__iso2", flat=True)
        )
        response = client.get(f"{organisation.get_absolute_url()}?as_of={day}")
        counted = {m.pk for m in response.context["members_on"]}
        assert not counted & {m.pk for m in response.context["start_unknown_on"]}
        assert not counted & set(
            organisation.memberships.filter(joined=None).values_list("pk", flat=True)
        )
        assert {m.country.iso2 for m in response.context["start_unknown_on"]} == (
            undated
        )
        if not undated:
            continue
        checked += 1
        base = f"/api/v1/memberships/?organisation={organisation.slug}&page_size=200"
        as_of = api_rows(client, f"{base}&as_of={day}")
        assert all(row["joined"] for row in as_of), organisation.slug
        apart = api_rows(client, f"{base}&start_unknown_on={day}")
        assert {row["country"]["iso2"] for row in apart} == undated
        assert all(row["joined"] is None for row in apart)
        page = response.content.decode()
        assert "Membership date unknown" in page
        # The chart draws them as unknown: hatched marks in a group of their own.
        svg = re.search(r"<svg.*?</svg>", page, re.S).group(0)
        assert "membership date unknown" in svg
        assert svg.count('class="bar unknown') == (
            organisation.memberships.filter(joined=None).count()
        )
    assert checked >= 5  # the seed has many undated memberships


def test_every_membership_date_source_and_note_loads(seeded):
    loaded = {
        (
            m.organisation.slug,
            m.country.iso2,
            m.joined.isoformat() if m.joined else None,
        ): m
        for m in Membership.objects.select_related(
            "organisation", "country"
        ).prefetch_related("sources")
    }
    count = 0
    for record in fixtures("organisations.yaml"):
        slug = record["id"].removeprefix("org-")
        for row in record["memberships"]:
            joined = row["joined"]
            if joined:
                joined += "-01" * (2 - joined.count("-"))
            membership = loaded[(slug, row["country"], joined)]
            assert membership.joined_precision == (row["joined_precision"] or "")
            left = row["left"]
            if left:
                left += "-01" * (2 - left.count("-"))
            assert (membership.left.isoformat() if membership.left else None) == left
            assert membership.left_precision == (row["left_precision"] or "")
            if row.get("sources"):
                assert {source.url for source in membership.sources.all()} == {
                    source["url"] for source in row["sources"]
                }
                assert membership.confidence == row["confidence"]
                assert membership.notes == (row["notes"] or "").strip()
            count += 1
    assert count == Membership.objects.count() == 332


def test_founding_dates_load_from_the_fixtures(seeded, client):
    for record in fixtures("organisations.yaml"):
        organisation = Organisation.objects.get(slug=record["id"].removeprefix("org-"))
        founded = record.get("founded")
        if founded:
            founded += "-01" * (2 - founded.count("-"))
        assert (
            organisation.founded.isoformat() if organisation.founded else None
        ) == founded, organisation.slug
        assert organisation.founded_precision == (record.get("founded_precision") or "")
    page = client.get("/organisations/baltron/").content.decode()
    assert "28 August 1998" in page


# -- Threat entries targeting a country ------------------------------------------------


def test_target_filter_equals_the_country_profile_and_the_facet(seeded, client):
    from threats.models import ThreatEntry

    located = set(
        ThreatEntry.objects.published()
        .filter(location_country__iso2="LT")
        .values_list("slug", flat=True)
    )
    named = {
        record["id"].removeprefix("thr-")
        for record in fixtures("threats.yaml")
        if "LT" in (record.get("target_countries") or [])
    }
    assert located and named

    page = client.get("/threats/?target=LT")
    filtered = {entry.slug for entry in page.context["paginator"].object_list}
    assert located <= filtered and named <= filtered
    assert filtered == located | named

    api = api_rows(client, "/api/v1/threats/?target=LT&page_size=200")
    assert {row["slug"] for row in api} == filtered

    # The profile lists the newest entries (config/pages/countries.py) and
    # counts every one of them in its summary.
    from config.pages.countries import THREATS_LISTED

    profile = client.get("/countries/LT/")
    listed = [entry.slug for entry in profile.context["threats"]]
    assert set(listed) <= filtered
    assert len(listed) == min(len(filtered), THREATS_LISTED)
    assert profile.context["threat_summary"]["total"] == len(filtered)
    counted = client.get("/api/v1/countries/LT/").json()["threat_count"]
    assert counted == len(filtered)

    facets = {
        facet.param: options
        for facet, options in client.get("/threats/").context["facets"]
    }
    [lithuania] = [option for option in facets["target"] if option.value == "LT"]
    assert lithuania.count == len(filtered)
    # Every country the facet offers finds as many entries as it says.
    for option in facets["target"][:6]:
        response = client.get(f"/api/v1/threats/?target={option.value}&page_size=1")
        assert response.json()["count"] == option.count, option.value
