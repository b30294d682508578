from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core.views import AtlasListView, Facet, ReviewedDetailView

from .filtersets import ThreatEntryFilterSet
from .models import Attribution, ThreatEntry


class ThreatEntryListView(AtlasListView):
    queryset = ThreatEntry.objects.published().for_list()
    filterset_class = ThreatEntryFilterSet
    template_name = "threats/threatentry_list.html"
    paginate_by = 25
    export_name = "threat-entries"
    # The others are facet links (or URL parameters for integrations).
    form_fields = ("q", "occurred_after", "occurred_before", "ordering")
    facets = (
        Facet("category", _("Category"), "category__slug", "category__name"),
        Facet(
            "actor",
            _("Actor blamed"),
            "attributions__actor__slug",
            "attributions__actor__name",
        ),
        Facet(
            "target",
            _("Target country"),
            "target_countries__iso2",
            "target_countries__name",
        ),
        Facet("year", _("Year"), "occurred_start", year=True),
        Facet(
            "attribution_confidence",
            _("Attribution confidence"),
            "attributions__attribution_confidence",
            choices=Attribution.Confidence.choices,
        ),
        Facet(
            "source_reliability",
            _("Source reliability"),
            "source_reliability",
            choices=ThreatEntry.Reliability.choices,
        ),
    )

    def get_queryset(self):
        queryset = super().get_queryset()
        if self.request.GET.get("format"):
            # Only exports list the targets and every source's URL.
            queryset = queryset.prefetch_related("target_countries", "sources")
        return queryset

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["feed_url"] = reverse("threats:threatentry_feed")
        return context

    def export_row(self, obj):
        attributions = list(obj.attributions.all())
        return {
            "title": obj.title,
            "url": self.request.build_absolute_uri(obj.get_absolute_url()),
            "category": obj.category.name,
            "occurred_start": obj.occurred_start,
            "occurred_start_precision": obj.occurred_start_precision,
            "occurred_end": obj.occurred_end,
            "occurred_end_precision": obj.occurred_end_precision,
            "location": obj.location_name,
            "location_country": obj.location_country.iso2
            if obj.location_country
            else "",
            "latitude": float(obj.latitude) if obj.latitude is not None else None,
            "longitude": float(obj.longitude) if obj.longitude is not None else None,
            "targets": [country.iso2 for country in obj.target_countries.all()],
            "actors": list(dict.fromkeys(a.actor.name for a in attributions)),
            "attribution_confidences": list(
                dict.fromkeys(a.attribution_confidence for a in attributions)
            ),
            "severity": obj.severity,
            "source_reliability": obj.source_reliability,
            "information_credibility": obj.information_credibility,
            "sources": [source.url for source in obj.sources.all()],
        }


class ThreatEntryDetailView(ReviewedDetailView):
    queryset = ThreatEntry.objects.for_detail()
    template_name = "threats/threatentry_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        entry = self.object
        context["sources"] = entry.sources.all()
        if entry.latitude is not None:
            # 54.687 rather than the stored 54.68700
            context["coordinates"] = [
                format(value.normalize(), "f")
                for value in (entry.latitude, entry.longitude)
            ]
        context["related_entries"] = list(
            ThreatEntry.objects.published().related_to(entry)[:8]
        )
        # for_detail() loads the published ones only.
        context["related_exercises"] = list(entry.related_exercises.all())
        return context
