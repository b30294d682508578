"""The API's own errors and its exception handler: database errors become client
errors (400 with field messages, 409 for a record still in use)."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError, IntegrityError
from django.db.models import ProtectedError, RestrictedError
from django.utils.encoding import force_str
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, serializers, status

# The views module, not its function: this module loads while DRF's views module
# is still being imported (REST_FRAMEWORK names the parser, which raises
# PayloadTooLarge from here).
from rest_framework import views as drf_views
from rest_framework.settings import api_settings

from core.api.validation import integrity_error_detail


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


class PreconditionRequired(exceptions.APIException):
    status_code = status.HTTP_428_PRECONDITION_REQUIRED
    default_detail = _(
        "This record is published: send If-Match with the ETag you read (GET the "
        "record first), so that your change cannot overwrite someone else's "
        "unseen. Nothing was changed."
    )
    default_code = "precondition_required"


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = _("The record is still used by other records.")
    default_code = "conflict"


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
    return drf_views.exception_handler(exc, context)
