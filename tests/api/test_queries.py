"""Pinned query counts: every API list and detail costs the same number of
queries with few or many rows (select_related/prefetch_related in the
viewsets' querysets). Anonymous requests: no session or user queries."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from tests import factories
from tests.queries import VERSION_LOOKUP

pytestmark = pytest.mark.django_db


def full_records(n):
    """n of every kind of record, each with its related data filled in."""
    lithuania = factories.country("LT", "Lithuania")
    for i in range(n):
        country = factories.country()
        organisation = factories.organisation(
            hq_country=lithuania, parent=factories.organisation()
        )
        organisation.sources.add(factories.source())
        factories.membership(organisation, country)
        factories.agreement(parties=[lithuania, country], place_country=lithuania)
        series = factories.series()
        exercise = factories.exercise(
            series=series,
            hosts=[lithuania, country],
            participants=[lithuania, country],
            lead_country=country,
            lead_organisation=organisation,
        )
        factories.location(exercise, country=country, latitude=55, longitude=24)
        factories.location(exercise, coordinates_source=factories.source())
        actor = factories.actor(country=country)
        entry = factories.threat(
            targets=[lithuania, country],
            location_country=country,
            latitude=54.7,
            longitude=25.3,
            coordinates_source=factories.source(),
        )
        entry.related_exercises.add(exercise)
        factories.attribution(entry=entry, actor_obj=actor, attributed_by=f"G{i}")
        factories.attribution(entry=entry, attributed_by=f"H{i}")
        factories.source().delete()  # a row in /deletions/


def count_queries(url):
    client = APIClient()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, response.content
    return len(queries), [query["sql"] for query in queries]


# One query for the page of records (with its select_related joins), then one
# per prefetch; no COUNT(*) because the page holds every record. Each request
# also looks up the data version first (VERSION_LOOKUP, for its ETag).
LISTS = {
    "countries": 1,  # countries with their four record counts as subqueries
    "organisations": 2,  # + sources
    "memberships": 2,  # + sources
    "agreements": 3,  # + parties (with country, organisation), sources
    "sources": 1,
    "exercise-series": 1,
    "exercises": 5,  # + host countries, participants, locations, sources
    "threat-categories": 1,
    "actors": 1,
    "threats": 5,  # + attributions (with actor), targets, exercises, sources
    "attributions": 2,  # + sources
    "deletions": 1,
}


@pytest.mark.parametrize("resource", sorted(LISTS))
def test_list_queries_do_not_grow_with_rows(resource):
    url = f"/api/v1/{resource}/?page_size=200"
    full_records(2)
    few, _ = count_queries(url)
    full_records(6)
    many, sql = count_queries(url)
    assert few == many == LISTS[resource] + VERSION_LOOKUP, sql


@pytest.mark.parametrize("resource", ["threats", "exercises", "countries"])
def test_a_partial_page_adds_one_bounded_count(resource):
    full_records(3)
    few, _ = count_queries(f"/api/v1/{resource}/?page_size=2")
    full_records(5)
    many, sql = count_queries(f"/api/v1/{resource}/?page_size=2")
    assert few == many == LISTS[resource] + 1 + VERSION_LOOKUP, sql
    assert "LIMIT 10001" in sql[-1]


def detail_urls():
    from alliances.models import Agreement, Country, Membership, Organisation, Source
    from exercises.models import Exercise, ExerciseSeries
    from threats.models import Actor, Attribution, ThreatCategory, ThreatEntry

    return {
        "countries": f"/api/v1/countries/{Country.objects.last().iso2}/",
        "organisations": f"/api/v1/organisations/{Organisation.objects.last().slug}/",
        "memberships": f"/api/v1/memberships/{Membership.objects.last().pk}/",
        "agreements": f"/api/v1/agreements/{Agreement.objects.last().slug}/",
        "sources": f"/api/v1/sources/{Source.objects.last().pk}/",
        "exercise-series": f"/api/v1/exercise-series/{ExerciseSeries.objects.last().slug}/",
        "exercises": f"/api/v1/exercises/{Exercise.objects.last().slug}/",
        "threat-categories": f"/api/v1/threat-categories/{ThreatCategory.objects.last().slug}/",
        "actors": f"/api/v1/actors/{Actor.objects.last().slug}/",
        "threats": f"/api/v1/threats/{ThreatEntry.objects.last().slug}/",
        "attributions": f"/api/v1/attributions/{Attribution.objects.last().pk}/",
    }


@pytest.mark.parametrize("resource", sorted(set(LISTS) - {"deletions"}))
def test_detail_queries_do_not_grow_with_related_rows(resource):
    full_records(1)
    few, _ = count_queries(detail_urls()[resource])
    full_records(4)
    many, sql = count_queries(detail_urls()[resource])
    # the same queries as a list of one
    assert few == many == LISTS[resource] + VERSION_LOOKUP, sql
