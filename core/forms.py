"""The editors' change forms: why a record changed, lost updates, duplicates.

``AtlasModelForm`` is the base of every domain model's admin form. It asks for
the reason for a change (required when the record being edited is published:
the public history shows it), and refuses to save over somebody else's newer
save, or without the version the form was opened at (``loaded_updated``).
``DuplicateCheckedForm`` also warns, when a record is added, that a record with
a similar title and a close date already exists.
"""

import datetime

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from core.publication import is_published, reviewed_model

# Form fields that are not the record's content.
BOOKKEEPING_FIELDS = {"change_reason", "loaded_updated", "not_duplicate"}


def last_changed_by(obj):
    """The user who made the latest change to ``obj``'s row, from its history."""
    events = type(obj)._meta.get_field("events").related_model
    event = (
        events.objects.filter(pgh_obj_id=obj.pk)
        .select_related("pgh_context")
        .order_by("-pgh_id")
        .first()
    )
    if event is None or event.pgh_context is None:
        return None  # a change made outside any request or command context
    user_id = (event.pgh_context.metadata or {}).get("user")
    if user_id is None:
        return None
    return get_user_model().objects.filter(pk=user_id).first()


class AtlasModelForm(forms.ModelForm):
    """Every domain model's admin form (see ``AtlasModelAdmin.form``)."""

    change_reason = forms.CharField(
        label=_("Reason for this change"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2, "cols": 80}),
        help_text=_(
            "Kept in the record's history. Required when you change a published "
            "record or reference data: readers see its history. A change to a "
            "published record waits for a reviewer."
        ),
    )
    # The record's "updated" timestamp when the form was opened.
    loaded_updated = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is None:
            return
        self.fields["loaded_updated"].initial = self.instance.updated.isoformat()
        reason = self.fields["change_reason"]
        if is_published(self.instance):
            reason.required = True
            reason.error_messages["required"] = _(
                "This record is published: say why you change it. The reason is "
                "kept in its public history."
            )
        elif reviewed_model(type(self.instance)) is None:
            reason.required = True
            reason.error_messages["required"] = _(
                "The public reads this reference data, here and in every record "
                "that names it: say why you change it. The reason is kept in its "
                "history."
            )

    def content_changed(self):
        """Did the editor change the record itself (not only the bookkeeping)?"""
        return bool(set(self.changed_data) - BOOKKEEPING_FIELDS - {"last_verified"})

    def clean(self):
        cleaned_data = super().clean()
        if self.instance.pk is not None:
            self._refuse_lost_update()
        return cleaned_data

    def _refuse_lost_update(self):
        """Refuse to save when the record was saved by someone else after this
        form was opened. The row stays locked until the admin's transaction ends,
        so two saves at the same moment cannot both pass."""
        loaded = self.cleaned_data.get("loaded_updated")
        if not loaded:
            # Without the version it was opened at, a post could overwrite any
            # later change unseen (a script, a tab from before this check): refused.
            raise ValidationError(
                _(
                    "This form does not say which version of the record you "
                    "opened, so saving it could overwrite someone else's change. "
                    "Open the record again and make your changes there."
                ),
                code="unversioned",
            )
        try:
            loaded = datetime.datetime.fromisoformat(loaded)
        except ValueError:
            raise ValidationError(
                _("The form was damaged; reload the page and make your changes again."),
                code="damaged",
            ) from None
        rows = type(self.instance)._default_manager.filter(pk=self.instance.pk)
        if transaction.get_connection().in_atomic_block:
            rows = rows.select_for_update(of=("self",))
        current = rows.values_list("updated", flat=True).first()
        if current is None:
            raise ValidationError(
                _(
                    "This record was deleted after you opened it; your changes "
                    "were not saved."
                ),
                code="deleted",
            )
        if current == loaded:
            return
        user = last_changed_by(self.instance)
        raise ValidationError(
            _(
                "This record was changed by %(user)s at %(time)s after you opened "
                "it; your changes were not saved — reload to see them."
            ),
            code="changed",
            params={
                "user": user.get_username() if user else _("someone else"),
                "time": formats.date_format(
                    timezone.localtime(current), "DATETIME_FORMAT"
                ),
            },
        )


class DuplicateCheckedForm(AtlasModelForm):
    """Adding a record that may already exist asks the editor to confirm.

    The admin sets ``duplicate_fields`` (title field, vague date field).
    """

    not_duplicate = forms.BooleanField(
        label=_("This is not a duplicate, save anyway"), required=False
    )

    duplicate_fields = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.duplicates = []

    def clean(self):
        cleaned_data = super().clean()
        if (
            self.instance.pk is None
            and self.duplicate_fields
            and not cleaned_data.get("not_duplicate")
        ):
            self._look_for_duplicates(cleaned_data)
        return cleaned_data

    def _look_for_duplicates(self, cleaned_data):
        title_field, date_field = self.duplicate_fields
        title = cleaned_data.get(title_field)
        if not title or date_field in self.errors:
            return
        self.duplicates = self._meta.model._default_manager.possible_duplicates(
            title_field,
            date_field,
            title,
            cleaned_data.get(date_field),
            cleaned_data.get(f"{date_field}_precision"),
        )
        for candidate in self.duplicates:
            candidate.duplicate_date = candidate.vague(date_field)
        if self.duplicates:
            raise ValidationError(
                _(
                    "This may be a record that already exists: a similar title "
                    "with a close date. Check the records listed below. If this "
                    "is a different one, tick “This is not a duplicate, save "
                    "anyway” and save again."
                ),
                code="duplicate",
            )


class RetractForm(forms.Form):
    """The public reason asked for before records are retracted."""

    reason = forms.CharField(
        label=_("Public reason for the retraction"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 80}),
        help_text=_(
            "Shown on the record's public page and sent to API clients that "
            "mirror the data."
        ),
    )


class DeleteReasonForm(forms.Form):
    """Deleting a published record: why (kept in its history)."""

    reason = forms.CharField(
        label=_("Reason for deleting this published record"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2, "cols": 80}),
        help_text=_("Kept in the record's history."),
    )
