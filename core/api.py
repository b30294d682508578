"""The REST API's shared pieces (/api/v1/): what every resource has in common.

- ``BriefSerializer`` / ``BriefRelatedField``: related records shown in a brief
  form (id, url, slug or ISO code, name) and written by slug, ISO code or id.
- ``AtlasModelSerializer``: runs the model's ``clean()`` and every database
  constraint (CheckConstraint, ExclusionConstraint, UniqueConstraint on
  expressions) before saving, so a violation is a 400 with a message on the field.
- ``AtlasViewSet``: the page's FilterSet plus ``updated_since``, page-number or
  cursor pagination, CSV export of lists, ETag and ``If-Match`` (412), writes in
  a transaction with their ``change_reason`` in the history, and every record's
  ``history/``.
- Publication: anonymous clients and users without the model's view permission
  see published records only (and the rows of published records); a retracted
  record's URL answers 410 with the reason. ``ReviewedViewSet`` adds the
  editorial workflow (``submit/``, ``publish/``, ``send-back/``, ``retract/``).
- ``exception_handler``: IntegrityError -> 400 with field messages, a record
  still in use or a workflow step the record's state refuses -> 409, oversized
  body -> 413.
- ``AtlasAutoSchema``: documents anonymous reads, error responses, CSV and
  GeoJSON bodies, ``If-Match``/``ETag``.
- The API root, ``/deletions/`` (for mirroring) and the throttled token endpoint.
"""

import copy
import csv
import datetime
import io
import json
import re
from collections.abc import Mapping

import pghistory
from django import forms
from django.apps import apps
from django.conf import settings
from django.contrib.postgres.constraints import ExclusionConstraint
from django.core.exceptions import NON_FIELD_ERRORS, ObjectDoesNotExist
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError, IntegrityError, models, transaction
from django.db.models import F, ProtectedError, Q, RestrictedError
from django.db.models.constants import LOOKUP_SEP
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.encoding import force_str
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.contrib.django_filters import DjangoFilterExtension
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import (
    ResolvedComponent,
    build_array_type,
    build_parameter_type,
)
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    inline_serializer,
)
from rest_framework import (
    exceptions,
    mixins,
    pagination,
    parsers,
    permissions,
    renderers,
    serializers,
    status,
    viewsets,
)
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.decorators import (
    action,
    api_view,
    authentication_classes,
    permission_classes,
)
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView
from rest_framework.views import exception_handler as drf_exception_handler

from core import workflow
from core.exports import escape_formula
from core.history import PUBLIC_STATUSES, record_history
from core.models import Deletion, ReviewedRecord, Status, user_sees_unpublished

# -- URLs ---------------------------------------------------------------------------

_WEB_PLACEHOLDER = "x0key0x"


def _cached_prefix(request, key, build):
    """A URL prefix computed once per request: reverse() per row is slow."""
    cache = getattr(request, "_atlas_url_prefixes", None)
    if cache is None:
        cache = {}
        if request is not None:
            request._atlas_url_prefixes = cache
    if key not in cache:
        path = build()
        absolute = request is not None and path
        cache[key] = request.build_absolute_uri(path) if absolute else path
    return cache[key]


def api_url(request, basename, key):
    """Absolute URL of a record in the API: the list URL plus the key (routers
    build detail URLs as ``<prefix>/<lookup>/``)."""
    prefix = _cached_prefix(
        request, ("api", basename), lambda: reverse(f"api:{basename}-list")
    )
    return f"{prefix}{key}/"


def web_url(request, url_name, key):
    """Absolute URL of a record's public page, or None when it has none."""

    def build():
        try:
            return reverse(url_name, args=[_WEB_PLACEHOLDER])
        except NoReverseMatch:  # pragma: no cover - every named page exists
            return ""

    template = _cached_prefix(request, ("web", url_name), build)
    return template.replace(_WEB_PLACEHOLDER, str(key)) if template else None


@extend_schema_field(OpenApiTypes.URI)
class ApiUrlField(serializers.Field):
    """The record's own URL in the API."""

    def __init__(self, **kwargs):
        kwargs.update(source="*", read_only=True)
        super().__init__(**kwargs)

    def to_representation(self, obj):
        brief = getattr(self.parent, "brief", None) or type(self.parent)
        return brief.api_url(obj, self.context.get("request"))


@extend_schema_field({"type": "string", "format": "uri", "nullable": True})
class WebUrlField(serializers.Field):
    """The record's public page on the site."""

    def __init__(self, url_name, lookup_field="slug", **kwargs):
        self.url_name = url_name
        self.lookup_field = lookup_field
        kwargs.update(source="*", read_only=True)
        super().__init__(**kwargs)

    def to_representation(self, obj):
        return web_url(
            self.context.get("request"),
            self.url_name,
            getattr(obj, self.lookup_field),
        )


# -- Brief forms of related records -------------------------------------------------


class BriefSerializer(serializers.ModelSerializer):
    """A related record in brief: id, url, its key (slug or ISO code) and name.

    Subclasses name the router ``basename`` and ``lookup_field`` of the record's
    resource. Used through ``BriefRelatedField``, which renders the same keys
    straight from the model instance (a nested serializer per row costs several
    times more in long lists); the class itself documents the shape.
    """

    basename = None
    lookup_field = "slug"
    url = ApiUrlField()

    @classmethod
    def api_url(cls, obj, request):
        return api_url(request, cls.basename, getattr(obj, cls.lookup_field))

    @classmethod
    def plain_fields(cls):
        """(key, attribute) of the fields besides id and url, read once."""
        fields = cls.__dict__.get("_plain_fields")
        if fields is None:
            fields = [
                (name, field.source)
                for name, field in cls().fields.items()
                if name not in ("id", "url")
            ]
            cls._plain_fields = fields
        return fields

    @classmethod
    def represent(cls, obj, request):
        data = {"id": obj.pk, "url": cls.api_url(obj, request)}
        for name, attribute in cls.plain_fields():
            data[name] = getattr(obj, attribute)
        return data


class BriefRelatedField(serializers.RelatedField):
    """Shows a related record in its brief form; takes its slug, ISO code or id.

    ``/api/v1/threats/x`` shows ``"category": {"id": 3, "url": ..., "slug":
    "cyber-attack", "name": "Cyber attack"}`` and accepts ``"category":
    "cyber-attack"``.
    """

    default_error_messages = {
        "does_not_exist": _("There is no {model} “{value}”."),
        "incorrect_type": _("Give the {lookup} as text, not {data_type}."),
        "incorrect_pk_type": _("Give the id as a whole number, not {data_type}."),
        "null_characters": _("Null characters are not allowed."),
    }

    def __init__(self, brief, **kwargs):
        self.brief = brief
        self.write_field = brief.lookup_field
        if not kwargs.get("read_only"):
            kwargs.setdefault("queryset", brief.Meta.model._default_manager.all())
        super().__init__(**kwargs)

    def use_pk_only_optimization(self):
        return False

    def to_representation(self, value):
        request = self.context.get("request")
        if is_hidden(value, request):
            # An unpublished record (a draft parent organisation) is not named.
            return None
        return self.brief.represent(value, request)

    def to_internal_value(self, data):
        model = self.brief.Meta.model
        if self.write_field == "pk":
            if isinstance(data, bool) or not isinstance(data, int | str):
                self.fail("incorrect_pk_type", data_type=type(data).__name__)
            if isinstance(data, str) and not re.fullmatch(r"[0-9]{1,18}", data):
                self.fail("incorrect_pk_type", data_type="text")
            if isinstance(data, int) and not 0 < data < 2**63:
                self.fail("does_not_exist", model=model._meta.verbose_name, value=data)
        elif not isinstance(data, str):
            self.fail(
                "incorrect_type",
                lookup=self.write_field,
                data_type=type(data).__name__,
            )
        elif "\x00" in data:
            self.fail("null_characters")
        try:
            return self.get_queryset().get(**{self.write_field: data})
        except ObjectDoesNotExist:
            self.fail("does_not_exist", model=model._meta.verbose_name, value=data)

    # The browsable API's forms: options keyed by what a write takes.
    def get_choices(self, cutoff=None):
        queryset = self.get_queryset()
        if queryset is None:
            return {}
        if cutoff is not None:
            queryset = queryset[:cutoff]
        return {
            getattr(item, self.write_field): self.display_value(item)
            for item in queryset
        }


class BriefRelatedFieldExtension(OpenApiSerializerFieldExtension):
    """In the schema: a string (or an integer id) in requests, the brief object in
    responses."""

    target_class = "core.api.BriefRelatedField"
    match_subclasses = True

    def map_serializer_field(self, auto_schema, direction):
        brief = self.target.brief
        if direction == "request":
            model = brief.Meta.model._meta.verbose_name
            if brief.lookup_field == "pk":
                return {"type": "integer", "description": f"Id of the {model}."}
            return {
                "type": "string",
                "description": f"The {model}'s {brief.lookup_field}.",
            }
        return auto_schema.resolve_serializer(brief, direction).ref


# -- Publication: who sees what ------------------------------------------------------

# Shown on the four reviewed resources; changed only by the workflow endpoints.
WORKFLOW_FIELDS = [
    "publication_status",
    "published_at",
    "retracted_at",
    "retraction_reason",
    "last_verified",
]


def is_reviewed(model):
    """Records that go through review (organisations, agreements, exercises,
    threat entries)."""
    return isinstance(model, type) and issubclass(model, ReviewedRecord)


def sees_unpublished(request, model):
    """May the request's user see drafts, reviews and retractions of ``model``
    (its view permission)? Answered once per request and model."""
    if request is None:
        return False
    cache = getattr(request, "_atlas_sees_unpublished", None)
    if cache is None:
        cache = {}
        request._atlas_sees_unpublished = cache
    if model not in cache:
        cache[model] = user_sees_unpublished(getattr(request, "user", None), model)
    return cache[model]


def is_hidden(obj, request):
    """A reviewed record this request may not see (not published, no view
    permission)."""
    return (
        isinstance(obj, ReviewedRecord)
        and obj.publication_status != Status.PUBLISHED
        and not sees_unpublished(request, type(obj))
    )


class Gone(exceptions.APIException):
    """A retracted record: its URL says when and why it was withdrawn."""

    status_code = status.HTTP_410_GONE
    default_detail = _("This record was retracted: it is no longer part of the Atlas.")
    default_code = "retracted"

    def __init__(self, record):
        super().__init__()
        self.detail = {
            "detail": self.detail,
            "retracted_at": serializers.DateTimeField().to_representation(
                record.retracted_at
            )
            if record.retracted_at
            else None,
            "retraction_reason": record.retraction_reason,
        }


RETRACTED_SCHEMA = {
    "type": "object",
    "description": "A retracted record: withdrawn from the Atlas, with the reason.",
    "required": ["detail", "retracted_at", "retraction_reason"],
    "properties": {
        "detail": {"type": "string"},
        "retracted_at": {"type": "string", "format": "date-time", "nullable": True},
        "retraction_reason": {"type": "string"},
    },
}


# -- Validation: model rules and database constraints as field errors ---------------

# Constraints whose message belongs on fields other than all those it refers to.
CONSTRAINT_FIELDS = {
    "membership_no_overlap": ("joined", "left"),
    "attribution_unique": ("actor",),
}


def _referenced_fields(node, found):
    if isinstance(node, Q):
        for child in node.children:
            _referenced_fields(child, found)
    elif isinstance(node, tuple):
        lookup, value = node
        found.append(lookup.split(LOOKUP_SEP)[0])
        _referenced_fields(value, found)
    elif isinstance(node, F):
        found.append(node.name.split(LOOKUP_SEP)[0])
    elif hasattr(node, "get_source_expressions"):
        for expression in node.get_source_expressions():
            _referenced_fields(expression, found)
    return found


def constraint_fields(constraint):
    """The model fields a constraint's message is about, in order.

    ``x_end_not_before_start`` is about ``end``; ``x_start_precision`` about
    ``start_precision``; other constraints about every field they mention.
    """
    if constraint.name in CONSTRAINT_FIELDS:
        return list(CONSTRAINT_FIELDS[constraint.name])
    found = []
    if isinstance(constraint, models.CheckConstraint):
        _referenced_fields(constraint.condition, found)
    elif isinstance(constraint, ExclusionConstraint):
        for expression, _operator in constraint.expressions:
            _referenced_fields(expression, found)
    elif isinstance(constraint, models.UniqueConstraint):
        found.extend(constraint.fields)
        for expression in constraint.expressions:
            _referenced_fields(expression, found)
    fields = list(dict.fromkeys(name for name in found if name != "pk"))
    name = constraint.name
    if "_not_before_" in name:
        head = name.split("_not_before_")[0]
        chosen = [field for field in fields if head.endswith(f"_{field}")]
    else:
        chosen = [field for field in fields if name.endswith(f"_{field}")]
    return chosen or fields


def _model_to_serializer_names(serializer):
    """Model field name -> serializer field name (``url`` is ``document_url`` on
    sources, say)."""
    names = {}
    for field_name, field in serializer.fields.items():
        if field.source != "*":
            names.setdefault(field.source.split(".")[0], field_name)
    return names


def _message_text(error):
    messages = error.messages if hasattr(error, "messages") else [str(error)]
    return [force_str(message) for message in messages]


def constraint_error(serializer, constraint, error=None):
    """``{field: [message]}`` for a violated constraint, on the serializer's
    fields, or under ``non_field_errors`` when it names none of them."""
    if error is not None:
        messages = _message_text(error)
    else:
        messages = [force_str(constraint.get_violation_error_message())]
    names = _model_to_serializer_names(serializer) if serializer is not None else {}
    targets = [
        names[field] for field in constraint_fields(constraint) if field in names
    ]
    if not targets:
        targets = [api_settings.NON_FIELD_ERRORS_KEY]
    return {target: list(messages) for target in targets}


def _merge(errors, more):
    for key, messages in more.items():
        bucket = errors.setdefault(key, [])
        for message in messages:
            if message not in bucket:
                bucket.append(message)
    return errors


# DRF fields that show a model value unchanged (str, int or None).
PLAIN_FIELDS = (
    serializers.CharField,
    serializers.SlugField,
    serializers.EmailField,
    serializers.ChoiceField,
    serializers.IntegerField,
    serializers.BooleanField,
)


class AtlasModelSerializer(serializers.ModelSerializer):
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


def _flatten(messages):
    for message in messages:
        if isinstance(message, DjangoValidationError):
            yield from message.messages
        else:
            yield message


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


def _key_value(value):
    if isinstance(value, models.Model):
        return value.pk
    if value == "":
        return None
    return value


def nested_duplicates(list_field, items):
    """Messages for rows of one list that a unique constraint with the parent
    would refuse (two parties naming the same country, say)."""
    child = list_field.child
    messages = []
    for constraint in child.Meta.model._meta.constraints:
        if not (
            isinstance(constraint, models.UniqueConstraint)
            and child.parent_field in constraint.fields
        ):
            continue
        others = [name for name in constraint.fields if name != child.parent_field]
        seen = set()
        for data in items:
            key = tuple(_key_value(data.get(name)) for name in others)
            if None in key:  # the constraints here apply to rows with a value
                continue
            if key in seen:
                messages.append(force_str(constraint.get_violation_error_message()))
                break
            seen.add(key)
    return messages


# -- Parsing, pagination ------------------------------------------------------------


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = _("The request body is too large.")
    default_code = "too_large"


class PreconditionFailed(exceptions.APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = _(
        "The record has changed since you read it (If-Match does not match its "
        "ETag). Read it again and reapply your change."
    )
    default_code = "precondition_failed"


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = _("The record is still used by other records.")
    default_code = "conflict"


class LimitedJSONParser(parsers.JSONParser):
    """JSON bodies up to ``settings.API_MAX_BODY_SIZE`` bytes; larger ones get 413.

    DRF reads the request stream itself, so Django's DATA_UPLOAD_MAX_MEMORY_SIZE
    never applies to JSON bodies.
    """

    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.API_MAX_BODY_SIZE
        request = (parser_context or {}).get("request")
        length = request.META.get("CONTENT_LENGTH") if request is not None else None
        if length and length.isdigit() and int(length) > limit:
            raise PayloadTooLarge()
        body = stream.read(limit + 1) if stream is not None else b""
        if len(body) > limit:
            raise PayloadTooLarge()
        return super().parse(io.BytesIO(body), media_type, parser_context)


def _page_size(request, default, maximum):
    try:
        size = int(request.query_params.get("page_size", default))
    except (TypeError, ValueError):
        return default
    return min(max(size, 1), maximum)


class PageNumberPagination(pagination.BasePagination):
    """``?page=N&page_size=M``, without a COUNT(*) over the whole table.

    One extra row tells whether there is a next page. ``count`` is exact up to
    ``window`` records (a count over at most window + 1 rows, skipped when the
    first page holds everything) and null beyond; page-number paging stops at the
    window too, since deep OFFSET scans are slow: cursor pagination goes on.
    """

    page_size = 50
    max_page_size = 200
    window = 10_000

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        size = _page_size(request, self.page_size, self.max_page_size)
        page_text = request.query_params.get("page", "1")
        if not re.fullmatch(r"[0-9]{1,9}", page_text) or int(page_text) < 1:
            raise exceptions.NotFound(_("Invalid page."))
        self.page = int(page_text)
        offset = (self.page - 1) * size
        if offset >= self.window:
            raise exceptions.ValidationError(
                {
                    "page": [
                        _(
                            "Page-number paging reaches the first %(window)s "
                            "records; use pagination=cursor to go further."
                        )
                        % {"window": self.window}
                    ]
                }
            )
        rows = list(queryset[offset : offset + size + 1])
        self.has_next = len(rows) > size
        rows = rows[:size]
        if not rows and self.page > 1:
            raise exceptions.NotFound(_("Invalid page."))
        if not self.has_next:
            self.count = offset + len(rows)
        else:
            bounded = queryset.order_by()[: self.window + 1].count()
            self.count = bounded if bounded <= self.window else None
        self.size = size
        return rows

    def _link(self, page):
        url = self.request.build_absolute_uri()
        return pagination.replace_query_param(url, "page", page)

    def get_next_link(self):
        return self._link(self.page + 1) if self.has_next else None

    def get_previous_link(self):
        if self.page == 1:
            return None
        if self.page == 2:
            return pagination.remove_query_param(
                self.request.build_absolute_uri(), "page"
            )
        return self._link(self.page - 1)

    def get_paginated_response(self, data):
        return paginated_response(
            self.count, self.get_next_link(), self.get_previous_link(), data
        )


class CursorPagination(pagination.CursorPagination):
    """``?pagination=cursor``: pages in id order, each at the same cost however
    far in; follow ``next`` to walk a whole resource (with ``updated_since`` to
    fetch only what changed)."""

    ordering = ("id",)
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200

    def get_page_size(self, request):
        return _page_size(request, self.page_size, self.max_page_size)

    def decode_cursor(self, request):
        cursor = super().decode_cursor(request)
        if (
            cursor is not None
            and cursor.position is not None
            and not re.fullmatch(r"[0-9]{1,18}", str(cursor.position))
        ):
            raise exceptions.NotFound(self.invalid_cursor_message)
        return cursor

    def get_paginated_response(self, data):
        return paginated_response(
            None, self.get_next_link(), self.get_previous_link(), data
        )


def paginated_response(count, next_link, previous_link, results):
    links = []
    if next_link:
        links.append(f'<{next_link}>; rel="next"')
    if previous_link:
        links.append(f'<{previous_link}>; rel="prev"')
    headers = {"Link": ", ".join(links)} if links else None
    return Response(
        {
            "count": count,
            "next": next_link,
            "previous": previous_link,
            "results": results,
        },
        headers=headers,
    )


class AtlasPagination(pagination.BasePagination):
    """Page numbers by default; ``?pagination=cursor`` (or a ``cursor``) for sync."""

    modes = ("page", "cursor")

    def paginate_queryset(self, queryset, request, view=None):
        mode = request.query_params.get("pagination") or "page"
        if mode not in self.modes:
            raise exceptions.ValidationError(
                {"pagination": [_("Choose page or cursor.")]}
            )
        if mode == "cursor" or "cursor" in request.query_params:
            self.delegate = CursorPagination()
        else:
            self.delegate = PageNumberPagination()
        return self.delegate.paginate_queryset(queryset, request, view)

    def get_paginated_response(self, data):
        return self.delegate.get_paginated_response(data)

    def get_paginated_response_schema(self, schema):
        return {
            "type": "object",
            "required": ["count", "next", "previous", "results"],
            "properties": {
                "count": {
                    "type": "integer",
                    "nullable": True,
                    "description": (
                        "Records matching the filters, when there are at most "
                        f"{PageNumberPagination.window}; null beyond that and in "
                        "cursor pagination."
                    ),
                },
                "next": {"type": "string", "format": "uri", "nullable": True},
                "previous": {"type": "string", "format": "uri", "nullable": True},
                "results": schema,
            },
        }

    def get_schema_operation_parameters(self, view):
        return [
            {
                "name": "pagination",
                "in": "query",
                "required": False,
                "description": (
                    "page (default): page numbers, up to the first "
                    f"{PageNumberPagination.window} records. cursor: pages in id "
                    "order at constant cost; follow `next`."
                ),
                "schema": {"type": "string", "enum": list(self.modes)},
            },
            {
                "name": "page",
                "in": "query",
                "required": False,
                "description": "Page number (page pagination).",
                "schema": {"type": "integer", "minimum": 1},
            },
            {
                "name": "page_size",
                "in": "query",
                "required": False,
                "description": (
                    f"Records per page: {PageNumberPagination.page_size} by "
                    f"default, at most {PageNumberPagination.max_page_size}."
                ),
                "schema": {
                    "type": "integer",
                    "minimum": 1,
                    "maximum": PageNumberPagination.max_page_size,
                },
            },
            {
                "name": "cursor",
                "in": "query",
                "required": False,
                "description": "Opaque cursor from a `next`/`previous` link.",
                "schema": {"type": "string"},
            },
        ]


# -- Filtering ----------------------------------------------------------------------


def as_utc(value, param):
    """An aware datetime in UTC (PostgreSQL refuses offsets beyond ±15:59); a
    naive one is read in the site's time zone."""
    try:
        if timezone.is_naive(value):
            value = timezone.make_aware(value)
        return value.astimezone(datetime.UTC)
    except (OverflowError, ValueError):
        raise exceptions.ValidationError(
            {param: [force_str(_("Enter a date and time between years 1 and 9999."))]}
        ) from None


class UpdatedSinceFilter:
    """``?updated_since=<ISO 8601 date-time>``: records changed at or after it.

    A filter backend rather than a FilterSet field, so the pages' FilterSets are
    used unchanged. A time without offset is read in the site's time zone.
    """

    param = "updated_since"

    def filter_queryset(self, request, queryset, view):
        text = request.query_params.get(self.param)
        if text is None:
            return queryset
        field = forms.DateTimeField()
        try:
            value = field.clean(text)
        except DjangoValidationError as error:
            raise exceptions.ValidationError({self.param: error.messages}) from None
        if value is None:
            return queryset
        moment = as_utc(value, self.param)
        # A row of a reviewed record also counts as changed when its record
        # changed: a membership becomes public when its organisation is published.
        fields = ["updated"]
        if getattr(view, "parent_record", None):
            fields.append(f"{view.parent_record}__updated")
        condition = Q()
        for field in fields:
            condition |= Q(**{f"{field}__gte": moment})
        return queryset.filter(condition)

    def get_schema_operation_parameters(self, view):
        description = (
            "Only records created or changed at or after this moment (ISO "
            "8601, e.g. 2026-11-24T10:00:00Z). With /deletions/?since= a "
            "client keeps a copy in sync."
        )
        if getattr(view, "parent_record", None):
            description += (
                f" Rows whose {view.parent_record} changed since (was published, "
                "say) count as changed."
            )
        return [
            {
                "name": self.param,
                "in": "query",
                "required": False,
                "description": description,
                "schema": {"type": "string", "format": "date-time"},
            }
        ]


class PublicationStatusFilter:
    """``?publication_status=draft`` (repeatable) on the reviewed resources.

    It narrows what the user may see and never widens it: without the model's
    view permission only published records are listed, whatever is asked.
    """

    param = "publication_status"

    def filter_queryset(self, request, queryset, view):
        if not is_reviewed(queryset.model):
            return queryset
        values = [value for value in request.query_params.getlist(self.param) if value]
        if not values:
            return queryset
        unknown = [value for value in values if value not in Status.values]
        if unknown:
            raise exceptions.ValidationError(
                {
                    self.param: [
                        force_str(
                            _(
                                "“%(value)s” is not a publication status: use "
                                "%(choices)s."
                            )
                            % {"value": unknown[0], "choices": ", ".join(Status.values)}
                        )
                    ]
                }
            )
        return queryset.filter(publication_status__in=values)

    def get_schema_operation_parameters(self, view):
        queryset = getattr(view, "queryset", None)
        if queryset is None or not is_reviewed(queryset.model):
            return []
        return [
            {
                "name": self.param,
                "in": "query",
                "required": False,
                "description": (
                    "Records in these states of the editorial workflow. Only "
                    "users with the model's view permission (editors, reviewers) "
                    "see drafts, records in review and retracted records; for "
                    "everyone else lists hold published records only, whatever "
                    "this asks."
                ),
                "schema": {
                    "type": "array",
                    "items": {"type": "string", "enum": list(Status.values)},
                },
                "style": "form",
                "explode": True,
            }
        ]


class AtlasFilterExtension(DjangoFilterExtension):
    """Types for filters drf-spectacular cannot guess in the pages' FilterSets
    (which the API uses unchanged): a related record by slug, ISO code or id,
    filtered through a method or a path; repeated years."""

    target_class = "core.api.AtlasFilterBackend"
    priority = 1

    def resolve_filter_field(
        self, auto_schema, model, filterset_class, field_name, filter_field
    ):
        from django_filters import filters as django_filters

        related = (
            django_filters.ModelChoiceFilter,
            django_filters.ModelMultipleChoiceFilter,
        )
        if isinstance(filter_field, related):
            queryset = filter_field.extra.get("queryset")
            if callable(queryset):
                # Querysets that depend on the request (what the user may see)
                # still tell the model without one.
                queryset = queryset(None)
            to_field = filter_field.extra.get("to_field_name")
            item = {"type": "integer"}
            if to_field and hasattr(queryset, "model"):
                field = queryset.model._meta.get_field(to_field)
                if not isinstance(field, models.IntegerField | models.AutoField):
                    item = {"type": "string"}
            many = isinstance(filter_field, django_filters.ModelMultipleChoiceFilter)
        elif type(filter_field).__name__ == "YearsFilter":
            item, many = {"type": "integer", "minimum": 1, "maximum": 9999}, True
        else:
            return super().resolve_filter_field(
                auto_schema, model, filterset_class, field_name, filter_field
            )
        return [
            build_parameter_type(
                name=field_name,
                required=False,
                location=OpenApiParameter.QUERY,
                description=self._get_field_description(filter_field, None),
                schema=build_array_type(item) if many else item,
                explode=True if many else None,
                style="form" if many else None,
            )
        ]


class AtlasFilterBackend(filters.DjangoFilterBackend):
    """The resource's FilterSet, the same class its public list page uses.

    A NUL byte in any parameter is refused first: PostgreSQL cannot store it,
    and a lookup with one would fail in the database rather than in the form.
    """

    def filter_queryset(self, request, queryset, view):
        for name, values in request.query_params.lists():
            if "\x00" in name or any("\x00" in value for value in values):
                raise exceptions.ValidationError(
                    {name.replace("\x00", ""): [force_str(NUL_MESSAGE)]}
                )
        return super().filter_queryset(request, queryset, view)


NUL_MESSAGE = _("Null characters are not allowed.")


# -- Rendering ----------------------------------------------------------------------


def _flat(value):
    """A cell for CSV: brief objects by key, lists joined with '; '."""
    if value is None:
        return ""
    if isinstance(value, dict):
        for key in ("slug", "iso2", "document_url", "name", "title"):
            if value.get(key) not in (None, ""):
                return _flat(value[key])
        for item in value.values():  # an attribution: its actor
            if isinstance(item, dict):
                return _flat(item)
        return _flat(value.get("id"))
    if isinstance(value, list | tuple):
        return "; ".join(str(_flat(item)) for item in value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


class CSVRenderer(renderers.BaseRenderer):
    """A list page as CSV: one row per record, related records by slug or ISO
    code, sources by URL; cells that a spreadsheet would run as formulas are
    escaped."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        renderer_context = renderer_context or {}
        rows = data.get("results", []) if isinstance(data, dict) else data or []
        view = renderer_context.get("view")
        if rows:
            header = list(rows[0])
        elif view is not None:
            header = [
                name
                for name, field in view.get_serializer().fields.items()
                if not field.write_only
            ]
        else:  # pragma: no cover
            header = []
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(header)
        for row in rows:
            writer.writerow([escape_formula(_flat(row.get(key))) for key in header])
        response = renderer_context.get("response")
        if response is not None and view is not None:
            name = getattr(view, "export_name", None) or "records"
            response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
        return out.getvalue().encode(self.charset)


class GeoJSONRenderer(renderers.BaseRenderer):
    """A list page as a GeoJSON FeatureCollection of the records' located points
    (``view.geojson_features(row)``); records without coordinates are left out."""

    media_type = "application/geo+json"
    format = "geojson"
    charset = None

    def render(self, data, accepted_media_type=None, renderer_context=None):
        view = (renderer_context or {}).get("view")
        rows = data.get("results", []) if isinstance(data, dict) else []
        features = [feature for row in rows for feature in view.geojson_features(row)]
        collection = {"type": "FeatureCollection", "features": features}
        if isinstance(data, dict):
            collection["next"] = data.get("next")
            collection["previous"] = data.get("previous")
        return json.dumps(
            collection, cls=renderers.JSONRenderer.encoder_class, ensure_ascii=False
        ).encode()


def point_feature(feature_id, latitude, longitude, properties):
    return {
        "type": "Feature",
        "id": feature_id,
        "geometry": {"type": "Point", "coordinates": [longitude, latitude]},
        "properties": properties,
    }


GEOJSON_SCHEMA = {
    "type": "object",
    "required": ["type", "features"],
    "properties": {
        "type": {"type": "string", "enum": ["FeatureCollection"]},
        "features": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["type", "geometry", "properties"],
                "properties": {
                    "type": {"type": "string", "enum": ["Feature"]},
                    "id": {"type": "string"},
                    "geometry": {
                        "type": "object",
                        "properties": {
                            "type": {"type": "string", "enum": ["Point"]},
                            "coordinates": {
                                "type": "array",
                                "items": {"type": "number"},
                                "minItems": 2,
                                "maxItems": 2,
                            },
                        },
                    },
                    "properties": {"type": "object", "additionalProperties": True},
                },
            },
        },
        "next": {"type": "string", "format": "uri", "nullable": True},
        "previous": {"type": "string", "format": "uri", "nullable": True},
    },
}


# -- Errors -------------------------------------------------------------------------


def _constraints_by_name():
    found = {}
    for model in apps.get_models():
        for constraint in model._meta.constraints:
            found[constraint.name] = (model, constraint)
    return found


def integrity_error_detail(error, serializer=None):
    """``{field: [message]}`` for a constraint the database refused."""
    cause = error.__cause__
    diag = getattr(cause, "diag", None)
    name = getattr(diag, "constraint_name", None)
    known = _constraints_by_name().get(name) if name else None
    if known is not None:
        _model, constraint = known
        if (
            isinstance(constraint, models.UniqueConstraint)
            and constraint.violation_error_message
            == constraint.default_violation_error_message
        ):
            message = _("A record with these values already exists.")
            return _constraint_error_with(serializer, constraint, message)
        return constraint_error(serializer, constraint)
    return {
        api_settings.NON_FIELD_ERRORS_KEY: [
            force_str(
                _("The database refused the change: it conflicts with its rules.")
            )
        ]
    }


def _constraint_error_with(serializer, constraint, message):
    detail = constraint_error(serializer, constraint)
    return {key: [force_str(message)] for key in detail}


def exception_handler(exc, context):
    """DRF's handler, plus database errors turned into client errors.

    ``validate()`` normally catches constraint violations first; this is the
    safety net for a race between two writers.
    """
    view = context.get("view")
    if isinstance(exc, ProtectedError | RestrictedError):  # IntegrityErrors too
        used_by = sorted(
            {
                force_str(obj._meta.verbose_name_plural)
                for obj in getattr(exc, "protected_objects", None)
                or getattr(exc, "restricted_objects", ())
            }
        )
        exc = Conflict(
            _(
                "The record is still used by other records (%(kinds)s); change or "
                "delete those first."
            )
            % {"kinds": ", ".join(used_by)}
        )
    elif isinstance(exc, IntegrityError):
        serializer = None
        if view is not None and hasattr(view, "get_serializer"):
            try:
                serializer = view.get_serializer()
            except Exception:
                serializer = None
        exc = exceptions.ValidationError(integrity_error_detail(exc, serializer))
    elif isinstance(exc, DataError):
        exc = exceptions.ValidationError(
            {api_settings.NON_FIELD_ERRORS_KEY: [force_str(_("A value is invalid."))]}
        )
    elif isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(serializers.as_serializer_error(exc))
    return drf_exception_handler(exc, context)


# -- Schema -------------------------------------------------------------------------

ERROR_SCHEMA = {
    "type": "object",
    "description": (
        "`detail` for a general error; otherwise one key per field (or "
        "`non_field_errors`) with a list of messages, nested for list items."
    ),
    "properties": {"detail": {"type": "string"}},
    "additionalProperties": True,
}

ERROR_DESCRIPTIONS = {
    "400": "Invalid input: filter values, dates, body fields or a database rule.",
    "401": "No credentials: send `Authorization: Token <key>`.",
    "403": "Not allowed: the user lacks the model permission, or CSRF failed.",
    "404": "No such record, page or cursor.",
    "409": (
        "The record is still used by other records, or the workflow step is "
        "not allowed in the record's state."
    ),
    "410": "The record was retracted: when and why.",
    "412": "If-Match does not match the record's current ETag.",
    "413": "The request body is too large.",
    "415": "Send the body as application/json.",
    "429": "Too many requests: wait for Retry-After seconds.",
}


class AtlasAutoSchema(AutoSchema):
    """drf-spectacular's schema, plus what DRF cannot tell it.

    - Reads need no authentication (``{}`` among the security requirements):
      spectacular only infers that for AllowAny and IsAuthenticatedOrReadOnly.
    - Error responses per operation, CSV and GeoJSON bodies, ``If-Match``.
    """

    write_methods = ("POST", "PUT", "PATCH", "DELETE")

    def _is_public(self):
        perms = [type(p) for p in self.view.get_permissions()]
        if permissions.AllowAny in perms or not perms:
            return True
        return self.method in permissions.SAFE_METHODS and any(
            issubclass(p, permissions.DjangoModelPermissionsOrAnonReadOnly)
            for p in perms
        )

    def get_auth(self):
        auths = super().get_auth()
        if self._is_public() and {} not in auths:
            auths.append({})
        return auths

    def get_description(self):
        description = super().get_description() or ""
        if self._is_public():
            note = "Public: no authentication needed."
        else:
            verb = self._permission_verb()
            who = "a reviewer" if verb == "publish" else "an editor"
            note = (
                f"Needs {who}: a token (`Authorization: Token <key>`) or a "
                "session with CSRF, and the model permission to "
                f"{verb}."
            )
        return f"{description}\n\n{note}".strip()

    def _permission_verb(self):
        action_name = getattr(self.view, "action", None)
        if action_name in WORKFLOW_ACTIONS:
            return WORKFLOW_ACTIONS[action_name][1]
        return {"POST": "add", "DELETE": "delete"}.get(self.method, "change")

    def _is_workflow_step(self):
        return getattr(self.view, "action", None) in WORKFLOW_ACTIONS

    def _resolve_path_parameters(self, variables):
        # The lookup's pattern, so clients (and fuzzers) know what a key looks like.
        parameters = super()._resolve_path_parameters(variables)
        regex = getattr(self.view, "lookup_value_regex", None)
        if regex:
            for parameter in parameters:
                parameter["schema"]["pattern"] = f"^{regex}$"
        return parameters

    def _get_parameters(self):
        parameters = super()._get_parameters()
        if not isinstance(self.view, AtlasViewSet):
            return parameters
        if self.method == "DELETE":
            parameters.append(
                build_parameter_type(
                    name="change_reason",
                    location=OpenApiParameter.QUERY,
                    schema={"type": "string", "maxLength": 1000},
                    description=(
                        "Why the record is deleted; kept in its history. Required "
                        "for a published or retracted record, or a row of one. "
                        'May also come as a JSON body `{"change_reason": ...}`.'
                    ),
                )
            )
        if self.method in ("PUT", "PATCH", "DELETE") or self._is_workflow_step():
            parameters.append(
                build_parameter_type(
                    name="If-Match",
                    location=OpenApiParameter.HEADER,
                    schema={"type": "string"},
                    description=(
                        "The ETag you read; if the record has changed since, the "
                        "write is refused with 412."
                    ),
                )
            )
        return parameters

    def _error_component(self):
        component = ResolvedComponent(
            name="Error",
            type=ResolvedComponent.SCHEMA,
            object="Error",
            schema=ERROR_SCHEMA,
        )
        self.registry.register_on_missing(component)
        return component.ref

    def _error_codes(self):
        codes = ["429"]
        is_list = self._is_list_view()
        if self.method == "GET":
            codes += ["400", "404"] if is_list else ["404"]
            if not is_list and isinstance(self.view, ReviewedViewSet):
                codes += ["410"]
        elif self.method == "POST":
            codes += ["400", "413", "415"]
            if not self._is_public():
                codes += ["401", "403"]
            if self._is_workflow_step():
                codes += ["404", "409", "412"]
        else:
            codes += ["401", "403", "404"]
            if self.method in ("PUT", "PATCH"):
                codes += ["400", "412", "413", "415"]
            if self.method == "DELETE":
                # 400: a missing change_reason, or a bad body.
                codes += ["400", "409", "412", "413", "415"]
        return sorted(set(codes))

    def _retracted_component(self):
        component = ResolvedComponent(
            name="Retracted",
            type=ResolvedComponent.SCHEMA,
            object="Retracted",
            schema=RETRACTED_SCHEMA,
        )
        self.registry.register_on_missing(component)
        return component.ref

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        for code, response in responses.items():
            content = response.get("content", {})
            if "text/csv" in content:
                content["text/csv"] = {"schema": {"type": "string"}}
            if "application/geo+json" in content:
                content["application/geo+json"] = {"schema": GEOJSON_SCHEMA}
            if code in ("200", "201") and self._is_detail_like():
                response.setdefault("headers", {})["ETag"] = {
                    "schema": {"type": "string"},
                    "description": "The record's version, for If-Match.",
                }
        error = self._error_component()
        for code in self._error_codes():
            schema = self._retracted_component() if code == "410" else error
            responses.setdefault(
                code,
                {
                    "content": {"application/json": {"schema": schema}},
                    "description": ERROR_DESCRIPTIONS[code],
                },
            )
        return responses

    def _is_detail_like(self):
        return isinstance(self.view, AtlasViewSet) and (
            getattr(self.view, "action", None)
            in ("retrieve", "create", "update", "partial_update")
            or self._is_workflow_step()
        )


# -- Views --------------------------------------------------------------------------

_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)


def etag_for(pk, updated):
    """A record's version: its id and last change, to the microsecond."""
    micros = (updated - _EPOCH) // datetime.timedelta(microseconds=1)
    return f'"{pk}-{micros:x}"'


REASON_REQUIRED = _(
    "Say why you change this record (change_reason): the public sees it, and its "
    "history keeps the reason."
)

HISTORY_SCHEMA = {
    "type": "array",
    "items": {
        "type": "object",
        "required": ["id", "at", "action", "reason", "changes"],
        "properties": {
            "id": {
                "type": "string",
                "description": "The event's key: its action and number.",
            },
            "at": {"type": "string", "format": "date-time"},
            "action": {
                "type": "string",
                "description": (
                    "insert, update, delete, or `<list>.add`/`<list>.remove` for "
                    "a list of related records (sources.add)."
                ),
            },
            "reason": {"type": "string", "description": "Why, when given."},
            "user": {
                "type": "string",
                "nullable": True,
                "description": (
                    "Who (username); only for users with the model's view "
                    "permission. Null for changes made outside a request."
                ),
            },
            "changes": {
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
            },
        },
    },
}


def history_event(entry, with_user):
    """One core.history Entry as the API shows it."""
    event = {
        # Events of a record and of its lists live in separate tables: the
        # action keeps their numbers apart.
        "id": f"{entry.kind}-{entry.id}",
        "at": serializers.DateTimeField().to_representation(entry.when),
        "action": entry.kind,
        "reason": entry.reason or "",
        "changes": [change.as_dict() for change in entry.changes],
    }
    if with_user:
        event["user"] = entry.user.get_username() if entry.user else None
    return event


class AtlasViewSet(viewsets.ModelViewSet):
    """List and detail for everyone; create, update and delete with the model's
    permissions (DjangoModelPermissionsOrAnonReadOnly); every record's history.

    Subclasses set ``queryset`` (with the joins the representation needs, so the
    number of queries does not grow with rows), ``serializer_class`` and
    ``filterset_class``; a resource whose rows belong to a reviewed record (a
    membership to its organisation) follows that record (``parent_record``).
    """

    lookup_field = "slug"
    lookup_value_regex = r"[-a-zA-Z0-9_]+"
    parser_classes = [LimitedJSONParser]
    pagination_class = AtlasPagination
    filter_backends = [AtlasFilterBackend, UpdatedSinceFilter, PublicationStatusFilter]
    export_renderers = [CSVRenderer]
    export_name = None

    @property
    def parent_record(self):
        """For rows of a reviewed record (a membership of an organisation), the
        name of that record's field: the model's ``reviewed_via``."""
        return getattr(self.queryset.model, "reviewed_via", None)

    # Who sees what ----------------------------------------------------------------

    def reviewed_model(self):
        """The reviewed model whose publication status decides what is shown:
        the resource's own, its parent record's, or None (reference data)."""
        model = self.queryset.model
        if self.parent_record:
            return model._meta.get_field(self.parent_record).related_model
        return model if is_reviewed(model) else None

    def get_queryset(self):
        if getattr(self, "action", None) == "history":
            # The history needs the record's id only, not the list's joins.
            queryset = self.queryset.model._default_manager.all()
        else:
            queryset = super().get_queryset()
        return self.visible(queryset)

    def visible(self, queryset):
        reviewed = self.reviewed_model()
        if reviewed is None or sees_unpublished(self.request, reviewed):
            return queryset
        if self.parent_record:
            return queryset.filter(
                **{f"{self.parent_record}__publication_status": Status.PUBLISHED}
            )
        if getattr(self, "action", None) in ("retrieve", "history"):
            # A retracted record's own URL answers 410 (get_object).
            return queryset.filter(
                publication_status__in=[Status.PUBLISHED, Status.RETRACTED]
            )
        return queryset.filter(publication_status=Status.PUBLISHED)

    def get_object(self):
        record = super().get_object()
        if getattr(
            record, "publication_status", None
        ) == Status.RETRACTED and not sees_unpublished(self.request, type(record)):
            raise Gone(record)
        return record

    def filter_queryset(self, queryset):
        # Filters select records in lists; a record's own URL always finds it
        # (the countries' default "only those in the records" included).
        if getattr(self, "action", None) != "list":
            return queryset
        return super().filter_queryset(queryset)

    def get_renderers(self):
        found = super().get_renderers()
        if getattr(self, "action", None) == "list":
            found += [renderer() for renderer in self.export_renderers]
        return found

    def finalize_response(self, request, response, *args, **kwargs):
        # Errors are JSON even when CSV or GeoJSON was asked for.
        renderer = getattr(request, "accepted_renderer", None)
        if response.status_code >= 400 and isinstance(
            renderer, CSVRenderer | GeoJSONRenderer
        ):
            request.accepted_renderer = renderers.JSONRenderer()
            request.accepted_media_type = request.accepted_renderer.media_type
        return super().finalize_response(request, response, *args, **kwargs)

    # History ----------------------------------------------------------------------

    @extend_schema(responses={200: HISTORY_SCHEMA})
    @action(detail=True, methods=["get"])
    def history(self, request, *args, **kwargs):
        """The record's changes, oldest first: when, what (insert, update, delete,
        or `sources.add`/`sources.remove` for a list of related records), why,
        and each field before and after.

        Users with the model's view permission (editors, reviewers) see every
        change, internal fields and who made it (`user`). Everyone else sees the
        public log: no names, no editor notes, and for reviewed records only
        what happened since the record was first published; a draft or a record
        in review is 404 for them, a retracted record 410 (its public notice,
        not its content), like its own URL."""
        record = self.get_object()
        full = sees_unpublished(request, type(record))
        entries = record_history(record, public=not full)
        return Response([history_event(entry, full) for entry in entries])

    # Conditional writes -----------------------------------------------------------

    def check_if_match(self, request, instance):
        """``If-Match`` with a stale ETag: 412, nothing changed. The row is locked
        until the write commits, so two writers cannot both pass the check.
        Returns whether there was an If-Match (and so a lock)."""
        header = request.headers.get("If-Match")
        if header is None:
            return False
        current = (
            type(instance)
            ._default_manager.select_for_update()
            .filter(pk=instance.pk)
            .values_list("updated", flat=True)
            .first()
        )
        tags = {tag.strip() for tag in header.split(",")}
        if "*" in tags or (current and etag_for(instance.pk, current) in tags):
            return True
        raise PreconditionFailed()

    def _fresh(self, pk):
        return self.get_queryset().get(pk=pk)

    def _respond(self, instance, status_code=status.HTTP_200_OK, headers=None):
        response = Response(
            self.get_serializer(instance).data, status=status_code, headers=headers
        )
        response["ETag"] = etag_for(instance.pk, instance.updated)
        return response

    # Change reasons and who edited ----------------------------------------------

    def reason_required(self, instance=None, data=None):
        """Changing what the public sees needs a reason: a published or
        retracted record, or a row of one (before or after the change)."""
        records = []
        if instance is not None and is_reviewed(type(instance)):
            records.append(instance)
        if self.parent_record:
            if instance is not None:
                records.append(getattr(instance, self.parent_record))
            if data and data.get(self.parent_record) is not None:
                records.append(data[self.parent_record])
        return any(record.publication_status in PUBLIC_STATUSES for record in records)

    def validate_write(self, serializer, instance=None):
        """The body's errors and a missing ``change_reason`` together in one 400;
        returns the reason."""
        valid = serializer.is_valid()
        errors = {} if valid else dict(serializer.errors)
        if valid:
            reason = serializer.validated_data.get("change_reason", "")
        else:
            data = serializer.initial_data
            raw = data.get("change_reason") if isinstance(data, Mapping) else None
            reason = raw.strip() if isinstance(raw, str) else ""
        data = serializer.validated_data if valid else None
        if (
            "change_reason" not in errors
            and not reason
            and self.reason_required(instance, data)
        ):
            errors["change_reason"] = [force_str(REASON_REQUIRED)]
        if errors:
            raise exceptions.ValidationError(errors)
        return reason

    def delete_reason(self, request, instance):
        """``change_reason`` from the query string or a JSON body."""
        raw = request.query_params.get("change_reason")
        if raw is None and isinstance(request.data, Mapping):
            raw = request.data.get("change_reason")
        field = serializers.CharField(max_length=1000, allow_blank=True)
        try:
            reason = field.run_validation("" if raw is None else raw)
        except exceptions.ValidationError as error:
            raise exceptions.ValidationError({"change_reason": error.detail}) from None
        if not reason and self.reason_required(instance):
            raise exceptions.ValidationError(
                {"change_reason": [force_str(REASON_REQUIRED)]}
            )
        return reason

    def parents(self, instance):
        return [getattr(instance, self.parent_record)] if self.parent_record else []

    def mark_parents_edited(self, parents):
        """A row changed by an editor counts as their edit of its record."""
        for parent in {parent for parent in parents if parent is not None}:
            workflow.mark_parent_edited(parent, self.request.user)

    def perform_create(self, serializer):
        extra = {}
        if is_reviewed(self.queryset.model):
            # What workflow.mark_edited does, for a record not yet built.
            extra["last_edited_by"] = self.request.user
        serializer.save(**extra)
        self.mark_parents_edited(self.parents(serializer.instance))

    def perform_update(self, serializer):
        before = self.parents(serializer.instance)
        if is_reviewed(self.queryset.model):
            workflow.mark_edited(serializer.instance, self.request.user)
        serializer.save()
        self.mark_parents_edited(before + self.parents(serializer.instance))

    def perform_destroy(self, instance):
        self.mark_parents_edited(self.parents(instance))
        instance.delete()

    # Writes -------------------------------------------------------------------------

    def retrieve(self, request, *args, **kwargs):
        return self._respond(self.get_object())

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        reason = self.validate_write(serializer)
        with transaction.atomic(), pghistory.context(reason=reason):
            self.perform_create(serializer)
        instance = self._fresh(serializer.instance.pk)
        headers = {"Location": serializer.brief.api_url(instance, request)}
        return self._respond(instance, status.HTTP_201_CREATED, headers)

    def update(self, request, *args, **kwargs):
        partial = kwargs.pop("partial", False)
        with transaction.atomic():
            instance = self.get_object()
            if self.check_if_match(request, instance):
                instance = self.get_object()  # as it is under the lock
            serializer = self.get_serializer(
                instance, data=request.data, partial=partial
            )
            reason = self.validate_write(serializer, instance)
            with pghistory.context(reason=reason):
                self.perform_update(serializer)
        return self._respond(self._fresh(instance.pk))

    def destroy(self, request, *args, **kwargs):
        with transaction.atomic():
            instance = self.get_object()
            self.check_if_match(request, instance)
            reason = self.delete_reason(request, instance)
            with pghistory.context(reason=reason):
                self.perform_destroy(instance)
        return Response(status=status.HTTP_204_NO_CONTENT)


class TransitionSerializer(serializers.Serializer):
    reason = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=1000,
        help_text=_(
            "Why: kept in the record's history. Required to retract (it is shown "
            "publicly); otherwise a standard reason is recorded."
        ),
    )


# action -> (workflow function, the permission it needs)
WORKFLOW_ACTIONS = {
    "submit": (workflow.submit, "change"),
    "publish": (workflow.publish, "publish"),
    "send_back": (workflow.send_back, "publish"),
    "retract": (workflow.retract, "publish"),
}
WORKFLOW_SCHEMA = extend_schema(request=TransitionSerializer)


class ReviewedViewSet(AtlasViewSet):
    """A resource whose records go through review, with the workflow's steps
    (core/workflow.py) as ``POST <id>/submit/``, ``publish/``, ``send-back/``
    and ``retract/``: 200 with the record, 401 anonymous, 403 without the
    permission, 404 unknown (or unseen) record, 409 a step the record's state or
    the four-eyes rule refuses, 400 a missing retraction reason."""

    def transition(self, request, name):
        body = TransitionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        reason = body.validated_data.get("reason", "")
        step = WORKFLOW_ACTIONS[name][0]
        with transaction.atomic():
            instance = self.get_object()
            self.check_if_match(request, instance)
            try:
                step(instance, request.user, reason)
            except DjangoPermissionDenied as error:
                raise exceptions.PermissionDenied(str(error) or None) from None
            except workflow.WorkflowError as error:
                if hasattr(error, "error_dict"):
                    raise exceptions.ValidationError(error.message_dict) from None
                raise Conflict(" ".join(error.messages)) from None
        return self._respond(self._fresh(instance.pk))

    @WORKFLOW_SCHEMA
    @action(detail=True, methods=["post"], permission_classes=[IsAuthenticated])
    def submit(self, request, *args, **kwargs):
        """Submit a draft for review (draft → in review). Answers the record as
        it is now; any other state is a 409."""
        return self.transition(request, "submit")

    @WORKFLOW_SCHEMA
    @action(detail=True, methods=["post"], permission_classes=[IsAuthenticated])
    def publish(self, request, *args, **kwargs):
        """Publish a record in review (in review → published). Nobody publishes a
        record they submitted or were the last to edit (a second person always
        reviews): that, or any state but in review, is a 409."""
        return self.transition(request, "publish")

    @WORKFLOW_SCHEMA
    @action(
        detail=True,
        methods=["post"],
        url_path="send-back",
        permission_classes=[IsAuthenticated],
    )
    def send_back(self, request, *args, **kwargs):
        """Send a record in review back to its editor (in review → draft); any
        other state is a 409."""
        return self.transition(request, "send_back")

    @WORKFLOW_SCHEMA
    @action(detail=True, methods=["post"], permission_classes=[IsAuthenticated])
    def retract(self, request, *args, **kwargs):
        """Retract a published record (published → retracted); any other state
        is a 409. `reason` is required (400 without) and shown publicly: the
        record leaves the lists, its URL answers 410 with the reason, and
        /deletions/ lists it with `retracted: true`."""
        return self.transition(request, "retract")


# -- The API root, deletions and tokens ---------------------------------------------

RESOURCES = [
    ("countries", "country"),
    ("organisations", "organisation"),
    ("memberships", "membership"),
    ("agreements", "agreement"),
    ("sources", "source"),
    ("exercise-series", "exerciseseries"),
    ("exercises", "exercise"),
    ("threat-categories", "threatcategory"),
    ("actors", "actor"),
    ("threats", "threatentry"),
    ("attributions", "attribution"),
    ("deletions", "deletion"),
]


class ApiRootView(APIView):
    """The resources of the API, the OpenAPI schema and its documentation."""

    permission_classes = [permissions.AllowAny]

    @extend_schema(
        responses={
            200: {
                "type": "object",
                "additionalProperties": {"type": "string", "format": "uri"},
            }
        }
    )
    def get(self, request, format=None):
        links = {
            name: request.build_absolute_uri(reverse(f"api:{basename}-list"))
            for name, basename in RESOURCES
        }
        for name in ("schema", "docs", "redoc", "token"):
            links[name] = request.build_absolute_uri(reverse(f"api:{name}"))
        return Response(links)


@extend_schema(exclude=True)
@api_view(["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"])
@permission_classes([permissions.AllowAny])
@authentication_classes([])
def not_found(request, *args, **kwargs):
    raise exceptions.NotFound()


class DeletionSerializer(serializers.ModelSerializer):
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


class DeletionFilterSet(filters.FilterSet):
    since = filters.IsoDateTimeFilter(
        method="filter_since", label=_("Deleted at or after (ISO 8601)")
    )
    kind = filters.MultipleChoiceFilter(
        choices=Deletion.Kind.choices, label=_("Resource")
    )
    retracted = filters.BooleanFilter(
        label=_("Retracted"),
        help_text=_(
            "true: only records withdrawn by a reviewer; false: only deleted ones."
        ),
    )

    class Meta:
        model = Deletion
        fields = ["since", "kind", "retracted"]

    def filter_since(self, queryset, name, value):
        return queryset.filter(deleted__gte=as_utc(value, name))


class DeletionViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Records deleted or retracted (kind, id, slug, when; for a retraction
    ``retracted: true`` and the public ``reason``), oldest first, so that a copy
    made with ``updated_since`` can drop them too. A retracted organisation
    takes its memberships out of the API with it, and a retracted threat entry
    its attributions. Drafts and records in review were never public: their
    deletion is not listed."""

    queryset = Deletion.objects.order_by("deleted", "id")
    serializer_class = DeletionSerializer
    filterset_class = DeletionFilterSet
    filter_backends = [AtlasFilterBackend]
    pagination_class = AtlasPagination
    permission_classes = [permissions.AllowAny]


class TokenView(ObtainAuthToken):
    """Exchange an editor's username and password for their API token.

    Throttled per client address (the ``token`` rate).
    """

    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "token"
    parser_classes = [LimitedJSONParser, parsers.FormParser]

    @extend_schema(
        request=AuthTokenSerializer,
        responses={200: inline_serializer("Token", {"token": serializers.CharField()})},
        auth=[],
        description=(
            "Exchange a username and password for the user's API token; send it "
            "as `Authorization: Token <key>`. Throttled.\n\n"
            "Public: no authentication needed."
        ),
    )
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)
