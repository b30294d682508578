"""The Editors and Reviewers groups, kept in step with the models.

Editors add, change, delete and view the domain records and may view their
history (the *Event models that django-pghistory keeps), but may not change that
history or publish. Reviewers may publish and retract (the ``publish_*``
permissions) and view everything an editor sees; a person who edits and reviews
belongs to both.

The domain apps are those whose models build on the kernel's
``TimeStampedModel``, so a new model or app gets its permissions into the groups
at the next ``migrate`` (post_migrate), with no data migration. Migrations
0001 and 0003 first set the groups up the same way; this is the rule now.
"""

from django.apps import apps as global_apps
from django.contrib.auth.management import create_permissions
from django.db.models import Q

EDITORS, REVIEWERS = "Editors", "Reviewers"


def domain_app_labels(apps=global_apps):
    from core.models import TimeStampedModel

    return sorted(
        {
            model._meta.app_label
            for model in apps.get_models()
            if issubclass(model, TimeStampedModel)
        }
    )


def sync_groups(apps=global_apps, verbosity=0, using="default"):
    """Create the two groups if missing and give them exactly their permissions."""
    labels = domain_app_labels()
    for label in labels:
        # Permissions are created after migrate for each app in turn; make sure
        # every domain app's exist before they are granted.
        create_permissions(
            apps.get_app_config(label), verbosity=verbosity, using=using, apps=apps
        )
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    domain = Permission.objects.using(using).filter(content_type__app_label__in=labels)
    history = Q(content_type__model__endswith="event")
    publish = Q(codename__startswith="publish_")
    view = Q(codename__startswith="view_")
    editors, _created = Group.objects.using(using).get_or_create(name=EDITORS)
    editors.permissions.set(domain.exclude(history & ~view).exclude(publish))
    reviewers, _created = Group.objects.using(using).get_or_create(name=REVIEWERS)
    reviewers.permissions.set(domain.filter(publish | view))


def sync_groups_after_migrate(
    sender, apps=global_apps, verbosity=1, using="default", **kwargs
):
    """post_migrate receiver (for the kernel app: once per migrate)."""
    sync_groups(apps=global_apps, verbosity=0, using=using)
