from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.exports import vague_interval
from core.listdisplay import Column
from core.templatetags.atlas import vague_range
from core.views import AtlasListView, Facet, ReviewedDetailView

from .filtersets import EXERCISE_CHART, ExerciseFilterSet
from .models import Exercise


class ExerciseListView(AtlasListView):
    queryset = Exercise.objects.published().for_list()
    filterset_class = ExerciseFilterSet
    template_name = "exercises/exercise_list.html"
    paginate_by = 25
    export_name = "exercises"
    # The others are chosen from the facets (or links elsewhere).
    form_fields = ("q", "start_after", "start_before", "ordering")
    chart_spec = EXERCISE_CHART
    default_ordering = "-start"
    table_columns = (
        Column(_("Name"), "name"),
        Column(_("Dates"), "start", descending_first=True),
        Column(_("Domain")),
        Column(_("Series")),
        Column(_("Host country")),
        Column(_("Personnel"), "personnel", descending_first=True, numeric=True),
    )
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
        context["feed_url"] = reverse("exercises:exercise_feed")
        context["calendar_url"] = reverse("exercises:exercise_calendar")
        return context

    def export_row(self, obj):
        # A lead organisation is named only once the public may see it.
        lead_organisation = obj.lead_organisation
        return {
            "name": obj.name,
            "slug": obj.slug,
            "url": self.request.build_absolute_uri(obj.get_absolute_url()),
            "description": obj.description,
            "series": obj.series.name if obj.series else "",
            "edition": obj.edition,
            # ISO 8601 at the dates' precision (2024-06 or 2024-06-03/2024-06-14)
            # and in words, in the reader's language.
            "dates": vague_interval(
                obj.start, obj.start_precision, obj.end, obj.end_precision
            ),
            "dates_text": vague_range(obj, "start", "end"),
            "start": obj.start,
            "start_precision": obj.start_precision,
            "end": obj.end,
            "end_precision": obj.end_precision,
            "lead": obj.lead,
            "lead_country": obj.lead_country.iso2 if obj.lead_country else "",
            "lead_organisation": lead_organisation.slug
            if lead_organisation and lead_organisation.is_public
            else "",
            "hosts": [country.iso2 for country in obj.host_countries.all()],
            "participants": [p.country.iso2 for p in obj.participations.all()],
            "locations": [location.name for location in obj.locations.all()],
            "domain": obj.domain,
            "domain_label": str(obj.get_domain_display()),
            "scenario": obj.scenario,
            "personnel": obj.personnel,
            "sources": [source.url for source in obj.sources.all()],
            "updated": obj.updated,
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
