"""Exports hold at most EXPORT_MAX_ROWS records and say so when they are cut
(case 14): headers, a last line in CSV, fields in JSON. Page exports in CSV are
streamed; the API's CSV (one page) says when more records match."""

import csv
import datetime
import io
import json

import pytest
from django.http import StreamingHttpResponse
from django.utils import translation

from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def five_threats():
    return [factories.threat(title=f"Incident number {n}") for n in range(5)]


def csv_lines(response):
    return list(csv.reader(io.StringIO(response.getvalue().decode())))


def test_a_capped_csv_export_has_exactly_the_cap_and_says_so(
    client, settings, five_threats
):
    settings.EXPORT_MAX_ROWS = 3
    response = client.get("/threats/?format=csv")
    assert response.status_code == 200
    assert isinstance(response, StreamingHttpResponse)
    assert response["X-Export-Truncated"] == "true"
    assert response["X-Total-Count"] == "5"
    assert response["X-Export-Limit"] == "3"
    header, *records, last = csv_lines(response)
    assert "title" in header
    assert len(records) == 3
    titles = {record[header.index("title")] for record in records}
    assert titles < {threat.title for threat in five_threats}
    assert last == [
        "# Truncated: only the first 3 of 5 records are in this file. Narrow the "
        "filters to export the rest, or page through the API."
    ]


def test_an_export_within_the_cap_has_every_record_and_no_notice(
    client, settings, five_threats
):
    settings.EXPORT_MAX_ROWS = 5
    response = client.get("/threats/?format=csv")
    assert response["X-Export-Truncated"] == "false"
    assert response["X-Total-Count"] == "5"
    rows = list(csv.DictReader(io.StringIO(response.getvalue().decode())))
    assert sorted(row["title"] for row in rows) == sorted(
        threat.title for threat in five_threats
    )


def test_the_cap_applies_to_the_filtered_records(client, settings, five_threats):
    older = factories.threat(
        occurred_start=datetime.date(2020, 1, 1), occurred_start_precision="year"
    )
    settings.EXPORT_MAX_ROWS = 3
    response = client.get("/threats/?year=2020&format=csv")
    assert response["X-Export-Truncated"] == "false"
    assert response["X-Total-Count"] == "1"
    header, *records = csv_lines(response)
    assert [record[header.index("title")] for record in records] == [older.title]


def test_a_capped_json_export_says_so(client, settings, five_threats):
    settings.EXPORT_MAX_ROWS = 2
    response = client.get("/threats/?format=json")
    assert response["X-Export-Truncated"] == "true"
    body = json.loads(response.getvalue())
    assert body["count"] == 2
    assert len(body["results"]) == 2
    assert body["total"] == 5
    assert body["truncated"] is True
    assert body["message"].startswith("Truncated: only the first 2 of 5 records")


def test_an_uncapped_json_export_has_everything(client, settings, five_threats):
    settings.EXPORT_MAX_ROWS = 10
    body = json.loads(client.get("/threats/?format=json").getvalue())
    assert (body["count"], body["total"], body["truncated"]) == (5, 5, False)
    assert "message" not in body
    assert len(body["results"]) == 5


def test_an_empty_export_is_an_empty_file(client, settings):
    response = client.get("/organisations/?format=csv")
    assert response["X-Total-Count"] == "0"
    assert response["X-Export-Truncated"] == "false"
    assert response.getvalue().decode().strip() == ""


@pytest.fixture
def back_to_english():
    """The request leaves its language active in this thread: code that runs
    outside a request in later tests expects English."""
    yield
    translation.activate("en")


def test_the_notice_is_in_lithuanian_for_lithuanian_readers(
    client, settings, five_threats, back_to_english
):
    settings.EXPORT_MAX_ROWS = 1
    response = client.get("/threats/?format=json", HTTP_ACCEPT_LANGUAGE="lt")
    message = json.loads(response.getvalue())["message"]
    assert "1" in message
    assert "5" in message
    assert "Truncated" not in message


def test_the_calendar_holds_at_most_the_cap(client, settings):
    for n in range(4):
        factories.exercise(name=f"Calendar exercise {n}")
    settings.EXPORT_MAX_ROWS = 2
    calendar = client.get("/exercises.ics").content.decode()
    assert calendar.count("BEGIN:VEVENT") == 2


# -- the API's CSV: one page -----------------------------------------------------


def test_an_api_csv_page_says_when_more_records_match(client, five_threats):
    response = client.get("/api/v1/threats/?format=csv&page_size=2")
    assert response.status_code == 200
    assert response["X-Export-Truncated"] == "true"
    assert 'rel="next"' in response["Link"]
    assert len(list(csv.DictReader(io.StringIO(response.content.decode())))) == 2


def test_an_api_csv_page_with_every_record_says_so(client, five_threats):
    response = client.get("/api/v1/threats/?format=csv&page_size=200")
    assert response["X-Export-Truncated"] == "false"
    assert response["X-Total-Count"] == "5"
    assert len(list(csv.DictReader(io.StringIO(response.content.decode())))) == 5
