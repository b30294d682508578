"""Bulk import and export in the admin: previewed, all or nothing, drafts only,
natural keys, history, formula-safe exports."""

import csv
import datetime
import io
import json

import openpyxl
import pghistory.models
import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from import_export.formats import base_formats

from alliances.models import Country, Membership
from core.history import record_history
from core.models import Status
from core.resources import RESOURCES, resource_for
from tests import factories
from threats.models import ThreatEntry

pytestmark = pytest.mark.django_db

THREATS = "/admin/threats/threatentry/"
MEMBERSHIPS = "/admin/alliances/membership/"
COUNTRIES = "/admin/alliances/country/"
DOMAIN_APPS = {"alliances", "exercises", "threats"}
DOMAIN_MODELS = sorted(
    (model for model in admin.site._registry if model._meta.app_label in DOMAIN_APPS),
    key=lambda model: model._meta.label,
)


def csv_file(rows):
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode()


def xlsx_file(rows):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(list(rows[0]))
    for row in rows:
        sheet.append(list(row.values()))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def format_index(model, title, export=False):
    """The position of a format in the admin's format menu."""
    model_admin = admin.site._registry[model]
    formats = (
        model_admin.get_export_formats() if export else model_admin.get_import_formats()
    )
    return str([fmt().get_title() for fmt in formats].index(title))


def upload(client, url, model, content, name, title="csv"):
    """Step one: send the file; the admin answers with a preview (a dry run)."""
    return client.post(
        f"{url}import/",
        {
            "resource": "0",
            "format": format_index(model, title),
            "import_file": SimpleUploadedFile(name, content),
        },
    )


def confirm(client, url, preview):
    """Step two: confirm the previewed import."""
    form = preview.context["confirm_form"]
    return client.post(f"{url}process_import/", {**form.initial})


def history_events():
    return sum(
        model.objects.count()
        for model in apps.get_models()
        if issubclass(model, pghistory.models.Event)
    )


@pytest.fixture
def lithuania():
    return factories.country("LT", "Lithuania")


@pytest.fixture
def report():
    return factories.source(url="https://nksc.example.lt/report-2024")


def threat_row(**changes):
    row = {
        "slug": "ddos-on-ministries",
        "title": "DDoS on ministry websites",
        "summary": "Several ministry websites were unreachable for hours.",
        "category": "cyber-attack",
        "occurred_start": "2024-06-01",
        "occurred_start_precision": "month",
        "occurred_end": "",
        "occurred_end_precision": "",
        "location_country": "LT",
        "target_countries": "LT",
        "sources": "https://nksc.example.lt/report-2024",
        "confidence": "high",
        # Workflow columns in a file are ignored: an import cannot publish.
        "publication_status": "published",
        "published_at": "2024-07-01 10:00:00",
    }
    row.update(changes)
    return row


# -- importing -----------------------------------------------------------------


def test_admin_lists_offer_import_and_export(editor_client):
    page = editor_client.get(THREATS).content.decode()
    assert f"{THREATS}import/" in page
    assert f"{THREATS}export/" in page
    response = editor_client.get(f"{THREATS}import/")
    ((_name, columns),) = response.context["fields_list"]
    # The page says which columns are read: never the workflow's.
    assert {"slug", "title", "category", "sources"} <= set(columns)
    assert not {"publication_status", "published_at", "last_edited_by"} & set(columns)


def test_a_csv_import_is_previewed_and_saved_only_on_confirm(
    editor_client, editor, lithuania, report
):
    events = history_events()
    preview = upload(
        editor_client, THREATS, ThreatEntry, csv_file([threat_row()]), "threats.csv"
    )
    assert preview.status_code == 200
    page = preview.content.decode()
    assert "Preview" in page
    assert "DDoS on ministry websites" in page
    assert "Confirm import" in page
    # The preview was a dry run: nothing is written, not even history.
    assert not ThreatEntry.objects.exists()
    assert history_events() == events

    response = confirm(editor_client, THREATS, preview)
    assert response.status_code == 302
    assert response["Location"] == THREATS
    entry = ThreatEntry.objects.get(slug="ddos-on-ministries")
    assert entry.category.slug == "cyber-attack"
    assert entry.vague("occurred_start") == "June 2024"
    assert list(entry.sources.all()) == [report]
    assert list(entry.target_countries.all()) == [lithuania]
    assert entry.location_country == lithuania
    # A draft, whatever the file says, last edited by the importing editor (who
    # therefore cannot publish it).
    assert entry.publication_status == Status.DRAFT
    assert entry.published_at is None
    assert entry.last_edited_by == editor
    assert not ThreatEntry.objects.published().exists()
    history = record_history(entry)
    assert sorted(e.kind for e in history) == [
        "insert",
        "sources.add",
        "target_countries.add",
        "update",  # the ratings its sources give it (refresh_assessment)
    ]
    for event in history:
        assert (event.user, event.reason) == (editor, "Bulk import: threats.csv")


def test_a_file_with_one_bad_row_saves_nothing_and_shows_the_row_errors(
    editor_client, lithuania, report
):
    rows = [
        threat_row(),
        threat_row(
            slug="backwards",
            title="Backwards",
            occurred_start="2024-06-10",
            occurred_start_precision="day",
            occurred_end="2024-06-01",
            occurred_end_precision="day",
        ),
        threat_row(slug="nowhere", title="Nowhere", target_countries="LT|QQ"),
        threat_row(slug="unsourced", title="Unsourced", sources=""),
    ]
    preview = upload(editor_client, THREATS, ThreatEntry, csv_file(rows), "bad.csv")
    assert preview.status_code == 200
    page = preview.content.decode()
    assert "Some rows failed to validate" in page
    assert "The end cannot be before the start." in page
    assert "No country with ISO code “QQ”." in page
    assert "Every record must cite at least one source" in page
    # No way to confirm, and nothing written.
    assert "confirm_form" not in preview.context
    assert "Confirm import" not in page
    assert not ThreatEntry.objects.exists()
    result = preview.context["result"]
    assert [row.number for row in result.invalid_rows] == [2, 3, 4]


def test_a_row_that_turns_bad_before_confirming_saves_nothing(
    editor_client, lithuania, report
):
    """The confirm step is all or nothing too: the file is imported again."""
    second = factories.source(url="https://example.org/second")
    rows = [
        threat_row(),
        threat_row(slug="second", title="Second", sources=second.url),
    ]
    preview = upload(editor_client, THREATS, ThreatEntry, csv_file(rows), "two.csv")
    assert "confirm_form" in preview.context
    second.delete()  # someone removes the source in the meantime
    response = confirm(editor_client, THREATS, preview)
    assert not ThreatEntry.objects.exists()
    shown = [str(m) for m in response.wsgi_request._messages]
    assert any("Nothing was imported: row(s) 2 failed" in m for m in shown), shown
    assert not any("Import finished" in m for m in shown)


def test_reimporting_updates_by_natural_key_and_skips_unchanged_rows(
    editor_client, editor, report
):
    # A draft: an import may not change a published record's rows (that waits
    # for a reviewer, tests/test_admin_review.py).
    nato = factories.organisation(
        slug="nato",
        name="NATO",
        acronym="NATO",
        publication_status="draft",
        published_at=None,
    )
    estonia = factories.country("EE", "Estonia")
    latvia = factories.country("LV", "Latvia")
    rows = [
        {
            "organisation": "nato",
            "country": "EE",
            "joined": "2004-03",  # a vague date; its precision follows
            "joined_precision": "",
            "role": "member",
            "sources": report.url,
        },
        {
            "organisation": "nato",
            "country": "lv",  # ISO codes in any case
            "joined": "2004-03-29",
            "joined_precision": "day",
            "role": "member",
            "sources": report.url,
        },
    ]
    preview = upload(
        editor_client, MEMBERSHIPS, Membership, csv_file(rows), "members.csv"
    )
    confirm(editor_client, MEMBERSHIPS, preview)
    assert Membership.objects.count() == 2
    assert Membership.objects.get(country=estonia).vague("joined") == "March 2004"
    nato.refresh_from_db()
    # A membership is part of its organisation's content, as in the admin.
    assert nato.last_edited_by == editor

    rows[0]["role"] = "founding_member"
    preview = upload(
        editor_client, MEMBERSHIPS, Membership, csv_file(rows), "members.csv"
    )
    result = preview.context["result"]
    assert [row.import_type for row in result.rows] == ["update", "skip"]
    events = history_events()
    confirm(editor_client, MEMBERSHIPS, preview)
    assert Membership.objects.count() == 2
    assert Membership.objects.get(country=estonia).role == "founding_member"
    assert Membership.objects.get(country=latvia).role == "member"
    # One update event for the changed row; the skipped row wrote nothing.
    assert history_events() == events + 1


def test_unknown_keys_bad_dates_and_overlaps_are_row_errors(editor_client, report):
    nato = factories.organisation(slug="nato", name="NATO", acronym="NATO")
    factories.country("LV")
    factories.membership(
        nato,
        factories.country("EE"),
        joined=datetime.date(2004, 3, 29),
        joined_precision="day",
    )
    rows = [
        {
            "organisation": "warsaw-pact",
            "country": "EE",
            "joined": "",
            "joined_precision": "",
            "sources": report.url,
        },
        {
            "organisation": "nato",
            "country": "EE",
            "joined": "2010",
            "joined_precision": "year",
            "sources": report.url,
        },
        {
            "organisation": "nato",
            "country": "LV",
            "joined": "29 March 2004",
            "joined_precision": "",
            "sources": report.url,
        },
    ]
    preview = upload(editor_client, MEMBERSHIPS, Membership, csv_file(rows), "m.csv")
    page = preview.content.decode()
    assert "No organisation with slug “warsaw-pact”." in page
    assert "already has a membership of this organisation" in page
    assert "“29 March 2004” is not a date: write it as YYYY-MM-DD" in page
    assert Membership.objects.count() == 1


def test_xlsx_and_json_imports_work(editor_client):
    rows = [
        {"iso2": "XA", "name": "Xland", "name_lt": "Iksija"},
        # A text cell escaped as the export does it: the apostrophe goes again.
        {"iso2": "XB", "name": "'=Yland", "name_lt": ""},
    ]
    preview = upload(
        editor_client, COUNTRIES, Country, xlsx_file(rows), "countries.xlsx", "xlsx"
    )
    assert "confirm_form" in preview.context, preview.content.decode()
    confirm(editor_client, COUNTRIES, preview)
    assert dict(Country.objects.values_list("iso2", "name")) == {
        "XA": "Xland",
        "XB": "=Yland",
    }

    rows = [{"iso2": "XA", "name": "Xland", "name_lt": None}]
    preview = upload(
        editor_client,
        COUNTRIES,
        Country,
        json.dumps(rows).encode(),
        "countries.json",
        "json",
    )
    assert [row.import_type for row in preview.context["result"].rows] == ["update"]
    confirm(editor_client, COUNTRIES, preview)
    assert Country.objects.get(iso2="XA").name_lt == ""


def test_an_editor_without_change_permission_cannot_import(client, django_user_model):
    viewer = django_user_model.objects.create_user(
        "viktor", password="correct horse battery", is_staff=True
    )
    viewer.user_permissions.add(Permission.objects.get(codename="view_country"))
    client.force_login(viewer)
    assert client.get(COUNTRIES).status_code == 200
    assert client.get(f"{COUNTRIES}import/").status_code == 403
    response = client.post(
        f"{COUNTRIES}import/",
        {
            "format": format_index(Country, "csv"),
            "import_file": SimpleUploadedFile(
                "c.csv", csv_file([{"iso2": "XA", "name": "Xland"}])
            ),
        },
    )
    assert response.status_code == 403
    assert client.post(f"{COUNTRIES}process_import/").status_code == 403
    assert not Country.objects.filter(iso2="XA").exists()


def test_without_add_permission_an_import_may_only_change(client, django_user_model):
    factories.country("XA", "Xland")
    changer = django_user_model.objects.create_user(
        "chana", password="correct horse battery", is_staff=True
    )
    changer.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_country", "change_country"])
    )
    client.force_login(changer)
    rows = [
        {"iso2": "XA", "name": "Xland (renamed)"},
        {"iso2": "XB", "name": "Yland"},
    ]
    preview = upload(client, COUNTRIES, Country, csv_file(rows), "c.csv")
    assert "you may not add countries" in preview.content.decode()
    assert "confirm_form" not in preview.context
    assert Country.objects.get(iso2="XA").name == "Xland"


# -- exporting -----------------------------------------------------------------


def export(client, url, model, title):
    resource = resource_for(model)
    fields = {
        f"{resource.__name__.lower()}_{name}": "on"
        for name in resource().get_export_order()
    }
    return client.post(
        f"{url}export/",
        {"resource": "0", "format": format_index(model, title, export=True), **fields},
    )


@pytest.fixture
def formula_entry(lithuania, report):
    return factories.threat(
        slug="formula",
        title="=1+1",
        summary='=HYPERLINK("http://evil.example","click")',
        sources=[report],
        targets=[lithuania],
    )


def test_csv_export_names_related_rows_by_key_and_escapes_formulas(
    editor_client, formula_entry, report
):
    response = export(editor_client, THREATS, ThreatEntry, "csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    (row,) = csv.DictReader(io.StringIO(response.content.decode("utf-8-sig")))
    assert row["slug"] == "formula"
    assert row["title"] == "'=1+1"
    assert row["summary"] == '\'=HYPERLINK("http://evil.example","click")'
    assert (row["category"], row["target_countries"], row["sources"]) == (
        "cyber-attack",
        "LT",
        report.url,
    )
    # Workflow fields are exported, for the record.
    assert row["publication_status"] == "published"


def test_an_exported_csv_imports_back_unchanged(editor_client, formula_entry):
    exported = export(editor_client, THREATS, ThreatEntry, "csv").content
    preview = upload(editor_client, THREATS, ThreatEntry, exported, "export.csv")
    assert [row.import_type for row in preview.context["result"].rows] == ["skip"]
    confirm(editor_client, THREATS, preview)
    formula_entry.refresh_from_db()
    assert formula_entry.title == "=1+1"  # the apostrophe was the export's only
    assert formula_entry.publication_status == Status.PUBLISHED


def test_xlsx_export_escapes_formulas(editor_client, formula_entry):
    response = export(editor_client, THREATS, ThreatEntry, "xlsx")
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    header = [cell.value for cell in sheet[1]]
    title = sheet.cell(row=2, column=header.index("title") + 1)
    summary = sheet.cell(row=2, column=header.index("summary") + 1)
    assert (title.value, title.data_type) == ("'=1+1", "s")
    assert summary.data_type == "s"
    assert summary.value.startswith("'=HYPERLINK(")


def test_json_export(editor_client, formula_entry, report):
    response = export(editor_client, THREATS, ThreatEntry, "json")
    assert response.status_code == 200
    (row,) = json.loads(response.content)
    assert (row["slug"], row["sources"], row["occurred_start"]) == (
        "formula",
        report.url,
        "2024-03-01",
    )


def test_export_queries_do_not_grow_with_rows(lithuania):
    def queries():
        with CaptureQueriesContext(connection) as captured:
            resource_for(ThreatEntry)().export(ThreatEntry.objects.order_by("pk"))
        return len(captured)

    factories.threat(targets=[lithuania], location_country=lithuania)
    few = queries()
    for _ in range(3):
        factories.threat(targets=[lithuania], location_country=lithuania)
    # The count (the export pages through the rows), the entries with their
    # category, location country, coordinates source and workflow users (one
    # joined query), then one query per list column: target countries, related
    # exercises, sources.
    assert queries() == few == 5


# -- every model ----------------------------------------------------------------


def test_every_domain_model_in_the_admin_has_a_resource():
    for model in DOMAIN_MODELS:
        resource_for(model)
    assert set(RESOURCES) == set(DOMAIN_MODELS)


@pytest.fixture
def one_of_everything():
    lithuania = factories.country("LT", "Lithuania")
    poland = factories.country("PL", "Poland")
    report = factories.source(url="https://example.org/report")
    organisation = factories.organisation(hq_country=lithuania, sources=[report])
    factories.organisation(parent=organisation, sources=[report])
    factories.membership(
        organisation,
        poland,
        sources=[report],
        joined=datetime.date(2004, 3, 1),
        joined_precision="month",
    )
    factories.agreement(
        parties=[lithuania, poland],
        sources=[report],
        signatories=["A. Minister, Minister of Defence", "B. Minister"],
    )
    exercise = factories.exercise(
        series=factories.series(),
        lead_country=poland,
        lead_organisation=organisation,
        hosts=[lithuania],
        participants=[lithuania, poland],
        sources=[report],
        personnel=3000,
    )
    factories.location(
        exercise,
        country=lithuania,
        latitude="54.98333",
        longitude="25.78333",
        coordinates_source=report,
    )
    entry = factories.threat(targets=[lithuania], sources=[report], severity=3)
    entry.related_exercises.set([exercise])
    factories.attribution(
        entry,
        factories.actor(country=poland, aliases=["Fancy Bear", "APT28"]),
        sources=[report],
        attributed_on=datetime.date(2024, 1, 1),
        attributed_on_precision="year",
    )


@pytest.mark.parametrize("model", DOMAIN_MODELS)
def test_every_model_round_trips_through_a_csv_file(one_of_everything, editor, model):
    resource = resource_for(model)
    fmt = base_formats.CSV(encoding="utf-8")
    exported = fmt.export_data(resource().export())
    dataset = fmt.create_dataset(exported)
    assert len(dataset) == model.objects.count() > 0
    result = resource().import_data(dataset, dry_run=True, user=editor, file_name="x")
    assert not result.has_errors()
    assert not result.has_validation_errors(), [
        row.error_dict for row in result.invalid_rows
    ]
    assert {row.import_type for row in result.rows} == {"skip"}
