"""An integrator's client, generated from the committed openapi.yaml with
openapi-python-client (a tool nobody here wrote), against the Atlas served by
gunicorn: every module imports (the token endpoint's too), and the client
lists, filters, pages, fetches, gets a token, creates a record with it and
changes a published one with If-Match."""

import importlib
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest
from rest_framework.authtoken.models import Token

from tests import factories
from tests.production.conftest import BASE_DIR

GENERATOR = str(Path(sys.executable).with_name("openapi-python-client"))
PASSWORD = "correct horse battery"


@pytest.fixture(scope="module")
def atlas_client(tmp_path_factory):
    """The package openapi-python-client writes for openapi.yaml, importable."""
    where = tmp_path_factory.mktemp("generated")
    config = where / "config.yaml"
    config.write_text("post_hooks: []\n")  # no formatter run: not what we test
    subprocess.run(  # noqa: S603
        [
            GENERATOR,
            "generate",
            "--path",
            str(BASE_DIR / "openapi.yaml"),
            "--meta",
            "none",
            "--output-path",
            str(where / "atlas_client"),
            "--config",
            str(config),
        ],
        check=True,
        capture_output=True,
        text=True,
        timeout=300,
    )
    sys.path.insert(0, str(where))
    try:
        package = importlib.import_module("atlas_client")
        yield package
    finally:
        sys.path.remove(str(where))
        for name in [name for name in sys.modules if name.startswith("atlas_client")]:
            del sys.modules[name]


def test_every_generated_module_imports(atlas_client):
    broken = {}
    for module in pkgutil.walk_packages(atlas_client.__path__, "atlas_client."):
        try:
            importlib.import_module(module.name)
        except Exception as error:
            broken[module.name] = repr(error)
    assert not broken
    assert importlib.import_module("atlas_client.api.auth.auth_token_create")


def api(name):
    return importlib.import_module(f"atlas_client.api.{name}")


def test_the_generated_client_reads_and_writes(
    atlas_client, served_database, gunicorn, editor, settings
):
    # The server checks passwords with the production hashers, not the
    # suite's fast one.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]
    editor.set_password(PASSWORD)
    editor.save()
    lithuania = factories.country("LT", "Lithuania")
    latvia = factories.country("LV", "Latvia")
    for n in range(3):
        factories.threat(slug=f"lt-{n}", title=f"Lithuanian {n}", targets=[lithuania])
    factories.threat(slug="lv-0", title="Latvian", targets=[latvia])
    server = gunicorn({"DATABASE_URL": served_database})

    from atlas_client import AuthenticatedClient, Client

    anonymous = Client(base_url=server.url, raise_on_unexpected_status=True)
    threats_list = api("threats.threats_list")

    # List, filter, page.
    everything = threats_list.sync(client=anonymous)
    assert everything.count == 4
    assert {row.slug for row in everything.results} == {"lt-0", "lt-1", "lt-2", "lv-0"}
    latvian = threats_list.sync(client=anonymous, target=["LV"])
    assert [row.slug for row in latvian.results] == ["lv-0"]
    first = threats_list.sync(client=anonymous, target=["LT"], page_size=2)
    second = threats_list.sync(client=anonymous, target=["LT"], page_size=2, page=2)
    assert first.count == 3
    assert len(first.results) == 2
    assert first.next_.startswith(server.url)
    assert len(second.results) == 1
    assert second.next_ is None
    # Fetch one, with the ETag a write needs.
    fetched = api("threats.threats_retrieve").sync_detailed(
        client=anonymous, slug="lv-0"
    )
    assert fetched.status_code == 200
    assert fetched.parsed.title == "Latvian"
    assert fetched.parsed.target_countries[0].iso2 == "LV"
    etag = fetched.headers["ETag"]

    # A token for the editor's username and password.
    models = importlib.import_module("atlas_client.models")
    answer = api("auth.auth_token_create").sync_detailed(
        client=anonymous,
        body=models.AuthTokenRequest(username=editor.username, password=PASSWORD),
    )
    assert answer.status_code == 200, answer.content
    token = answer.parsed
    assert token.token == Token.objects.get(user=editor).key
    writer = AuthenticatedClient(
        base_url=server.url,
        token=token.token,
        prefix="Token",
        raise_on_unexpected_status=True,
    )

    # Create with the token: a draft.
    source = factories.source()
    created = api("threats.threats_create").sync_detailed(
        client=writer,
        body=models.ThreatEntryRequest.from_dict(
            {
                "slug": "from-a-client",
                "title": "Written by a generated client",
                "category": "cyber-attack",
                "occurred_start": "2024-03-01",
                "occurred_start_precision": "month",
                "target_countries": ["LT"],
                "sources": [source.pk],
            }
        ),
    )
    assert created.status_code == 201, created.content
    assert created.parsed.publication_status.value == "draft"
    assert created.parsed.slug == "from-a-client"

    # PATCH a published record with If-Match: an editor's change waits for a
    # reviewer (202, a revision); a stale ETag is refused (412).
    patch = api("threats.threats_partial_update")
    change = models.PatchedThreatEntryRequest.from_dict(
        {"severity": 3, "change_reason": "A second source."}
    )
    proposed = patch.sync_detailed(
        client=writer, slug="lv-0", body=change, if_match=etag
    )
    assert proposed.status_code == 202, proposed.content
    assert proposed.parsed.status.value == "pending"
    stale = patch.sync_detailed(
        client=writer, slug="lv-0", body=change, if_match='"1-0"'
    )
    assert stale.status_code == 412
