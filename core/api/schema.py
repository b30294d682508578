"""The OpenAPI schema: drf-spectacular's, plus what DRF cannot tell it (named
in REST_FRAMEWORK)."""

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import (
    ResolvedComponent,
    build_parameter_type,
)
from drf_spectacular.utils import (
    OpenApiParameter,
)
from rest_framework import (
    permissions,
    serializers,
)

from core import workflow
from core.api.exceptions import RETRACTED_SCHEMA
from core.api.renderers import GEOJSON_SCHEMA

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
    "428": (
        "The record (or the record this row belongs to) is published: send "
        "If-Match with its ETag."
    ),
    "415": "Send the body as application/json.",
    "429": "Too many requests: wait for Retry-After seconds.",
    "414": "The URL (its query string) is too long.",
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
        if action_name in workflow.BY_NAME:
            return workflow.BY_NAME[action_name].permission
        if action_name in getattr(self.view, "decision_actions", ()):
            return "publish"
        return {"POST": "add", "DELETE": "delete"}.get(self.method, "change")

    def _is_workflow_step(self):
        action_name = getattr(self.view, "action", None)
        return action_name in workflow.BY_NAME or action_name in getattr(
            self.view, "decision_actions", ()
        )

    def _may_wait_for_review(self):
        """A write that answers 202 with a revision when an editor changes a
        published record (core/revisions.py)."""
        return getattr(self.view, "conditional_writes", False) and getattr(
            self.view, "action", None
        ) in ("create", "update", "partial_update", "destroy")

    def _map_serializer_field(self, field, direction, bypass_extensions=False):
        schema = super()._map_serializer_field(field, direction, bypass_extensions)
        # A list the server refuses empty (every record cites a source).
        if (
            isinstance(field, serializers.ManyRelatedField)
            and not field.allow_empty
            and direction == "request"
            and schema.get("type") == "array"
        ):
            schema["minItems"] = 1
        return schema

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
        if not getattr(self.view, "conditional_writes", False):
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
            description = (
                "The ETag you read; if the record has changed since, the write is "
                "refused with 412."
            )
            if self._published_needs_if_match():
                description += (
                    " Required while the record (or the record this row belongs "
                    "to) is published: 428 without it. Drafts may be written "
                    "without it."
                )
            parameters.append(
                build_parameter_type(
                    name="If-Match",
                    location=OpenApiParameter.HEADER,
                    schema={"type": "string"},
                    description=description,
                )
            )
        return parameters

    def _published_needs_if_match(self):
        return self.method in ("PUT", "PATCH", "DELETE") and getattr(
            self.view, "published_writes_need_if_match", False
        )

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
        codes = ["414", "429"]
        is_list = self._is_list_view()
        if getattr(self.view, "action", None) == "stats":
            # the list's filters and by/interval (core/api/stats.py)
            codes += ["400"]
        elif self.method == "GET":
            codes += ["400", "404"] if is_list else ["404"]
            if not self._is_public():
                codes += ["401", "403"]
            if not is_list and getattr(self.view, "reviewed", False):
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
            if self._published_needs_if_match():
                codes += ["428"]
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
        if self._may_wait_for_review():
            # Imported here: this module loads before the serializers can.
            from core.api.serializers import RevisionSerializer

            revision = self.resolve_serializer(RevisionSerializer, "response").ref
            responses["202"] = {
                "content": {"application/json": {"schema": revision}},
                "description": (
                    "Accepted for review: an editor's change to a published "
                    "record (or to a row of one) waits for a reviewer as a "
                    "revision (Location: its URL); the public keeps the "
                    "published version until it is approved."
                ),
                "headers": {
                    "Location": {
                        "schema": {"type": "string", "format": "uri"},
                        "description": "The revision's URL.",
                    }
                },
            }
        error = self._error_component()
        for code in self._error_codes():
            schema = self._retracted_component() if code == "410" else error
            described = {
                "content": {"application/json": {"schema": schema}},
                "description": ERROR_DESCRIPTIONS[code],
            }
            if code == "414":
                # Said by the HTTP server in front (gunicorn, nginx), in its
                # own words: no body to promise.
                described.pop("content")
            responses.setdefault(code, described)
        return responses

    def _is_detail_like(self):
        return getattr(self.view, "conditional_writes", False) and (
            getattr(self.view, "action", None)
            in ("retrieve", "create", "update", "partial_update")
            or self._is_workflow_step()
        )


# -- Post-processing: what the generator leaves loose ------------------------------

# An ISO 3166-1 alpha-2 code wherever a record shows one.
ISO2_PATTERN = "^[A-Z]{2}$"


def _tighten(node):
    """One schema object, in place (OpenAPI 3.1: JSON Schema 2020-12)."""
    if node.pop("nullable", False):
        kind = node.get("type")
        if isinstance(kind, str):
            node["type"] = [kind, "null"]
        elif isinstance(kind, list):
            if "null" not in kind:
                kind.append("null")
        else:
            inner = {
                key: node.pop(key)
                for key in list(node)
                if key not in ("description", "title", "readOnly", "writeOnly")
            }
            node["oneOf"] = [inner, {"type": "null"}]
    one_of = node.get("oneOf")
    if (
        isinstance(one_of, list)
        and len(one_of) >= 2
        and one_of[1] == {"type": "string", "maxLength": 0}
        and isinstance(one_of[0], dict)
    ):
        # drf-spectacular's "a formatted string or blank": without a
        # minimum length "" would match both and fail oneOf.
        one_of[0]["minLength"] = max(1, one_of[0].get("minLength", 0))
    if node.get("properties", {}).get("iso2", {}).get("type") == "string":
        node["properties"]["iso2"]["pattern"] = ISO2_PATTERN


def _walk(node):
    if isinstance(node, dict):
        _tighten(node)
        for value in node.values():
            _walk(value)
    elif isinstance(node, list):
        for value in node:
            _walk(value)


def postprocess_schema(result, generator, request, public):
    """drf-spectacular hook (SPECTACULAR_SETTINGS): the hand-written schemas'
    ``nullable`` written the OpenAPI 3.1 way, blank-or-URL fields that "" cannot
    match twice, ISO codes with their pattern."""
    _walk(result.get("components", {}))
    _walk(result.get("paths", {}))
    return result
