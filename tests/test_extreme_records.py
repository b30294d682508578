"""The extreme records (tests/extreme.py): valid rows at the limits the database
allows, and whole through every output a program reads: the API's JSON, CSV
(pages and API), GeoJSON, Atom and iCalendar. Nothing is cut short silently."""

import csv
import datetime
import html
import io
import json
import re
from collections import Counter
from decimal import Decimal

import feedparser
import pghistory.models
import pytest
from django.apps import apps
from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import FieldDoesNotExist
from django.db import DataError, models, transaction
from django.utils.html import strip_tags
from icalendar import Calendar

from core.exports import escape_formula
from core.models import ReviewedRecord
from tests import extreme
from tests.extreme import EARLIEST, LATEST, LEGACY_IMPORT_PATH, title_of
from threats.models import ThreatEntry

pytestmark = pytest.mark.django_db

DOMAIN_APPS = ("alliances", "exercises", "threats")
# The fields the workflow sets, and the bookkeeping ones: not content.
NOT_CONTENT = {*ReviewedRecord.WORKFLOW_FIELDS, "id", "created", "updated"}
# Optional on a draft, needed once published (the empty records are published).
REQUIRED_TO_PUBLISH = {ThreatEntry: {"severity"}}
API = {
    "organisation": "organisations",
    "agreement": "agreements",
    "exercise": "exercises",
    "threat": "threats",
}
PAGES = {
    "organisation": "/organisations/",
    "agreement": "/agreements/",
    "exercise": "/exercises/",
    "threat": "/threats/",
}


@pytest.fixture(scope="module")
def data(django_db_setup, django_db_blocker):
    """The extreme records, built once for the module."""
    with django_db_blocker.unblock(), extreme.rolled_back() as records:
        yield records


def domain_models():
    """The apps' models, without the history's event tables."""
    for label in DOMAIN_APPS:
        for model in apps.get_app_config(label).get_models():
            if not issubclass(model, pghistory.models.Event):
                yield model


def is_text(field):
    return isinstance(field, models.CharField | models.TextField) and not (
        field.choices or isinstance(field, models.GeneratedField)
    )


def normalised(text):
    return " ".join(text.split())


# -- the generator ------------------------------------------------------------------


def test_every_row_passes_the_rules_of_its_model(data):
    checked = 0
    for model in domain_models():
        for row in model._default_manager.all():
            row.full_clean()
            checked += 1
    assert checked > 300


def at_the_limit(data):
    """Rows whose every text field of limited length is filled to that limit."""
    memberships = list(data.full["organisation"].memberships.order_by("pk"))
    named_party = data.full["agreement"].parties.exclude(name="").first()
    located = data.full["exercise"].locations.exclude(latitude=None).first()
    noted = data.full["exercise"].participations.exclude(note="").first()
    return [
        *data.full.values(),
        *data.retracted.values(),
        data.country,
        data.sources[0],
        data.category,
        data.actors[0],
        data.series,
        memberships[0],
        named_party,
        located,
        noted,
        data.full["threat"].attributions.exclude(attributed_by="").first(),
    ]


def test_full_records_fill_every_text_field_to_its_limit(data):
    for row in at_the_limit(data):
        for field in type(row)._meta.concrete_fields:
            value = getattr(row, field.attname)
            if getattr(field, "kept_by_database", False):
                continue  # ids the database derives, not text anyone writes
            if isinstance(field, ArrayField):
                assert value, (row, field.name)
                assert {len(item) for item in value} == {field.base_field.max_length}
            elif is_text(field) and field.max_length:
                expected = field.max_length
                if (type(row), field.name) == (type(data.sources[0]), "url"):
                    expected = extreme.URL_LENGTH
                assert len(value) == expected, (row, field.name)
    assert (
        len(data.longest_source.url) == type(data.longest_source).url.field.max_length
    )


def test_one_character_more_is_refused_by_the_database(data):
    """The generator is at the limit, not below it: the database's own column
    sizes refuse one more character."""
    refused = []
    for row in data.full.values():
        for field in type(row)._meta.concrete_fields:
            if is_text(field) and field.max_length:
                too_long = getattr(row, field.attname) + "x"
                with pytest.raises(DataError), transaction.atomic():
                    type(row).objects.filter(pk=row.pk).update(
                        **{field.attname: too_long}
                    )
                refused.append(field.name)
    assert {"name", "title", "slug", "acronym", "location_name"} <= set(refused)


def date_of(model, field):
    """The date field ``field`` gives the precision of ("occurred_start" for
    "occurred_start_precision"), or None (a threat entry's geo_precision)."""
    if not field.name.endswith("_precision"):
        return None
    stem = field.name.removesuffix("_precision")
    names = {other.name for other in model._meta.concrete_fields}
    return stem if stem in names else None


def required_date_precision(model, field):
    """The precision of a date the record must have (a threat entry's start)."""
    stem = date_of(model, field)
    return stem is not None and not model._meta.get_field(stem).blank


def test_empty_records_leave_every_optional_field_empty(data):
    empty_rows = [
        *data.empty.values(),
        data.plain_country,
        data.empty_source,
        data.empty_actor,
        data.empty_series,
    ]
    for row in empty_rows:
        for field in type(row)._meta.get_fields():
            if (
                field.name in NOT_CONTENT
                or field.name in REQUIRED_TO_PUBLISH.get(type(row), ())
                or not getattr(field, "blank", False)
                or isinstance(field, models.GeneratedField)
                or required_date_precision(type(row), field)
            ):
                continue
            if field.many_to_many:
                assert not getattr(row, field.name).exists(), (row, field.name)
            elif field.concrete:
                assert getattr(row, field.attname) in (None, "", []), (row, field.name)
    # ...and no rows of their own: no members, parties, participants, attributions.
    assert not data.empty["organisation"].memberships.exists()
    assert not data.empty["agreement"].parties.exists()
    assert not data.empty["exercise"].participations.exists()
    assert not data.empty["exercise"].locations.exists()
    assert not data.empty["threat"].attributions.exists()


def test_many_children_in_four_scripts(data):
    full = data.full
    assert full["organisation"].memberships.count() == extreme.MANY
    assert full["exercise"].participations.count() == extreme.MANY
    assert full["threat"].target_countries.count() == extreme.MANY
    assert full["threat"].attributions.count() == extreme.ATTRIBUTIONS + 1
    assert full["agreement"].parties.count() > extreme.MANY // 2
    for record in full.values():
        assert record.sources.count() >= extreme.SOURCES_PER_RECORD
    text = " ".join(title_of(record) for record in full.values())
    for letters in (
        "ąčęėįšųūž",
        "ąćęłńóśźż",
        "абвгдежзийклмнопрстуфхцчшщыэюя",
        "ابتثجح",
    ):
        assert re.search(f"[{letters}]", text.lower()), letters


def test_every_date_precision_and_the_calendar_limits(data):
    precisions, dates = set(), set()
    for model in domain_models():
        for field in model._meta.concrete_fields:
            date_field = date_of(model, field)
            if date_field:
                for day, precision in model._default_manager.exclude(
                    **{date_field: None}
                ).values_list(date_field, field.name):
                    precisions.add(precision)
                    dates.add(day)
    assert precisions == {"day", "month", "year"}
    assert {EARLIEST, LATEST, datetime.date(9999, 12, 1)} <= dates


# -- the API's JSON ---------------------------------------------------------------


def assert_whole(row, body):
    """Every field of ``row`` that ``body`` (the API's JSON) gives has the
    same value: texts whole, dates in ISO form, related records by id."""
    compared = 0
    for field in type(row)._meta.concrete_fields:
        # A source's own address is its document_url; "url" is the API's link.
        key = "document_url" if field.name == "url" else field.name
        if key not in body or isinstance(field, models.DateTimeField):
            continue
        value, got = getattr(row, field.attname), body[key]
        if field.is_relation and isinstance(got, str):
            # Written by name (a source's publisher).
            assert got == str(getattr(row, field.name) or ""), (row, key)
        elif field.is_relation:
            assert (got or {}).get("id") == value, (row, key)
        elif isinstance(field, models.DateField):
            assert got == (value.isoformat() if value else None), (row, key)
        elif isinstance(field, models.DecimalField):
            assert (None if got is None else Decimal(str(got))) == value, (row, key)
        else:
            # A derived letter no publisher gave is null in the API, "" stored.
            assert got == (value if value != "" or got is not None else None), (
                row,
                key,
            )
        compared += 1
    return compared


def test_the_api_gives_every_record_whole(client, data):
    for kind, resource in API.items():
        for record in (data.full[kind], data.empty[kind]):
            response = client.get(f"/api/v1/{resource}/{record.slug}/")
            assert response.status_code == 200, record
            body = response.json()
            assert assert_whole(record, body) >= 8, record
            sources = {source.pk: source for source in record.sources.all()}
            assert {brief["id"] for brief in body["sources"]} == set(sources)
            for brief in body["sources"]:
                assert_whole(sources[brief["id"]], brief)


def test_the_api_gives_every_child_row_whole(client, data):
    organisation = data.full["organisation"]
    response = client.get(
        f"/api/v1/memberships/?organisation={organisation.slug}&page_size=200"
    )
    memberships = {row.pk: row for row in organisation.memberships.all()}
    results = response.json()["results"]
    assert len(results) == len(memberships) == extreme.MANY
    for item in results:
        assert_whole(memberships[item["id"]], item)

    agreement = data.full["agreement"]
    body = client.get(f"/api/v1/agreements/{agreement.slug}/").json()
    assert Counter(
        (
            (party["country"] or {}).get("id"),
            (party["organisation"] or {}).get("id"),
            party["name"],
        )
        for party in body["parties"]
    ) == Counter(
        (party.country_id, party.organisation_id, party.name)
        for party in agreement.parties.all()
    )
    assert body["signatories"] == agreement.signatories

    exercise = data.full["exercise"]
    body = client.get(f"/api/v1/exercises/{exercise.slug}/").json()
    assert Counter(
        (item["country"]["id"], item["personnel"], item["note"])
        for item in body["participants"]
    ) == Counter(
        (row.country_id, row.personnel, row.note)
        for row in exercise.participations.all()
    )
    locations = {row.name: row for row in exercise.locations.all()}
    assert len(body["locations"]) == len(locations)
    for item in body["locations"]:
        assert_whole(locations[item["name"]], item)
    assert len(body["host_countries"]) == 10

    threat = data.full["threat"]
    body = client.get(f"/api/v1/threats/{threat.slug}/").json()
    attributions = {row.pk: row for row in threat.attributions.all()}
    assert {item["id"] for item in body["attributions"]} == set(attributions)
    for item in body["attributions"]:
        assert_whole(attributions[item["id"]], item)
        detail = client.get(f"/api/v1/attributions/{item['id']}/").json()
        assert_whole(attributions[item["id"]], detail)
    assert len(body["target_countries"]) == extreme.MANY


def test_the_api_gives_the_reference_data_whole(client, data):
    rows = [
        (f"/api/v1/countries/{data.country.iso2}/", data.country),
        (f"/api/v1/countries/{data.plain_country.iso2}/", data.plain_country),
        (f"/api/v1/sources/{data.longest_source.pk}/", data.longest_source),
        (f"/api/v1/sources/{data.empty_source.pk}/", data.empty_source),
        (f"/api/v1/actors/{data.actors[0].slug}/", data.actors[0]),
        (f"/api/v1/actors/{data.empty_actor.slug}/", data.empty_actor),
        (f"/api/v1/exercise-series/{data.series.slug}/", data.series),
        (f"/api/v1/threat-categories/{data.category.slug}/", data.category),
    ]
    for url, row in rows:
        response = client.get(url)
        assert response.status_code == 200, url
        assert assert_whole(row, response.json()) >= 3, url


def test_the_api_says_why_a_record_was_retracted_in_full(client, data):
    for kind, resource in API.items():
        record = data.retracted[kind]
        response = client.get(f"/api/v1/{resource}/{record.slug}/")
        assert response.status_code == 410
        assert response.json()["retraction_reason"] == record.retraction_reason
    deletions = client.get("/api/v1/deletions/?retracted=true&page_size=200").json()
    reasons = {item["reason"] for item in deletions["results"]}
    assert set(data.retraction_reasons) <= reasons


def test_the_public_history_keeps_long_reasons_and_hides_command_lines(client, data):
    for kind, resource in API.items():
        record = data.full[kind]
        response = client.get(f"/api/v1/{resource}/{record.slug}/history/")
        assert response.status_code == 200
        text = response.content.decode()
        reasons = [event["reason"] for event in response.json()]
        assert data.reasons[0] in reasons
        assert "import_records" not in text
        assert LEGACY_IMPORT_PATH not in text
        assert "Imported from a data file" in reasons


# -- CSV ------------------------------------------------------------------------------


def csv_rows(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    # getvalue(): page exports are streamed (they have no .content).
    return list(csv.DictReader(io.StringIO(response.getvalue().decode())))


def assert_csv_row_whole(row, record):
    """Each column that is a text or date field of ``record`` holds its value
    whole (with the leading apostrophe that keeps a formula from running)."""
    compared = 0
    for column, cell in row.items():
        try:
            field = type(record)._meta.get_field(
                "location_name" if column == "location" else column
            )
        except FieldDoesNotExist:  # a column of its own (type_label...)
            continue
        if column == "url" or not field.concrete or field.is_relation:
            continue
        value = getattr(record, field.attname)
        if isinstance(field, models.DateTimeField):
            continue
        if isinstance(field, models.DateField):
            value = value.isoformat() if value else ""
        elif isinstance(field, models.DecimalField | models.IntegerField):
            assert (Decimal(cell) if cell else None) == value, (record, column)
            compared += 1
            continue
        elif isinstance(field, ArrayField):
            assert all(item in cell for item in value), column
            compared += 1
            continue
        elif value is None:
            value = ""
        assert cell == escape_formula(str(value)), (record, column)
        compared += 1
    assert compared >= 3, (record, list(row))


@pytest.mark.parametrize("source", ["page", "api"])
def test_csv_holds_every_record_whole(client, data, source):
    for kind in API:
        url = (
            f"{PAGES[kind]}?format=csv"
            if source == "page"
            else f"/api/v1/{API[kind]}/?format=csv&page_size=200"
        )
        rows = csv_rows(client.get(url))
        published = [data.full[kind], data.empty[kind]]
        titles = {title_of(record) for record in published}
        column = "title" if "title" in rows[0] else "name"
        assert {escape_formula(row[column]) for row in rows} == titles, url
        for record in published:
            [row] = [row for row in rows if row[column] == title_of(record)]
            assert_csv_row_whole(row, record)


def test_page_json_export_holds_every_title_whole(client, data):
    for kind, page in PAGES.items():
        response = client.get(f"{page}?format=json")
        body = json.loads(response.getvalue())
        column = "title" if kind in ("agreement", "threat") else "name"
        assert {row[column] for row in body["results"]} == {
            title_of(data.full[kind]),
            title_of(data.empty[kind]),
        }


def test_country_csv_holds_long_names(client, data):
    rows = csv_rows(client.get("/countries/?format=csv"))
    by_code = {row["iso2"]: row for row in rows}
    assert by_code[data.country.iso2]["name"] == data.country.name
    assert by_code[data.country.iso2]["name_lt"] == data.country.name_lt


# -- GeoJSON ------------------------------------------------------------------------------


def test_geojson_places_records_at_the_poles_and_the_antimeridian(client, data):
    threat = data.full["threat"]
    response = client.get("/api/v1/threats/?format=geojson&page_size=200")
    assert response["Content-Type"] == "application/geo+json"
    [feature] = json.loads(response.content)["features"]
    assert feature["id"] == threat.slug
    assert feature["geometry"]["coordinates"] == [180.0, -90.0]
    assert feature["properties"]["title"] == threat.title

    exercise = data.full["exercise"]
    collection = json.loads(
        client.get("/api/v1/exercises/?format=geojson&page_size=200").content
    )
    located = exercise.locations.exclude(latitude=None)
    features = {feature["id"]: feature for feature in collection["features"]}
    assert set(features) == {f"{exercise.slug}/{place.name}" for place in located}
    for place in located:
        feature = features[f"{exercise.slug}/{place.name}"]
        assert feature["properties"]["location"] == place.name
        assert feature["geometry"]["coordinates"] == [
            float(place.longitude),
            float(place.latitude),
        ]

    # The map page's own data: every located record, its title whole.
    map_data = json.loads(client.get("/map/data.json").content)
    titles = {feature["properties"]["title"] for feature in map_data["features"]}
    assert {threat.title, exercise.name} <= titles


# -- Atom and iCalendar ----------------------------------------------------------------


@pytest.mark.parametrize("kind", ["exercise", "threat"])
def test_atom_feeds_parse_and_keep_every_text_whole(client, data, kind):
    response = client.get(f"{PAGES[kind]}feed/")
    assert response.status_code == 200
    feed = feedparser.parse(response.content)
    assert not feed.bozo, feed.bozo_exception
    assert {entry.title for entry in feed.entries} == {
        title_of(data.full[kind]),
        title_of(data.empty[kind]),
    }
    full = data.full[kind]
    [entry] = [entry for entry in feed.entries if entry.title == title_of(full)]
    text = normalised(html.unescape(strip_tags(entry.summary)))
    body = full.summary if kind == "threat" else full.description
    assert normalised(body) in text
    assert entry.link.endswith(full.get_absolute_url())


def test_icalendar_parses_and_runs_to_the_last_day_of_the_calendar(client, data):
    response = client.get("/exercises.ics")
    assert response.status_code == 200
    calendar = Calendar.from_ical(response.content)
    events = {str(event["uid"]): event for event in calendar.walk("VEVENT")}
    full = data.full["exercise"]
    # The empty exercise has no date: no event. The retracted one is not public.
    assert set(events) == {f"{full.slug}@baltic-security-atlas"}
    event = events[f"{full.slug}@baltic-security-atlas"]
    assert str(event["summary"]) == full.name
    assert event.decoded("dtstart") == full.start
    # Until 31 December 9999 inclusive: there is no day after it to end on.
    assert event.decoded("duration") == LATEST - full.start + datetime.timedelta(1)
    assert normalised(full.description) in normalised(str(event["description"]))
    for place in full.locations.all():
        assert place.name in str(event["location"])
