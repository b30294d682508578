"""The Editors and Reviewers groups follow the models: core/permissions.py syncs
them after every migrate, so a new model needs no data migration."""

import pytest
from django.apps import apps
from django.contrib.auth.models import Group, Permission
from django.core.management.sql import emit_post_migrate_signal

from core.permissions import domain_app_labels

pytestmark = pytest.mark.django_db


def codenames(group):
    return set(group.permissions.values_list("codename", flat=True))


def test_the_domain_apps_are_found_not_listed():
    assert domain_app_labels() == ["alliances", "exercises", "threats"]


def test_migrate_puts_the_groups_back_as_the_rule_says():
    editors = Group.objects.get(name="Editors")
    editors.permissions.clear()
    editors.permissions.add(Permission.objects.get(codename="change_user"))
    Group.objects.filter(name="Reviewers").delete()

    emit_post_migrate_signal(verbosity=0, interactive=False, db="default")

    editors = codenames(Group.objects.get(name="Editors"))
    reviewers = codenames(Group.objects.get(name="Reviewers"))
    assert "change_user" not in editors
    assert {"add_threatentry", "change_threatentry", "delete_threatentry"} <= editors
    assert {"view_threatentryevent"} <= editors
    assert not {"change_threatentryevent", "publish_threatentry"} & editors
    assert {"publish_threatentry", "view_threatentry"} <= reviewers
    assert "change_threatentry" not in reviewers


def test_every_domain_model_reaches_the_groups():
    editors = codenames(Group.objects.get(name="Editors"))
    reviewers = codenames(Group.objects.get(name="Reviewers"))
    for label in domain_app_labels():
        for model in apps.get_app_config(label).get_models():
            name = model._meta.model_name
            assert f"view_{name}" in editors, name
            assert f"view_{name}" in reviewers, name
            if not name.endswith("event"):
                assert f"change_{name}" in editors, name
