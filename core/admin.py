"""Admin pieces shared by the domain apps.

``AtlasModelAdmin`` is the base of every domain model's admin: accent-insensitive
search, a reason for every change (kept in the record's history, required for
published records), no lost updates, and a History page built from the
database-kept history (core/history.py). ``ReviewedModelAdmin`` adds the
editorial workflow (core/workflow.py) for the records that are reviewed before
they are published: status column and filters, changelist actions and buttons on
the change page.
"""

import pghistory
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.actions import delete_selected as django_delete_selected
from django.contrib.admin.utils import model_ngettext, unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.text import Truncator, capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from import_export.admin import ImportExportModelAdmin

from core import revisions, workflow
from core.forms import AtlasModelForm, DeleteReasonForm, RetractForm
from core.history import record_history
from core.models import ReviewedRecord, Status
from core.publication import (
    PUBLIC_STATUSES,
    citing_published,
    is_published,
    is_reviewed,
    published_lookup,
    reviewed_model,
    reviewed_parent,
)
from core.resources import resource_for
from core.search import strip_accents


class AtlasModelAdmin(ImportExportModelAdmin):
    """Accent-insensitive search and read-only timestamps for every domain model.

    ``search_fields`` are declared plainly ("name", "country__name"); searching
    compares unaccent(field) with the accent-stripped term, so "Klaipeda" and
    "Klaipėda" find the same rows. Autocomplete widgets use the same search.

    Every change form asks for the reason for the change (see
    core.forms.AtlasModelForm); the reason goes into the history of the rows
    the save writes, inlines included.
    """

    form = AtlasModelForm
    readonly_fields = ("created", "updated")
    list_per_page = 50
    show_full_result_count = False
    actions = ("delete_selected",)
    change_form_template = "admin/atlas/change_form.html"
    delete_confirmation_template = "admin/atlas/delete_confirmation.html"
    object_history_template = "admin/atlas/object_history.html"

    def get_resource_classes(self, request):
        return [resource_for(self.model)]

    def process_result(self, result, request):
        """After the confirm step: a row that went bad since the preview rolled
        the whole import back, so say so instead of "Import finished"."""
        if result.has_errors() or result.has_validation_errors():
            bad = [row.number for row in result.invalid_rows] + [
                number for number, _errors in result.row_errors()
            ]
            self.message_user(
                request,
                _(
                    "Nothing was imported: row(s) %(rows)s failed when the import "
                    "was confirmed (the data changed since the preview). Import the "
                    "file again to see why."
                )
                % {"rows": ", ".join(str(number) for number in sorted(set(bad)))},
                messages.ERROR,
            )
            return HttpResponseRedirect(
                reverse(
                    "admin:{}_{}_changelist".format(*self.get_model_info()),
                    current_app=self.admin_site.name,
                )
            )
        return super().process_result(result, request)

    def get_search_fields(self, request):
        return [
            f"{field}__unaccent__icontains"
            for field in super().get_search_fields(request)
        ]

    def get_search_results(self, request, queryset, search_term):
        return super().get_search_results(request, queryset, strip_accents(search_term))

    # Change form: reason, lost updates. The form's own fields for these
    # (core.forms.AtlasModelForm) are shown by admin/atlas/change_form.html
    # under the inlines, next to the save buttons.

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        if request.method != "POST":
            return super().changeform_view(request, object_id, form_url, extra_context)
        # The whole save (record, inlines, sources) shares one history context;
        # nothing is written unless the form is valid.
        reason = request.POST.get("change_reason", "").strip()
        with pghistory.context(**({"reason": reason} if reason else {})):
            return super().changeform_view(request, object_id, form_url, extra_context)

    def save_model(self, request, obj, form, change):
        if self.record_under_review(request, obj) is not None:
            return  # written when a reviewer approves it (save_related)
        super().save_model(request, obj, form, change)
        if not change or form.content_changed():
            workflow.mark_parent_edited(reviewed_parent(obj), request.user)

    def save_related(self, request, form, formsets, change):
        if self.record_under_review(request, form.instance) is not None:
            request.atlas_revision = self.propose_revision(
                request, form, formsets, change
            )
            return
        super().save_related(request, form, formsets, change)

    # Changes that wait for a reviewer (core/revisions.py)

    def record_under_review(self, request, obj):
        """The published record that this user's change to ``obj`` (a record or
        a row of one) must wait for a reviewer of, or None."""
        record = obj if is_reviewed(type(obj)) else reviewed_parent(obj)
        if record is obj and obj.pk is not None:
            # The form has set the new values on obj: the status is as stored.
            record = type(obj)._default_manager.get(pk=obj.pk)
        return record if revisions.needs_revision(request.user, record) else None

    def propose_revision(self, request, form, formsets, change):
        """The form's and the inlines' changes as a pending revision, compared
        with the record as stored."""
        obj = form.instance
        record = self.record_under_review(request, obj)
        reason = form.cleaned_data.get("change_reason", "")
        names = {field.name for field in revisions.editable_fields(type(obj))}
        if not change:
            values = {n: v for n, v in form.cleaned_data.items() if n in names}
            return revisions.propose_row(
                record, type(obj), request.user, reason, values
            )
        stored = type(obj)._default_manager.get(pk=obj.pk)
        if stored.pk == record.pk and type(stored) is type(record):
            record = stored
        values = {n: form.cleaned_data[n] for n in form.changed_data if n in names}
        children = {}
        for formset in formsets:
            if formset.has_changed():
                accessor = formset.fk.remote_field.get_accessor_name()
                children[accessor] = inline_rows(formset)
        return revisions.propose_change(
            record, stored, request.user, reason, values, children
        )

    def construct_change_message(self, request, form, formsets, add=False):
        if hasattr(request, "atlas_revision"):
            return []  # nothing was saved: the revision says what would change
        return super().construct_change_message(request, form, formsets, add)

    def log_addition(self, request, obj, message):
        if not hasattr(request, "atlas_revision"):
            super().log_addition(request, obj, message)

    def log_change(self, request, obj, message):
        if not hasattr(request, "atlas_revision"):
            super().log_change(request, obj, message)

    def response_add(self, request, obj, post_url_continue=None):
        if hasattr(request, "atlas_revision"):
            return self.response_pending(request, request.atlas_revision)
        return super().response_add(request, obj, post_url_continue)

    def response_change(self, request, obj):
        if hasattr(request, "atlas_revision"):
            return self.response_pending(request, request.atlas_revision)
        return super().response_change(request, obj)

    def response_pending(self, request, revision):
        """To the revision's page (old against new), or back to the record when
        nothing would change."""
        if revision is None:
            self.message_user(
                request, _("Nothing was changed: no revision made."), messages.INFO
            )
            return HttpResponseRedirect(request.get_full_path())
        self.message_user(
            request,
            _(
                "The record is published: your change waits for a reviewer as "
                "revision %(id)s. The public sees the published version until "
                "it is approved."
            )
            % {"id": revision.pk},
            messages.SUCCESS,
        )
        return HttpResponseRedirect(
            reverse(
                "admin:atlas_revision_change",
                args=[revision.pk],
                current_app=self.admin_site.name,
            )
        )

    # Deleting

    def delete_view(self, request, object_id, extra_context=None):
        obj = self.get_object(request, unquote(object_id))
        if obj is None or not self.has_delete_permission(request, obj):
            return super().delete_view(request, object_id, extra_context)
        reference = reviewed_model(type(obj)) is None
        if reference:
            cited_by = citing_published(obj)
            if cited_by:
                self.message_user(request, cited_message(obj, cited_by), messages.ERROR)
                return HttpResponseRedirect(
                    reverse(
                        f"admin:{self.opts.app_label}_{self.opts.model_name}_change",
                        args=[obj.pk],
                        current_app=self.admin_site.name,
                    )
                )
        if not (reference or is_published(obj)):
            return super().delete_view(request, object_id, extra_context)
        record = self.record_under_review(request, obj)
        if request.method != "POST":
            extra_context = {
                **(extra_context or {}),
                "reason_form": DeleteReasonForm(),
                "delete_note": delete_note(reference, record),
            }
            return super().delete_view(request, object_id, extra_context)
        form = DeleteReasonForm(request.POST)
        if not form.is_valid():
            self.message_user(
                request,
                _(
                    "“%(record)s” is published: say why you delete it. Nothing "
                    "was deleted."
                )
                % {"record": obj},
                messages.ERROR,
            )
            return HttpResponseRedirect(request.get_full_path())
        if record is not None:
            revision = revisions.propose_deletion(
                record, obj, request.user, form.cleaned_data["reason"]
            )
            return self.response_pending(request, revision)
        with pghistory.context(reason=form.cleaned_data["reason"]):
            return super().delete_view(request, object_id, extra_context)

    def public_records(self, queryset):
        """The records in ``queryset`` that the public sees: all reference data."""
        if reviewed_model(self.model) is None:
            return queryset
        return queryset.filter(**published_lookup(self.model))

    @admin.action(
        permissions=["delete"],
        description=gettext_lazy("Delete selected %(verbose_name_plural)s"),
    )
    def delete_selected(self, request, queryset):
        """Django's bulk delete, except for published records: those need a
        reason each (their own delete page) or a retraction."""
        public = list(self.public_records(queryset)[:5])
        if public:
            self.message_user(
                request,
                _(
                    "Published records cannot be deleted in bulk: retract them, or "
                    "delete them one at a time and give a reason. Published: "
                    "%(records)s. Nothing was deleted."
                )
                % {"records": ", ".join(f"“{obj}”" for obj in public)},
                messages.ERROR,
            )
            return None
        return django_delete_selected(self, request, queryset)

    # History

    def history_view(self, request, object_id, extra_context=None):
        """Every change to the record, from the database's history triggers:
        who, when, why, and each field's before and after."""
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        if not self.has_view_or_change_permission(request, obj):
            raise PermissionDenied
        entries = record_history(obj)
        for entry in entries:
            entry.action = history_action(entry)
        context = {
            **self.admin_site.each_context(request),
            "title": _("History: %s") % obj,
            "subtitle": None,
            "entries": entries[::-1],  # newest first
            "module_name": str(capfirst(self.opts.verbose_name_plural)),
            "object": obj,
            "opts": self.opts,
            "preserved_filters": self.get_preserved_filters(request),
            **(extra_context or {}),
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, self.object_history_template, context)


def inline_rows(formset):
    """The rows an inline formset would keep, as a revision proposes them: the
    stored row's id (None for a new one) and the form's values."""
    rows = []
    names = {
        field.name
        for field in revisions.editable_fields(formset.model, formset.fk.name)
    }
    for form in formset.forms:
        if formset.can_delete and formset._should_delete_form(form):
            continue
        if form.instance.pk is None and not form.has_changed():
            continue  # an empty extra form
        values = {n: v for n, v in form.cleaned_data.items() if n in names}
        rows.append({"id": form.instance.pk, **values})
    return rows


def cited_message(obj, cited_by):
    return _(
        "“%(record)s” cannot be deleted: published records cite it (%(records)s). "
        "Change those records first; their changes are reviewed. Nothing was "
        "deleted."
    ) % {
        "record": obj,
        "records": ", ".join(f"“{row}”" for row in cited_by),
    }


def delete_note(reference, record):
    if record is not None:
        return _(
            "This row belongs to a published record: your deletion waits for a "
            "reviewer, and the public sees the row until it is approved."
        )
    if reference:
        return _(
            "The public reads this record and the records that name it: say why "
            "you delete it; the reason is kept in its history."
        )
    return ""


def history_action(entry):
    """What an event did, in words: "Created", "Status: published"..."""
    if entry.kind == "insert":
        return _("Created")
    if entry.kind == "delete":
        return _("Deleted")
    if entry.kind == "update":
        for change in entry.changes:
            if change.name == "publication_status":
                return _("Status: %(status)s") % {"status": change.after}
        return _("Changed")
    label = entry.changes[0].label if entry.changes else entry.kind
    if entry.kind.endswith(".add"):
        return _("Added to %(field)s") % {"field": label}
    return _("Removed from %(field)s") % {"field": label}


class ReviewDueFilter(admin.SimpleListFilter):
    """Published records to check against their sources again."""

    title = gettext_lazy("review due")
    parameter_name = "review_due"

    def lookups(self, request, model_admin):
        return [("overdue", gettext_lazy("overdue: verify against the sources"))]

    def queryset(self, request, queryset):
        if self.value() == "overdue":
            return queryset.review_overdue()
        return queryset


PUBLICATION_FIELDSET = (
    gettext_lazy("Publication"),
    {
        "fields": (
            ("publication_status", "last_verified"),
            ("submitted_by", "submitted_at"),
            ("reviewed_by", "published_at"),
            "last_edited_by",
            ("retracted_at", "retraction_reason"),
        )
    },
)
NEW_RECORD_PUBLICATION_FIELDSET = (
    gettext_lazy("Publication"),
    {"fields": (("publication_status", "last_verified"),)},
)


# Changelist action names that differ from the step's (kept: they are in the
# admin's forms and bookmarks).
ADMIN_ACTIONS = {"submit": "submit_for_review"}


class ReviewedModelAdmin(AtlasModelAdmin):
    """Records that are reviewed before they are published (core/workflow.py).

    New records are drafts. Editors submit them for review; reviewers (the
    ``publish_<model>`` permission) publish, send back and retract, but never a
    record they submitted or last edited. Each transition is a changelist action
    and a button on the change page.
    """

    actions = (
        "delete_selected",
        *(ADMIN_ACTIONS.get(t.name, t.name) for t in workflow.TRANSITIONS),
        "mark_verified",
    )

    def has_publish_permission(self, request, obj=None):
        return workflow.can_review(request.user, obj or self.model)

    def has_delete_permission(self, request, obj=None):
        """Only reviewers delete what the public has seen (or retract it)."""
        if (
            obj is not None
            and obj.publication_status in PUBLIC_STATUSES
            and not self.has_publish_permission(request, obj)
        ):
            return False
        return super().has_delete_permission(request, obj)

    def get_readonly_fields(self, request, obj=None):
        return [
            *super().get_readonly_fields(request, obj),
            *ReviewedRecord.WORKFLOW_FIELDS,
        ]

    def get_fieldsets(self, request, obj=None):
        publication = PUBLICATION_FIELDSET if obj else NEW_RECORD_PUBLICATION_FIELDSET
        return [*super().get_fieldsets(request, obj), publication]

    def save_model(self, request, obj, form, change):
        if not change or form.content_changed():
            workflow.mark_edited(obj, request.user)
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        obj = form.instance
        if hasattr(request, "atlas_revision"):
            return
        if (
            change
            and not form.content_changed()
            and any(formset.has_changed() for formset in formsets)
        ):
            # Only inline rows changed: still a change to this record's content.
            workflow.mark_edited(obj, request.user)
            obj.save(update_fields=["last_edited_by", "updated"])

    # Changelist actions: one per step of core.workflow.TRANSITIONS (added
    # below the class), plus retracting (which asks for a reason) and verifying.

    def run_step(self, request, queryset, transition):
        """A changelist action: ``transition`` for each selected record."""
        if transition.needs_reason:
            # The public reason first, on an intermediate page like Django's
            # delete confirmation; then each selected record is retracted.
            return self.retract_confirmation(
                request, list(queryset), from_changelist=True
            )
        self.run_transition(
            request, queryset, transition.function, transition.bulk_done
        )
        return None

    @admin.action(
        description=gettext_lazy("Mark verified today"), permissions=["change"]
    )
    def mark_verified(self, request, queryset):
        count = self.verify(request, [obj.pk for obj in queryset])
        self.message_user(
            request,
            _("%(count)d %(items)s marked as verified today.")
            % {"count": count, "items": model_ngettext(self.opts, count)},
            messages.SUCCESS,
        )

    def verify(self, request, pks):
        """last_verified = today, recorded in the history with its reason."""
        if not self.has_change_permission(request):
            raise PermissionDenied
        with pghistory.context(reason=_("Verified against sources")):
            return self.model._default_manager.filter(pk__in=pks).update(
                last_verified=timezone.localdate(), updated=timezone.now()
            )

    def run_transition(self, request, records, transition, done_message, **kwargs):
        """Apply ``transition`` to each record; tell how many changed and why
        the others did not."""
        done = 0
        for obj in records:
            try:
                transition(obj, request.user, **kwargs)
            except (ValidationError, PermissionDenied) as error:
                self.message_user(
                    request,
                    _("“%(record)s” was not changed: %(reason)s")
                    % {"record": obj, "reason": refusal_text(error)},
                    messages.WARNING,
                )
            else:
                done += 1
        if done or not records:
            self.message_user(
                request,
                done_message
                % {"count": done, "items": model_ngettext(self.opts, done)},
                messages.SUCCESS if done else messages.WARNING,
            )
        return done

    def retract_confirmation(self, request, records, from_changelist):
        form = RetractForm(request.POST if request.POST.get("post") else None)
        if form.is_bound and form.is_valid():
            retract = workflow.BY_NAME["retract"]
            self.run_transition(
                request,
                records,
                retract.function,
                retract.bulk_done,
                reason=form.cleaned_data["reason"],
            )
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": _("Retract %(items)s")
            % {"items": model_ngettext(self.opts, len(records))},
            "subtitle": None,
            "records": records,
            "form": form,
            "from_changelist": from_changelist,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "opts": self.opts,
            "media": self.media,
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(
            request, "admin/atlas/retract_confirmation.html", context
        )

    # Buttons on the change page

    def get_urls(self):
        opts = self.opts
        return [
            path(
                "<path:object_id>/workflow/<slug:transition>/",
                self.admin_site.admin_view(self.workflow_view),
                name=f"{opts.app_label}_{opts.model_name}_workflow",
            ),
            *super().get_urls(),
        ]

    def workflow_view(self, request, object_id, transition):
        """One transition for one record, from the buttons on its change page."""
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        if not self.has_view_or_change_permission(request, obj):
            raise PermissionDenied
        change_url = reverse(
            f"admin:{self.opts.app_label}_{self.opts.model_name}_change",
            args=[obj.pk],
            current_app=self.admin_site.name,
        )
        if transition == "retract":
            if not self.has_publish_permission(request, obj):
                raise PermissionDenied
            if obj.publication_status != Status.PUBLISHED:
                self.message_user(
                    request,
                    _("Only a published record can be retracted."),
                    messages.ERROR,
                )
                return HttpResponseRedirect(change_url)
            response = self.retract_confirmation(request, [obj], from_changelist=False)
            return response or HttpResponseRedirect(change_url)
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if transition == "verify":
            self.verify(request, [obj.pk])
            self.message_user(request, _("Marked as verified today."), messages.SUCCESS)
            return HttpResponseRedirect(change_url)
        step = workflow.BY_NAME.get(transition)
        if step is None or step.needs_reason:
            raise Http404(_("No such workflow step."))
        try:
            step.function(obj, request.user)
        except ValidationError as error:
            self.message_user(request, refusal_text(error), messages.ERROR)
        else:
            self.message_user(request, step.done, messages.SUCCESS)
        return HttpResponseRedirect(change_url)

    def render_change_form(
        self, request, context, add=False, change=False, form_url="", obj=None
    ):
        if obj is not None and change:
            context["workflow"] = self.workflow_panel(request, obj)
        return super().render_change_form(request, context, add, change, form_url, obj)

    def workflow_panel(self, request, obj):
        """The status and the steps this user may take from it."""
        user = request.user
        may_edit = self.has_change_permission(request, obj)
        may_review = self.has_publish_permission(request, obj)
        may = {"change": may_edit, "publish": may_review}
        status = obj.publication_status
        steps, note = [], ""
        for step in workflow.TRANSITIONS:
            if step.needs_reason or step.source != status or not may[step.permission]:
                continue
            refusal = (
                workflow.publish_refusal(user, obj) if step.name == "publish" else None
            )
            if refusal:
                note = refusal
            else:
                steps.append((step.name, step.label))
        if may_edit:
            steps.append(("verify", _("Mark verified today")))
        return {
            "status": obj.get_publication_status_display(),
            "status_value": status,
            "steps": steps,
            "may_retract": status == workflow.BY_NAME["retract"].source and may_review,
            "note": note,
            "url_name": f"admin:{self.opts.app_label}_{self.opts.model_name}_workflow",
        }


def _changelist_action(transition):
    def run(model_admin, request, queryset):
        return model_admin.run_step(request, queryset, transition)

    run.__name__ = ADMIN_ACTIONS.get(transition.name, transition.name)
    return admin.action(
        description=transition.label, permissions=[transition.permission]
    )(run)


for _transition in workflow.TRANSITIONS:
    _action = _changelist_action(_transition)
    setattr(ReviewedModelAdmin, _action.__name__, _action)


def refusal_text(error):
    if isinstance(error, ValidationError):
        return " ".join(error.messages)
    return str(error) or _("You do not have permission to do this.")


PROVENANCE_FIELDSET = (
    gettext_lazy("Provenance"),
    {"fields": ("sources", "confidence", "notes", ("created", "updated"))},
)


def vague_date_column(field, description, ordering=None):
    """A changelist column that shows a date at its precision ("October 2016")."""

    @admin.display(description=description, ordering=ordering or field)
    def column(model_admin, obj):
        return obj.vague(field) or "–"

    column.__name__ = f"{field}_display"
    return column


def title_column(field, description, length=60):
    """A changelist column with the record's name cut to ``length`` characters,
    the whole name on hover: long titles no longer push the other columns out
    of a 1280-pixel screen."""

    @admin.display(description=description, ordering=field)
    def column(model_admin, obj):
        full = getattr(obj, field) or ""
        return format_html(
            '<span title="{}">{}</span>', full, Truncator(full).chars(length)
        )

    column.__name__ = f"{field}_short"
    return column


# The revisions' own admin (editors' changes waiting for a reviewer) lives in
# core/revision_admin.py; importing it registers it.
from core import revision_admin  # noqa: E402, F401
