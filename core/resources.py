"""Bulk import and export in the admin (django-import-export).

``RESOURCES`` maps each domain model to the Resource that reads and writes it;
the admin asks ``resource_for(model)``. Each app declares its resources in its
``resources.py`` with ``@register(Model)``.

What every resource does (``AtlasResource``):

- Related rows are written by their natural key: a country by its ISO code, a
  source by its URL, everything else by its slug (users by their username).
  Lists (sources, target countries, signatories, aliases) are separated by ``|``.
  An unknown key is an error on that row, never a silent omission.
- Rows are matched by the model's natural key (``import_id_fields``), so
  importing an edited export updates the records instead of duplicating them;
  unchanged rows are skipped and write nothing (no history event either).
- Every row goes through ``full_clean`` (the model's rules and database
  constraints), and the import is all or nothing: one bad row and nothing is
  saved, the preview lists each bad row with its errors.
- The editorial workflow fields are exported but never imported: new records
  start as drafts, an import cannot publish, and the importing user becomes the
  record's last editor (so they cannot publish it themselves).
- The import runs in one history context with the reason "Bulk import: <file>".
- Text that a spreadsheet would run as a formula ("=HYPERLINK(...)") is exported
  with a leading apostrophe, which an import removes again.
"""

import datetime

import pghistory
from django.contrib.auth import get_permission_codename
from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db import models
from django.utils.encoding import force_str
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext as _
from import_export import fields, resources, widgets

from core import revisions, workflow
from core.dates import DatePrecision, parse_vague_date
from core.exports import FORMULA_PREFIXES, escape_formula
from core.models import ReviewedRecord, Status
from core.publication import reviewed_parent

RESOURCES = {}
_discovered = []

# How a related row is named in a file, in order of preference.
NATURAL_KEY_FIELDS = ("iso2", "url", "slug", "username", "name")
LIST_SEPARATOR = "|"


def register(model):
    """Class decorator: ``@register(ThreatEntry) class ThreatEntryResource(...)``."""

    def wrapper(resource_class):
        RESOURCES[model] = resource_class
        return resource_class

    return wrapper


def resource_for(model):
    """The Resource class of ``model``; each app's resources.py registers its
    own, found by name the way the admin finds admin.py."""
    if not _discovered:
        autodiscover_modules("resources")
        _discovered.append(True)
    try:
        return RESOURCES[model]
    except KeyError:
        raise ImproperlyConfigured(
            f"{model._meta.label} has no import/export resource: register one in "
            f"{model._meta.app_label}/resources.py"
        ) from None


def natural_key_field(model):
    """The field that names a row of ``model`` in a file (iso2, url, slug...)."""
    names = {field.name for field in model._meta.get_fields()}
    for name in NATURAL_KEY_FIELDS:
        if name in names:
            return name
    raise ImproperlyConfigured(f"{model._meta.label} has no natural key field")


def _key(value, field):
    key = force_str(value).strip()
    return key.upper() if field == "iso2" else key


class NaturalKeyWidget(widgets.ForeignKeyWidget):
    """A related row by its natural key; an unknown key is an error on the row."""

    def clean(self, value, row=None, **kwargs):
        if value is None or force_str(value).strip() == "":
            return None
        key = _key(value, self.field)
        try:
            return self.model._default_manager.get(**{self.field: key})
        except self.model.DoesNotExist:
            raise ValueError(
                _("No %(model)s with %(field)s “%(key)s”.")
                % {
                    "model": self.model._meta.verbose_name,
                    "field": self.model._meta.get_field(self.field).verbose_name,
                    "key": key,
                }
            ) from None


class NaturalKeysWidget(widgets.ManyToManyWidget):
    """Related rows by their natural keys, separated by ``|``; all must exist."""

    def __init__(self, model, field):
        super().__init__(model, separator=LIST_SEPARATOR, field=field)

    def clean(self, value, row=None, **kwargs):
        if value is None or value == "":
            return []
        parts = force_str(value).split(self.separator)
        keys = [_key(part, self.field) for part in parts]
        keys = list(dict.fromkeys(key for key in keys if key))
        found = {
            getattr(obj, self.field): obj
            for obj in self.model._default_manager.filter(**{f"{self.field}__in": keys})
        }
        missing = [key for key in keys if key not in found]
        if missing:
            raise ValueError(
                _("No %(model)s with %(field)s %(keys)s.")
                % {
                    "model": self.model._meta.verbose_name,
                    "field": self.model._meta.get_field(self.field).verbose_name,
                    "keys": ", ".join(f"“{key}”" for key in missing),
                }
            )
        return [found[key] for key in keys]


class ListWidget(widgets.SimpleArrayWidget):
    """A list of texts (signatories, aliases), separated by ``|``."""

    def __init__(self):
        super().__init__(separator=LIST_SEPARATOR)

    def clean(self, value, row=None, **kwargs):
        if value is None or value == "":
            return []
        parts = (part.strip() for part in force_str(value).split(self.separator))
        return [part for part in parts if part]


class DateWidget(widgets.DateWidget):
    """ISO dates (YYYY-MM-DD); a spreadsheet's date cell is a date too.

    A vague date (one with a ``<name>_precision`` sibling) may also be written
    YYYY-MM or YYYY: it is kept at its first day, as everywhere in the Atlas,
    and an empty precision column is filled in from it.
    """

    def __init__(self, vague=False):
        super().__init__()
        self.vague = vague

    def clean(self, value, row=None, **kwargs):
        if value is None or force_str(value).strip() == "":
            return None
        if isinstance(value, datetime.datetime):
            return value.date()
        if isinstance(value, datetime.date):
            return value
        text = force_str(value).strip()
        try:
            day, precision = parse_vague_date(text)
        except ValueError:
            precision = None
        if precision == DatePrecision.DAY or (self.vague and precision):
            return day
        raise ValueError(
            _("“%(value)s” is not a date: write it as %(formats)s.")
            % {
                "value": text,
                "formats": "YYYY-MM-DD, YYYY-MM or YYYY"
                if self.vague
                else "YYYY-MM-DD",
            }
        )

    @staticmethod
    def precision(value):
        """The precision a vague date is written at ("2016-10" -> month)."""
        if isinstance(value, datetime.date):
            return DatePrecision.DAY
        try:
            return parse_vague_date(force_str(value).strip())[1]
        except ValueError:
            return ""  # the date column reports the error


def _unescape(value):
    """Undo ``escape_formula``: "'=1+1" in a file is the text "=1+1"."""
    escaped = (
        isinstance(value, str)
        and value.startswith("'")
        and value[1:].startswith(FORMULA_PREFIXES)
    )
    return value[1:] if escaped else value


class AtlasResource(resources.ModelResource):
    """The behaviour every domain model's resource shares (see the module doc)."""

    # Texts come back as "" when a cell is empty (a JSON null, a blank XLSX cell).
    WIDGETS_MAP = {
        **resources.ModelResource.WIDGETS_MAP,
        "TextField": widgets.CharWidget,
    }

    class Meta:
        clean_model_instances = True
        skip_unchanged = True
        report_skipped = True
        use_transactions = True

    @classmethod
    def field_from_django_field(cls, field_name, django_field, readonly):
        readonly = readonly or field_name in ReviewedRecord.WORKFLOW_FIELDS
        if django_field.many_to_many:
            related = django_field.related_model
            widget = NaturalKeysWidget(related, natural_key_field(related))
        elif django_field.is_relation:
            related = django_field.related_model
            widget = NaturalKeyWidget(related, natural_key_field(related))
        elif isinstance(django_field, ArrayField):
            widget = ListWidget()
        elif isinstance(django_field, models.DateField) and not isinstance(
            django_field, models.DateTimeField
        ):
            siblings = {field.name for field in django_field.model._meta.fields}
            widget = DateWidget(vague=f"{field_name}_precision" in siblings)
        else:
            return super().field_from_django_field(field_name, django_field, readonly)
        return fields.Field(
            attribute=field_name,
            column_name=field_name,
            widget=widget,
            readonly=readonly,
            default=django_field.default,
        )

    # -- import -----------------------------------------------------------------

    def import_data(
        self,
        dataset,
        dry_run=False,
        raise_errors=False,
        use_transactions=None,
        collect_failed_rows=False,
        rollback_on_validation_errors=False,
        **kwargs,
    ):
        """All or nothing, in one history context with the file's name as reason.

        Rolling back on validation errors matters for the admin's confirm step:
        a row that became invalid since the preview must not leave the others
        half-imported.
        """
        user, file_name = kwargs.get("user"), kwargs.get("file_name")
        metadata = {
            "reason": _("Bulk import: %(file)s") % {"file": file_name}
            if file_name
            else _("Bulk import")
        }
        if user is not None and user.is_authenticated:
            metadata["user"] = user.pk
        with pghistory.context(**metadata):
            return super().import_data(
                dataset,
                dry_run=dry_run,
                raise_errors=raise_errors,
                use_transactions=use_transactions,
                collect_failed_rows=collect_failed_rows,
                rollback_on_validation_errors=True,
                **kwargs,
            )

    def get_import_fields(self):
        # Read-only (workflow) columns are neither imported, nor compared to decide
        # whether a row changed, nor shown in the import preview.
        return [field for field in super().get_import_fields() if not field.readonly]

    def get_instance(self, instance_loader, row):
        try:
            return super().get_instance(instance_loader, row)
        except ValueError:
            # An unknown or malformed key: the row is new, and importing its
            # columns reports the error on the field.
            return None

    def before_import_row(self, row, **kwargs):
        for column, value in row.items():
            row[column] = _unescape(value)
        for field in self.get_import_fields():
            if not (isinstance(field.widget, DateWidget) and field.widget.vague):
                continue
            value = row.get(field.column_name)
            precision = f"{field.column_name}_precision"
            if value not in (None, "") and row.get(precision) in (None, ""):
                row[precision] = DateWidget.precision(value)

    def after_init_instance(self, instance, new, row, **kwargs):
        user = kwargs.get("user")
        if new and user is not None:
            opts = self._meta.model._meta
            if not user.has_perm(
                f"{opts.app_label}.{get_permission_codename('add', opts)}"
            ):
                raise ValidationError(
                    _(
                        "There is no %(model)s with this key yet, and you may not "
                        "add %(models)s."
                    )
                    % {
                        "model": opts.verbose_name,
                        "models": opts.verbose_name_plural,
                    }
                )

    def import_instance(self, instance, row, **kwargs):
        """Also check the many-to-many columns before anything is saved."""
        errors = {}
        try:
            super().import_instance(instance, row, **kwargs)
        except ValidationError as exc:
            errors = exc.update_error_dict(errors)
        for field in self.get_import_fields():
            if not isinstance(field.widget, widgets.ManyToManyWidget):
                continue
            name = field.attribute
            if field.column_name not in row:
                if name == "sources" and instance._state.adding:
                    errors.setdefault(name, []).append(self._no_source_message())
                continue
            try:
                values = field.clean(row)
            except ValueError as exc:
                errors.setdefault(name, []).append(str(exc))
                continue
            if name == "sources" and not values:
                errors.setdefault(name, []).append(self._no_source_message())
        if errors:
            raise ValidationError(errors)

    @staticmethod
    def _no_source_message():
        return _("Every record must cite at least one source (URLs separated by |).")

    def before_save_instance(self, instance, row, **kwargs):
        user = kwargs.get("user")
        record = (
            type(instance)._default_manager.filter(pk=instance.pk).first()
            if hasattr(instance, "publication_status") and instance.pk
            else reviewed_parent(instance)
        )
        if user is not None and revisions.needs_revision(user, record):
            # An import writes at once: it would bypass the review.
            raise ValidationError(
                _(
                    "“%(record)s” is published: an import cannot change it or its "
                    "rows. Change it on its admin page, where the change waits "
                    "for a reviewer."
                )
                % {"record": record}
            )
        if hasattr(instance, "publication_status"):
            if instance._state.adding:
                # Never trust a status from anywhere but the workflow.
                instance.publication_status = Status.DRAFT
            workflow.mark_edited(instance, kwargs.get("user"))

    def after_save_instance(self, instance, row, **kwargs):
        # A membership is part of its organisation's content, as in the admin.
        workflow.mark_parent_edited(reviewed_parent(instance), kwargs.get("user"))

    # -- export -----------------------------------------------------------------

    def filter_export(self, queryset, **kwargs):
        """The related rows every exported row names, in a fixed number of queries."""
        single = [
            field.attribute
            for field in self.fields.values()
            if isinstance(field.widget, widgets.ForeignKeyWidget)
        ]
        many = [
            field.attribute
            for field in self.fields.values()
            if isinstance(field.widget, widgets.ManyToManyWidget)
        ]
        return queryset.select_related(*single).prefetch_related(*many)

    def export_field(self, field, instance, **kwargs):
        value = super().export_field(field, instance, **kwargs)
        if value is None:
            # Binary formats get native values; an empty cell is empty, not "None".
            return ""
        return escape_formula(value)
