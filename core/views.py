"""Building blocks for the public pages: faceted, exportable lists and the
detail pages of reviewed records.

A list page is a ``FilterView`` over the app's FilterSet (the same class the API
uses), plus ``facets`` (counts per value over the filtered rows, one query each)
and ``export_row`` (one dict per record for ``?format=csv``, ``json`` and ``xlsx``).
Lists start from ``published()`` records: what the public sees does not depend on
a parameter a visitor can change.

A reviewed record's page (``ReviewedDetailView``) is public once published, a
preview for editors while a draft or in review (404 for everyone else), and a
410 Gone notice with the public reason once retracted.
"""

import sys

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.db.models import Count
from django.db.models.functions import ExtractYear
from django.http import Http404, HttpResponse, JsonResponse
from django.template import loader
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, reverse
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext_lazy as _
from django.views.generic import DetailView
from django_filters.views import FilterView

from core.datacache import cached
from core.exports import EXPORT_FORMATS, ExportError, ExportRequest, export_response
from core.history import record_history
from core.listdisplay import ListDisplayMixin
from core.models import display_name, lithuanian_active
from core.publication import Status, can_see_unpublished


class FacetOption:
    def __init__(self, value, label, count, selected):
        self.value = value
        self.label = label
        self.count = count
        self.selected = selected


class Facet:
    """Counts of the filtered rows per value of one field.

    ``path`` is the ORM path of the value put in the URL (a slug, an ISO code, a
    choice value); ``label_path`` the path of the text shown, ``label_lt_path``
    that of its Lithuanian form (shown on LT pages when written), or ``choices``
    to name choice values; ``year=True`` groups a date field by year.
    """

    def __init__(
        self,
        param,
        label,
        path,
        label_path=None,
        *,
        label_lt_path=None,
        choices=None,
        year=False,
    ):
        self.param = param
        self.label = label
        self.path = path
        self.label_path = label_path
        self.label_lt_path = label_lt_path
        self.choices = dict(choices or ())
        self.year = year

    def options(self, queryset, request):
        selected = set(request.GET.getlist(self.param))
        if self.year:
            rows = (
                queryset.order_by()
                .annotate(facet_value=ExtractYear(self.path))
                .values("facet_value")
                .annotate(count=Count("pk", distinct=True))
                .order_by("-facet_value")
            )
            return [
                FacetOption(
                    str(row["facet_value"]),
                    str(row["facet_value"]),
                    row["count"],
                    str(row["facet_value"]) in selected,
                )
                for row in rows
                if row["facet_value"] is not None
            ]
        in_lithuanian = bool(self.label_lt_path) and lithuanian_active()
        fields = [self.path] + ([self.label_path] if self.label_path else [])
        if in_lithuanian:
            fields.append(self.label_lt_path)
        rows = (
            queryset.order_by()
            .values(*fields)
            .annotate(count=Count("pk", distinct=True))
            .order_by("-count", *fields)
        )
        options = []
        for row in rows:
            value = row[self.path]
            if value in (None, ""):
                continue
            label = (
                row[self.label_path]
                if self.label_path
                else self.choices.get(value, value)
            )
            if in_lithuanian:
                label = display_name(label, row[self.label_lt_path])
            options.append(
                FacetOption(str(value), label, row["count"], str(value) in selected)
            )
        # A chosen value that matches nothing stays listed, so it can be unticked.
        shown = {option.value for option in options}
        for value in sorted(selected - shown):
            options.append(FacetOption(value, self.choices.get(value, value), 0, True))
        return options


def _value_names(field, cleaned):
    """{value as in the URL: its name} for a choice field's cleaned value."""
    if cleaned is None:
        return {}
    to_field = getattr(field, "to_field_name", None)
    if hasattr(field, "queryset"):
        # model choices arrive as evaluated objects: no query here
        objects = cleaned if hasattr(cleaned, "__iter__") else [cleaned]
        # (names in the reader's language where the model has them)
        return {
            str(getattr(obj, to_field or "pk")): str(getattr(obj, "display_name", obj))
            for obj in objects
        }
    choices = getattr(field, "choices", None)
    if choices:
        return {str(value): str(label) for value, label in choices}
    return {}


def _query_without(params, name):
    """The current query string without one filter (and back to page 1)."""
    params = params.copy()
    params.pop(name, None)
    params.pop("page", None)
    encoded = params.urlencode()
    return f"?{encoded}" if encoded else "?"


class AtlasListView(ListDisplayMixin, FilterView):
    """A faceted list page that also exports the current filter as CSV, JSON or
    XLSX (core/exports.py).

    Every list page is ``templates/includes/list_page.html`` filled in: the form
    shows ``form_fields`` (default: every visible filter), the other filters in
    the query string (chosen from facets or links) ride along as hidden inputs,
    and the filters in use and the ones that failed are listed the same way on
    every page, each with a link that removes it.

    Exports hold the whole filtered set up to ``EXPORT_MAX_ROWS`` records (a
    setting), streamed as it is read from the database, and say when they were
    cut: ``X-Export-Truncated`` and ``X-Total-Count`` headers, a last
    ``# Truncated: ...`` line in CSV and XLSX, ``truncated``, ``total`` and
    ``message`` in JSON.
    """

    paginate_by = 25
    facets = ()
    export_name = "records"
    # Names of the filters typed into the form, in order; () for every visible one.
    form_fields = ()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        filtered = self.object_list
        context["facets"] = list(
            zip(self.facets, self.facet_options(filtered), strict=True)
        )
        context["export_formats"] = EXPORT_FORMATS
        context.update(self.filter_context(context["filter"]))
        # The chart and the table view (core/listdisplay.py).
        context.update(self.display_context(filtered, context["filter_errors"]))
        return context

    def facet_options(self, filtered):
        """Each facet's options, from the shared cache while the data version
        is the same: lists show published records only, so the counts are the
        same for every reader of this query (the page number aside)."""
        params = sorted(
            (name, value)
            for name, values in self.request.GET.lists()
            if name != self.page_kwarg
            for value in values
        )
        return cached(
            f"facets:{type(self).__module__}.{type(self).__qualname__}",
            lambda: [facet.options(filtered, self.request) for facet in self.facets],
            vary=params,
        )

    def filter_context(self, filterset):
        params = self.request.GET
        form = filterset.form
        shown = list(self.form_fields) or [
            name for name, field in form.fields.items() if not field.widget.is_hidden
        ]
        context = {
            "form_fields": [form[name] for name in shown],
            "carried_filters": [
                (name, value.replace("\x00", ""))
                for name, values in params.lists()
                if name in form.fields and name not in shown
                for value in values
            ],
            "filter_errors": [],
            "active_filters": [],
        }
        if not form.is_bound:
            return context
        filterset.is_valid()
        context["filter_errors"] = [
            (
                form.fields[name].label if name in form.fields else "",
                list(errors),
                _query_without(params, name),
            )
            for name, errors in form.errors.items()
        ]
        # Valid fields keep their cleaned value even when another field fails.
        cleaned = getattr(form, "cleaned_data", {})
        for name, values in params.lists():
            if name not in form.fields or name == "ordering" or name in form.errors:
                continue
            field = form.fields[name]
            names = _value_names(field, cleaned.get(name))
            for value in values:
                if value.strip():
                    context["active_filters"].append(
                        (name, value, field.label, names.get(value, value))
                    )
        return context

    def export_row(self, obj):  # pragma: no cover - every list defines its own
        raise NotImplementedError

    def get(self, request, *args, **kwargs):
        if request.GET.get("format") is None:
            return super().get(request, *args, **kwargs)
        try:
            export = ExportRequest.from_query(request.GET)
        except ExportError as error:
            return JsonResponse(error.errors, status=400)
        filterset = self.get_filterset(self.get_filterset_class())
        if not filterset.is_valid():
            return JsonResponse(filterset.errors.get_json_data(), status=400)
        return export_response(
            export,
            filterset.qs,
            self.export_row,
            self.export_name,
            settings.EXPORT_MAX_ROWS,
        )


def server_error(request):
    """500 page, or 503 with Retry-After when the database is unreachable.

    A handler500 (not a middleware) sees errors raised anywhere, session saving
    included. It renders without the base template, which needs the database.
    """
    error = sys.exc_info()[1]
    unavailable = isinstance(error, OperationalError | InterfaceError)
    wants_json = request.path.startswith("/api/") or request.GET.get("format") == "json"
    status = 503 if unavailable else 500
    if wants_json:
        message = (
            "Database temporarily unavailable." if unavailable else "Server error."
        )
        response = JsonResponse({"detail": message}, status=status)
    else:
        response = HttpResponse(
            loader.render_to_string("500.html", {"unavailable": unavailable}),
            status=status,
        )
    if unavailable:
        response["Retry-After"] = "5"
    return response


# -- reviewed records' pages ---------------------------------------------------

# The workflow's own columns: a change of these is said as "published" or
# "retracted", not listed as a field.
WORKFLOW_FIELDS = {
    "publication_status",
    "published_at",
    "retracted_at",
    "retraction_reason",
}


class ChangeLogEntry:
    """One line of a record's public change log."""

    PUBLISHED, RETRACTED, UPDATED = "published", "retracted", "updated"
    ACTIONS = {
        PUBLISHED: _("Published"),
        RETRACTED: _("Retracted"),
        UPDATED: _("Updated"),
    }

    def __init__(self, entry):
        self.when = entry.when
        self.context_id = entry.event.pgh_context_id
        self.action = self.UPDATED
        # A record that came in published: its fields (and the sources saved
        # with it) are its first content, not changes.
        self.inserted = entry.kind == "insert"
        self.fields = []
        self.reasons = []
        self.add(entry)

    def add(self, entry):
        """Fold in an event saved together with this one (a form and its sources)."""
        changed = {change.name for change in entry.changes}
        if entry.kind == "insert" or "publication_status" in changed:
            status = entry.status
            if status == Status.RETRACTED:
                self.action = self.RETRACTED
            elif status == Status.PUBLISHED and self.action != self.RETRACTED:
                self.action = self.PUBLISHED
        if not self.inserted:
            for change in entry.changes:
                if (
                    change.name not in WORKFLOW_FIELDS
                    and change.label not in self.fields
                ):
                    self.fields.append(change.label)
        if entry.reason and entry.reason not in self.reasons:
            self.reasons.append(entry.reason)

    @property
    def action_label(self):
        return self.ACTIONS[self.action]

    @property
    def reason(self):
        return "; ".join(self.reasons)

    @property
    def says_something(self):
        return self.action != self.UPDATED or bool(self.fields)


def change_log(obj):
    """The public change log of a reviewed record, newest first.

    From ``record_history(obj, public=True)``: only what happened since the record
    was published, without internal fields; each line says when, what (published,
    retracted, or the labels of the fields that changed, never internal values)
    and why. Events saved in one request (a form and its sources) make one line;
    changes to internal fields alone make none. Runs record_history's queries: a
    fixed number per model, whatever the number of events.
    """
    lines = []
    for entry in record_history(obj, public=True):
        if entry.kind == "delete":
            continue
        context_id = entry.event.pgh_context_id
        if lines and context_id and lines[-1].context_id == context_id:
            lines[-1].add(entry)
        else:
            lines.append(ChangeLogEntry(entry))
    return [line for line in reversed(lines) if line.says_something]


def admin_change_url(obj):
    opts = obj._meta
    try:
        return reverse(
            f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk]
        )
    except NoReverseMatch:  # pragma: no cover - every reviewed model has an admin
        return ""


class ReviewedDetailView(DetailView):
    """The page of an organisation, agreement, exercise or threat entry.

    Published: the page, with its public change log. Draft or in review: a
    preview under a banner for editors who may view the model, 404 for everyone
    else (not 403: the page does not admit the record exists). Retracted: 410 Gone
    for everyone, saying when and why, and nothing else of the record.
    """

    retracted_template_name = "retracted.html"

    def get_queryset(self):
        queryset = super().get_queryset()
        statuses = [Status.PUBLISHED]
        if can_see_unpublished(self.request.user, queryset.model):
            statuses += [Status.DRAFT, Status.REVIEW]
        return queryset.filter(publication_status__in=statuses)

    def get(self, request, *args, **kwargs):
        try:
            self.object = self.get_object()
        except Http404:
            retracted = self.get_retracted()
            if retracted is None:
                raise
            return self.render_retracted(retracted)
        response = self.render_to_response(self.get_context_data(object=self.object))
        if not self.object.is_public:
            # An editor's preview must not be kept by a shared cache.
            patch_cache_control(response, private=True, no_store=True)
        return response

    def get_retracted(self):
        """The retracted record at this address, if any (one query)."""
        model = self.get_queryset().model
        slug = self.kwargs.get(self.slug_url_kwarg)
        return model.objects.retracted().filter(slug=slug).first()

    def render_retracted(self, record):
        context = {
            "record": record,
            "kind": record._meta.verbose_name,
            "admin_url": admin_change_url(record)
            if can_see_unpublished(self.request.user, type(record))
            else "",
        }
        return TemplateResponse(
            self.request, self.retracted_template_name, context, status=410
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        record = self.object
        preview = not record.is_public
        log = [] if preview else change_log(record)
        context.update(
            preview=preview,
            admin_url=admin_change_url(record) if preview else "",
            change_log=log,
            # The newest public change: the cite block and the log agree.
            last_updated=log[0].when if log else record.updated,
        )
        return context
