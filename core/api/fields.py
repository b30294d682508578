"""How records appear in the API: their own URL and their public page's URL,
and related records in a brief form (id, url, slug or ISO code, name), written by
slug, ISO code or id."""

import re

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    extend_schema_field,
)
from rest_framework import (
    serializers,
)

from core.publication import is_hidden

# -- URLs ---------------------------------------------------------------------------

_WEB_PLACEHOLDER = "x0key0x"


# Paths reverse() gave, per process: they depend only on the URL configuration,
# the script prefix and the language, which are part of the key. A list page
# names eight kinds of record; reversing each on every request cost a
# millisecond of the API's fast path.
_PATHS = {}


def _path(key, build):
    urlconf = get_urlconf(settings.ROOT_URLCONF)
    full_key = (key, urlconf, get_script_prefix(), translation.get_language())
    path = _PATHS.get(full_key)
    if path is None:
        path = _PATHS[full_key] = build()
    return path


_BASE = object()


def _cached_prefix(request, key, build):
    """A URL prefix computed once per request: reverse() per row is slow."""
    cache = getattr(request, "_atlas_url_prefixes", None)
    if cache is None:
        cache = {}
        if request is not None:
            request._atlas_url_prefixes = cache
    if key not in cache:
        path = _path(key, build)
        if request is not None and path:
            # build_absolute_uri(path) for a path reverse() gave (absolute,
            # already escaped): the scheme and host, checked once a request,
            # then the path, without parsing each of the eight again.
            base = cache.get(_BASE)
            if base is None:
                base = cache[_BASE] = request.build_absolute_uri("/")[:-1]
            path = base + path
        cache[key] = path
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
            # The page's English URL, whatever the request's language: the API
            # is not prefixed, and its payloads do not change with the
            # Accept-Language (the Lithuanian page is under /lt/, config/urls.py).
            with translation.override(settings.LANGUAGE_CODE):
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

    target_class = "core.api.fields.BriefRelatedField"
    match_subclasses = True

    def map_serializer_field(self, auto_schema, direction):
        brief = self.target.brief
        if direction == "request":
            model = brief.Meta.model._meta.verbose_name
            if brief.lookup_field == "pk":
                return {
                    "type": "integer",
                    "minimum": 1,
                    "maximum": 2**63 - 1,
                    "description": f"Id of the {model}.",
                }
            schema = {
                "type": "string",
                "description": f"The {model}'s {brief.lookup_field}.",
            }
            pattern = KEY_PATTERNS.get(brief.lookup_field)
            if pattern:
                schema["pattern"] = pattern
            return schema
        return auto_schema.resolve_serializer(brief, direction).ref


# What a key looks like, for the schema: clients and fuzzers then know that
# "lt" or "a b" can name no record (written keys are matched exactly).
KEY_PATTERNS = {"slug": r"^[-a-zA-Z0-9_]+$", "iso2": r"^[A-Z]{2}$"}


class URLFieldExtension(OpenApiSerializerFieldExtension):
    """Links to documents (a source's URL, its archived copy) are IRIs: Django's
    URLField takes non-ASCII paths and host names, so the schema says ``iri``
    (``uri`` would call ``https://nett.no/kjøper`` invalid)."""

    target_class = "rest_framework.fields.URLField"
    match_subclasses = True

    def map_serializer_field(self, auto_schema, direction):
        return {"type": "string", "format": "iri"}
