"""Publishers: source reliability rated once per outlet, by reviewers only
(admin and API), "not rated" rather than a placeholder letter."""

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from alliances.models import Publisher
from tests import factories
from tests.constraints import assert_constraint

pytestmark = pytest.mark.django_db


def token_client(user):
    client = APIClient()
    token, _created = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def _name_taken():
    factories.publisher("LRT")
    return Publisher(name="LRT")


@pytest.mark.parametrize(
    ("make_invalid", "constraint", "message"),
    [
        (_name_taken, "publisher_name_unique", "already exists"),
        (
            lambda: Publisher(name="X", reliability="G"),
            "publisher_reliability_letter",
            "not a valid choice",
        ),
        (lambda: Publisher(name=""), "publisher_name_not_empty", "cannot be blank"),
    ],
    ids=["name_unique", "letter", "name_empty"],
)
def test_constraint_rejects_bad_publishers(make_invalid, constraint, message):
    assert_constraint(make_invalid, constraint, message)


def test_editor_adds_a_publisher_but_may_not_rate_it(editor, reviewer):
    editor_api = token_client(editor)

    refused = editor_api.post(
        "/api/v1/publishers/", {"name": "New outlet", "reliability": "A"}, format="json"
    )
    created = editor_api.post(
        "/api/v1/publishers/", {"name": "New outlet"}, format="json"
    )

    assert refused.status_code == 400
    assert refused.json()["reliability"] == ["Only reviewers rate publishers."]
    assert created.status_code == 201, created.content
    assert created.json()["reliability"] is None
    assert created.json()["reliability_label"] == "not rated"

    rated = token_client(reviewer).patch(
        f"/api/v1/publishers/{created.json()['id']}/",
        {
            "reliability": "B",
            "rating_note": "A public broadcaster.",
            # reference data: a change says why (its history keeps it)
            "change_reason": "Rated after review.",
        },
        format="json",
    )
    assert rated.status_code == 200, rated.content
    stored = Publisher.objects.get(name="New outlet")
    assert (stored.reliability, stored.rated_by) == ("B", reviewer)
    assert stored.rated_at is not None
    again = editor_api.patch(
        f"/api/v1/publishers/{stored.pk}/", {"reliability": "D"}, format="json"
    )
    assert again.status_code == 400
    stored.refresh_from_db()
    assert stored.reliability == "B"


def test_admin_lets_only_reviewers_change_the_letter(
    editor_client, editor, client, reviewer
):
    outlet = factories.publisher("Daily", "")
    entry = factories.threat(sources=[factories.source(publisher=outlet)])
    url = f"/admin/alliances/publisher/{outlet.pk}/change/"

    editor_page = editor_client.get(url)
    assert editor_page.status_code == 200
    assert 'name="reliability"' not in editor_page.content.decode()

    client.force_login(reviewer)
    page = client.get(url)
    assert 'name="reliability"' in page.content.decode()
    form = page.context["adminform"].form
    data = {
        name: form[name].value() or ""
        for name in form.fields
        if form[name].value() is not None
    }
    data.update(reliability="C", change_reason="Rated after review.")
    response = client.post(url, data)
    assert response.status_code == 302, (
        response.context and response.context["adminform"].form.errors
    )
    outlet.refresh_from_db()
    assert (outlet.reliability, outlet.rated_by) == ("C", reviewer)
    entry.refresh_from_db()
    assert entry.source_reliability == "C"


def test_publishers_filter_by_letter_and_not_rated(client):
    factories.publisher("Ministry", "A")
    factories.publisher("Blog", "")

    rated = client.get("/api/v1/publishers/?reliability=A").json()["results"]
    unrated = client.get("/api/v1/publishers/?reliability=unrated").json()["results"]

    assert [row["name"] for row in rated] == ["Ministry"]
    assert [row["name"] for row in unrated] == ["Blog"]
