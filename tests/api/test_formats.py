"""What a client reads: the brief form of related records, ISO dates with their
precision, sources on every record, CSV with formulas escaped, GeoJSON."""

import csv
import datetime
import io
import json

import pytest
from rest_framework import serializers

from core.api.fields import BriefSerializer
from core.api.serializers import AtlasModelSerializer
from tests import factories

pytestmark = pytest.mark.django_db


def test_related_records_come_in_brief_form(anon):
    lithuania = factories.country("LT", "Lithuania")
    entry = factories.threat(slug="ddos", targets=[lithuania])
    body = anon.get("/api/v1/threats/ddos/").json()
    assert body["category"] == {
        "id": entry.category.pk,
        "url": "http://testserver/api/v1/threat-categories/cyber-attack/",
        "slug": "cyber-attack",
        "name": entry.category.name,
    }
    assert body["target_countries"] == [
        {
            "id": lithuania.pk,
            "url": "http://testserver/api/v1/countries/LT/",
            "iso2": "LT",
            "name": "Lithuania",
        }
    ]
    assert body["web_url"] == "http://testserver/threats/ddos/"
    [source] = body["sources"]
    assert set(source) == {
        "id",
        "url",
        "document_url",
        "title",
        "publisher",
        "reliability",
        "caution",
    }


def test_dates_are_iso_with_their_precision(anon):
    factories.threat(slug="vague", occurred_start="2016-10-01")
    body = anon.get("/api/v1/threats/vague/").json()
    assert body["occurred_start"] == "2016-10-01"
    assert body["occurred_start_precision"] == "month"
    updated = datetime.datetime.fromisoformat(body["updated"])
    assert updated.tzinfo is not None


def test_every_serializer_lists_its_fields():
    def subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    for serializer in [*subclasses(AtlasModelSerializer), *subclasses(BriefSerializer)]:
        meta = getattr(serializer, "Meta", None)
        if meta is None or not hasattr(meta, "fields"):
            continue
        assert meta.fields != serializers.ALL_FIELDS, serializer
        assert "notes" not in meta.fields, serializer


def test_csv_lists_rows_with_formulas_escaped(anon):
    factories.threat(slug="formula", title='=HYPERLINK("http://evil")')
    factories.threat(slug="plain", title="Plain title")
    response = anon.get("/api/v1/threats/?format=csv&ordering=title")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert 'filename="threats.csv"' in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [row["slug"] for row in rows] == ["formula", "plain"]
    assert rows[0]["title"] == '\'=HYPERLINK("http://evil")'
    assert rows[0]["category"] == "cyber-attack"
    assert rows[0]["sources"].startswith("https://")


def test_csv_of_a_filtered_list_keeps_the_filter(anon):
    factories.threat(slug="cyber")
    factories.threat(slug="other", category=factories.category("sabotage"))
    response = anon.get("/api/v1/threats/?format=csv&category=sabotage")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [row["slug"] for row in rows] == ["other"]


def test_csv_of_an_empty_list_has_the_header(anon):
    response = anon.get("/api/v1/actors/?format=csv")
    header = next(csv.reader(io.StringIO(response.content.decode())))
    assert header[:4] == ["id", "url", "slug", "name"]


def test_errors_stay_json_when_csv_was_asked_for(anon):
    response = anon.get("/api/v1/threats/?format=csv&category=nope")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert "category" in response.json()


def test_csv_is_offered_on_lists_only(anon):
    factories.threat(slug="one")
    assert anon.get("/api/v1/threats/one/?format=csv").status_code == 404


def test_threats_as_geojson(anon):
    factories.threat(slug="located", latitude=54.687, longitude=25.28)
    factories.threat(slug="unlocated")
    response = anon.get("/api/v1/threats/?format=geojson")
    assert response["Content-Type"] == "application/geo+json"
    collection = json.loads(response.content)
    assert collection["type"] == "FeatureCollection"
    [feature] = collection["features"]
    assert feature["id"] == "located"
    assert feature["geometry"] == {"type": "Point", "coordinates": [25.28, 54.687]}
    assert feature["properties"]["category"] == "cyber-attack"
    assert collection["skipped"] == 1  # "unlocated" has no coordinates


def test_exercises_as_geojson_have_a_point_per_located_place(anon):
    exercise = factories.exercise(slug="iron-wolf")
    factories.location(exercise, name="Pabradė", latitude=54.98, longitude=25.78)
    factories.location(exercise, name="Somewhere")
    collection = json.loads(anon.get("/api/v1/exercises/?format=geojson").content)
    [feature] = collection["features"]
    assert feature["id"] == "iron-wolf/Pabradė"
    assert feature["properties"]["location"] == "Pabradė"
    assert feature["geometry"]["coordinates"] == [25.78, 54.98]
    # One place without coordinates does not make the exercise skipped.
    assert collection["skipped"] == 0


@pytest.mark.parametrize(
    ("format_", "media_type"),
    [("geojson", "application/geo+json"), ("csv", "text/csv"), ("json", None)],
)
@pytest.mark.parametrize("accept", ["application/json", "text/html", "*/*"])
def test_the_urls_format_wins_over_accept(anon, format_, media_type, accept):
    factories.exercise(slug="iron-wolf")
    response = anon.get(f"/api/v1/exercises/?format={format_}", HTTP_ACCEPT=accept)
    assert response.status_code == 200
    assert response["Content-Type"].split(";")[0] == (media_type or "application/json")
    if format_ == "geojson":
        assert json.loads(response.content)["skipped"] == 1
    if format_ == "csv":
        assert response.content.decode().startswith("id,")


def test_an_unknown_format_is_404_whatever_accept_says(anon):
    response = anon.get("/api/v1/exercises/?format=xml", HTTP_ACCEPT="application/json")
    assert response.status_code == 404


def test_root_lists_every_resource(anon):
    body = anon.get("/api/v1/").json()
    for name in [
        "countries",
        "organisations",
        "memberships",
        "agreements",
        "sources",
        "exercise-series",
        "exercises",
        "threat-categories",
        "actors",
        "threats",
        "attributions",
        "deletions",
        "schema",
        "docs",
    ]:
        assert anon.get(body[name]).status_code == 200, name


def test_unknown_api_urls_answer_json_404(anon):
    response = anon.get("/api/v1/nothing-here/")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}
