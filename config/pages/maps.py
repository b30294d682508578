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
from django.http import JsonResponse
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views import View
from django.views.generic import TemplateView

from core.datacache import cached
from core.exports import point_feature
from core.models import display_name
from core.templatetags.atlas import vague_range
from exercises.filtersets import ExerciseFilterSet
from exercises.models import Exercise, ExerciseLocation
from threats.filtersets import ThreatEntryFilterSet
from threats.models import ThreatCategory, ThreatEntry

EXERCISE, THREAT = "exercise", "threat"
KIND_CHOICES = [(EXERCISE, _("Exercises")), (THREAT, _("Threat entries"))]
KIND_LABELS = {EXERCISE: _("Exercise"), THREAT: _("Threat")}
NOT_FILTERS = {"ordering"}  # dropped from the query string, see _normalise()
# Parameters the page shows as inputs; any other filter is kept as a hidden input.
SHOWN_PARAMS = {"kind", "q", "year", "category", "domain"}


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
        self.exercises = ExerciseFilterSet(
            self.data, queryset=Exercise.objects.published()
        )
        self.threats = ThreatEntryFilterSet(
            self.data, queryset=ThreatEntry.objects.published()
        )
        self.forms = [
            (self.kind_form, self.kind_form.fields),
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

    def records(self):
        """The mapped records, newest first (two queries, whatever the rows)."""
        kinds = self.kinds()
        records = []
        if EXERCISE in kinds:
            locations = (
                ExerciseLocation.objects.filter(
                    exercise__in=self.exercises.qs.values("pk"),
                    latitude__isnull=False,
                    longitude__isnull=False,
                )
                .select_related("exercise")
                .order_by("exercise_id", "name")
            )
            for location in locations:
                exercise = location.exercise
                records.append(
                    MapRecord(
                        EXERCISE,
                        exercise,
                        location.name,
                        exercise.get_domain_display(),
                        location.latitude,
                        location.longitude,
                        exercise.start or exercise.end,
                    )
                )
        if THREAT in kinds:
            entries = (
                self.threats.qs.filter(latitude__isnull=False, longitude__isnull=False)
                .select_related("category")
                .order_by()
            )
            for entry in entries:
                records.append(
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
                )
        # Newest first, undated last; ties by kind and title (sorts are stable).
        records.sort(key=lambda record: (record.kind, record.title, record.place))
        records.sort(key=lambda record: record.sort_date or date.min, reverse=True)
        return records


def _with_query(url, request):
    query = request.META.get("QUERY_STRING", "")
    return f"{url}?{query}" if query else url


class MapView(TemplateView):
    template_name = "map.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        filters = MapFilters(self.request.GET)
        valid = filters.is_valid()
        data = filters.data
        context.update(
            filters=filters,
            valid=valid,
            error_list=[] if valid else filters.error_list(),
            records=filters.records() if valid else [],
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
                if name not in SHOWN_PARAMS
                for value in values
                if value
            ],
            # The page's own query string, as map.js fetches it.
            data_url=_with_query(reverse("map_data"), self.request),
        )
        records = context["records"]
        context["exercise_count"] = sum(r.kind == EXERCISE for r in records)
        context["threat_count"] = sum(r.kind == THREAT for r in records)
        return context


class MapDataView(View):
    """The mapped records as a GeoJSON FeatureCollection; 400 on bad filters."""

    def get(self, request):
        filters = MapFilters(request.GET)
        if not filters.is_valid():
            return JsonResponse({"errors": filters.errors()}, status=400)
        # Published records only: the same for every reader of this query.
        features = cached(
            "map-data",
            lambda: [record.feature() for record in filters.records()],
            vary=sorted(request.GET.lists()),
        )
        return JsonResponse(
            {"type": "FeatureCollection", "features": features},
            content_type="application/geo+json",
            json_dumps_params={"ensure_ascii": False},
        )
