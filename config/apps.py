from django.apps import AppConfig
from django.db.models.signals import post_delete
from django.utils.translation import gettext_lazy as _


class AtlasConfig(AppConfig):
    """Project-wide pieces: shared model bases, template tags, the Editors group."""

    name = "config"
    label = "atlas"
    verbose_name = _("Baltic Security Atlas")

    def ready(self):
        from config import triggers
        from config.models import Deletion

        # History triggers after migrate, forwards and backwards (config/triggers.py).
        triggers.connect(self)

        # Deletions are kept for API clients that mirror the data (/api/v1/deletions/).
        for label in Deletion.TRACKED:
            post_delete.connect(
                Deletion.record,
                sender=label,
                weak=False,
                dispatch_uid=f"deletion-{label}",
            )
