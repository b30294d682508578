"""/timeline/: agreements, exercises and threat entries on one chronological view.

The three kinds are read as one SQL ``UNION ALL`` of identically shaped rows
(kind, slug, title, date and precision, end, summary, category), so a page of the
timeline is one query whatever the mix, and the facet counts come from one more
query grouped by kind and year. Filters are validated by a small form first:
bad input gives form errors on the page, never a database error. Only published
records are on it.
"""

from django import forms
from django.apps import apps
from django.core.paginator import Paginator
from django.db.models import CharField, Count, Value
from django.db.models.functions import ExtractYear
from django.utils.timezone import localdate
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView

from config.pages.timeline_chart import (
    MAX_YEARS,
    SPARSE,
    build_chart,
    default_range,
    zoom_links,
)
from core.filtersets import YearsField
from core.models import display_name
from core.views import FacetOption
from threats.models import ThreatCategory, ThreatEntry

# The kind whose rows have a category (the category filter and facet).
THREAT = ThreatEntry.timeline_kind.key


def timeline_models():
    """{kind: model} of the models that declare a ``timeline_kind``, in order."""
    found = [model for model in apps.get_models() if hasattr(model, "timeline_kind")]
    found.sort(key=lambda model: model.timeline_kind.position)
    return {model.timeline_kind.key: model for model in found}


def kind_choices():
    return [
        (key, model.timeline_kind.label) for key, model in timeline_models().items()
    ]


def kind_labels():
    return {
        key: model.timeline_kind.item_label for key, model in timeline_models().items()
    }


NEWEST, OLDEST = "newest", "oldest"
ORDER_CHOICES = [(NEWEST, _("Newest first")), (OLDEST, _("Oldest first"))]


class TimelineForm(forms.Form):
    kind = forms.MultipleChoiceField(
        label=_("Kind"),
        choices=kind_choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    year = YearsField(label=_("Year"), required=False, widget=forms.MultipleHiddenInput)
    category = forms.MultipleChoiceField(
        label=_("Threat category"),
        required=False,
        help_text=_("Only threat entries have a category."),
        widget=forms.CheckboxSelectMultiple,
    )
    order = forms.ChoiceField(label=_("Order"), choices=ORDER_CHOICES, required=False)

    def __init__(self, *args, categories=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = list(categories)
        # "from" is a Python keyword: these two are added by name.
        self.fields["from"] = forms.IntegerField(
            label=_("From year"), required=False, min_value=1000, max_value=2999
        )
        self.fields["to"] = forms.IntegerField(
            label=_("To year"), required=False, min_value=1000, max_value=2999
        )

    def clean(self):
        data = super().clean()
        first, last = data.get("from"), data.get("to")
        if first is not None and last is not None:
            if first > last:
                self.add_error(
                    "to", _("The last year cannot be before the first year.")
                )
            elif last - first + 1 > MAX_YEARS:
                self.add_error(
                    "to",
                    _("The chart shows at most %(years)s years at once.")
                    % {"years": MAX_YEARS},
                )
        return data


class TimelineItem:
    """One row of the timeline, shaped like a record for the ``vague`` filter."""

    def __init__(self, row, models):
        self.kind = row["item_kind"]
        self.slug = row["item_slug"]
        self.title = row["item_title"]
        self.date = row["item_date"]
        self.date_precision = row["item_date_precision"]
        self.end = row["item_end"]
        self.end_precision = row["item_end_precision"]
        self.summary = row["item_summary"]
        self.category = row["item_category"]
        model = models[self.kind]
        self.kind_label = model.timeline_kind.item_label
        self.url = model(slug=self.slug).get_absolute_url()

    @property
    def year(self):
        return self.date.year

    @property
    def machine_date(self):
        """The date for ``<time datetime>``, no more precise than it is known."""
        return self.date.isoformat()[
            : {"year": 4, "month": 7}.get(self.date_precision, 10)
        ]


ROW_FIELDS = (
    "item_kind",
    "item_slug",
    "item_title",
    "item_date",
    "item_date_precision",
    "item_end",
    "item_end_precision",
    "item_summary",
    "item_category",
)


def timeline_parts(kinds, years, categories, first=None, last=None):
    """One queryset of timeline rows per kind that the filters leave in: each
    model's ``timeline_rows()``, published records only, between the years
    ``first`` and ``last`` when given."""
    parts = []
    if categories:
        kinds = [kind for kind in kinds if kind == THREAT]
    for key, model in timeline_models().items():
        if key not in kinds:
            continue
        records = model.objects.published()
        if categories:
            records = records.filter(category__slug__in=categories)
        parts.append(
            records.order_by()
            .annotate(item_kind=Value(key, output_field=CharField()))
            .timeline_rows()
        )
    if years:
        parts = [part.filter(item_date__year__in=years) for part in parts]
    if first is not None:
        parts = [part.filter(item_date__year__gte=first) for part in parts]
    if last is not None:
        parts = [part.filter(item_date__year__lte=last) for part in parts]
    return parts


def union(parts):
    """All rows of the parts in one query (``UNION ALL``), or None when none."""
    if not parts:
        return None
    first, *rest = parts
    return first.union(*rest, all=True) if rest else first


class TimelineView(TemplateView):
    """Every dated agreement, exercise and threat entry, by year."""

    template_name = "timeline.html"
    paginate_by = 50

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        # Query 1: the threat categories (form choices and facet labels).
        # Rows carry the English name; the page shows the reader's language.
        shown_names = {}
        categories = []
        for slug, name, name_lt in ThreatCategory.objects.values_list(
            "slug", "name", "name_lt"
        ):
            shown_names[name] = display_name(name, name_lt)
            categories.append((slug, shown_names[name]))
        form = TimelineForm(self.request.GET or None, categories=categories)
        valid = form.is_valid() if form.is_bound else True
        data = form.cleaned_data if form.is_bound and valid else {}
        models = timeline_models()
        kinds = data.get("kind") or list(models)
        years = data.get("year") or []
        chosen_categories = data.get("category") or []
        order = data.get("order") or NEWEST
        context.update(form=form, order=order, kind_labels=kind_labels())
        if not valid:
            # Show the choices without counts so the reader can correct the filter.
            facets = {
                "kind": [
                    FacetOption(value, label, None, False)
                    for value, label in kind_choices()
                ],
                "year": [],
                "category": [
                    FacetOption(slug, name, None, False) for slug, name in categories
                ],
            }
            context.update(items=[], facets=facets, total=0)
            return context

        # Query 2: rows per kind and year under the category filter; both facets
        # count with every filter but their own, so their options can be combined.
        grid = union(
            [
                part.annotate(item_year=ExtractYear("item_date"))
                .values("item_kind", "item_year")
                .annotate(item_count=Count("pk"))
                for part in timeline_parts(list(models), [], chosen_categories)
            ]
        )
        cells = list(grid) if grid is not None else []
        kind_counts = dict.fromkeys(models, 0)
        year_counts = {}
        for cell in cells:
            if not years or cell["item_year"] in years:
                kind_counts[cell["item_kind"]] += cell["item_count"]
            if cell["item_kind"] in kinds:
                year_counts.setdefault(cell["item_year"], 0)
                year_counts[cell["item_year"]] += cell["item_count"]
        for year in years:
            year_counts.setdefault(year, 0)

        # Query 3: threat entries per category under the kind and year filters.
        category_counts = {}
        if THREAT in kinds:
            threats = ThreatEntry.objects.published().order_by()
            if years:
                threats = threats.filter(occurred_start__year__in=years)
            category_counts = dict(
                threats.values("category__slug")
                .annotate(n=Count("pk"))
                .values_list("category__slug", "n")
            )

        facets = {
            "kind": [
                FacetOption(
                    value, label, kind_counts[value], value in (data.get("kind") or [])
                )
                for value, label in kind_choices()
            ],
            "year": [
                FacetOption(str(year), str(year), count, year in years)
                for year, count in sorted(year_counts.items(), reverse=order == NEWEST)
            ],
            "category": [
                FacetOption(
                    slug, name, category_counts.get(slug, 0), slug in chosen_categories
                )
                for slug, name in categories
                if category_counts.get(slug) or slug in chosen_categories
            ],
        }

        # Query 4: the chart's marks (the records of the years with few).
        first, last = data.get("from"), data.get("to")
        context["chart"] = self.chart(
            models, kinds, years, chosen_categories, cells, first, last, shown_names
        )

        # Queries 5 and 6: how many rows match, and the rows of this page.
        rows = union(
            [
                part.values(*ROW_FIELDS)
                for part in timeline_parts(kinds, years, chosen_categories, first, last)
            ]
        )
        if rows is None:
            rows = []
        else:
            direction = "-" if order == NEWEST else ""
            rows = rows.order_by(f"{direction}item_date", "item_kind", "item_title")
        page_obj = Paginator(rows, self.paginate_by).get_page(
            self.request.GET.get("page")
        )
        items = [TimelineItem(row, models) for row in page_obj.object_list]
        for item in items:
            item.category = shown_names.get(item.category, item.category)
        context.update(
            items=items,
            page_obj=page_obj,
            paginator=page_obj.paginator,
            is_paginated=page_obj.has_other_pages(),
            facets=facets,
            total=page_obj.paginator.count,
        )
        return context

    def chart(self, models, kinds, years, categories, cells, first, last, names):
        """The chart between ``first`` and ``last`` (by default the years with
        records), from the counts per kind and year and one query for the
        records of the sparse years."""
        shown = [
            key for key in models if key in kinds and (not categories or key == THREAT)
        ]
        counts = {
            (cell["item_kind"], cell["item_year"]): cell["item_count"]
            for cell in cells
            if cell["item_kind"] in shown and (not years or cell["item_year"] in years)
        }
        per_year = {}
        for (_kind, year), count in counts.items():
            per_year[year] = per_year.get(year, 0) + count
        default_first, default_last = default_range(per_year, localdate())
        lowest = min(per_year, default=default_first)
        highest = max(per_year, default=default_last)
        if first is None and last is None:
            first, last = default_first, default_last
        elif first is None:
            first = max(min(lowest, last), last - MAX_YEARS + 1)
        elif last is None:
            last = min(max(highest, first), first + MAX_YEARS - 1)
        sparse = {
            key: [
                year
                for (kind, year), count in counts.items()
                if kind == key and count <= SPARSE and first <= year <= last
            ]
            for key in shown
        }
        marks_query = union(
            [
                # A year no record has keeps the query (one whatever the data).
                part.filter(item_date__year__in=sparse[key] or [1]).values(*ROW_FIELDS)
                for key, part in zip(
                    shown, timeline_parts(shown, [], categories), strict=True
                )
            ]
        )
        marks = []
        if marks_query is not None:
            marks = [TimelineItem(row, models) for row in marks_query]
            for item in marks:
                item.category = names.get(item.category, item.category)
        lanes = [
            (
                key,
                models[key].timeline_kind.label,
                models[key].timeline_kind.item_label,
                models[key].search_kind.list_url,
                models[key].timeline_kind.year_filter,
            )
            for key in shown
        ]
        chart = build_chart(
            lanes=lanes,
            cells=counts,
            marks=marks,
            first=first,
            last=last,
            extra_params={THREAT: [("category", slug) for slug in categories]},
        )
        query = self.request.GET.copy()
        query.pop("page", None)
        chart["zoom"] = []
        for key, zoom_first, zoom_last in zoom_links(
            first, last, min(lowest, first), max(highest, last)
        ):
            query["from"], query["to"] = str(zoom_first), str(zoom_last)
            chart["zoom"].append((key, zoom_first, zoom_last, query.urlencode()))
        chart["explicit"] = "from" in self.request.GET or "to" in self.request.GET
        return chart
