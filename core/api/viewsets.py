"""The resources' viewsets: visibility, conditional writes, change reasons,
history, and the workflow's steps."""

import datetime
from collections.abc import Mapping

import pghistory
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db import transaction
from django.utils.encoding import force_str
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import (
    extend_schema,
)
from rest_framework import (
    exceptions,
    mixins,
    permissions,
    renderers,
    serializers,
    status,
    viewsets,
)
from rest_framework.decorators import (
    action,
)
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from core import revisions, workflow
from core.api.exceptions import (
    Conflict,
    Gone,
    PreconditionFailed,
    PreconditionRequired,
)
from core.api.filters import (
    AtlasFilterBackend,
    DeletionFilterSet,
    PublicationStatusFilter,
    RevisionFilterSet,
    UpdatedSinceFilter,
)
from core.api.renderers import CSVRenderer, GeoJSONRenderer
from core.api.serializers import (
    DecisionSerializer,
    DeletionSerializer,
    RevisionSerializer,
    TransitionSerializer,
)
from core.history import record_history
from core.models import Deletion, Revision, Status
from core.publication import (
    PUBLIC_STATUSES,
    citing_published,
    is_reviewed,
    published_lookup,
    reviewed_model,
    reviewed_parent,
    reviewed_via,
    sees_unpublished,
)

# -- Views --------------------------------------------------------------------------

_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)


def etag_for(pk, updated):
    """A record's version: its id and last change, to the microsecond."""
    micros = (updated - _EPOCH) // datetime.timedelta(microseconds=1)
    return f'"{pk}-{micros:x}"'


REVIEWERS_DELETE = _(
    "Only reviewers delete a published or retracted record; ask a reviewer to "
    "retract it."
)


class CitedConflict(Conflict):
    """Reference data that published records name: deleting it would change
    them without review."""

    def __init__(self, cited_by):
        super().__init__()
        self.detail = {
            "detail": force_str(
                _(
                    "Published records cite this; change them first (their "
                    "changes are reviewed), then delete it."
                )
            ),
            "cited_by": [
                {
                    "kind": getattr(
                        reviewed_model(type(row)),
                        "api_kind",
                        type(row)._meta.model_name,
                    ),
                    "id": row.pk,
                    "name": str(row),
                }
                for row in cited_by
            ],
        }


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
    filter_backends = [AtlasFilterBackend, UpdatedSinceFilter, PublicationStatusFilter]
    # For the schema (core/api/schema.py, which cannot import this module: DRF
    # resolves the schema class while these classes are built): ETag and
    # If-Match (required for published records, published_writes_need_if_match),
    # change_reason on deletes.
    conditional_writes = True
    reviewed = False
    export_renderers = [CSVRenderer]
    export_name = None

    @property
    def parent_record(self):
        """For rows of a reviewed record (a membership of an organisation), the
        name of that record's field: the model's ``reviewed_via``."""
        return reviewed_via(self.queryset.model)

    # Who sees what ----------------------------------------------------------------

    def get_queryset(self):
        if getattr(self, "action", None) == "history":
            # The history needs the record's id only, not the list's joins.
            queryset = self.queryset.model._default_manager.all()
        else:
            queryset = super().get_queryset()
        return self.visible(queryset)

    def visible(self, queryset):
        model = queryset.model
        reviewed = reviewed_model(model)
        if reviewed is None or sees_unpublished(self.request, reviewed):
            return queryset
        statuses = [Status.PUBLISHED]
        if model is reviewed and getattr(self, "action", None) in (
            "retrieve",
            "history",
        ):
            # A retracted record's own URL answers 410 (get_object).
            statuses.append(Status.RETRACTED)
        return queryset.filter(**published_lookup(model, statuses))

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
        # (and the list's counts over time: core/api/stats.py)
        if getattr(self, "action", None) not in ("list", "stats"):
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
            ._default_manager.select_for_update(of=("self",))
            .filter(pk=instance.pk)
            .values_list("updated", flat=True)
            .first()
        )
        tags = {tag.strip() for tag in header.split(",")}
        if "*" in tags or (current and etag_for(instance.pk, current) in tags):
            return True
        raise PreconditionFailed()

    @property
    def published_writes_need_if_match(self):
        """For the schema: this resource's records (or the records its rows
        belong to) can be published, and then writes need ``If-Match``."""
        model = self.queryset.model
        return is_reviewed(model) or bool(self.parent_record)

    def require_if_match(self, instance):
        """428 for a write without ``If-Match`` to a published record, or to a
        row of one: without it the write could overwrite, unseen, a change made
        since the client read the record. Drafts stay writable without it."""
        records = [instance] if is_reviewed(type(instance)) else []
        records += [record for record in self.parents(instance) if record is not None]
        if any(record.publication_status == Status.PUBLISHED for record in records):
            raise PreconditionRequired()

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
        """Changing what the public sees needs a reason: reference data (always
        public), a published or retracted record, or a row of one (before or
        after the change)."""
        if instance is not None and reviewed_model(type(instance)) is None:
            return True
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
        record = self.record_under_review(None, serializer.validated_data)
        if record is not None:
            values, _children = self.proposed_values(serializer, None)
            revision = revisions.propose_row(
                record, self.queryset.model, request.user, reason, values
            )
            return self.pending(revision)
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
            else:
                self.require_if_match(instance)
            serializer = self.get_serializer(
                instance, data=request.data, partial=partial
            )
            reason = self.validate_write(serializer, instance)
            record = self.record_under_review(instance, serializer.validated_data)
            if record is not None:
                values, children = self.proposed_values(serializer, instance)
                revision = revisions.propose_change(
                    record, instance, request.user, reason, values, children
                )
                if revision is not None:
                    return self.pending(revision)
            else:
                with pghistory.context(reason=reason):
                    self.perform_update(serializer)
        return self._respond(self._fresh(instance.pk))

    def destroy(self, request, *args, **kwargs):
        with transaction.atomic():
            instance = self.get_object()
            if (
                is_reviewed(type(instance))
                and instance.publication_status in PUBLIC_STATUSES
                and not workflow.can_review(request.user, instance)
            ):
                raise exceptions.PermissionDenied(force_str(REVIEWERS_DELETE))
            if not self.check_if_match(request, instance):
                self.require_if_match(instance)
            reason = self.delete_reason(request, instance)
            record = self.record_under_review(instance)
            if record is not None:
                return self.pending(
                    revisions.propose_deletion(record, instance, request.user, reason)
                )
            if reviewed_model(type(instance)) is None:
                cited_by = citing_published(instance)
                if cited_by:
                    raise CitedConflict(cited_by)
            with pghistory.context(reason=reason):
                self.perform_destroy(instance)
        return Response(status=status.HTTP_204_NO_CONTENT)

    # Changes that wait for a reviewer (core/revisions.py) ---------------------------

    def record_under_review(self, instance=None, data=None):
        """The published record this user's write to ``instance`` (or, for a
        new row, the record ``data`` names) must wait for a reviewer of, or
        None when it is written straight away."""
        records = []
        if instance is not None:
            records.append(
                instance if is_reviewed(type(instance)) else reviewed_parent(instance)
            )
        if self.parent_record and data and data.get(self.parent_record) is not None:
            records.append(data[self.parent_record])
        user = self.request.user
        return next((r for r in records if revisions.needs_revision(user, r)), None)

    def proposed_values(self, serializer, instance):
        """The validated body as model values, and the rows written with the
        record (an exercise's participants) as whole lists, each row with the
        id of the stored row it replaces (matched as the write would)."""
        values = dict(serializer.validated_data)
        values.pop("change_reason", None)
        children = {}
        for field in serializer.nested_fields().values():
            if field.source not in values:
                continue
            child = field.child
            stored = {}
            if instance is not None:
                rows = child.Meta.model._default_manager.filter(
                    **{child.parent_field: instance}
                )
                stored = {child.row_key(row): row.pk for row in rows}
            children[field.source] = [
                {"id": stored.get(child.row_key_from_data(item)), **item}
                for item in values.pop(field.source)
            ]
        return values, children

    def pending(self, revision):
        """202 Accepted: the change waits for a reviewer; the revision, with a
        link to follow it."""
        data = RevisionSerializer(revision, context=self.get_serializer_context()).data
        return Response(
            data, status=status.HTTP_202_ACCEPTED, headers={"Location": data["url"]}
        )


# The endpoints' descriptions in the schema; the steps themselves, their
# statuses and permissions come from core.workflow.TRANSITIONS.
STEP_DESCRIPTIONS = {
    "submit": """Submit a draft for review (draft → in review). Answers the record as
        it is now; any other state is a 409.""",
    "publish": """Publish a record in review (in review → published). Nobody publishes a
        record they submitted or were the last to edit (a second person always
        reviews): that, or any state but in review, is a 409.""",
    "send_back": """Send a record in review back to its editor (in review → draft); any
        other state is a 409.""",
    "retract": """Retract a published record (published → retracted); any other state
        is a 409. `reason` is required (400 without) and shown publicly: the
        record leaves the lists, its URL answers 410 with the reason, and
        /deletions/ lists it with `retracted: true`.""",
}


def _step_endpoint(transition):
    """``POST <id>/<step>/`` for one transition of the workflow."""

    def endpoint(self, request, *args, **kwargs):
        return self.transition(request, transition.name)

    endpoint.__name__ = transition.name
    endpoint.__doc__ = STEP_DESCRIPTIONS[transition.name]
    return extend_schema(request=TransitionSerializer)(
        action(
            detail=True,
            methods=["post"],
            url_path=transition.url_path,
            permission_classes=[IsAuthenticated],
        )(endpoint)
    )


class ReviewedViewSet(AtlasViewSet):
    """A resource whose records go through review, with the workflow's steps
    (core/workflow.py) as ``POST <id>/submit/``, ``publish/``, ``send-back/``
    and ``retract/``: 200 with the record, 401 anonymous, 403 without the
    permission, 404 unknown (or unseen) record, 409 a step the record's state or
    the four-eyes rule refuses, 400 a missing retraction reason."""

    # For the schema (core/api/schema.py): a retracted record's URL answers 410.
    reviewed = True

    def transition(self, request, name):
        body = TransitionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        reason = body.validated_data.get("reason", "")
        step = workflow.BY_NAME[name].function
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


for _transition in workflow.TRANSITIONS:
    setattr(ReviewedViewSet, _transition.name, _step_endpoint(_transition))


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
    permission_classes = [permissions.AllowAny]


class RevisionViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Changes editors proposed to published records (their writes answered 202
    Accepted), newest first, each field old against new: pending until a
    reviewer approves (the change is written then, in one transaction, and
    recorded in the record's history) or rejects them. Editors and reviewers
    see the revisions of the records they may edit; nobody else sees any."""

    queryset = Revision.objects.all()
    serializer_class = RevisionSerializer
    filterset_class = RevisionFilterSet
    filter_backends = [AtlasFilterBackend]
    permission_classes = [IsAuthenticated]
    lookup_value_regex = "[0-9]+"
    # For the schema (core/api/schema.py): steps answering 404, 409 and 412.
    decision_actions = ("approve", "reject")

    def get_queryset(self):
        return Revision.objects.visible_to(self.request.user).select_related(
            "record_type", "target_type", "author", "decided_by"
        )

    def decide(self, request, step):
        body = DecisionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        revision = self.get_object()
        try:
            revision = step(revision, request.user, body.validated_data.get("note"))
        except DjangoPermissionDenied as error:
            raise exceptions.PermissionDenied(str(error) or None) from None
        except workflow.WorkflowError as error:
            raise Conflict(" ".join(error.messages)) from None
        return Response(self.get_serializer(revision).data)

    @extend_schema(request=DecisionSerializer, responses={200: RevisionSerializer})
    @action(detail=True, methods=["post"])
    def approve(self, request, *args, **kwargs):
        """Approve a pending revision: its change is written (one transaction)
        and the record's history records it with the editor's reason and you as
        the user. Needs a reviewer of the record who did not propose it; 409
        when it is decided already, the record is no longer published, or what
        the editor changed has changed since."""
        return self.decide(request, revisions.approve)

    @extend_schema(request=DecisionSerializer, responses={200: RevisionSerializer})
    @action(detail=True, methods=["post"])
    def reject(self, request, *args, **kwargs):
        """Reject a pending revision: nothing is written; `note` tells the
        editor why. Needs a reviewer of the record; 409 when decided already."""
        return self.decide(request, revisions.reject)
