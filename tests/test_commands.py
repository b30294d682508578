"""Management commands an operator runs by hand."""

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
