"""The OpenAPI contract: valid without warnings, honest about authentication
and errors, and its documentation pages work offline."""

import re

import pytest
from django.core.management import call_command

from tests.yaml_text import load_yaml

pytestmark = pytest.mark.django_db

OPERATIONS = ("get", "post", "put", "patch", "delete")


@pytest.fixture(scope="module")
def schema(django_db_blocker):
    from django.test import Client

    with django_db_blocker.unblock():
        response = Client().get("/api/v1/schema/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    return response.json()


def operations(schema):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if method in OPERATIONS:
                yield path, method, operation


def test_schema_validates_without_warnings(tmp_path):
    # Raises (SchemaGenerationError) on any warning or validation error.
    call_command(
        "spectacular",
        "--validate",
        "--fail-on-warn",
        "--file",
        str(tmp_path / "schema.yaml"),
    )
    document = load_yaml((tmp_path / "schema.yaml").read_text())
    assert document["openapi"].startswith("3.")


def test_every_resource_is_documented(schema):
    paths = set(schema["paths"])
    for resource in [
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
    ]:
        assert f"/api/v1/{resource}/" in paths
        assert any(re.fullmatch(rf"/api/v1/{resource}/\{{\w+\}}/", p) for p in paths)
    assert "/api/v1/deletions/" in paths


def test_reads_are_documented_as_needing_no_authentication(schema):
    for path, method, operation in operations(schema):
        security = operation.get("security", [])
        # Revisions are the team's own work in progress: editors and reviewers.
        internal = path.startswith("/api/v1/revisions/")
        if (method == "get" and not internal) or path == "/api/v1/auth/token/":
            assert {} in security or not security, (method, path)
            assert "no authentication needed" in operation["description"]
        else:
            assert {} not in security, (method, path)
            assert {"tokenAuth": []} in security, (method, path)


def test_error_responses_are_documented(schema):
    for path, method, operation in operations(schema):
        codes = set(operation["responses"])
        assert "429" in codes, (method, path)
        if method == "get" and "{" in path:
            assert "404" in codes
        if method in ("post", "put", "patch") and path != "/api/v1/auth/token/":
            assert {"400", "401", "403", "413"} <= codes, (method, path)
        if method in ("put", "patch", "delete"):
            assert "412" in codes, (method, path)
            assert any(p["name"] == "If-Match" for p in operation["parameters"])
        if method == "delete":
            assert "409" in codes


def test_lists_document_csv_and_geojson(schema):
    threats = schema["paths"]["/api/v1/threats/"]["get"]["responses"]["200"]["content"]
    assert set(threats) == {"application/json", "text/csv", "application/geo+json"}
    actors = schema["paths"]["/api/v1/actors/"]["get"]["responses"]["200"]["content"]
    assert set(actors) == {"application/json", "text/csv"}


@pytest.mark.parametrize("page", ["/api/v1/docs/", "/api/v1/redoc/"])
def test_documentation_pages_work_offline(client, page):
    response = client.get(page)
    assert response.status_code == 200
    html = response.content.decode()
    assert not re.search(r"cdn\.|jsdelivr|unpkg|googleapis", html)
    scripts = re.findall(r'src="(/static/[^"]+)"', html)
    assert scripts
    for script in scripts:
        asset = client.get(script)
        assert asset.status_code == 200, script
        b"".join(asset.streaming_content if asset.streaming else [asset.content])
