"""The Editors group: add, change, delete and view on the domain models, nothing else.

Permissions are normally created after migrations (post_migrate), so they are created
here first for the domain apps. A later migration that adds a domain model must add
its permissions to the group the same way.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

DOMAIN_APPS = ["alliances", "exercises", "threats"]


def create_editors_group(apps, schema_editor):
    for label in DOMAIN_APPS:
        app_config = apps.get_app_config(label)
        app_config.models_module = True
        create_permissions(app_config, verbosity=0, apps=apps)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    editors, _created = Group.objects.get_or_create(name="Editors")
    editors.permissions.set(
        Permission.objects.filter(content_type__app_label__in=DOMAIN_APPS)
    )


def remove_editors_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name="Editors").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("alliances", "0001_initial"),
        ("exercises", "0001_initial"),
        ("threats", "0002_threat_categories"),
    ]

    operations = [migrations.RunPython(create_editors_group, remove_editors_group)]
