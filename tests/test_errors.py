"""Friendly error pages: no tracebacks, 503 while the database is away."""

import pytest
from django.db import OperationalError

from config.pages import home

pytestmark = pytest.mark.django_db


@pytest.fixture
def failing_home(monkeypatch):
    def use(exception):
        def get(self, request, *args, **kwargs):
            raise exception

        monkeypatch.setattr(home.HomeView, "get", get)

    return use


def test_unknown_page_is_a_friendly_404(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    content = response.content.decode()
    assert "Page not found" in content
    assert 'role="search"' in content


def test_server_error_page_shows_no_internals(client, failing_home):
    failing_home(ValueError("secret internals"))
    client.raise_request_exception = False
    response = client.get("/")
    assert response.status_code == 500
    content = response.content.decode()
    assert "Something went wrong" in content
    assert "secret internals" not in content
    assert "Traceback" not in content


def test_database_outage_answers_503_with_retry_after(client, failing_home):
    failing_home(OperationalError("connection refused"))
    client.raise_request_exception = False
    response = client.get("/")
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert "Temporarily unavailable" in response.content.decode()
    api = client.get("/?format=json")
    assert api.status_code == 503
    assert api.json() == {"detail": "Database temporarily unavailable."}


def test_api_without_a_version_leads_to_v1(client):
    response = client.get("/api/")
    assert response.status_code == 302
    assert response["Location"] == "/api/v1/"
