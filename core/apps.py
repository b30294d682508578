from django.apps import AppConfig
from django.db.models.signals import (
    post_delete,
    post_migrate,
    post_save,
    pre_delete,
    pre_save,
)
from django.utils.translation import gettext_lazy as _


class AtlasConfig(AppConfig):
    """The kernel: shared model bases, workflow, publication, the API base,
    template tags and management commands. Its label stays "atlas", which its
    migrations and permissions were created under."""

    name = "core"
    label = "atlas"
    verbose_name = _("Baltic Security Atlas")

    def ready(self):
        from django.apps import apps as global_apps

        from core import dataversion, searchwords, timestamps, triggers
        from core.models import (
            Deletion,
            TimeStampedModel,
            note_stored_values,
            refresh_embedding_records,
            tracked_models,
        )
        from core.permissions import sync_groups_after_migrate

        # History triggers after migrate, forwards and backwards (core/triggers.py).
        triggers.connect(self)
        # The data version's triggers on the public tables, likewise.
        dataversion.connect(self)
        # The search vocabulary's triggers on the searchable tables, likewise.
        searchwords.connect(self)
        # Timestamps parsed by psycopg's C loader, not Django's Python one.
        timestamps.connect()

        # Deletions are kept for API clients that mirror the data (/api/v1/deletions/).
        for model in tracked_models():
            post_delete.connect(
                Deletion.record,
                sender=model,
                weak=False,
                dispatch_uid=f"deletion-{model._meta.label}",
            )
        # A change to what a record shows of another (an actor's name on its
        # threat entries) gives that record a new ``updated`` for mirrors.
        for model in global_apps.get_models():
            if issubclass(model, TimeStampedModel):
                pre_save.connect(
                    note_stored_values,
                    sender=model,
                    weak=False,
                    dispatch_uid=f"stored-{model._meta.label}",
                )
                for signal in (post_save, pre_delete):
                    signal.connect(
                        refresh_embedding_records,
                        sender=model,
                        weak=False,
                        dispatch_uid=f"refresh-{signal is post_save}-{model._meta.label}",
                    )
        # The Editors and Reviewers groups follow the models (core/permissions.py).
        post_migrate.connect(
            sync_groups_after_migrate, sender=self, dispatch_uid="atlas-sync-groups"
        )
