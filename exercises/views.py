from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.views import AtlasListView, Facet, ReviewedDetailView

from .filtersets import ExerciseFilterSet
from .models import Exercise

# Filters chosen from the facets (or links elsewhere) rather than typed into the
# form: the form carries them along as hidden inputs.
FACET_PARAMS = (
    "domain",
    "series",
    "series_id",
    "host",
    "participant",
    "lead_country",
    "lead_organisation",
    "year",
)


class ExerciseListView(AtlasListView):
    queryset = Exercise.objects.published().for_list()
    filterset_class = ExerciseFilterSet
    template_name = "exercises/exercise_list.html"
    paginate_by = 25
    export_name = "exercises"
    facets = (
        Facet("domain", _("Domain"), "domain", choices=Exercise.Domain.choices),
        Facet("series", _("Series"), "series__slug", "series__name"),
        Facet(
            "host",
            _("Host country"),
            "host_countries__iso2",
            "host_countries__name",
            label_lt_path="host_countries__name_lt",
        ),
        Facet(
            "participant",
            _("Participating country"),
            "participations__country__iso2",
            "participations__country__name",
            label_lt_path="participations__country__name_lt",
        ),
        # the year the filter uses: the start's, or the end's when the start is unknown
        Facet("year", _("Year"), Coalesce("start", "end"), year=True),
    )

    def get_queryset(self):
        queryset = super().get_queryset()
        if self.request.GET.get("format"):
            queryset = queryset.for_export()
        return queryset.with_timing(timezone.localdate())

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        params = self.request.GET
        context["feed_url"] = reverse("exercises:exercise_feed")
        context["calendar_url"] = reverse("exercises:exercise_calendar")
        context["carried_filters"] = [
            (name, value.replace("\x00", ""))
            for name in FACET_PARAMS
            for value in params.getlist(name)
        ]
        filterset = context["filter"]
        if filterset.is_bound and filterset.is_valid():
            context["active_filters"] = [
                (label, values, _query_without(params, name))
                for name, label, values in filterset.describe()
            ]
        elif filterset.is_bound:
            fields = filterset.form.fields
            context["filter_errors"] = [
                (
                    fields[name].label if name in fields else "",
                    errors,
                    _query_without(params, name),
                )
                for name, errors in filterset.errors.items()
            ]
        return context

    def export_row(self, obj):
        return {
            "name": obj.name,
            "url": self.request.build_absolute_uri(obj.get_absolute_url()),
            "series": obj.series.name if obj.series else "",
            "edition": obj.edition,
            "start": obj.start,
            "start_precision": obj.start_precision,
            "end": obj.end,
            "end_precision": obj.end_precision,
            "lead": obj.lead,
            "hosts": [country.iso2 for country in obj.host_countries.all()],
            "participants": [p.country.iso2 for p in obj.participations.all()],
            "domain": obj.domain,
            "domain_label": str(obj.get_domain_display()),
            "personnel": obj.personnel,
            "sources": [source.url for source in obj.sources.all()],
        }


class ExerciseDetailView(ReviewedDetailView):
    queryset = Exercise.objects.for_detail()
    template_name = "exercises/exercise_detail.html"

    def get_queryset(self):
        return super().get_queryset().with_timing(timezone.localdate())

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        exercise = self.object
        context["sources"] = exercise.sources.all()
        participations = exercise.participations.all()
        # columns only when some country has a figure or a note
        context["participations"] = participations
        context["show_personnel"] = any(p.personnel for p in participations)
        context["show_notes"] = any(p.note for p in participations)
        context["other_editions"] = (
            [edition for edition in exercise.series.editions if edition != exercise]
            if exercise.series
            else []
        )
        context["related_threats"] = exercise.related_threats.all()
        lead_organisation = exercise.lead_organisation
        context["lead_organisation"] = (
            lead_organisation
            if lead_organisation and lead_organisation.is_public
            else None
        )
        return context


def _query_without(params, name):
    """The current query string without one filter (and back to page 1)."""
    params = params.copy()
    params.pop(name, None)
    params.pop("page", None)
    return f"?{params.urlencode()}"
