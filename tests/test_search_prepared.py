"""The search page's statements (core/searchcompiled.py): prepared once per
connection and planned once for any query of their shape, with every value
that is not a text of the query written in (a generic plan must see that the
rows are the published ones to use the partial indexes)."""

import pytest
from django.db import connection

from config.pages.search import PRECOMPILED
from core.search import QueryText
from core.searchcompiled import _inline_fixed_values
from tests import factories
from tests.queries import none_prepared, prepared_statements

pytestmark = pytest.mark.django_db

SEARCH_QUERIES = 5


def search_statements():
    return [sql for sql in prepared_statements() if "search_total" in sql]


def result_titles(client, q):
    response = client.get("/search/", {"q": q})
    assert response.status_code == 200
    return [
        str(result.object)
        for group in response.context["groups"]
        for result in group.results
        if group.exact
    ]


def test_fixed_values_are_written_in_and_the_texts_stay_parameters():
    text = QueryText("50%", ("word", 0))
    sql, slots = _inline_fixed_values(
        "SELECT %s, %s, %s FROM t WHERE a LIKE %s AND b = '%%' AND c = %s",
        [
            (False, "published"),
            (True, text.slot),
            (False, 21),
            (False, "%x%"),
            (False, 2.5),
        ],
    )

    assert sql == (
        "SELECT 'published', %s, 21 FROM t WHERE a LIKE '%%x%%' AND b = '%%' AND c = %s"
    )
    assert slots == [(True, ("word", 0)), (False, 2.5)]


def test_a_search_runs_prepared_statements_planned_for_any_query(client):
    factories.threat(title="Drone over the port", summary="Seen off Klaipėda.")
    factories.threat(title="Jamming near the base", summary="Felt in Šiauliai.")
    PRECOMPILED._compiled.clear()
    none_prepared()

    assert "Drone over the port" in result_titles(client, "Klaipeda")
    statements = search_statements()
    assert len(statements) == SEARCH_QUERIES
    # The rows' status is in the text; the visitor's words are not.
    assert all("'published'" in sql for sql in statements if "threats_" in sql)
    assert not any("laipeda" in sql.lower() for sql in statements)

    # Other queries of the shape (one word of seven letters or more): the same
    # statements, their own results.
    assert result_titles(client, "Siauliai") == ["Jamming near the base"]
    for word in ("Vilnius", "Palanga", "Tallinn", "Ventspils", "Klaipeda"):
        result_titles(client, word)
    assert sorted(search_statements()) == sorted(statements)
    # One plan for every value from the first run (nothing in them depends
    # on the visitor's words).
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT generic_plans, custom_plans FROM pg_prepared_statements "
            "WHERE statement LIKE '%%search_total%%'"
        )
        assert cursor.fetchall() == [(7, 0)] * SEARCH_QUERIES
        # Only for them: other statements are planned as before.
        cursor.execute("SHOW plan_cache_mode")
        assert cursor.fetchone() == ("auto",)
