"""Writable records: explicit fields, their own ``url`` and the model's rules
(core/api/validation.py); rows written with their parent record; the bodies of
workflow steps and of ``/deletions/``."""

import copy
from collections.abc import Mapping

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models
from django.utils.encoding import force_str
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import (
    serializers,
)
from rest_framework.settings import api_settings

from core.api.fields import ApiUrlField, BriefRelatedField, api_url
from core.api.validation import (
    _flatten,
    _key_value,
    _merge,
    _model_to_serializer_names,
    constraint_error,
    nested_duplicates,
)
from core.models import Deletion, Revision, deletion_kinds
from core.publication import is_hidden
from core.revisions import differences

# Shown on the four reviewed resources; changed only by the workflow endpoints.
WORKFLOW_FIELDS = [
    "publication_status",
    "published_at",
    "retracted_at",
    "retraction_reason",
    "last_verified",
]


# DRF fields that show a model value unchanged (str, int or None).
PLAIN_FIELDS = (
    serializers.CharField,
    serializers.SlugField,
    serializers.EmailField,
    serializers.ChoiceField,
    serializers.IntegerField,
    serializers.BooleanField,
)


def json_type_error(field, value):
    """DRF's own message when ``value`` is not of the JSON type the schema
    gives ``field`` (null is left to the field: allow_null decides)."""
    if value is None:
        return None
    if isinstance(field, serializers.ChoiceField):
        keys = [key for key in field.choices if key != ""]
        if keys and all(isinstance(key, int) for key in keys):
            expected = (int,)
        elif keys and all(isinstance(key, str) for key in keys):
            expected = (str,)
        else:
            return None
        code = "invalid_choice"
    elif isinstance(field, serializers.BooleanField):
        expected, code = (bool,), "invalid"
    elif isinstance(field, serializers.CharField):  # slugs, URLs, e-mail too
        expected, code = (str,), None
    elif isinstance(field, serializers.IntegerField):
        expected, code = (int,), "invalid"
    elif isinstance(field, serializers.FloatField | serializers.DecimalField):
        expected, code = (int, float), "invalid"
    else:
        return None
    if isinstance(value, expected) and (
        bool in expected or not isinstance(value, bool)
    ):
        return None
    if code is None:  # a slug's own "invalid" is about its letters
        message = serializers.CharField.default_error_messages["invalid"]
    else:
        message = field.error_messages[code]
    return force_str(message).format(input=value)


# A body's values of the JSON types the schema gives them: ``"slug": 0`` or
# ``"severity": "2"`` is a 400, not quietly converted (DRF turns numbers into
# text and text into numbers). (No docstring: the schema would show it as the
# description of every body without its own.)
class StrictJSONTypes:
    def to_internal_value(self, data):
        if isinstance(data, Mapping):
            errors = {}
            for field in self._writable_fields:
                if field.field_name in data:
                    message = json_type_error(field, data[field.field_name])
                    if message:
                        errors[field.field_name] = [message]
            if errors:
                raise serializers.ValidationError(errors)
        return super().to_internal_value(data)


class AtlasModelSerializer(StrictJSONTypes, serializers.ModelSerializer):
    """A writable record: explicit fields, its own ``url``, and the model's rules.

    ``validate()`` builds the record as it would be saved and runs the model's
    ``clean()`` and each of its constraints, the way a Django form does; DRF on
    its own checks only some unique constraints, and a CheckConstraint or
    ExclusionConstraint would surface as an IntegrityError (HTTP 500).
    ``parent_field`` names the foreign key of a record nested in another one
    (set when the parent is saved, so not checked here).
    """

    brief = None
    parent_field = None
    url = ApiUrlField()
    # Listed in each resource's fields (not in rows written with their parent).
    change_reason = serializers.CharField(
        write_only=True,
        required=False,
        allow_blank=True,
        max_length=1000,
        help_text=_(
            "Why you make this change; kept in the record's history. Required "
            "when changing a published or retracted record, or a row of one "
            "(a membership of a published organisation, say)."
        ),
    )

    def get_validators(self):
        # DRF's UniqueTogetherValidator reports under non_field_errors with a
        # generic message; validate() reports the model's message on the fields.
        return []

    # Reading ------------------------------------------------------------------------
    # A long list spends most of its time in DRF's per-field machinery, so
    # fields whose model value is already what JSON shows (text, numbers, choice
    # values, dates) are read straight off the instance, and lists of brief
    # records straight from the prefetch cache. Everything else goes through
    # its DRF field as usual.

    def _reading_plan(self):
        plan = self.__dict__.get("_plan")
        if plan is None:
            plan = []
            for field in self._readable_fields:
                attrs = field.source_attrs
                kind = "field"
                if len(attrs) == 1 and field.source != "*":
                    if type(field) in PLAIN_FIELDS:
                        kind = "plain"
                    elif type(field) is serializers.DateField and getattr(
                        field, "format", api_settings.DATE_FORMAT
                    ) in (None, "iso-8601"):
                        kind = "date"
                    elif isinstance(field, serializers.ManyRelatedField) and isinstance(
                        field.child_relation, BriefRelatedField
                    ):
                        kind = "briefs"
                    elif isinstance(field, serializers.ListSerializer) and isinstance(
                        field.child, AtlasModelSerializer
                    ):
                        kind = "rows"
                plan.append((field.field_name, field, attrs[0] if attrs else "", kind))
            self._plan = plan
        return plan

    def to_representation(self, instance):
        request = self.context.get("request")
        data = {}
        for name, field, attr, kind in self._reading_plan():
            if kind == "plain":
                data[name] = getattr(instance, attr)
            elif kind == "date":
                value = getattr(instance, attr)
                data[name] = value.isoformat() if value is not None else None
            elif kind == "briefs":
                cache = getattr(instance, "_prefetched_objects_cache", {})
                rows = cache[attr] if attr in cache else getattr(instance, attr).all()
                represent = field.child_relation.brief.represent
                data[name] = [
                    represent(row, request)
                    for row in rows
                    if not is_hidden(row, request)
                ]
            elif kind == "rows":
                cache = getattr(instance, "_prefetched_objects_cache", {})
                rows = cache[attr] if attr in cache else getattr(instance, attr).all()
                data[name] = [
                    field.child.to_representation(row)
                    for row in rows
                    if field.child.shown(row, request)
                ]
            else:
                try:
                    attribute = field.get_attribute(instance)
                except serializers.SkipField:
                    continue
                data[name] = (
                    None if attribute is None else field.to_representation(attribute)
                )
        return data

    def build_for_validation(self, attrs):
        model = self.Meta.model
        concrete = {
            field.name
            for field in model._meta.concrete_fields
            if not field.many_to_many
        }
        # A copy: a refused write must not leave changed values on the instance.
        if isinstance(self.instance, models.Model):
            record = copy.copy(self.instance)
        else:
            record = model()
        for name, value in attrs.items():
            if name in concrete:
                setattr(record, name, value)
        return record

    def validate(self, attrs):
        attrs = super().validate(attrs)
        record = self.build_for_validation(attrs)
        errors = {}
        names = _model_to_serializer_names(self)
        exclude = {self.parent_field} if self.parent_field else set()
        try:
            record.clean()
        except DjangoValidationError as error:
            for field, messages in error.update_error_dict({}).items():
                exclude.add(field)
                key = (
                    names.get(field, api_settings.NON_FIELD_ERRORS_KEY)
                    if field != NON_FIELD_ERRORS
                    else api_settings.NON_FIELD_ERRORS_KEY
                )
                _merge(errors, {key: [force_str(m) for m in _flatten(messages)]})
        for constraint in record._meta.constraints:
            try:
                constraint.validate(type(record), record, exclude=exclude)
            except DjangoValidationError as error:
                _merge(errors, constraint_error(self, constraint, error))
        for name, field in self.nested_fields().items():
            if field.source in attrs:
                duplicates = nested_duplicates(field, attrs[field.source])
                if duplicates:
                    _merge(errors, {name: duplicates})
        if errors:
            raise serializers.ValidationError(errors)
        return attrs

    # Rows written with their parent (NestedRowSerializer lists) -------------------

    def nested_fields(self):
        return {
            name: field
            for name, field in self.fields.items()
            if isinstance(field, NestedListSerializer) and not field.read_only
        }

    def _pop_nested(self, validated_data):
        return {
            field: validated_data.pop(field.source)
            for field in self.nested_fields().values()
            if field.source in validated_data
        }

    def create(self, validated_data):
        # The viewset has put the reason in the history context already.
        validated_data.pop("change_reason", None)
        nested = self._pop_nested(validated_data)
        instance = super().create(validated_data)
        for field, items in nested.items():
            field.save_for(instance, items)
        return instance

    def update(self, instance, validated_data):
        validated_data.pop("change_reason", None)
        nested = self._pop_nested(validated_data)
        instance = super().update(instance, validated_data)
        for field, items in nested.items():
            field.save_for(instance, items)
        return instance


class NestedListSerializer(serializers.ListSerializer):
    """Rows that belong to their parent (agreement parties, exercise locations),
    written as a whole list: rows are matched by ``key``, updated, added or
    removed, so unchanged rows keep their ids."""

    def save_for(self, parent, items):
        child = self.child
        model = child.Meta.model
        existing = {
            child.row_key(row): row
            for row in model._default_manager.filter(**{child.parent_field: parent})
        }
        keep = set()
        for data in items:
            key = child.row_key_from_data(data)
            row = existing.get(key)
            if row is None:
                row = model(**{child.parent_field: parent})
            for name, value in data.items():
                setattr(row, name, value)
            row.save()
            keep.add(row.pk)
        model._default_manager.filter(**{child.parent_field: parent}).exclude(
            pk__in=keep
        ).delete()


class NestedRowSerializer(AtlasModelSerializer):
    """A row in a parent record (see ``NestedListSerializer``)."""

    url = None
    key_fields = ()

    class Meta:
        list_serializer_class = NestedListSerializer

    def row_key(self, row):
        opts = self.Meta.model._meta
        return tuple(
            _key_value(getattr(row, opts.get_field(name).attname))
            for name in self.key_fields
        )

    def row_key_from_data(self, data):
        return tuple(_key_value(data.get(name)) for name in self.key_fields)

    def shown(self, row, request):
        """A row naming an unpublished record (an agreement party that is a
        draft organisation) is left out for those who may not see it."""
        return not any(
            is_hidden(getattr(row, field.source), request)
            for field in self.fields.values()
            if isinstance(field, BriefRelatedField)
        )


class TransitionSerializer(StrictJSONTypes, serializers.Serializer):
    reason = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=1000,
        help_text=_(
            "Why: kept in the record's history. Required to retract (it is shown "
            "publicly); otherwise a standard reason is recorded."
        ),
    )


class DeletionSerializer(serializers.ModelSerializer):
    # The tracked models' kinds, read when the API's URLs load (apps are ready).
    kind = serializers.ChoiceField(choices=deletion_kinds())
    id = serializers.IntegerField(source="object_id", read_only=True)

    class Meta:
        model = Deletion
        fields = ["kind", "id", "slug", "deleted", "retracted", "reason"]
        extra_kwargs = {
            "slug": {"allow_null": True},
            "deleted": {"help_text": _("When it was deleted or retracted.")},
            "reason": {"help_text": _("Why it was retracted (empty for deletions).")},
        }

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["slug"] = data["slug"] or None
        return data


class RevisionSerializer(serializers.ModelSerializer):
    """A change an editor proposed to a published record, old against new."""

    url = serializers.SerializerMethodField(help_text=_("The revision in the API."))
    record = serializers.SerializerMethodField(
        help_text=_("The published record the change is to.")
    )
    target = serializers.SerializerMethodField(
        help_text=_(
            "What the change writes: `kind` (API resource) and `id`; the record "
            "itself, or one of its rows (a membership). `id` is null for a row "
            "to add."
        )
    )
    author = serializers.SlugRelatedField(slug_field="username", read_only=True)
    decided_by = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )
    changes = serializers.SerializerMethodField(
        help_text=_("Each field (or list of rows) before and after.")
    )

    class Meta:
        model = Revision
        fields = [
            "id",
            "url",
            "status",
            "action",
            "record",
            "target",
            "reason",
            "changes",
            "author",
            "created",
            "decided_by",
            "decided_at",
            "decision_note",
        ]
        read_only_fields = fields

    def get_url(self, obj) -> str:
        return api_url(self.context.get("request"), "revision", obj.pk)

    @extend_schema_field(
        {
            "type": "object",
            "required": ["kind", "id", "name", "url"],
            "properties": {
                "kind": {"type": "string"},
                "id": {"type": "integer"},
                "name": {"type": "string"},
                "url": {"type": "string", "format": "uri", "nullable": True},
            },
        }
    )
    def get_record(self, obj):
        model = obj.record_model
        record = obj.get_record()
        key = getattr(record, "slug", obj.record_id) if record else obj.record_id
        return {
            "kind": model.api_kind,
            "id": obj.record_id,
            "name": str(record) if record else "",
            "url": api_url(self.context.get("request"), model._meta.model_name, key)
            if record
            else None,
        }

    @extend_schema_field(
        {
            "type": "object",
            "required": ["kind", "id"],
            "properties": {
                "kind": {"type": "string"},
                "id": {"type": "integer", "nullable": True},
            },
        }
    )
    def get_target(self, obj):
        model = obj.target_model
        return {
            "kind": getattr(model, "api_kind", model._meta.model_name),
            "id": obj.target_id,
        }

    @extend_schema_field(
        {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["field", "before", "after"],
                "properties": {
                    "field": {"type": "string"},
                    "before": {"type": "string"},
                    "after": {"type": "string"},
                },
            },
        }
    )
    def get_changes(self, obj):
        return [difference.as_dict() for difference in differences(obj)]


class DecisionSerializer(StrictJSONTypes, serializers.Serializer):
    note = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=1000,
        help_text=_("The reviewer's note to the editor (why it was rejected)."),
    )
