"""Management commands an operator runs by hand."""

import io
import os
import shutil
import subprocess

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

pytestmark = pytest.mark.django_db


def test_create_editor_makes_a_staff_member_of_the_editors_group(monkeypatch, capsys):
    monkeypatch.setenv("DJANGO_EDITOR_PASSWORD", "a long and unusual passphrase")
    call_command("create_editor", "rasa", email="rasa@example.org", no_input=True)
    user = get_user_model().objects.get(username="rasa")
    assert user.is_staff and not user.is_superuser
    assert list(user.groups.values_list("name", flat=True)) == ["Editors"]
    assert user.check_password("a long and unusual passphrase")
    assert "Created editor 'rasa'" in capsys.readouterr().out
    assert user.has_perm("threats.change_threatentry")
    assert not user.has_perm("auth.change_user")


def test_create_editor_refuses_a_weak_password(monkeypatch):
    monkeypatch.setenv("DJANGO_EDITOR_PASSWORD", "12345678")
    with pytest.raises(CommandError, match="Password rejected"):
        call_command("create_editor", "weak", no_input=True)
    assert not get_user_model().objects.filter(username="weak").exists()


def test_create_editor_without_a_password_says_how(monkeypatch):
    monkeypatch.delenv("DJANGO_EDITOR_PASSWORD", raising=False)
    with pytest.raises(CommandError, match="DJANGO_EDITOR_PASSWORD"):
        call_command("create_editor", "nobody", no_input=True)


def test_an_existing_user_is_promoted_without_changing_the_password(django_user_model):
    user = django_user_model.objects.create_user("jonas", password="kept password 42")
    call_command("create_editor", "jonas", no_input=True)
    user.refresh_from_db()
    assert user.is_staff and user.groups.filter(name="Editors").exists()
    assert user.check_password("kept password 42")


def _seed_files(tmp_path):
    """A small folder in the seed files' shape: a country, a source, and an
    organisation with one membership."""
    (tmp_path / "countries.yaml").write_text(
        "- iso2: LT\n  name: Lithuania\n  name_lt: Lietuva\n"
    )
    (tmp_path / "organisations.yaml").write_text(
        "- kind: organisation\n"
        "  id: org-b9\n"
        "  name: Bucharest Nine\n"
        "  acronym: B9\n"
        "  type: regional format\n"
        "  memberships:\n"
        "  - country: LT\n"
        "  sources:\n"
        "  - https://example.org/b9\n"
    )
    return tmp_path


def test_seed_loads_a_new_database_with_published_records(tmp_path):
    from alliances.models import Organisation

    out = io.StringIO()
    call_command("seed", fixtures=str(_seed_files(tmp_path)), stdout=out)

    b9 = Organisation.objects.get(slug="b9")
    assert b9.publication_status == "published"
    assert b9.published_at is not None
    assert Organisation.objects.published().count() == 1
    printed = out.getvalue()
    assert "Applying the migrations" in printed
    assert "as published records" in printed
    assert "The database is seeded." in printed


def test_seed_leaves_a_database_with_records_alone(tmp_path):
    from alliances.models import Organisation
    from tests import factories

    factories.organisation(name="Edited in the admin", slug="edited")
    out = io.StringIO()
    call_command("seed", fixtures=str(_seed_files(tmp_path)), stdout=out)

    assert list(Organisation.objects.values_list("slug", flat=True)) == ["edited"]
    assert "already holds records" in out.getvalue()


def test_seed_without_the_fixtures_folder_says_so(tmp_path):
    with pytest.raises(CommandError, match="no such folder"):
        call_command("seed", fixtures=str(tmp_path / "missing"))


def _database_url():
    """The test database for `make`: over the embedded server's socket or the
    server's TCP port, as the tests reach it."""
    from django.db import connection

    from tests.production.conftest import database_url

    return database_url(connection.settings_dict)


def _make(*args, env):
    from django.conf import settings

    # -o: the virtualenv and .env are taken as they are (never reinstalled here).
    return subprocess.run(  # noqa: S603
        [
            shutil.which("make"),
            "--no-print-directory",
            "-o",
            ".venv/.installed",
            "-o",
            ".env",
            *args,
        ],
        cwd=settings.BASE_DIR,
        env={**os.environ, **env},
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.mark.django_db(transaction=True)
def test_make_editor_works_without_a_terminal():
    env = {
        "DATABASE_URL": _database_url(),
        "DJANGO_EDITOR_PASSWORD": "a long and unusual passphrase",
    }
    done = _make("editor", "USERNAME=ona", "PASSWORD_FROM_ENV=1", env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Created editor 'ona'" in done.stdout
    user = get_user_model().objects.get(username="ona")
    # (hashed by the real settings' hasher, which the tests' settings may not list)
    assert user.is_staff and user.has_usable_password()

    done = _make("reviewer", "USERNAME=vida", "PASSWORD_FROM_ENV=1", env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert get_user_model().objects.get(username="vida").groups.count() == 2


def test_create_editor_without_a_terminal_says_how(monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO("typed\ntyped\n"))
    with pytest.raises(CommandError, match="PASSWORD_FROM_ENV=1"):
        call_command("create_editor", "nobody")
    assert not get_user_model().objects.filter(username="nobody").exists()
