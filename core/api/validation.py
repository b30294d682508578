"""The model's rules and the database's constraints as field errors: a violation
is a 400 with a message on the field, never an IntegrityError (HTTP 500)."""

from django.apps import apps
from django.contrib.postgres.constraints import ExclusionConstraint
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models
from django.db.models import F, Q
from django.db.models.constants import LOOKUP_SEP
from django.utils.encoding import force_str
from django.utils.translation import gettext_lazy as _
from rest_framework.settings import api_settings

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


def _flatten(messages):
    for message in messages:
        if isinstance(message, DjangoValidationError):
            yield from message.messages
        else:
            yield message


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
