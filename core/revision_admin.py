"""The admin of revisions: editors' changes to published records waiting for a
reviewer (core/revisions.py), old against new, approved or rejected by
reviewers. Registered when core/admin.py loads."""

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core import revisions, workflow

# Loaded by core/admin.py at its end, once what this module uses is defined.
from core.admin import refusal_text
from core.models import Revision


@admin.register(Revision)
class RevisionAdmin(admin.ModelAdmin):
    """The changes waiting for review, old against new. Read-only: reviewers
    approve or reject them (changelist actions, buttons on the page); the
    change itself is written by core.revisions.approve."""

    list_display = ("__str__", "action", "status", "author", "created", "decided_by")
    list_filter = ("status", "action", "record_type")
    list_select_related = ("record_type", "target_type", "author", "decided_by")
    actions = ("approve_selected", "reject_selected")
    fields = (
        "record_link",
        "action",
        "status",
        "reason",
        ("author", "created"),
        ("decided_by", "decided_at"),
        "decision_note",
        "changes_table",
    )
    readonly_fields = tuple(
        name
        for entry in fields
        for name in (entry if isinstance(entry, tuple) else (entry,))
    )
    change_form_template = "admin/atlas/revision_change_form.html"

    def get_queryset(self, request):
        return super().get_queryset(request).visible_to(request.user)

    def has_module_permission(self, request):
        return self.has_view_permission(request)

    def has_view_permission(self, request, obj=None):
        user = request.user
        return (
            user.is_active
            and user.is_staff
            and any(
                workflow.can_edit(user, model) or workflow.can_review(user, model)
                for model in revisions.revisable_models()
            )
        )

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_publish_permission(self, request, obj=None):
        """Reviewers of some record: each decision checks its own record."""
        return any(
            workflow.can_review(request.user, model)
            for model in revisions.revisable_models()
        )

    @admin.display(description=gettext_lazy("record"))
    def record_link(self, obj):
        record = obj.get_record()
        if record is None:
            return obj.record_label()
        opts = record._meta
        url = reverse(
            f"admin:{opts.app_label}_{opts.model_name}_change",
            args=[record.pk],
            current_app=self.admin_site.name,
        )
        return format_html('<a href="{}">{}</a>', url, record)

    @admin.display(description=gettext_lazy("changes"))
    def changes_table(self, obj):
        rows = format_html_join(
            "",
            '<tr><th scope="row">{}</th><td class="revision-before">{}</td>'
            '<td class="revision-after">{}</td></tr>',
            (
                (difference.label, difference.before, difference.after)
                for difference in revisions.differences(obj)
            ),
        )
        return format_html(
            '<table class="revision-changes"><thead><tr><th scope="col">{}</th>'
            '<th scope="col">{}</th><th scope="col">{}</th></tr></thead>'
            "<tbody>{}</tbody></table>",
            _("Field"),
            _("Published value"),
            _("Proposed value"),
            rows,
        )

    def get_urls(self):
        return [
            path(
                "<path:object_id>/decide/",
                self.admin_site.admin_view(self.decide_view),
                name="atlas_revision_decide",
            ),
            *super().get_urls(),
        ]

    def decide(self, request, revision, decision, note=""):
        """Approve or reject one revision; a message says what happened."""
        step = revisions.approve if decision == "approve" else revisions.reject
        try:
            step(revision, request.user, note)
        except (ValidationError, PermissionDenied) as error:
            self.message_user(
                request,
                _("Revision %(id)s was not decided: %(reason)s")
                % {"id": revision.pk, "reason": refusal_text(error)},
                messages.ERROR,
            )
            return False
        done = (
            _("Revision %(id)s approved: the change is published.")
            if decision == "approve"
            else _("Revision %(id)s rejected: nothing was changed.")
        )
        self.message_user(request, done % {"id": revision.pk}, messages.SUCCESS)
        return True

    def decide_view(self, request, object_id):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        revision = self.get_object(request, unquote(object_id))
        if revision is None:
            raise Http404(_("No such revision."))
        decision = request.POST.get("decision")
        if decision not in ("approve", "reject"):
            raise Http404(_("No such decision."))
        self.decide(request, revision, decision, request.POST.get("note", ""))
        return HttpResponseRedirect(
            reverse(
                "admin:atlas_revision_change",
                args=[revision.pk],
                current_app=self.admin_site.name,
            )
        )

    def render_change_form(
        self, request, context, add=False, change=False, form_url="", obj=None
    ):
        context["may_decide"] = (
            obj is not None
            and obj.is_pending
            and revisions.refusal(request.user, obj, obj.get_record()) is None
        )
        return super().render_change_form(request, context, add, change, form_url, obj)

    @admin.action(
        permissions=["publish"], description=gettext_lazy("Approve selected revisions")
    )
    def approve_selected(self, request, queryset):
        for revision in queryset:
            self.decide(request, revision, "approve")

    @admin.action(
        permissions=["publish"], description=gettext_lazy("Reject selected revisions")
    )
    def reject_selected(self, request, queryset):
        for revision in queryset:
            self.decide(request, revision, "reject")
