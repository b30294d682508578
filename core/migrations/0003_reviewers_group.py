"""The Reviewers group, and Editors limited to the domain records themselves.

Editors add, change, delete and view the domain records and may view their
history (the *Event models that django-pghistory keeps), but may not change that
history or publish. Reviewers may publish and retract (the publish_* permissions)
and view everything an editor sees; a person who edits and reviews belongs to both.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations
from django.db.models import Q

DOMAIN_APPS = ["alliances", "exercises", "threats"]


def set_up_groups(apps, schema_editor):
    for label in DOMAIN_APPS:
        app_config = apps.get_app_config(label)
        app_config.models_module = True
        create_permissions(app_config, verbosity=0, apps=apps)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    domain = Permission.objects.filter(content_type__app_label__in=DOMAIN_APPS)
    history = Q(content_type__model__endswith="event")
    publish = Q(codename__startswith="publish_")
    view = Q(codename__startswith="view_")
    editors, _created = Group.objects.get_or_create(name="Editors")
    editors.permissions.set(domain.exclude(history & ~view).exclude(publish))
    reviewers, _created = Group.objects.get_or_create(name="Reviewers")
    reviewers.permissions.set(domain.filter(publish | view))


def remove_reviewers_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name="Reviewers").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("atlas", "0002_deletion"),
        ("alliances", "0005_workflow_history"),
        ("exercises", "0005_workflow_history"),
        ("threats", "0006_workflow_history"),
    ]

    operations = [migrations.RunPython(set_up_groups, remove_reviewers_group)]
