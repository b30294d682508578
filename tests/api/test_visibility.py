"""Who sees what: anonymous clients, and logged-in users without the model's view
permission, see published records only, on every endpoint (lists, details,
CSV, GeoJSON, cursors, updated_since, counts, history, related records and the
rows of a record); a retracted record's URL answers 410 with the reason. Editors
and reviewers see every state and may filter by it."""

import copy
import csv
import datetime
import io
import json

import pytest
from django.utils import timezone

from tests import factories
from tests.shared_data import module_data

pytestmark = pytest.mark.django_db

STATUSES = ["draft", "review", "published", "retracted"]
BUILDERS = {
    "organisations": factories.organisation,
    "agreements": factories.agreement,
    "exercises": factories.exercise,
    "threats": factories.threat,
}
GEOJSON = ["exercises", "threats"]


def build(resource, status, **extra):
    """A record of ``resource`` in ``status``, with a slug naming the status."""
    values = {"slug": f"{status}-record", "publication_status": status, **extra}
    if status in ("draft", "review"):
        values["published_at"] = None
    if status == "retracted":
        values.update(
            retracted_at=timezone.now(), retraction_reason="The sources were forged."
        )
    if resource == "threats":
        values.setdefault("latitude", 54.7)
        values.setdefault("longitude", 25.3)
    record = BUILDERS[resource](**values)
    if resource == "exercises":
        factories.location(record, latitude=55, longitude=24)
    return record


# Built once for the module (tests/shared_data.py): every test of this module
# reads them. Tests that build and count records of their own are in
# tests/api/test_visibility_own_records.py, where nothing else is stored.
every_status_built = module_data(
    lambda: {
        resource: {status: build(resource, status) for status in STATUSES}
        for resource in BUILDERS
    }
)


@pytest.fixture
def every_status(every_status_built):
    """One record of each reviewed resource in each state; a copy of the
    module's, so that what a test sets on one is not seen by the next."""
    return copy.deepcopy(every_status_built)


def slugs(response):
    assert response.status_code == 200, response.content
    return sorted(row["slug"] for row in response.json()["results"])


# The reviewed resources --------------------------------------------------------------


@pytest.mark.parametrize("resource", sorted(BUILDERS))
def test_lists_show_published_records_only(public, every_status, resource):
    url = f"/api/v1/{resource}/"
    body = public.get(url).json()
    assert [row["slug"] for row in body["results"]] == ["published-record"]
    assert body["count"] == 1
    cursor = public.get(url, {"pagination": "cursor", "page_size": 1}).json()
    assert [row["slug"] for row in cursor["results"]] == ["published-record"]
    assert cursor["next"] is None
    since = (timezone.now() - datetime.timedelta(days=1)).isoformat()
    assert slugs(public.get(url, {"updated_since": since})) == ["published-record"]
    words = {"organisations": "organisation", "agreements": "agreement"}
    word = words.get(resource, {"exercises": "exercise"}.get(resource, "incident"))
    assert slugs(public.get(url, {"q": word})) == ["published-record"]


@pytest.mark.parametrize("resource", sorted(BUILDERS))
@pytest.mark.parametrize("status", ["draft", "review", "retracted", "nonsense"])
def test_asking_for_a_status_never_widens_the_public_view(
    public, every_status, resource, status
):
    response = public.get(f"/api/v1/{resource}/", {"publication_status": status})
    if status == "nonsense":
        assert response.status_code == 400
        assert "publication_status" in response.json()
    else:
        assert slugs(response) == []
    both = public.get(
        f"/api/v1/{resource}/", {"publication_status": ["published", status]}
    )
    if status != "nonsense":
        assert slugs(both) == ["published-record"]


@pytest.mark.parametrize("resource", sorted(BUILDERS))
def test_csv_exports_published_records_only(public, every_status, resource):
    response = public.get(f"/api/v1/{resource}/", {"format": "csv"})
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [row["slug"] for row in rows] == ["published-record"]
    assert rows[0]["publication_status"] == "published"
    assert "change_reason" not in rows[0]  # write-only
    empty = public.get(f"/api/v1/{resource}/?format=csv&publication_status=draft")
    header = next(csv.reader(io.StringIO(empty.content.decode())))
    assert "publication_status" in header
    assert "change_reason" not in header


@pytest.mark.parametrize("resource", GEOJSON)
def test_geojson_maps_published_records_only(public, every_status, resource):
    response = public.get(f"/api/v1/{resource}/", {"format": "geojson"})
    features = json.loads(response.content)["features"]
    assert features
    assert {feature["id"].split("/")[0] for feature in features} == {"published-record"}


@pytest.mark.parametrize("resource", sorted(BUILDERS))
@pytest.mark.parametrize(
    ("status", "code"),
    [("draft", 404), ("review", 404), ("published", 200), ("retracted", 410)],
)
@pytest.mark.parametrize("page", ["", "history/"])
def test_a_record_and_its_history_by_status(
    public, every_status, resource, status, code, page
):
    response = public.get(f"/api/v1/{resource}/{status}-record/{page}")
    assert response.status_code == code, response.content
    if code == 410:
        body = response.json()
        assert set(body) == {"detail", "retracted_at", "retraction_reason"}
        assert body["retraction_reason"] == "The sources were forged."
        assert body["retracted_at"]
        assert "title" not in body and "name" not in body
    if code == 404:  # as if there were no such record
        assert (
            response.json()
            == public.get(f"/api/v1/{resource}/no-such-record/{page}").json()
        )


@pytest.mark.parametrize("resource", sorted(BUILDERS))
def test_records_show_their_publication_fields(public, every_status, resource):
    body = public.get(f"/api/v1/{resource}/published-record/").json()
    assert body["publication_status"] == "published"
    assert body["published_at"]
    assert body["retracted_at"] is None
    assert body["retraction_reason"] == ""
    assert "last_verified" in body
    for internal in ("last_edited_by", "submitted_by", "reviewed_by", "notes"):
        assert internal not in body


# Editors and reviewers --------------------------------------------------------------


@pytest.mark.parametrize("resource", sorted(BUILDERS))
def test_editors_and_reviewers_see_and_filter_every_state(
    insider, every_status, resource
):
    url = f"/api/v1/{resource}/"
    assert slugs(insider.get(url)) == sorted(f"{s}-record" for s in STATUSES)
    for status in STATUSES:
        assert slugs(insider.get(url, {"publication_status": status})) == [
            f"{status}-record"
        ]
        detail = insider.get(f"{url}{status}-record/")
        assert detail.status_code == 200
        assert detail.json()["publication_status"] == status
        assert insider.get(f"{url}{status}-record/history/").status_code == 200
    two = insider.get(url, {"publication_status": ["draft", "review"]})
    assert slugs(two) == ["draft-record", "review-record"]
    refused = insider.get(url, {"publication_status": "archived"})
    assert refused.status_code == 400
    assert (
        "draft, review, published, retracted" in refused.json()["publication_status"][0]
    )


# Rows of a record and related records ------------------------------------------------


@pytest.mark.parametrize(
    ("resource", "make_row", "parent"),
    [
        (
            "memberships",
            lambda record: factories.membership(organisation_obj=record),
            "organisations",
        ),
        (
            "attributions",
            lambda record: factories.attribution(entry=record),
            "threats",
        ),
    ],
)
def test_rows_of_unpublished_records_are_hidden(
    public, insider, every_status, resource, make_row, parent
):
    rows = {status: make_row(every_status[parent][status]) for status in STATUSES}
    listed = public.get(f"/api/v1/{resource}/").json()["results"]
    assert [row["id"] for row in listed] == [rows["published"].pk]
    csv_rows = list(
        csv.DictReader(
            io.StringIO(
                public.get(f"/api/v1/{resource}/", {"format": "csv"}).content.decode()
            )
        )
    )
    assert [int(row["id"]) for row in csv_rows] == [rows["published"].pk]
    since = (timezone.now() - datetime.timedelta(days=1)).isoformat()
    synced = public.get(
        f"/api/v1/{resource}/", {"pagination": "cursor", "updated_since": since}
    )
    assert [row["id"] for row in synced.json()["results"]] == [rows["published"].pk]
    for status, row in rows.items():
        expected = 200 if status == "published" else 404
        assert public.get(f"/api/v1/{resource}/{row.pk}/").status_code == expected
        history = public.get(f"/api/v1/{resource}/{row.pk}/history/")
        assert history.status_code == expected
        assert insider.get(f"/api/v1/{resource}/{row.pk}/").status_code == 200
    assert len(insider.get(f"/api/v1/{resource}/").json()["results"]) == 4


def test_filters_do_not_name_unpublished_records(public, insider, every_status):
    """A draft's slug is as unknown as a slug that does not exist."""
    factories.membership(organisation_obj=every_status["organisations"]["draft"])
    factories.attribution(entry=every_status["threats"]["draft"])
    for url, query in [
        ("/api/v1/memberships/", {"organisation": "draft-record"}),
        ("/api/v1/attributions/", {"entry": "draft-record"}),
    ]:
        assert public.get(url, query).status_code == 400
        assert public.get(url, {next(iter(query)): "no-such-record"}).status_code == 400
        assert len(insider.get(url, query).json()["results"]) == 1
