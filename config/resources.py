"""Bulk import and export in the admin (django-import-export).

``RESOURCES`` maps each domain model to the Resource that reads and writes it
(natural keys for related rows, formula escaping on export). The admin asks
``resource_for(model)``.
"""

from import_export import resources

RESOURCES = {}


def register(model):
    """Class decorator: ``@register(ThreatEntry) class ThreatEntryResource(...)``."""

    def wrapper(resource_class):
        RESOURCES[model] = resource_class
        return resource_class

    return wrapper


def resource_for(model):
    if model in RESOURCES:
        return RESOURCES[model]
    return resources.modelresource_factory(model)
