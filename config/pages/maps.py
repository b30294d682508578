"""/map/ and /map/data.json: the exercise locations and threat entries that have
coordinates, under the same filters as the lists.

The query string is read by ``ExerciseFilterSet`` and ``ThreatEntryFilterSet``
unchanged (each ignores the other's parameters), plus ``kind`` (``exercise``,
``threat``, or both). Without ``kind``, a filter only one of the two kinds has
(``category``, ``domain``...) shows that kind alone: ``/map/?category=sabotage``
is a map of sabotage, not of sabotage plus every exercise.

Only published records are mapped. The page lists the same records in a table,
so nothing depends on JavaScript;
``static/js/map.js`` draws them on Leaflet over Natural Earth borders.
"""

import re
from datetime import date

from django import forms
from django.db.models import Count
from django.db.models.functions import Coalesce
from django.http import JsonResponse
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views import View
from django.views.generic import TemplateView

from config.pages import mapgrid
from config.pages.mapgrid import (
    Grid,
    ViewForm,
    cluster_feature,
    merge,
    shown_as_records,
)
from core.datacache import cached
from core.exports import point_feature
from core.httpcache import anonymous_page
from core.models import display_name
from core.templatetags.atlas import vague_range
from exercises.filtersets import ExerciseFilterSet
from exercises.models import Exercise, ExerciseLocation
from threats.filtersets import ThreatEntryFilterSet
from threats.models import ThreatCategory, ThreatEntry

EXERCISE, THREAT = "exercise", "threat"
KIND_CHOICES = [(EXERCISE, _("Exercises")), (THREAT, _("Threat entries"))]
KIND_LABELS = {EXERCISE: _("Exercise"), THREAT: _("Threat")}
NOT_FILTERS = {"ordering"}
# The page lists this many of the mapped records, newest first.
LISTED = 100  # dropped from the query string, see _normalise()
# Parameters the page shows as inputs; any other filter is kept as a hidden input.
SHOWN_PARAMS = {"kind", "q", "year", "category", "domain"}
# Where map.js writes each sea area's name and its count of maritime incidents:
# points inside each sea, chosen by hand for the label (no sea-area outlines
# are drawn: no public-domain sea polygons are available to the site offline).
SEA_LABELS = {
    "baltic_sea": (55.9, 17.6),
    "gulf_of_finland": (59.85, 25.9),
    "gulf_of_riga": (57.65, 23.45),
    "gulf_of_bothnia": (62.4, 19.9),
}
# The map's view: set by map.js for data.json, not kept by the page's form.
VIEW_PARAMS = {"bbox", "zoom"}


def _own_params(filterset, other):
    return set(filterset.base_filters) - set(other.base_filters) - NOT_FILTERS


THREAT_PARAMS = _own_params(ThreatEntryFilterSet, ExerciseFilterSet)
EXERCISE_PARAMS = _own_params(ExerciseFilterSet, ThreatEntryFilterSet)


class KindForm(forms.Form):
    kind = forms.MultipleChoiceField(
        label=_("Show"),
        choices=KIND_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )


def _normalise(query):
    """The query string with typed year lists ("2023, 2024") split into repeated
    ``year`` parameters, the form both FilterSets read, and without the
    parameters that only order or page a list."""
    data = query.copy()
    years = [
        part
        for value in query.getlist("year")
        for part in re.split(r"[\s,;]+", value)
        if part
    ]
    data.setlist("year", years)
    # The map has its own order, pages and format: a list's are ignored, so a
    # list's query string can be reused as it is.
    for name in ("ordering", "page", "format"):
        data.pop(name, None)
    return data


class MapRecord:
    """One point on the map: an exercise location or a threat entry."""

    def __init__(
        self, kind, obj, place, category, latitude, longitude, sort_date, precision=""
    ):
        self.kind = kind
        self.kind_label = KIND_LABELS[kind]
        self.title = str(obj)
        self.url = obj.get_absolute_url()
        self.date = (
            vague_range(obj, "start", "end")
            if kind == EXERCISE
            else vague_range(obj, "occurred_start", "occurred_end")
        )
        self.place = place
        self.category = category
        self.latitude = float(latitude)
        self.longitude = float(longitude)
        self.sort_date = sort_date
        # How precisely the point places the record ("nearest town"): a town's
        # coordinates for an incident somewhere near it say so in the popup.
        self.precision = precision

    def feature(self):
        return point_feature(
            round(self.latitude, 5),
            round(self.longitude, 5),
            {
                "kind": self.kind,
                "kind_label": str(self.kind_label),
                "title": self.title,
                "url": self.url,
                "date": self.date,
                "place": self.place,
                "category" if self.kind == THREAT else "domain": str(self.category),
                # Threat entries only: an exercise location is a named place.
                **({"precision": str(self.precision)} if self.kind == THREAT else {}),
            },
        )


class MapFilters:
    """``kind`` and both kinds' FilterSets over one query string."""

    def __init__(self, query):
        self.data = _normalise(query)
        self.kind_form = KindForm(self.data)
        self.view_form = ViewForm(self.data)
        self.exercises = ExerciseFilterSet(
            self.data, queryset=Exercise.objects.published()
        )
        self.threats = ThreatEntryFilterSet(
            self.data, queryset=ThreatEntry.objects.published()
        )
        self.forms = [
            (self.kind_form, self.kind_form.fields),
            (self.view_form, self.view_form.fields),
            (self.exercises.form, self.exercises.filters),
            (self.threats.form, self.threats.filters),
        ]

    def is_valid(self):
        # Every form is validated, so all the errors are reported at once.
        results = [form.is_valid() for form, _fields in self.forms]
        return all(results)

    def errors(self):
        """``{param: [{"message", "code"}]}`` over the three forms, without repeats."""
        errors = {}
        for form, _fields in self.forms:
            for name, items in form.errors.get_json_data().items():
                known = errors.setdefault(name, [])
                known.extend(item for item in items if item not in known)
        return errors

    def error_list(self):
        """``(label, message)`` pairs for the page."""
        labels = {}
        for _form, fields in reversed(self.forms):
            labels.update({name: field.label for name, field in fields.items()})
        return [
            (labels.get(name, name), item["message"])
            for name, items in self.errors().items()
            for item in items
        ]

    def kinds(self):
        """The kinds to show: as asked, else those whose own filters are in use."""
        chosen = self.kind_form.cleaned_data.get("kind")
        if chosen:
            return set(chosen)
        active = {name for name, values in self.data.lists() if any(values)}
        inferred = set()
        if active & EXERCISE_PARAMS:
            inferred.add(EXERCISE)
        if active & THREAT_PARAMS:
            inferred.add(THREAT)
        return inferred or {EXERCISE, THREAT}

    def _locations(self):
        """Exercise locations of the exercises the filters keep."""
        return ExerciseLocation.objects.filter(
            exercise__in=self.exercises.qs.values("pk")
        ).order_by()

    def _entries(self):
        return self.threats.qs.order_by()

    @staticmethod
    def _exercise_records(locations):
        return [
            MapRecord(
                EXERCISE,
                location.exercise,
                location.name,
                location.exercise.get_domain_display(),
                location.latitude,
                location.longitude,
                location.exercise.start or location.exercise.end,
            )
            for location in locations.select_related("exercise")
        ]

    @staticmethod
    def _threat_records(entries):
        return [
            MapRecord(
                THREAT,
                entry,
                entry.location_name,
                entry.category.display_name,
                entry.latitude,
                entry.longitude,
                entry.occurred_start,
                _("placed to: %(precision)s")
                % {"precision": entry.get_geo_precision_display()}
                if entry.geo_precision
                else "",
            )
            for entry in entries.select_related("category")
        ]

    def grid(self):
        view = self.view_form.cleaned_data
        return Grid.for_view(view.get("bbox"), view.get("zoom"))

    def view(self, grid):
        """The records in ``grid``'s view: ``(records, groups, count)``, the
        records sent one by one (newest first), the groups of the others (GeoJSON
        features) and how many records are in view. Two queries per kind shown,
        whatever the rows: the cells, then the records shown as themselves."""
        kinds = self.kinds()
        sources = {}
        if EXERCISE in kinds:
            sources[EXERCISE] = self._locations()
        if THREAT in kinds:
            sources[THREAT] = self._entries()
        merged = merge(*((kind, grid.cells(qs)) for kind, qs in sources.items()))
        count = sum(
            cell.count for by_kind in merged.values() for cell in by_kind.values()
        )
        opened = shown_as_records(merged, count)
        records = []
        builders = {EXERCISE: self._exercise_records, THREAT: self._threat_records}
        for kind, queryset in sources.items():
            if count <= mapgrid.MAX_RECORDS:
                shown = queryset.filter(**grid.inside())
            else:
                shown = grid.in_cells(
                    queryset, [key for key in opened if kind in merged[key]]
                )
            records.extend(builders[kind](shown))
        _newest_first(records)
        groups = [
            cluster_feature(by_kind, KIND_LABELS)
            for key, by_kind in sorted(merged.items())
            if key not in opened
        ]
        return records, groups, count

    def listed(self, limit):
        """The newest ``limit`` mapped records and how many there are of each
        kind: ``(records, {kind: count})``, two queries per kind shown."""
        kinds = self.kinds()
        records, counts = [], {EXERCISE: 0, THREAT: 0}
        if EXERCISE in kinds:
            locations = self._locations().filter(
                latitude__isnull=False, longitude__isnull=False
            )
            counts[EXERCISE] = locations.count()
            records.extend(
                self._exercise_records(
                    locations.order_by(
                        Coalesce("exercise__start", "exercise__end").desc(
                            nulls_last=True
                        ),
                        "exercise__name",
                        "name",
                    )[:limit]
                )
            )
        if THREAT in kinds:
            entries = self._entries().filter(
                latitude__isnull=False, longitude__isnull=False
            )
            counts[THREAT] = entries.count()
            records.extend(
                self._threat_records(
                    entries.order_by("-occurred_start", "title")[:limit]
                )
            )
        _newest_first(records)
        return records[:limit], counts


def _newest_first(records):
    """Newest first, undated last; ties by kind and title (sorts are stable)."""
    records.sort(key=lambda record: (record.kind, record.title, record.place))
    records.sort(key=lambda record: record.sort_date or date.min, reverse=True)


def filter_params(data):
    """The (normalised) query's parameters but the map view's, sorted: with
    the view's grid, what a cached answer is kept under."""
    return sorted(
        (name, values) for name, values in data.lists() if name not in VIEW_PARAMS
    )


def map_data_vary(request):
    """What /map/data.json answers with besides the data: the filters as
    given and the view snapped to its grid (so nearby views share one kept
    answer, as they share their cells); None for a view that is not valid (the
    view answers 400). A ViewForm is cheap; the FilterSets are not."""
    data = _normalise(request.GET)
    view = ViewForm(data)
    if not view.is_valid():
        return None
    grid = Grid.for_view(view.cleaned_data.get("bbox"), view.cleaned_data.get("zoom"))
    return [*filter_params(data), grid.key()]


def _with_query(url, request):
    query = request.META.get("QUERY_STRING", "")
    return f"{url}?{query}" if query else url


class MapView(TemplateView):
    template_name = "map.html"
    listed = LISTED

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        filters = MapFilters(self.request.GET)
        valid = filters.is_valid()
        data = filters.data
        records, counts = filters.listed(self.listed) if valid else ([], {})
        sea_areas = self.sea_areas(filters) if valid else []
        context.update(
            filters=filters,
            valid=valid,
            error_list=[] if valid else filters.error_list(),
            records=records,
            kinds=filters.kinds() if valid else {EXERCISE, THREAT},
            kind_choices=KIND_CHOICES,
            chosen_kinds=data.getlist("kind"),
            q=data.get("q", ""),
            years=", ".join(data.getlist("year")),
            # One query: the category choices, rendered as checkboxes.
            categories=[
                (slug, display_name(name, name_lt))
                for slug, name, name_lt in ThreatCategory.objects.values_list(
                    "slug", "name", "name_lt"
                )
            ],
            chosen_categories=data.getlist("category"),
            domains=Exercise.Domain.choices,
            chosen_domains=data.getlist("domain"),
            hidden_params=[
                (name, value)
                for name, values in data.lists()
                if name not in SHOWN_PARAMS | VIEW_PARAMS
                for value in values
                if value
            ],
            # The page's own query string, as map.js fetches it (adding the view).
            data_url=_with_query(reverse("map_data"), self.request),
            sea_areas=sea_areas,
            sea_labels=[
                {
                    "label": area["label"],
                    "count": area["count"],
                    "lat": SEA_LABELS[area["value"]][0],
                    "lon": SEA_LABELS[area["value"]][1],
                }
                for area in sea_areas
                if area["value"] in SEA_LABELS
            ],
            exercise_count=counts.get(EXERCISE, 0),
            threat_count=counts.get(THREAT, 0),
        )
        context["mapped_count"] = context["exercise_count"] + context["threat_count"]
        context["sea_area_count"] = sum(area["count"] for area in sea_areas)
        context["more_count"] = context["mapped_count"] - len(records)
        return context

    def sea_areas(self, filters):
        """Maritime incidents (threat entries with a sea area) per sea area under
        the filters: one ``GROUP BY``, cached per data version and query."""
        if THREAT not in filters.kinds():
            return []
        labels = dict(ThreatEntry.SeaArea.choices)

        def count():
            rows = (
                filters.threats.qs.exclude(sea_area="")
                .order_by()
                .values("sea_area")
                .annotate(count=Count("pk"))
            )
            return {row["sea_area"]: row["count"] for row in rows}

        counts = cached("map-sea-areas", count, vary=filter_params(filters.data))
        query = self.request.GET.copy()
        for name in VIEW_PARAMS | {"kind"}:
            query.pop(name, None)
        areas = []
        for value, label in labels.items():
            if not counts.get(value):
                continue
            query.setlist("sea_area", [value])
            areas.append(
                {
                    "value": value,
                    "label": str(label),
                    "count": counts[value],
                    "url": f"{reverse('map')}?{query.urlencode()}",
                }
            )
        return areas


class MapDataView(View):
    """The mapped records in the view asked (``bbox``, ``zoom``) as a GeoJSON
    FeatureCollection: each record as a feature when few are in view, else
    groups (``"cluster": true`` with their counts) and the records that are
    alone in their cell. ``count`` says how many records are in view; 400 on bad
    filters."""

    # The answer kept as bytes for anonymous readers, per filters and snapped
    # view: no FilterSets built, no JSON written, until the data version changes.
    @anonymous_page("map-data", vary=map_data_vary)
    def get(self, request):
        filters = MapFilters(request.GET)
        if not filters.is_valid():
            return JsonResponse({"errors": filters.errors()}, status=400)
        grid = filters.grid()

        def build():
            records, groups, count = filters.view(grid)
            return {
                "features": [record.feature() for record in records] + groups,
                "count": count,
                "clustered": bool(groups),
                "max_records": mapgrid.MAX_RECORDS,
            }

        # Published records only: the same for every reader of this query and
        # view (the view snapped to its grid, so nearby views share an entry).
        answer = cached(
            "map-data", build, vary=[*filter_params(filters.data), grid.key()]
        )
        return JsonResponse(
            {"type": "FeatureCollection", **answer},
            content_type="application/geo+json",
            json_dumps_params={"ensure_ascii": False},
        )
