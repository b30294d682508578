"""Filtering through the API: the pages' FilterSets unchanged, the API's own
FilterSets for resources without a page, ``updated_since`` everywhere and
``/deletions/?since=``; bad input is a 400, never a 500."""

import datetime
import json

import django_filters
import pytest
from django.utils import timezone

from alliances import views as alliance_pages
from alliances.api import views as alliance_api
from alliances.models import Membership
from config.api_urls import urlpatterns  # noqa: F401  (routers registered)
from core.models import Deletion
from exercises import views as exercise_pages
from exercises.api import views as exercise_api
from tests import factories
from tests.api.test_queries import full_records
from threats import views as threat_pages
from threats.api import views as threat_api
from threats.models import Attribution

pytestmark = pytest.mark.django_db

VIEWSETS = {
    "countries": alliance_api.CountryViewSet,
    "organisations": alliance_api.OrganisationViewSet,
    "memberships": alliance_api.MembershipViewSet,
    "agreements": alliance_api.AgreementViewSet,
    "sources": alliance_api.SourceViewSet,
    "exercise-series": exercise_api.ExerciseSeriesViewSet,
    "exercises": exercise_api.ExerciseViewSet,
    "threat-categories": threat_api.ThreatCategoryViewSet,
    "actors": threat_api.ActorViewSet,
    "threats": threat_api.ThreatEntryViewSet,
    "attributions": threat_api.AttributionViewSet,
}

PAGES = [
    (alliance_pages.OrganisationListView, alliance_api.OrganisationViewSet),
    (alliance_pages.AgreementListView, alliance_api.AgreementViewSet),
    (alliance_pages.CountryListView, alliance_api.CountryViewSet),
    (exercise_pages.ExerciseListView, exercise_api.ExerciseViewSet),
    (threat_pages.ThreatEntryListView, threat_api.ThreatEntryViewSet),
]


@pytest.mark.parametrize(
    ("page", "viewset"), PAGES, ids=[page.__name__ for page, _ in PAGES]
)
def test_each_list_page_and_its_api_resource_share_one_filterset(page, viewset):
    assert page.filterset_class is viewset.filterset_class


def test_a_page_filter_means_the_same_in_the_api(client, anon):
    factories.threat(slug="cyber")
    factories.threat(slug="sabotage", category=factories.category("sabotage"))
    page = json.loads(client.get("/threats/?category=sabotage&format=json").getvalue())
    api = anon.get("/api/v1/threats/?category=sabotage").json()
    assert page["count"] == api["count"] == 1
    assert [row["slug"] for row in api["results"]] == ["sabotage"]


def filter_cases():
    for resource, viewset in VIEWSETS.items():
        for name, filter_ in viewset.filterset_class.base_filters.items():
            yield resource, name, filter_


@pytest.mark.parametrize(
    ("resource", "name", "filter_"),
    list(filter_cases()),
    ids=[f"{resource}-{name}" for resource, name, _ in filter_cases()],
)
def test_bad_filter_values_answer_400(anon, resource, name, filter_):
    response = anon.get(f"/api/v1/{resource}/", {name: "nul\x00byte"})
    assert response.status_code == 400
    assert response.json() == {name: ["Null characters are not allowed."]}
    checked = (
        django_filters.ModelChoiceFilter,
        django_filters.ModelMultipleChoiceFilter,
        django_filters.ChoiceFilter,
        django_filters.MultipleChoiceFilter,
        django_filters.DateFilter,
    )
    if isinstance(filter_, checked):
        response = anon.get(f"/api/v1/{resource}/", {name: "9999-99-no-such"})
        assert response.status_code == 400, response.content
        assert name in response.json()


# updated_since, on every resource ---------------------------------------------------


def _age_everything(days):
    moment = timezone.now() - datetime.timedelta(days=days)
    for viewset in VIEWSETS.values():
        viewset.queryset.model.objects.update(updated=moment)


@pytest.mark.parametrize("resource", sorted(VIEWSETS))
def test_updated_since_keeps_recent_changes(anon, resource):
    full_records(1)
    _age_everything(10)
    model = VIEWSETS[resource].queryset.model
    recent = model.objects.order_by("pk").last()
    model.objects.filter(pk=recent.pk).update(updated=timezone.now())
    since = (timezone.now() - datetime.timedelta(days=1)).isoformat()
    query = {"updated_since": since}
    if resource == "countries":
        query["has_records"] = "all"
    body = anon.get(f"/api/v1/{resource}/", query).json()
    assert [row["id"] for row in body["results"]] == [recent.pk]


@pytest.mark.parametrize(
    "value",
    ["yesterday", "2024-13-01T00:00:00", "0001-01-01T00:00:00+05:00", "2024-01-01\x00"],
)
def test_bad_updated_since_answers_400(anon, value):
    response = anon.get("/api/v1/threats/", {"updated_since": value})
    assert response.status_code == 400
    assert "updated_since" in response.json()


def test_updated_since_reads_any_offset_and_naive_times(anon):
    entry = factories.threat()
    ThreatEntryModel = type(entry)
    ThreatEntryModel.objects.update(
        updated=datetime.datetime(2024, 6, 1, 12, 0, tzinfo=datetime.UTC)
    )
    for value, found in [
        ("2024-06-01T11:59:00Z", 1),
        ("2024-06-01T12:01:00Z", 0),
        ("2024-06-01T14:59:00+03:00", 1),  # 11:59 UTC
        ("2024-06-01T23:00:00-15:59", 0),  # beyond PostgreSQL's offsets
        ("2024-06-01T14:00", 1),  # Vilnius time (UTC+3 in summer): 11:00 UTC
        ("2024-06-01", 1),
    ]:
        body = anon.get("/api/v1/threats/", {"updated_since": value}).json()
        assert body["count"] == found, value


# deletions ------------------------------------------------------------------------


def test_deletions_since_lists_what_went(anon):
    gone = factories.threat(slug="gone")
    gone_pk = gone.pk
    factories.attribution(entry=gone)
    Deletion.objects.update(deleted=timezone.now() - datetime.timedelta(days=30))
    before = timezone.now()
    gone.delete()  # and its attribution, by cascade
    body = anon.get("/api/v1/deletions/", {"since": before.isoformat()}).json()
    kinds = {(row["kind"], row["id"], row["slug"]) for row in body["results"]}
    assert ("threats", gone_pk, "gone") in kinds
    assert [row["kind"] for row in body["results"]].count("attributions") == 1
    assert Attribution.objects.count() == 0


def test_deletions_filter_by_kind(anon):
    factories.source().delete()
    factories.actor().delete()
    body = anon.get("/api/v1/deletions/", {"kind": "actors"}).json()
    assert [row["kind"] for row in body["results"]] == ["actors"]
    assert anon.get("/api/v1/deletions/", {"kind": "nope"}).status_code == 400
    assert anon.get("/api/v1/deletions/", {"since": "never"}).status_code == 400


# the API's own FilterSets, one filter at a time -------------------------------------


def ids(response):
    return [row["id"] for row in response.json()["results"]]


def test_membership_filters(anon):
    lithuania = factories.country("LT", "Lithuania")
    nato = factories.organisation(slug="nato", name="North Atlantic Treaty Org")
    old = factories.membership(
        nato, lithuania, joined=datetime.date(2004, 3, 29), joined_precision="day"
    )
    other = factories.membership(
        role=Membership.Role.PARTNER,
        joined=datetime.date(1994, 1, 1),
        joined_precision="year",
        left=datetime.date(1999, 1, 1),
        left_precision="year",
        note="Partnership for Peace",
    )
    url = "/api/v1/memberships/"
    assert ids(anon.get(url, {"organisation": "nato"})) == [old.pk]
    assert ids(anon.get(url, {"organisation_id": nato.pk})) == [old.pk]
    assert ids(anon.get(url, {"country": "LT"})) == [old.pk]
    assert ids(anon.get(url, {"country_id": lithuania.pk})) == [old.pk]
    assert ids(anon.get(url, {"role": "partner"})) == [other.pk]
    assert ids(anon.get(url, {"joined_after": "2000-01-01"})) == [old.pk]
    assert ids(anon.get(url, {"joined_before": "2000-01-01"})) == [other.pk]
    assert ids(anon.get(url, {"left_after": "1998-01-01"})) == [other.pk]
    assert ids(anon.get(url, {"left_before": "2000-01-01"})) == [other.pk]
    assert ids(anon.get(url, {"as_of": "2010-01-01"})) == [old.pk]
    assert ids(anon.get(url, {"q": "peace"})) == [other.pk]
    assert ids(anon.get(url, {"q": "north atlantic"})) == [old.pk]
    assert ids(anon.get(url, {"ordering": "joined"})) == [other.pk, old.pk]
    assert ids(anon.get(url, {"ordering": "-joined"})) == [old.pk, other.pk]


def test_source_filters(anon):
    plain = factories.source(
        title="Iron Wolf ends",
        publisher="LRT",
        language="lt",
        published=datetime.date(2024, 5, 1),
        published_precision="day",
    )
    flagged = factories.source(
        title="Exercise report", publisher="TASS", language="ru", caution="State media"
    )
    url = "/api/v1/sources/"
    assert ids(anon.get(url, {"q": "iron wolf"})) == [plain.pk]
    assert ids(anon.get(url, {"publisher": "lrt"})) == [plain.pk]
    assert ids(anon.get(url, {"language": "RU"})) == [flagged.pk]
    assert ids(anon.get(url, {"published_after": "2024-01-01"})) == [plain.pk]
    assert ids(anon.get(url, {"published_before": "2024-12-31"})) == [plain.pk]
    assert ids(anon.get(url, {"has_caution": "true"})) == [flagged.pk]
    assert ids(anon.get(url, {"has_caution": "false"})) == [plain.pk]
    assert ids(anon.get(url, {"ordering": "title"})) == [flagged.pk, plain.pk]


def test_exercise_series_and_category_filters(anon):
    wolf = factories.series(name="Iron Wolf", description="Lithuanian-led")
    factories.series(name="BALTOPS")
    assert ids(anon.get("/api/v1/exercise-series/", {"q": "lithuanian"})) == [wolf.pk]
    names = [
        row["name"]
        for row in anon.get("/api/v1/exercise-series/", {"ordering": "-name"}).json()[
            "results"
        ]
    ]
    assert names == ["Iron Wolf", "BALTOPS"]
    categories = anon.get("/api/v1/threat-categories/", {"q": "sabotage"}).json()
    assert [row["slug"] for row in categories["results"]] == ["sabotage"]
    ordered = anon.get("/api/v1/threat-categories/", {"ordering": "name"}).json()
    names = [row["name"] for row in ordered["results"]]
    assert names == sorted(names)


def test_actor_filters(anon):
    russia = factories.country("RU", "Russia")
    gru = factories.actor(
        name="GRU", kind="state", country=russia, description="Military intelligence"
    )
    gang = factories.actor(name="Gang", kind="non_state")
    url = "/api/v1/actors/"
    assert ids(anon.get(url, {"q": "intelligence"})) == [gru.pk]
    assert ids(anon.get(url, {"kind": "non_state"})) == [gang.pk]
    assert ids(anon.get(url, {"country": "RU"})) == [gru.pk]
    assert ids(anon.get(url, {"country_id": russia.pk})) == [gru.pk]
    assert ids(anon.get(url, {"ordering": "-name"})) == [gang.pk, gru.pk]


def test_attribution_filters(anon):
    entry = factories.threat(slug="hack")
    gru = factories.actor(slug="gru", name="GRU")
    first = factories.attribution(
        entry=entry,
        actor_obj=gru,
        attributed_by="Lithuanian government",
        attributed_on=datetime.date(2024, 5, 1),
        attributed_on_precision="month",
        attribution_confidence="official_assessment",
    )
    second = factories.attribution(basis="Forensics by a vendor")
    url = "/api/v1/attributions/"
    assert ids(anon.get(url, {"entry": "hack"})) == [first.pk]
    assert ids(anon.get(url, {"entry_id": entry.pk})) == [first.pk]
    assert ids(anon.get(url, {"actor": "gru"})) == [first.pk]
    assert ids(anon.get(url, {"actor_id": gru.pk})) == [first.pk]
    assert ids(anon.get(url, {"attribution_confidence": "suspected"})) == [second.pk]
    assert ids(anon.get(url, {"attributed_after": "2024-01-01"})) == [first.pk]
    assert ids(anon.get(url, {"attributed_before": "2024-12-31"})) == [first.pk]
    assert ids(anon.get(url, {"q": "vendor"})) == [second.pk]
    assert ids(anon.get(url, {"q": "gru"})) == [first.pk]
    assert ids(anon.get(url, {"ordering": "actor"})) == [second.pk, first.pk]


# Empty and yes/no values: one rule for the API and the pages -----------------------


def test_an_empty_filter_is_no_filter_in_the_api_and_on_the_page(anon, client):
    lithuania = factories.country("LT", "Lithuania")
    factories.threat(slug="lt", targets=[lithuania])
    factories.threat(slug="other")

    def slugs(query):
        response = anon.get(f"/api/v1/threats/{query}")
        assert response.status_code == 200, response.content
        return sorted(row["slug"] for row in response.json()["results"])

    assert slugs("?target=") == slugs("") == ["lt", "other"]
    assert slugs("?target=&category=&severity=&year=") == ["lt", "other"]
    assert slugs("?target=&target=LT") == slugs("?target=LT") == ["lt"]
    page = client.get("/threats/?target=&category=")
    assert page.status_code == 200
    assert page.context["filter"].is_valid()
    assert sorted(entry.slug for entry in page.context["filter"].qs) == ["lt", "other"]


def test_an_empty_since_is_a_400_as_its_date_time_schema_says(anon):
    response = anon.get("/api/v1/deletions/?since=")
    assert response.status_code == 400
    assert "since" in response.json()
    assert anon.get("/api/v1/threats/?updated_since=").status_code == 400


@pytest.mark.parametrize("value", ["-58800", "null", "yes", "1"])
def test_a_yes_no_filter_takes_true_or_false_only(anon, value):
    response = anon.get(f"/api/v1/sources/?has_caution={value}")
    assert response.status_code == 400
    assert response.json() == {"has_caution": ["Choose true or false."]}


def test_a_yes_no_filter_left_unknown_is_no_filter(anon):
    factories.source(caution="State media")
    factories.source()
    for value in ("", "unknown"):
        body = anon.get(f"/api/v1/sources/?has_caution={value}").json()
        assert body["count"] == 2
    assert anon.get("/api/v1/sources/?has_caution=true").json()["count"] == 1
