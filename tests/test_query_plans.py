"""The lists' queries are served by indexes, not by reading the whole table
(issue 12): the planner's own choice, asked with EXPLAIN, on a data set big
enough for it to prefer an index where one serves.

A few thousand threat entries, exercises and agreements are cloned in SQL from
one record each (so every constraint holds as it does for the template), spread
over dates, categories and countries, then ANALYZEd, so the planner sees real
statistics. Each API list request below runs through the test client; the
query that reads its page (ORDER BY ... LIMIT) is EXPLAINed, and no plan node
may be a sequential scan of the three tables. At 200,000 rows such a scan is
half a second a request (README "Performance")."""

import datetime
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from alliances.models import Agreement
from exercises.models import Exercise
from tests import factories
from threats.models import ThreatCategory, ThreatEntry

pytestmark = pytest.mark.django_db

THREATS = 3000
EXERCISES = 1500
AGREEMENTS = 1500
TABLES = {
    ThreatEntry._meta.db_table,
    Exercise._meta.db_table,
    Agreement._meta.db_table,
}


def clone(record, copies, values):
    """``copies`` copies of ``record`` in one INSERT ... SELECT, ``g`` (1 to
    ``copies``) numbering them; ``values``: SQL expressions for columns that
    must differ. Returns nothing: the copies are read back by the callers."""
    model = type(record)
    columns = [
        field.column
        for field in model._meta.concrete_fields
        if not field.primary_key and not getattr(field, "generated", False)
    ]
    chosen = [
        values.get(column, f"t.{connection.ops.quote_name(column)}")
        for column in columns
    ]
    names = ", ".join(connection.ops.quote_name(column) for column in columns)
    with connection.cursor() as cursor:
        cursor.execute(
            # Table and column names from the model; the values are parameters.
            f"INSERT INTO {model._meta.db_table} ({names}) "  # noqa: S608
            f"SELECT {', '.join(chosen)} FROM {model._meta.db_table} t, "
            "generate_series(1, %s) g WHERE t.id = %s",
            [copies, record.pk],
        )


def spread_dates(column):
    """Day-precision dates from 2014 on, a week or so apart, newest for the
    highest ``g``; one in fifty copies a draft."""
    return {
        column: "DATE '2014-01-01' + (g * 7919 %% 4700)",
        f"{column}_precision": "'day'",
    }


def draft_now_and_then():
    return {
        "publication_status": "CASE WHEN g %% 50 = 0 THEN 'draft' ELSE 'published' END"
    }


@pytest.fixture
def archive():
    lt, lv, ee, no = (factories.country(iso2) for iso2 in ("LT", "LV", "EE", "NO"))
    categories = list(ThreatCategory.objects.values_list("id", flat=True))
    assert len(categories) > 3, "the migrations load the threat categories"
    template = factories.threat(
        occurred_start=datetime.date(2020, 1, 1), occurred_start_precision="day"
    )
    clone(
        template,
        THREATS,
        {
            "slug": "t.slug || '-' || g",
            "title": "t.title || ' ' || g",
            "category_id": f"(ARRAY{categories})[g %% {len(categories)} + 1]",
            "location_country_id": f"CASE g %% 4 WHEN 0 THEN {lt.pk} "
            f"WHEN 1 THEN {lv.pk} WHEN 2 THEN NULL ELSE {ee.pk} END",
            **spread_dates("occurred_start"),
            **draft_now_and_then(),
        },
    )
    with connection.cursor() as cursor:
        # Named targets: Lithuania for two in three, Latvia for the rest.
        cursor.execute(
            "INSERT INTO threats_threatentry_target_countries "
            "(threatentry_id, country_id) SELECT id, "
            "CASE WHEN id %% 3 = 0 THEN %s ELSE %s END FROM threats_threatentry",
            [lv.pk, lt.pk],
        )
        # And a country few name: Norway, in one entry in a hundred.
        cursor.execute(
            "INSERT INTO threats_threatentry_target_countries "
            "(threatentry_id, country_id) SELECT id, %s FROM threats_threatentry "
            "WHERE id %% 97 = 7",
            [no.pk],
        )
    clone(
        factories.exercise(hosts=[lt]),
        EXERCISES,
        {
            "slug": "t.slug || '-' || g",
            "name": "t.name || ' ' || g",
            **spread_dates("start"),
            **draft_now_and_then(),
        },
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO exercises_exercise_host_countries (exercise_id, country_id) "
            "SELECT id, CASE WHEN id %% 2 = 0 THEN %s ELSE %s END "
            "FROM exercises_exercise e WHERE NOT EXISTS (SELECT 1 FROM "
            "exercises_exercise_host_countries h WHERE h.exercise_id = e.id)",
            [lt.pk, ee.pk],
        )
    clone(
        factories.agreement(parties=[lt, lv]),
        AGREEMENTS,
        {
            "slug": "t.slug || '-' || g",
            "title": "t.title || ' ' || g",
            **spread_dates("signed"),
            **draft_now_and_then(),
        },
    )
    with connection.cursor() as cursor:
        # The link tables too: a table never analyzed in this database gets
        # the planner's guesses (83 exercises hosted by Lithuania of 750), and
        # the plan then depends on whatever ran before.
        for table in (
            *TABLES,
            "threats_threatentry_target_countries",
            "exercises_exercise_host_countries",
            "alliances_agreementparty",
        ):
            cursor.execute(f"ANALYZE {table}")
    category = ThreatCategory.objects.order_by("position").first()
    return {"category": category.slug}


def sequential_scans(plan):
    """The tables of ``TABLES`` that a plan (EXPLAIN's JSON) reads sequentially."""
    found = []
    if plan.get("Node Type") == "Seq Scan" and plan.get("Relation Name") in TABLES:
        found.append(plan["Relation Name"])
    for child in plan.get("Plans", ()):
        found += sequential_scans(child)
    return found


def page_queries(client, path):
    """The queries of a list request that read its page of records."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    assert response.status_code == 200, response.content[:500]
    assert response.json()["results"], f"{path} lists nothing: no plan to check"
    found = [
        query["sql"]
        for query in queries.captured_queries
        if "LIMIT" in query["sql"]
        and "ORDER BY" in query["sql"]
        and any(f'FROM "{table}"' in query["sql"] for table in TABLES)
    ]
    assert found, f"no page query for {path}"
    return found


LISTS = [
    "/api/v1/threats/?page_size=50",
    "/api/v1/threats/?category={category}&page_size=50",
    "/api/v1/threats/?target=LT&page_size=50",
    "/api/v1/threats/?category={category}&target=LT&page_size=50",
    "/api/v1/threats/?target=NO&page_size=50",
    "/api/v1/threats/?category={category}&target=NO&page_size=50",
    "/api/v1/threats/?year=2019&page_size=50",
    "/api/v1/threats/?year=2018&year=2019&category={category}&page_size=50",
    "/api/v1/threats/?occurred_before=2016-12-31&page_size=50",
    "/api/v1/threats/?pagination=cursor&page_size=50",
    # The default order chosen explicitly (the list page's form sends it), and
    # its reverse: a column that is never null is ordered without NULLS LAST.
    "/api/v1/threats/?ordering=-occurred_start&target=LT&page_size=50",
    "/api/v1/threats/?ordering=occurred_start&page_size=50",
    "/api/v1/exercises/?page_size=50",
    "/api/v1/exercises/?host=LT&page_size=50",
    "/api/v1/exercises/?year=2019&page_size=50",
    "/api/v1/agreements/?page_size=50",
    "/api/v1/agreements/?signed=2019&page_size=50",
    "/api/v1/agreements/?country=LT&page_size=50",
]


def test_lists_and_their_common_filters_read_through_indexes(client, archive):
    problems = []
    for template in LISTS:
        path = template.format(**archive)
        for sql in page_queries(client, path):
            with connection.cursor() as cursor:
                cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}")
                (plan,) = cursor.fetchone()
            if isinstance(plan, str):
                plan = json.loads(plan)
            scanned = sequential_scans(plan[0]["Plan"])
            if scanned:
                problems.append(f"{path}: Seq Scan on {', '.join(scanned)}")
    assert not problems, "\n".join(problems)
    # The check can fail: ordered by a column no index serves (the summary),
    # the planner reads the whole table.
    with connection.cursor() as cursor:
        cursor.execute(
            "EXPLAIN (FORMAT JSON) SELECT id FROM threats_threatentry "
            "WHERE publication_status = 'published' ORDER BY summary LIMIT 51"
        )
        (plan,) = cursor.fetchone()
    if isinstance(plan, str):
        plan = json.loads(plan)
    assert sequential_scans(plan[0]["Plan"]) == ["threats_threatentry"]


def explain(sql):
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}")
        (plan,) = cursor.fetchone()
    if isinstance(plan, str):
        plan = json.loads(plan)
    return plan[0]["Plan"]


def nodes(plan):
    yield plan
    for child in plan.get("Plans", ()):
        yield from nodes(child)


def test_a_target_filter_is_a_condition_on_the_entry_for_common_and_rare_countries(
    client, archive
):
    """``target`` reads the countries stored on the entry: a country in most
    entries walks the order index (and stops at the page), one in few is
    found through the GIN index; neither the page nor its bounded count reads
    the link table (which the planner used to hash whole for Lithuania)."""
    plans = {}
    for country in ("LT", "NO"):
        path = f"/api/v1/threats/?target={country}&page_size=50"
        with CaptureQueriesContext(connection) as queries:
            response = client.get(path)
        assert response.status_code == 200
        assert response.json()["results"]
        reading = [
            query["sql"]
            for query in queries.captured_queries
            if 'FROM "threats_threatentry"' in query["sql"]
        ]
        # The page, and its bounded count when there is a next page.
        assert 1 <= len(reading) <= 2, reading
        # (The count of Lithuania's entries reads all 3,000 here, in whichever
        # way is cheapest: only the page's plan is asked to use an index.)
        assert not sequential_scans(explain(reading[0])), (path, reading[0])
        for sql in reading:
            plan = explain(sql)
            assert not any(
                node.get("Relation Name") == "threats_threatentry_target_countries"
                for node in nodes(plan)
            ), (path, sql)
        plans[country] = {node.get("Index Name") for node in nodes(explain(reading[0]))}
    assert "threat_entry_pub_order" in plans["LT"]
    assert "threat_entry_pub_targets" in plans["NO"]
