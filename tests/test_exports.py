"""Exports hold at most EXPORT_MAX_ROWS records and say so when they are cut
(case 14): headers, a last line in CSV, fields in JSON. Page exports in CSV are
streamed; the API's CSV (one page) says when more records match."""

import csv
import datetime
import io
import json
from decimal import Decimal

import pytest
from django.http import FileResponse, StreamingHttpResponse
from django.utils import translation
from django.utils.safestring import SafeString

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


# -- what an analyst gets: columns, BOM, XLSX, the whole set, streaming ------------


def xlsx_rows(response):
    """The first sheet's rows (tuples of values) of an XLSX download (or its bytes)."""
    import openpyxl

    body = response if isinstance(response, bytes) else response.getvalue()
    workbook = openpyxl.load_workbook(io.BytesIO(body), read_only=True)
    return [tuple(row) for row in workbook.worksheets[0].iter_rows(values_only=True)]


@pytest.fixture
def attributed_threat():
    lithuania = factories.country("LT", "Lithuania")
    russia = factories.actor(name="Russia")
    entry = factories.threat(
        title="Cable cut near Klaipėda",
        summary="A cable was cut; ministers blamed a shadow-fleet ship.",
        occurred_start=datetime.date(2024, 3, 1),
        occurred_start_precision="month",
        occurred_end=datetime.date(2024, 1, 1).replace(year=2025),
        occurred_end_precision="year",
        reported=datetime.date(2024, 3, 4),
        targets=[lithuania],
        sources=[
            factories.source(url="https://news.example.org/cable"),
            factories.source(url="https://gov.example.lt/statement"),
        ],
    )
    factories.attribution(
        entry=entry,
        actor_obj=russia,
        actor_unit="Baltic Fleet",
        attributed_by="Lithuanian government",
        attributed_on=datetime.date(2024, 3, 1),
        attributed_on_precision="month",
        attribution_confidence="official_assessment",
    )
    factories.attribution(entry=entry, actor_obj=russia, attributed_by="NATO")
    return entry


def test_the_threat_csv_has_the_columns_analysts_need(client, attributed_threat):
    response = client.get("/threats/?format=csv")

    [row] = csv.DictReader(io.StringIO(response.getvalue().decode()))
    assert row["slug"] == attributed_threat.slug
    assert row["summary"] == "A cable was cut; ministers blamed a shadow-fleet ship."
    # dates at their precision: ISO 8601 (an interval), words, and the parts
    assert row["occurred"] == "2024-03/2025"
    assert row["occurred_text"] == "March 2024 – 2025"
    assert (row["occurred_start"], row["occurred_start_precision"]) == (
        "2024-03-01",
        "month",
    )
    assert (row["occurred_end"], row["occurred_end_precision"]) == (
        "2025-01-01",
        "year",
    )
    assert row["reported"] == "2024-03-04"
    assert row["actors"] == "Russia"
    assert row["attributed_by"] == "Lithuanian government; NATO"
    assert row["attributions"] == (
        "Russia (Baltic Fleet): Lithuanian government, official_assessment, "
        "2024-03; Russia: NATO, suspected"
    )
    assert row["sources"] in (
        "https://news.example.org/cable; https://gov.example.lt/statement",
        "https://gov.example.lt/statement; https://news.example.org/cable",
    )
    assert row["targets"] == "LT"


def test_the_threat_json_lists_attributions_and_sources(client, attributed_threat):
    [row] = json.loads(client.get("/threats/?format=json").getvalue())["results"]
    assert row["attributed_by"] == ["Lithuanian government", "NATO"]
    assert len(row["attributions"]) == 2
    assert sorted(row["sources"]) == [
        "https://gov.example.lt/statement",
        "https://news.example.org/cable",
    ]


def test_exercise_and_agreement_exports_have_their_equivalents(client):
    exercise = factories.exercise(
        name="Iron Wolf 2024",
        description="Battalion exercise with allied units.",
        start=datetime.date(2024, 6, 1),
        start_precision="month",
        sources=[factories.source(url="https://mod.example.lt/iron-wolf")],
    )
    factories.location(exercise_obj=exercise, name="Pabradė")
    agreement = factories.agreement(
        title="Defence cooperation agreement",
        summary="Host-nation support for an allied brigade.",
        signed=datetime.date(2023, 1, 1),
        signed_precision="year",
        sources=[factories.source(url="https://e-seimas.example.lt/treaty")],
    )

    [exercise_row] = csv.DictReader(
        io.StringIO(client.get("/exercises/?format=csv").getvalue().decode())
    )
    assert exercise_row["slug"] == exercise.slug
    assert exercise_row["description"] == "Battalion exercise with allied units."
    assert (exercise_row["dates"], exercise_row["dates_text"]) == (
        "2024-06",
        "June 2024",
    )
    assert exercise_row["locations"] == "Pabradė"
    assert exercise_row["sources"] == "https://mod.example.lt/iron-wolf"

    [agreement_row] = csv.DictReader(
        io.StringIO(client.get("/agreements/?format=csv").getvalue().decode())
    )
    assert agreement_row["slug"] == agreement.slug
    assert agreement_row["summary"] == "Host-nation support for an allied brigade."
    assert (agreement_row["signed"], agreement_row["signed_precision"]) == (
        "2023-01-01",
        "year",
    )
    assert agreement_row["signed_text"] == "2023"
    assert agreement_row["sources"] == "https://e-seimas.example.lt/treaty"


def test_a_csv_for_spreadsheets_starts_with_a_byte_order_mark(
    client, attributed_threat
):
    plain = client.get("/threats/?format=csv").getvalue()
    marked = client.get("/threats/?format=csv&bom=1").getvalue()

    assert not plain.startswith(b"\xef\xbb\xbf")
    assert marked == b"\xef\xbb\xbf" + plain
    [row] = csv.DictReader(io.StringIO(marked.decode("utf-8-sig")))
    assert row["title"] == "Cable cut near Klaipėda"
    # JSON never has one (RFC 8259); bom=0 is the plain file
    assert client.get("/threats/?format=json&bom=1").getvalue().startswith(b"{")
    assert client.get("/threats/?format=csv&bom=0").getvalue() == plain


@pytest.mark.parametrize(
    "query, parameter",
    [
        ("format=xml", "format"),
        ("format=", "format"),
        ("format=XLSX", "format"),
        ("format=csv&bom=yes please", "bom"),
    ],
)
def test_a_bad_export_request_is_a_clear_400(client, query, parameter):
    response = client.get(f"/threats/?{query}")

    assert response.status_code == 400
    assert list(json.loads(response.content)) == [parameter]


def test_the_xlsx_export_opens_with_the_rows(client, settings, attributed_threat):
    factories.threat(title="=HYPERLINK(1)")
    factories.threat(title="Draft", publication_status="draft", published_at=None)

    response = client.get("/threats/?format=xlsx")

    assert response.status_code == 200
    assert response["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert response["Content-Disposition"] == (
        'attachment; filename="threat-entries.xlsx"'
    )
    assert response["X-Total-Count"] == "2"
    header, *records = xlsx_rows(response)
    assert len(records) == 2
    rows = [dict(zip(header, record, strict=True)) for record in records]
    titles = {row["title"] for row in rows}
    assert titles == {"Cable cut near Klaipėda", "'=HYPERLINK(1)"}
    [cable] = [row for row in rows if row["slug"] == attributed_threat.slug]
    assert cable["occurred"] == "2024-03/2025"
    assert cable["occurred_start"].date() == datetime.date(2024, 3, 1)
    assert cable["occurred_start_precision"] == "month"
    assert cable["attributed_by"] == "Lithuanian government; NATO"
    assert cable["severity"] == 2


def test_a_capped_xlsx_export_says_so_in_its_last_row(client, settings, five_threats):
    settings.EXPORT_MAX_ROWS = 3
    response = client.get("/threats/?format=xlsx")

    assert response["X-Export-Truncated"] == "true"
    _header, *records, last = xlsx_rows(response)
    assert len(records) == 3
    assert last[0].startswith("# Truncated: only the first 3 of 5 records")


def test_an_export_holds_the_whole_filtered_set_not_one_page(client):
    # the page shows 25; an export has every record the filter keeps
    for n in range(30):
        factories.threat(title=f"Jamming {n}", severity=1 if n < 27 else 2)
    factories.threat(
        title="Draft jamming", publication_status="draft", published_at=None
    )

    page = client.get("/threats/?severity=1&page=2")
    assert page.status_code == 200
    for export in ("csv", "json", "xlsx"):
        response = client.get(f"/threats/?severity=1&page=2&format={export}")
        if export == "json":
            titles = [
                row["title"] for row in json.loads(response.getvalue())["results"]
            ]
        elif export == "xlsx":
            header, *records = xlsx_rows(response)
            titles = [record[header.index("title")] for record in records]
        else:
            rows = csv.DictReader(io.StringIO(response.getvalue().decode()))
            titles = [row["title"] for row in rows]
        assert sorted(titles) == sorted(f"Jamming {n}" for n in range(27)), export
        assert response["X-Total-Count"] == "27"


def test_every_chunk_gets_its_own_related_rows(client, monkeypatch):
    """Rows are read a chunk at a time, each chunk with its own prefetches:
    with chunks of 2, each of 7 entries still lists its own sources and targets."""
    monkeypatch.setattr("core.exports.EXPORT_CHUNK_SIZE", 2)
    countries = [factories.country() for _ in range(7)]
    for n, country in enumerate(countries):
        factories.threat(
            title=f"Chunked {n}",
            targets=[country],
            sources=[factories.source(url=f"https://example.org/chunk-{n}")],
        )

    response = client.get("/threats/?format=csv")

    rows = list(csv.DictReader(io.StringIO(response.getvalue().decode())))
    assert len(rows) == 7
    for row in rows:
        n = int(row["title"].split()[-1])
        assert row["sources"] == f"https://example.org/chunk-{n}"
        assert row["targets"] == countries[n].iso2


@pytest.mark.parametrize("export", ["csv", "json"])
def test_csv_and_json_exports_are_streamed(client, five_threats, export):
    response = client.get(f"/threats/?format={export}")

    assert isinstance(response, StreamingHttpResponse)
    assert response.streaming


def test_an_xlsx_export_is_sent_from_a_file(client, five_threats):
    response = client.get("/threats/?format=xlsx")

    assert isinstance(response, FileResponse)
    assert int(response["Content-Length"]) == len(response.getvalue())


@pytest.mark.parametrize("export", ["csv", "json", "xlsx"])
def test_export_queries_do_not_grow_with_rows(
    client, django_assert_num_queries, export
):
    from tests.queries import VERSION_LOOKUP

    def exported_rows():
        # count (for the cap), the rows with category and location country,
        # attributions with actors, target countries, sources with publishers;
        # the rows are read while the body streams
        with django_assert_num_queries(5 + VERSION_LOOKUP):
            response = client.get(f"/threats/?format={export}")
            body = response.getvalue()
        if export == "xlsx":
            return len(xlsx_rows(body)) - 1
        if export == "json":
            return json.loads(body)["count"]
        return len(body.decode().splitlines()) - 1

    factories.attribution(entry=factories.threat(targets=[factories.country()]))
    assert exported_rows() == 1
    for _ in range(6):
        factories.attribution(entry=factories.threat(targets=[factories.country()]))
    assert exported_rows() == 7


# -- sources: a page and exports of every matching source -------------------------


def test_the_sources_export_holds_every_matching_source_not_one_page(client):
    # the page shows 50; the exports hold all 53 sources of the publisher
    for n in range(53):
        factories.source(
            url=f"https://wire.example.org/{n}",
            title=f"Wire report {n}",
            publisher="Wire service",
            published=datetime.date(2024, 5, 1),
            published_precision="month",
            language="lt",
        )
    factories.source(title="Other outlet's report", publisher="Other outlet")

    page = client.get("/sources/?publisher=Wire service")
    assert page.status_code == 200
    assert "53 sources" in page.content.decode()
    assert "Other outlet&#x27;s report" not in page.content.decode()

    response = client.get("/sources/?publisher=Wire service&format=csv&bom=1")
    assert response["Content-Disposition"] == 'attachment; filename="sources.csv"'
    rows = list(csv.DictReader(io.StringIO(response.getvalue().decode("utf-8-sig"))))
    assert len(rows) == 53
    assert {row["url"] for row in rows} == {
        f"https://wire.example.org/{n}" for n in range(53)
    }
    [first] = [row for row in rows if row["url"].endswith("/0")]
    assert first["publisher"] == "Wire service"
    assert (first["published"], first["published_precision"]) == ("2024-05-01", "month")
    assert first["published_text"] == "May 2024"
    assert first["language"] == "lt"

    workbook = xlsx_rows(client.get("/sources/?publisher=Wire service&format=xlsx"))
    assert len(workbook) == 1 + 53


def test_the_sources_page_and_export_query_counts_do_not_grow(
    client, django_assert_num_queries
):
    from tests.queries import VERSION_LOOKUP

    def load():
        # page: count, the page of sources with publishers, two facets
        with django_assert_num_queries(4 + VERSION_LOOKUP):
            assert client.get("/sources/").status_code == 200
        # export: count, the sources with publishers
        with django_assert_num_queries(2 + VERSION_LOOKUP):
            body = client.get("/sources/?format=csv").getvalue()
        return len(body.decode().splitlines()) - 1

    factories.source(publisher="One")
    assert load() == 1
    for n in range(5):
        factories.source(publisher=f"Publisher {n}", language="en")
    assert load() == 6


def test_a_bad_sources_filter_is_a_400_on_the_export(client):
    response = client.get("/sources/?published_after=soon&format=csv")
    assert response.status_code == 400
    assert "published_after" in json.loads(response.content)


def test_every_download_format_counts_against_the_export_rate(rf):
    from core.ratelimit import request_group

    for export in ("csv", "json", "xlsx"):
        assert request_group(rf.get(f"/threats/?format={export}")) == "exports"
    assert request_group(rf.get("/threats/")) == "pages"


def test_the_sources_page_and_its_downloads_read_in_lithuanian(client, back_to_english):
    factories.source(title="Pranešimas", publisher="LRT")

    html = client.get("/sources/", HTTP_ACCEPT_LANGUAGE="lt").content.decode()

    assert "<h1>Šaltiniai</h1>" in html
    assert "Filtruoti šaltinius" in html
    assert "1 šaltinis" in html
    assert "Excel programai" in html
    bad = client.get("/sources/?format=pdf", HTTP_ACCEPT_LANGUAGE="lt")
    assert json.loads(bad.content) == {"format": ["Pasirinkite csv, json arba xlsx."]}


@pytest.mark.parametrize(
    "value",
    [
        None,
        "",
        "plain",
        "=SUM(A1)",
        "-1",
        "\tTab",
        0,
        -5,
        True,
        False,
        Decimal("54.68700"),
        1.5,
        datetime.date(2024, 1, 2),
        {"slug": "cyber", "name": "Cyber"},
        {"id": 3, "actor": {"slug": "=gru", "name": "GRU"}},
        [{"iso2": "LT"}, {"iso2": "PL"}],
        ["+a", None, 2],
        SafeString("=safe"),
    ],
)
def test_a_csv_value_is_the_escaped_cell(value):
    """csv_value's shortcuts give what the general path gives."""
    from core.exports import csv_cell, csv_value, escape_formula

    assert csv_value(value) == escape_formula(csv_cell(value))
    assert type(csv_value(value)) is type(escape_formula(csv_cell(value)))


@pytest.mark.parametrize("language", ["en", "lt"])
def test_each_threat_rows_url_is_its_page_in_the_readers_language(client, language):
    entries = [
        factories.threat(title="Drone over the lake", slug="drone-over-the-lake"),
        factories.threat(title="Jamming near the coast", slug="jamming-near-the-coast"),
    ]
    prefix = "" if language == "en" else "/lt"
    response = client.get(f"{prefix}/threats/?format=csv")
    rows = list(csv.DictReader(io.StringIO(response.getvalue().decode("utf-8"))))

    with translation.override(language):
        expected = {
            f"http://testserver{entry.get_absolute_url()}": entry.slug
            for entry in entries
        }
    assert {row["url"]: row["slug"] for row in rows} == expected
