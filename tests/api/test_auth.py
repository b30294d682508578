"""Who may write: a token or a session with CSRF, and the Editors group's model
permissions; anonymous clients and the token endpoint are throttled."""

import pytest
from django.core.management import call_command
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient
from rest_framework.throttling import SimpleRateThrottle

from exercises.models import ExerciseSeries
from tests import factories

pytestmark = pytest.mark.django_db

NEW_SERIES = {"slug": "new", "name": "New series"}


@pytest.fixture
def low_rates(monkeypatch):
    monkeypatch.setattr(
        SimpleRateThrottle,
        "THROTTLE_RATES",
        {"anon": "3/minute", "token": "2/minute", "token-account": "100/minute"},
    )


def test_anonymous_clients_are_throttled(anon, low_rates):
    statuses = [anon.get("/api/v1/actors/").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    response = anon.get("/api/v1/actors/")
    assert int(response["Retry-After"]) > 0


def test_editors_with_a_token_are_not_throttled(editor_api, low_rates):
    assert {editor_api.get("/api/v1/actors/").status_code for _ in range(5)} == {200}


def test_the_token_endpoint_gives_an_editor_their_token(editor):
    client = APIClient()
    response = client.post(
        "/api/v1/auth/token/",
        {"username": "edita", "password": "correct horse battery"},
        format="json",
    )
    assert response.status_code == 200
    assert response.json()["token"] == Token.objects.get(user=editor).key
    writer = APIClient()
    writer.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
    assert (
        writer.post("/api/v1/exercise-series/", NEW_SERIES, format="json").status_code
        == 201
    )


def test_the_token_endpoint_is_throttled(editor, low_rates):
    client = APIClient()
    wrong = {"username": "edita", "password": "guess"}
    statuses = [
        client.post("/api/v1/auth/token/", wrong, format="json").status_code
        for _ in range(3)
    ]
    assert statuses == [400, 400, 429]


def test_drf_create_token_makes_a_token_for_the_readme(editor, capsys):
    call_command("drf_create_token", "edita")
    assert Token.objects.get(user=editor).key in capsys.readouterr().out


def test_a_bad_token_is_refused(anon):
    anon.credentials(HTTP_AUTHORIZATION="Token not-a-token")
    assert anon.get("/api/v1/actors/").status_code == 401


def test_session_writes_need_the_csrf_token(editor):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(editor)
    refused = client.post("/api/v1/exercise-series/", NEW_SERIES, format="json")
    assert refused.status_code == 403
    assert "CSRF" in refused.json()["detail"]
    assert not ExerciseSeries.objects.filter(slug="new").exists()

    token = "a" * 32  # what a browser echoes from the csrftoken cookie
    client.cookies["csrftoken"] = token
    accepted = client.post(
        "/api/v1/exercise-series/", NEW_SERIES, format="json", HTTP_X_CSRFTOKEN=token
    )
    assert accepted.status_code == 201


def test_a_logged_in_reader_without_rights_cannot_write(analyst):
    client = APIClient()
    client.force_login(analyst)
    series = factories.series()
    assert client.get(f"/api/v1/exercise-series/{series.slug}/").status_code == 200
    response = client.patch(
        f"/api/v1/exercise-series/{series.slug}/", {"name": "Mine"}, format="json"
    )
    assert response.status_code == 403
    series.refresh_from_db()
    assert series.name != "Mine"
