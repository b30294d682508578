"""What every list filters by: the resource's FilterSet (the same class its page
uses), ``updated_since``, ``publication_status``; and ``/deletions/``."""

import datetime

from django import forms
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.encoding import force_str
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.contrib.django_filters import DjangoFilterExtension
from drf_spectacular.plumbing import (
    build_array_type,
    build_parameter_type,
)
from drf_spectacular.utils import (
    OpenApiParameter,
)
from rest_framework import (
    exceptions,
)

from core.filtersets import AtlasFilterSet, YearsFilter
from core.models import Deletion, Revision, Status, deletion_kinds
from core.publication import is_reviewed

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
                    # An empty value is ignored, as in every filter.
                    "items": {"type": "string", "enum": [*Status.values, ""]},
                },
                "style": "form",
                "explode": True,
            }
        ]


class AtlasFilterExtension(DjangoFilterExtension):
    """Types for filters drf-spectacular cannot guess in the pages' FilterSets
    (which the API uses unchanged): a related record by slug, ISO code or id,
    filtered through a method or a path; repeated years."""

    target_class = "core.api.filters.AtlasFilterBackend"
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
        elif isinstance(filter_field, YearsFilter):
            item, many = {"type": "integer", "minimum": 1, "maximum": 9999}, True
            to_field = "year"
        else:
            parameters = super().resolve_filter_field(
                auto_schema, model, filterset_class, field_name, filter_field
            )
            if field_name in getattr(filterset_class, "keep_empty", ()):
                return parameters
            for parameter in parameters:
                schema = parameter["schema"]
                if schema.get("type") == "array":
                    schema["items"] = admit_empty(schema["items"])
                else:
                    parameter["schema"] = admit_empty(schema)
            return parameters
        if item["type"] == "string" and to_field in FILTER_KEY_PATTERNS:
            item["pattern"] = FILTER_KEY_PATTERNS[to_field]
        elif item["type"] == "integer" and to_field != "year":
            item.update(minimum=1, maximum=2**63 - 1)  # ids
        item = admit_empty(item)
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


# Keys in filters: ISO codes in either case (``host=lt``), slugs; an empty
# value is no filter. (Written keys are exact: core/api/fields.py KEY_PATTERNS.)
FILTER_KEY_PATTERNS = {"iso2": r"^[A-Za-z]{2}$", "slug": r"^[-a-zA-Z0-9_]+$"}


def admit_empty(schema):
    """A filter parameter's schema that also admits the empty value, which is
    ignored (core.filtersets.AtlasFilterSet): an enum gains "", a pattern
    becomes optional, anything else is one of itself or ""."""
    if not schema or schema == {"type": "string"}:
        return schema
    schema = dict(schema)
    if schema.get("type") == "boolean":
        # "unknown" is the page form's empty choice (core.filtersets.YesNoField).
        return {"anyOf": [schema, {"type": "string", "enum": ["", "unknown"]}]}
    kind = schema.get("type")
    textual = kind == "string" or (isinstance(kind, list) and "string" in kind)
    if "enum" in schema and textual:
        if "" not in schema["enum"]:
            schema["enum"] = [*schema["enum"], ""]
        return schema
    if set(schema) <= {"type", "pattern", "description"} and "pattern" in schema:
        schema["pattern"] = f"^(?:{schema['pattern'].strip('^$')})?$"
        return schema
    return {"anyOf": [schema, {"type": "string", "enum": [""]}]}


class AtlasFilterBackend(filters.DjangoFilterBackend):
    """The resource's FilterSet, the same class its public list page uses.

    A NUL byte in any parameter is refused first: PostgreSQL cannot store it,
    and a lookup with one would fail in the database rather than in the form.
    """

    def filter_queryset(self, request, queryset, view):
        params = request.query_params
        for name, values in params.lists():
            if "\x00" in name or any("\x00" in value for value in values):
                raise exceptions.ValidationError(
                    {name.replace("\x00", ""): [force_str(NUL_MESSAGE)]}
                )
        filterset_class = self.get_filterset_class(view, queryset)
        if (
            filterset_class is not None
            and issubclass(filterset_class, AtlasFilterSet)
            and filterset_class.unfiltered_without_parameters
            and not filterset_class.names_any(params)
        ):
            # No filter named (a plain page, a cursor walk): nothing to select,
            # and nothing to refuse. Building the FilterSet would deep-copy its
            # filters, build a form class and form and clean every field
            # (a few milliseconds a request) to leave the records as they are.
            return queryset
        return super().filter_queryset(request, queryset, view)

    def get_filterset_kwargs(self, request, queryset, view):
        kwargs = super().get_filterset_kwargs(request, queryset, view)
        filterset_class = self.get_filterset_class(view, queryset)
        if (
            filterset_class is not None
            and issubclass(filterset_class, AtlasFilterSet)
            and filterset_class.unfiltered_without_parameters
        ):
            # Only the filters the query names (AtlasFilterSet.__init__).
            kwargs["only"] = filterset_class.named(request.query_params)
        return kwargs


NUL_MESSAGE = _("Null characters are not allowed.")


class DeletionFilterSet(AtlasFilterSet, filters.FilterSet):
    since = filters.IsoDateTimeFilter(
        method="filter_since", label=_("Deleted at or after (ISO 8601)")
    )
    # A sync client's timestamp: ``?since=`` is a 400, as the schema's
    # date-time says, not every deletion ever.
    keep_empty = ("since",)

    def __init__(self, data=None, *args, **kwargs):
        super().__init__(data, *args, **kwargs)
        if data is not None and "since" in data:
            self.filters["since"].extra["required"] = True

    kind = filters.MultipleChoiceFilter(choices=deletion_kinds(), label=_("Resource"))
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


def _reviewed_kinds():
    from core.models import reviewed_models

    return [
        (model.api_kind, model._meta.verbose_name_plural) for model in reviewed_models()
    ]


class WholeNumberFilter(filters.NumberFilter):
    """A whole number, as the schema says (a NumberFilter takes 0.5)."""

    field_class = forms.IntegerField


class RevisionFilterSet(AtlasFilterSet, filters.FilterSet):
    status = filters.MultipleChoiceFilter(
        choices=Revision.Status.choices, label=_("Status")
    )
    action = filters.MultipleChoiceFilter(
        choices=Revision.Action.choices, label=_("Action")
    )
    kind = filters.ChoiceFilter(
        choices=_reviewed_kinds,
        method="filter_kind",
        label=_("Kind of record (its API resource)"),
    )
    record_id = WholeNumberFilter(label=_("Id of the record"))
    author = filters.CharFilter(
        field_name="author__username", label=_("Proposed by (username)")
    )

    class Meta:
        model = Revision
        fields = ["status", "action", "kind", "record_id", "author"]

    def filter_kind(self, queryset, name, value: str):
        from django.contrib.contenttypes.models import ContentType

        from core.models import reviewed_models

        model = next(m for m in reviewed_models() if m.api_kind == value)
        return queryset.filter(record_type=ContentType.objects.get_for_model(model))
