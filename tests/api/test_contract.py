"""The API's responses against its own OpenAPI schema, with jsonschema: every
operation the schema lists is called at least once (reads anonymous, writes
and workflow steps as an editor and a reviewer, errors too), and each response
must be documented (its status, its content type) and its body must validate,
formats included. The committed openapi.yaml must be the schema the code
generates (`make openapi` rewrites it)."""

import datetime
import json
import re
import urllib.parse
from pathlib import Path

import pytest
from django.core.management import call_command
from jsonschema import Draft202012Validator, FormatChecker
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests import factories
from tests.api import test_crud
from tests.yaml_text import load_yaml

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
SNAPSHOT = ROOT / "openapi.yaml"
METHODS = ("get", "post", "put", "patch", "delete")
REASON = {"change_reason": "Checked against the sources again."}

# -- Formats a strict client checks (jsonschema knows these only with extras) -------

FORMATS = FormatChecker()


@FORMATS.checks("uri")
def _is_uri(value):
    if not isinstance(value, str):
        return True
    parts = urllib.parse.urlsplit(value)
    return bool(parts.scheme and parts.netloc) and value.isascii() and " " not in value


@FORMATS.checks("iri")
def _is_iri(value):
    if not isinstance(value, str):
        return True
    parts = urllib.parse.urlsplit(value)
    return bool(parts.scheme and parts.netloc) and not re.search(r"\s", value)


@FORMATS.checks("date-time")
def _is_date_time(value):
    if not isinstance(value, str):
        return True
    if not re.fullmatch(
        r"\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:\d\d)", value
    ):
        return False
    datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
    return True


@FORMATS.checks("date")
def _is_date(value):
    if not isinstance(value, str):
        return True
    return bool(re.fullmatch(r"\d{4}-\d\d-\d\d", value)) and bool(
        datetime.date.fromisoformat(value)
    )


# -- The schema and a client that checks every response against it ----------------


@pytest.fixture(scope="module")
def document(django_db_blocker):
    with django_db_blocker.unblock():
        response = APIClient().get("/api/v1/schema/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    return response.json()


def operations(document):
    return {
        (method.upper(), path)
        for path, item in document["paths"].items()
        for method in item
        if method in METHODS
    }


def template_of(document, path):
    """The schema's path for a concrete one: literal paths first."""
    candidates = []
    for template in document["paths"]:
        pattern = re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template))
        if re.fullmatch(pattern, path):
            candidates.append((template.count("{"), template))
    assert candidates, f"{path} is not in the schema"
    return min(candidates)[1]


class CheckingClient(APIClient):
    """An API client whose every response must be what the schema says."""

    def __init__(self, document, seen, **kwargs):
        super().__init__(**kwargs)
        self.document = document
        self.seen = seen

    def request(self, **environ):
        response = super().request(**environ)
        method = environ["REQUEST_METHOD"]
        template = template_of(self.document, environ["PATH_INFO"])
        check_response(self.document, method, template, response)
        self.seen.setdefault((method, template), set()).add(response.status_code)
        return response


def check_response(document, method, template, response):
    operation = document["paths"][template][method.lower()]
    status = str(response.status_code)
    described = operation["responses"].get(status)
    where = f"{method} {template} -> {status}"
    assert described is not None, f"{where} is not documented: {response.content!r}"
    if response.status_code == 204:
        assert not response.content, where
        return
    content = described.get("content", {})
    media_type = response["Content-Type"].split(";")[0].strip()
    assert media_type in content, f"{where}: {media_type} not in {sorted(content)}"
    schema = content[media_type].get("schema", {})
    body = response.content.decode()
    data = body if media_type == "text/csv" else json.loads(body)
    validator = Draft202012Validator(
        {**schema, "components": document["components"]}, format_checker=FORMATS
    )
    errors = sorted(validator.iter_errors(data), key=lambda error: list(error.path))
    assert not errors, f"{where}: " + "; ".join(
        f"{list(error.path)}: {error.message}" for error in errors[:5]
    )
    for name, header in described.get("headers", {}).items():
        if header.get("required"):
            assert name in response, f"{where}: no {name} header"


# -- Calling every operation ------------------------------------------------------


def resources():
    return {
        cls.path: cls()
        for cls in vars(test_crud).values()
        if isinstance(cls, type) and getattr(cls, "path", None)
    }


@pytest.fixture
def personas(document, editor, reviewer):
    seen = {}

    def client(user=None):
        made = CheckingClient(document, seen)
        if user is not None:
            token, _created = Token.objects.get_or_create(user=user)
            made.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
        return made

    return seen, client(), client(editor), client(reviewer)


def etag(client, url):
    return {"HTTP_IF_MATCH": client.get(url)["ETag"]}


def exercise_resource(resource, anon, editor, reviewer, geojson):
    path = resource.path
    record = resource.make()
    detail = resource.detail(record)
    # Reads, as anyone, in every format, with filters, pages and errors.
    anon.get(path)
    anon.get(path, {"page_size": 1, "pagination": "cursor"})
    anon.get(path, {"format": "csv"})
    if geojson:
        anon.get(path, {"format": "geojson"}, HTTP_ACCEPT="application/json")
    anon.get(path, {"page_size": 0})  # 400
    anon.get(detail)
    anon.get(f"{detail}history/")
    anon.get(f"{path}no-such-record-0/")  # 404
    editor.get(detail)
    # Writes: a new record (deleted again), a change with If-Match, a
    # replacement under the record's own key.
    created = editor.post(path, {**resource.create_data(), **REASON}, format="json")
    assert created.status_code in (201, 202), created.content
    if created.status_code == 201:
        new = created["Location"].replace("http://testserver", "")
        deleted = reviewer.delete(new, REASON, format="json", **etag(reviewer, new))
        assert deleted.status_code == 204, deleted.content
    editor.post(path, {}, format="json")  # 400
    anon.post(path, {}, format="json")  # 401
    reviewer.patch(
        detail, {**resource.change, **REASON}, format="json", **etag(reviewer, detail)
    )
    replaced = reviewer.put(
        detail,
        {**resource.create_data(), **REASON, **_keep_key(resource, record)},
        format="json",
        **etag(reviewer, detail),
    )
    assert replaced.status_code in (200, 202), replaced.content
    anon.delete(detail)  # 401


def _keep_key(resource, record):
    """A replacement keeps the record's slug (a new one is another test)."""
    data = resource.create_data()
    if "slug" in data and hasattr(record, "slug"):
        return {"slug": record.slug}
    if "iso2" in data:
        return {"iso2": record.iso2}
    return {}


def exercise_workflow(anon, editor, reviewer):
    for path in ("/api/v1/threats/", "/api/v1/exercises/", "/api/v1/agreements/"):
        resource = resources()[path]
        data = resource.create_data()
        draft = editor.post(path, {**data, **REASON}, format="json").json()
        url = draft["url"].replace("http://testserver", "")
        editor.post(f"{url}submit/", {}, format="json")
        reviewer.post(f"{url}send-back/", {}, format="json")
        editor.post(f"{url}submit/", {}, format="json")
        reviewer.post(f"{url}publish/", {}, format="json")
        editor.post(f"{url}publish/", {}, format="json")  # 403 or 409
        reviewer.post(f"{url}retract/", {"reason": "Shown to be false."}, format="json")
        anon.get(url)  # 410
        anon.get(f"{url}history/")  # 410
    for resource in resources().values():
        if not resource.reviewed:
            continue
        record = resource.make()
        url = resource.detail(record)
        for step in ("submit", "publish", "send-back", "retract"):
            editor.post(f"{url}{step}/", {}, format="json")  # 409 or 400
            anon.post(f"{url}{step}/", {}, format="json")  # 401


def exercise_revisions(editor, reviewer):
    for path, resource in resources().items():
        if not resource.under_review:
            continue
        record = resource.make()
        url = resource.detail(record)
        proposed = editor.patch(
            url, {**resource.change, **REASON}, format="json", **etag(editor, url)
        )
        assert proposed.status_code == 202, proposed.content
        revision = proposed["Location"].replace("http://testserver", "")
        editor.get("/api/v1/revisions/")
        editor.get(revision)
        decision = "approve/" if path < "/api/v1/m" else "reject/"
        reviewer.post(f"{revision}{decision}", {"note": "Seen."}, format="json")
        reviewer.post(f"{revision}approve/", {}, format="json")  # 409: decided


def test_every_operation_answers_as_the_schema_says(document, personas, editor):
    seen, anon, editor_client, reviewer_client = personas
    factories.country("LT", "Lithuania")
    geojson = {
        path
        for path, item in document["paths"].items()
        if "application/geo+json"
        in item.get("get", {}).get("responses", {}).get("200", {}).get("content", {})
    }
    for path, resource in resources().items():
        exercise_resource(
            resource, anon, editor_client, reviewer_client, path in geojson
        )
    exercise_workflow(anon, editor_client, reviewer_client)
    exercise_revisions(editor_client, reviewer_client)
    for kind in ("threats", "exercises", "agreements"):
        anon.get(f"/api/v1/{kind}/stats/")
        anon.get(f"/api/v1/{kind}/stats/", {"interval": "month"})
        anon.get(f"/api/v1/{kind}/stats/", {"by": "no-such-facet"})  # 400
    anon.get("/api/v1/")
    anon.get("/api/v1/deletions/", {"since": "2020-01-01T00:00:00Z"})
    anon.get("/api/v1/deletions/", {"since": ""})  # 400
    anon.post(
        "/api/v1/auth/token/",
        {"username": editor.username, "password": "correct horse battery"},
        format="json",
    )
    anon.post("/api/v1/auth/token/", {"username": "x", "password": "y"}, format="json")
    called = set(seen)
    missing = sorted(operations(document) - called)
    assert not missing, f"operations never called: {missing}"
    for (method, template), statuses in seen.items():
        if method == "GET" and "{" not in template:
            assert 200 in statuses, (method, template, statuses)


# -- The committed snapshot ---------------------------------------------------------


def generated_schema(tmp_path):
    target = tmp_path / "openapi.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    return target.read_text()


def test_the_committed_openapi_yaml_is_the_current_schema(tmp_path):
    current = generated_schema(tmp_path)
    committed = SNAPSHOT.read_text() if SNAPSHOT.exists() else ""
    assert committed == current, (
        "openapi.yaml differs from the schema the code generates: run "
        "`make openapi` and commit openapi.yaml (review the diff: it is the API "
        "contract clients build on)."
    )
    assert load_yaml(current)["openapi"] == "3.1.0"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("slug", 0, "Not a valid string."),
        ("title", ["a list"], "Not a valid string."),
        ("severity", "2", '"2" is not a valid choice.'),
        ("latitude", "54.7", "A valid number is required."),
        ("severity", True, '"True" is not a valid choice.'),
    ],
)
def test_a_body_value_of_another_json_type_is_a_400(editor_api, field, value, message):
    # DRF would turn 0 into "0" and "2" into 2: the schema's types are the rule.
    response = editor_api.post(
        "/api/v1/threats/", {field: value, **REASON}, format="json"
    )
    assert response.status_code == 400
    assert response.json()[field] == [message]


def test_a_step_or_a_token_request_of_another_json_type_is_a_400(anon):
    response = anon.post(
        "/api/v1/auth/token/", {"username": 1, "password": "x"}, format="json"
    )
    assert response.status_code == 400
    assert response.json() == {"username": ["Not a valid string."]}
