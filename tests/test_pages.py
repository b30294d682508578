"""Generated page tests: every list page and detail page, like the API's CRUD
tests (tests/api/crud.py), from a little data per kind of record.

For each list page: it shows a published record and not a draft; it exports the
current filter as CSV, JSON and XLSX; an unknown export format and a bad filter on an
export are 400s. For each detail page: a published record's page is 200 with its
name; a draft's is 404 for the public; an unknown key is 404.
"""

import csv
import io
import json

import openpyxl
import pytest

from core.publication import Status
from tests import factories

pytestmark = pytest.mark.django_db


class Page:
    """One kind of record on the site: how to make one, where it is listed."""

    list_url = None
    export_key = None  # the export column that names a record
    bad_filter = None  # a query string the list's FilterSet refuses
    unknown_detail = None

    def make(self, **extra):  # pragma: no cover - every page defines it
        raise NotImplementedError

    def name(self, obj):
        return str(obj)


class OrganisationPage(Page):
    list_url = "/organisations/"
    export_key = "name"
    bad_filter = "founded_after=yesterday"
    unknown_detail = "/organisations/no-such-organisation/"

    def make(self, **extra):
        return factories.organisation(
            name=f"Pagetest Alliance {factories._n()}", **extra
        )

    def name(self, obj):
        return obj.name


class AgreementPage(Page):
    list_url = "/agreements/"
    export_key = "title"
    bad_filter = "signed_before=2024-13-01"
    unknown_detail = "/agreements/no-such-agreement/"

    def make(self, **extra):
        return factories.agreement(title=f"Pagetest Treaty {factories._n()}", **extra)

    def name(self, obj):
        return obj.title


class ExercisePage(Page):
    list_url = "/exercises/"
    export_key = "name"
    bad_filter = "year=soon"
    unknown_detail = "/exercises/no-such-exercise/"

    def make(self, **extra):
        return factories.exercise(name=f"Pagetest Wolf {factories._n()}", **extra)

    def name(self, obj):
        return obj.name


class ThreatEntryPage(Page):
    list_url = "/threats/"
    export_key = "title"
    bad_filter = "year=last"
    unknown_detail = "/threats/no-such-threat/"

    def make(self, **extra):
        return factories.threat(title=f"Pagetest Jamming {factories._n()}", **extra)

    def name(self, obj):
        return obj.title


PAGES = {
    "organisations": OrganisationPage(),
    "agreements": AgreementPage(),
    "exercises": ExercisePage(),
    "threats": ThreatEntryPage(),
}
DRAFT = {"publication_status": Status.DRAFT, "published_at": None}


def rows(response, export):
    # getvalue(): exports are streamed (they have no .content).
    if export == "json":
        return json.loads(response.getvalue())["results"]
    if export == "xlsx":
        sheet = openpyxl.load_workbook(io.BytesIO(response.getvalue())).worksheets[0]
        header, *records = sheet.iter_rows(values_only=True)
        return [dict(zip(header, record, strict=True)) for record in records]
    return list(csv.DictReader(io.StringIO(response.getvalue().decode())))


@pytest.mark.parametrize("kind", sorted(PAGES))
def test_list_shows_published_records_and_not_drafts(client, kind):
    page = PAGES[kind]
    published, draft = page.make(), page.make(**DRAFT)

    response = client.get(page.list_url)

    assert response.status_code == 200
    content = response.content.decode()
    assert page.name(published) in content
    assert page.name(draft) not in content


@pytest.mark.parametrize("export", ["csv", "json", "xlsx"])
@pytest.mark.parametrize("kind", sorted(PAGES))
def test_list_exports_the_published_records(client, kind, export):
    page = PAGES[kind]
    published, draft = page.make(), page.make(**DRAFT)

    response = client.get(f"{page.list_url}?format={export}")

    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment; filename=")
    names = {row[page.export_key] for row in rows(response, export)}
    assert page.name(published) in names
    assert page.name(draft) not in names


@pytest.mark.parametrize("kind", sorted(PAGES))
def test_list_export_refuses_unknown_formats_and_bad_filters(client, kind):
    page = PAGES[kind]

    assert client.get(f"{page.list_url}?format=xml").status_code == 400
    bad = client.get(f"{page.list_url}?{page.bad_filter}&format=json")
    assert bad.status_code == 400
    assert json.loads(bad.content)


@pytest.mark.parametrize("kind", sorted(PAGES))
def test_detail_of_a_published_record(client, kind):
    page = PAGES[kind]
    record = page.make()

    response = client.get(record.get_absolute_url())

    assert response.status_code == 200
    assert page.name(record) in response.content.decode()


@pytest.mark.parametrize("kind", sorted(PAGES))
def test_detail_of_a_draft_is_not_found_for_the_public(client, kind):
    page = PAGES[kind]
    draft = page.make(**DRAFT)

    assert client.get(draft.get_absolute_url()).status_code == 404


@pytest.mark.parametrize("kind", sorted(PAGES))
def test_detail_of_an_unknown_record_is_not_found(client, kind):
    assert client.get(PAGES[kind].unknown_detail).status_code == 404


def test_country_pages(client):
    """Countries are reference data: listed once a published record names them."""
    lithuania = factories.country("LT", "Lithuania")
    factories.threat(targets=[lithuania])

    assert "Lithuania" in client.get("/countries/").content.decode()
    assert client.get("/countries/LT/").status_code == 200
    assert client.get("/countries/lt/").status_code == 200
    assert client.get("/countries/XX/").status_code == 404
    exported = rows(client.get("/countries/?format=json"), "json")
    assert "LT" in [row["iso2"] for row in exported]
