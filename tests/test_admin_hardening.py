"""The admin against bad and stale input (cases 27 and 30): a NUL character in a
changelist search or filter, an autocomplete term or a form answers 400 with a
message, never a database error; a change form that does not say which version
of the record it was opened at is refused, not saved."""

import pytest

from alliances.models import Country
from core.models import Status
from tests import factories
from tests.test_admin_workflow import change_url, page_data
from threats.models import ThreatEntry

pytestmark = pytest.mark.django_db

NUL_MESSAGE = "The request contains a null character (NUL)"


@pytest.fixture
def entry():
    return factories.threat(
        title="GPS jamming over Klaipėda",
        publication_status=Status.DRAFT,
        published_at=None,
    )


@pytest.mark.parametrize(
    "url",
    [
        "/admin/threats/threatentry/?q=%00",
        "/admin/threats/threatentry/?q=jamming%00",
        "/admin/threats/threatentry/?title__icontains=%00",
        "/admin/threats/threatentry/?category__slug__exact=%00",
        "/admin/alliances/country/?q=%00",
        "/admin/alliances/country/?iso2__exact=L%00",
        "/admin/autocomplete/?term=%00&app_label=exercises&model_name=exercise"
        "&field_name=host_countries",
        "/admin/autocomplete/?term=a%00b&app_label=threats&model_name=attribution"
        "&field_name=actor",
    ],
)
def test_a_nul_in_an_admin_query_is_a_400_with_a_message(editor_client, entry, url):
    response = editor_client.get(url)
    assert response.status_code == 400
    assert NUL_MESSAGE in response.content.decode()


def test_the_same_searches_without_the_nul_still_work(editor_client, entry):
    response = editor_client.get("/admin/threats/threatentry/?q=jamming")
    assert response.status_code == 200
    assert "GPS jamming over Klaipėda" in response.content.decode()


def test_a_nul_in_an_admin_form_is_refused_and_nothing_is_saved(editor_client, entry):
    data = page_data(editor_client.get(change_url(entry)))
    data["summary"] = "Jamming\x00 everywhere"
    response = editor_client.post(change_url(entry), data)
    assert response.status_code == 400
    assert NUL_MESSAGE in response.content.decode()
    entry.refresh_from_db()
    assert "everywhere" not in entry.summary


def test_a_nul_in_a_related_field_of_a_form_is_refused(editor_client, entry):
    data = page_data(editor_client.get(change_url(entry)))
    data["category"] = "\x00"
    assert editor_client.post(change_url(entry), data).status_code == 400


def test_a_nul_in_the_login_form_is_a_400(client):
    response = client.post(
        "/admin/login/?next=/admin/", {"username": "ed\x00ita", "password": "x"}
    )
    assert response.status_code == 400
    assert NUL_MESSAGE in response.content.decode()


def test_public_pages_keep_their_own_message_for_a_nul(client):
    # The public lists answer with a message by the filter (not this 400).
    response = client.get("/threats/?q=%00")
    assert response.status_code == 200
    assert "Null characters are not allowed." in response.content.decode()


# -- the stale-form check, unconditional ------------------------------------------


def test_a_change_form_without_its_version_is_refused(editor_client, entry):
    data = page_data(editor_client.get(change_url(entry)))
    del data["loaded_updated"]
    data["summary"] = "Saved from a script"
    response = editor_client.post(change_url(entry), data)
    assert response.status_code == 200
    assert "This form does not say which version of the record you opened" in (
        response.content.decode()
    )
    entry.refresh_from_db()
    assert entry.summary != "Saved from a script"


def test_an_empty_version_is_refused_too(editor_client, entry):
    data = page_data(editor_client.get(change_url(entry)))
    data.update(loaded_updated="", summary="Saved from a script")
    response = editor_client.post(change_url(entry), data)
    assert "does not say which version" in response.content.decode()
    assert ThreatEntry.objects.get(pk=entry.pk).summary != "Saved from a script"


def test_reference_data_without_a_version_is_refused_as_well(editor_client):
    country = factories.country("XQ", "Old name")
    data = page_data(editor_client.get(change_url(country)))
    del data["loaded_updated"]
    response = editor_client.post(change_url(country), {**data, "name": "New name"})
    assert "does not say which version" in response.content.decode()
    country.refresh_from_db()
    assert country.name == "Old name"


def test_a_change_form_with_its_version_saves(editor_client, entry):
    data = page_data(editor_client.get(change_url(entry)))
    data["summary"] = "Edited in the admin"
    assert editor_client.post(change_url(entry), data).status_code == 302
    entry.refresh_from_db()
    assert entry.summary == "Edited in the admin"


def test_adding_a_record_needs_no_version(editor_client):
    response = editor_client.post(
        "/admin/alliances/country/add/",
        {"iso2": "XW", "name": "Westland", "name_lt": "Vakarija"},
    )
    assert response.status_code == 302
    assert Country.objects.filter(iso2="XW", name="Westland").exists()
