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
from django.core.exceptions import FieldDoesNotExist
from django.core.paginator import Paginator
from django.db import InterfaceError, OperationalError
from django.db.models import Count, ForeignObjectRel
from django.db.models.constants import LOOKUP_SEP
from django.db.models.functions import ExtractYear
from django.http import Http404, HttpResponse, JsonResponse
from django.template import loader
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.functional import SimpleLazyObject, cached_property
from django.utils.translation import gettext_lazy as _
from django.views.generic import DetailView
from django_filters.views import FilterView

from core.datacache import cached
from core.exports import EXPORT_FORMATS, ExportError, ExportRequest, export_response
from core.history import record_history
from core.httpcache import anonymous_download
from core.listdisplay import ListDisplayMixin
from core.models import display_name, lithuanian_active
from core.publication import Status, can_see_unpublished


class FacetOption:
    def __init__(self, value, label, count, selected):
        self.value = value
        self.label = label
        self.count = count
        self.selected = selected


def crosses_many(model, path):
    """Whether the ORM ``path`` from ``model`` crosses a relation that gives a
    row several values (reverse foreign key or many-to-many): grouping by it
    can then meet one row twice under one value."""
    if not isinstance(path, str):
        return False
    for name in path.split(LOOKUP_SEP):
        try:
            field = model._meta.get_field(name)
        except FieldDoesNotExist:
            return False
        if field.one_to_many or field.many_to_many:
            return True
        if not field.is_relation:
            return False
        model = field.related_model
    return False


def joins_many(queryset):
    """Whether the queryset's own joins (a filter across a reverse foreign key
    or many-to-many relation) can repeat a row."""
    for join in queryset.query.alias_map.values():
        field = getattr(join, "join_field", None)
        if isinstance(field, ForeignObjectRel) and not field.field.unique:
            return True
    return False


def without_distinct(queryset):
    """The queryset without ``DISTINCT`` where its joins cannot repeat a row
    (django-filter asks for it on every multiple-choice filter): a count or a
    grouping then reads the few columns it needs, not every column twice."""
    query = queryset.query
    if query.distinct and not query.distinct_fields and not joins_many(queryset):
        queryset = queryset.all()
        queryset.query.distinct = False
    return queryset


def count_rows(queryset):
    """The number of distinct rows of ``queryset``: ``COUNT(*)``, over the
    distinct ids only where a join can repeat a row."""
    queryset = without_distinct(queryset.order_by())
    if queryset.query.distinct:
        queryset = queryset.values("pk")
    return queryset.count()


def row_count(queryset, path):
    """The count of rows per group: ``COUNT(*)`` where neither the filter's
    joins nor the facet's own path can repeat a row, ``COUNT(DISTINCT pk)``
    where they can (the distinct count sorts every group's ids)."""
    if joins_many(queryset) or crosses_many(queryset.model, path):
        return Count("pk", distinct=True)
    return Count("*")


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
        queryset = without_distinct(queryset)
        selected = set(request.GET.getlist(self.param))
        if self.year:
            rows = (
                queryset.order_by()
                .annotate(facet_value=ExtractYear(self.path))
                .values("facet_value")
                .annotate(count=row_count(queryset, self.path))
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
            .annotate(count=row_count(queryset, self.path))
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


class CountedPaginator(Paginator):
    """A paginator whose total comes from ``count()`` (the cached one of
    ``AtlasListView``) instead of counting the rows on every request."""

    def __init__(self, *args, count, **kwargs):
        super().__init__(*args, **kwargs)
        self._count = count

    @cached_property
    def count(self):
        return self._count()


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
        # Read only when the rendered facets are not cached (and by tests).
        facets = SimpleLazyObject(
            lambda: list(zip(self.facets, self.facet_options(filtered), strict=True))
        )
        context["facets"] = facets
        context["facets_html"] = self.facets_html(facets)
        context["export_formats"] = EXPORT_FORMATS
        context.update(self.filter_context(context["filter"]))
        # The chart and the table view (core/listdisplay.py).
        context.update(self.display_context(filtered, context["filter_errors"]))
        return context

    def cache_vary(self):
        """What the cached parts of a list (its total and facet counts) depend
        on besides the data version: the query string (the page number aside)
        and the day (filters such as an exercise's timing read it). Lists show
        published records only, so they are the same for every reader."""
        params = sorted(
            (name, value)
            for name, values in self.request.GET.lists()
            if name != self.page_kwarg
            for value in values
        )
        return [*params, timezone.localdate()]

    def cache_name(self, part):
        return f"{part}:{type(self).__module__}.{type(self).__qualname__}"

    def get_paginator(self, queryset, per_page, **kwargs):
        """The total is counted once per data version and query string (one
        query when it is not cached, as before), not on every page view."""
        return CountedPaginator(
            queryset,
            per_page,
            count=lambda: cached(
                self.cache_name("count"),
                lambda: count_rows(queryset),
                vary=self.cache_vary(),
            ),
            **kwargs,
        )

    def paginate_queryset(self, queryset, page_size):
        # The page's rows without django-filter's DISTINCT where no join
        # repeats a row: an index can then give the first rows in order.
        return super().paginate_queryset(without_distinct(queryset), page_size)

    def facet_options(self, filtered):
        """Each facet's options, from the shared cache while the data version
        is the same (see ``cache_vary``)."""
        return cached(
            self.cache_name("facets"),
            lambda: [facet.options(filtered, self.request) for facet in self.facets],
            vary=self.cache_vary(),
        )

    def facets_html(self, facets):
        """The facets rendered, kept like their counts: their links depend on
        the query string alone (in its order; the page number aside), and
        rendering a hundred links costs more than the rest of the page."""
        params = [
            (name, value)
            for name, values in self.request.GET.lists()
            if name != self.page_kwarg
            for value in values
        ]
        return cached(
            self.cache_name("facets-html"),
            lambda: loader.render_to_string(
                "includes/facets.html", {"facets": facets, "request": self.request}
            ),
            vary=[*params, timezone.localdate()],
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
        # An anonymous reader's download of the same list, at the same data
        # version, is read from the shared cache (core/httpcache.py).
        return anonymous_download(
            f"export:{self.export_name}",
            request,
            lambda: export_response(
                export,
                filterset.qs,
                self.export_row,
                self.export_name,
                settings.EXPORT_MAX_ROWS,
            ),
            # The cap is in the file (its rows, its notice).
            vary=lambda request: [request.get_full_path(), settings.EXPORT_MAX_ROWS],
            # Bigger files are streamed without being gathered at all: a worker
            # holding the first EXPORT_CACHE_MAX_BYTES of one before giving up
            # would keep that memory.
            keep=lambda response: (
                min(int(response["X-Total-Count"]), int(response["X-Export-Limit"]))
                <= settings.EXPORT_CACHE_MAX_ROWS
            ),
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
    for entry in record_history(obj, public=True, values=False):
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
