from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AtlasConfig(AppConfig):
    """Project-wide pieces: shared model bases, template tags, the Editors group."""

    name = "config"
    label = "atlas"
    verbose_name = _("Baltic Security Atlas")
