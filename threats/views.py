from django.db.models import Case, F, Prefetch, Value, When
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from alliances.filtersets import NOT_RATED_VALUE
from alliances.models import NOT_RATED, Country, Source
from core.exports import vague_interval, vague_iso
from core.listdisplay import Column
from core.templatetags.atlas import vague_range
from core.views import AtlasListView, Facet, FacetOption, ReviewedDetailView

from .filtersets import THREAT_CHART, ThreatEntryFilterSet
from .models import Attribution, ThreatEntry

# Long columns no export column shows.
EXPORT_DEFERRED = (
    "search_vector",
    "location_country__search_vector",
    "notes",
    "targets_note",
    "coordinates_note",
    "sea_area_detail",
)
# Long columns a row of the list page does not show.
LIST_DEFERRED = (
    "summary",
    "search_vector",
    "notes",
    "targets_note",
    "severity_note",
    "coordinates_note",
    "sea_area_detail",
)


class TargetCountryFacet(Facet):
    """Entries per target country by the one rule the ``target`` filter and the
    country profile use (ThreatEntryQuerySet.targeting): named or located."""

    def __init__(self, param, label):
        super().__init__(param, label, "targeting")

    def options(self, queryset, request):
        selected = {code.upper() for code in request.GET.getlist(self.param)}
        # While countries are chosen, only they are listed: the filter keeps
        # entries targeting any of them, so another country's count among
        # these entries would not be what choosing it too gives.
        options = [
            FacetOption(
                country.iso2, country.display_name, count, country.iso2 in selected
            )
            for country, count in queryset.target_counts()
            if not selected or country.iso2 in selected
        ]
        # A chosen country that matches nothing stays listed, so it can be unticked.
        shown = {option.value for option in options}
        options += [
            FacetOption(code, code, 0, True) for code in sorted(selected - shown)
        ]
        return options


class ThreatEntryListView(AtlasListView):
    queryset = ThreatEntry.objects.published().for_list()
    filterset_class = ThreatEntryFilterSet
    template_name = "threats/threatentry_list.html"
    paginate_by = 25
    export_name = "threat-entries"
    # The others are facet links (or URL parameters for integrations).
    form_fields = ("q", "occurred_after", "occurred_before", "ordering")
    chart_spec = THREAT_CHART
    default_ordering = "-occurred_start"
    table_columns = (
        Column(_("Title"), "title"),
        Column(_("When"), "occurred_start", descending_first=True),
        Column(_("Category")),
        Column(_("Where")),
        Column(_("Blamed on")),
        Column(_("Rating")),
        Column(_("Severity"), "severity", descending_first=True, numeric=True),
    )
    facets = (
        Facet(
            "category",
            _("Category"),
            "category__slug",
            "category__name",
            label_lt_path="category__name_lt",
        ),
        Facet(
            "actor",
            _("Actor blamed"),
            "attributions__actor__slug",
            "attributions__actor__name",
            label_lt_path="attributions__actor__name_lt",
        ),
        TargetCountryFacet("target", _("Target country")),
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
            "reliability_facet",
            choices=[*ThreatEntry.Reliability.choices, (NOT_RATED_VALUE, NOT_RATED)],
        ),
        Facet(
            "information_credibility",
            _("Information credibility"),
            "information_credibility",
            choices=ThreatEntry.Credibility.choices,
        ),
        Facet(
            "severity", _("Severity"), "severity", choices=ThreatEntry.Severity.choices
        ),
        Facet(
            "geo_precision",
            _("Placed to"),
            "geo_precision",
            choices=ThreatEntry.GeoPrecision.choices,
        ),
        Facet(
            "sea_area", _("Sea area"), "sea_area", choices=ThreatEntry.SeaArea.choices
        ),
    )

    def get_queryset(self):
        # "Not rated" is a facet option of its own, not a missing value.
        queryset = (
            super()
            .get_queryset()
            .annotate(
                reliability_facet=Case(
                    When(source_reliability="", then=Value(NOT_RATED_VALUE)),
                    default=F("source_reliability"),
                )
            )
        )
        if self.request.GET.get("format"):
            # Only exports list the targets and every source's URL. Loaded into
            # plain lists (to_attr): an export reads thousands of rows, and a
            # prefetch into each row's related managers costs a queryset each.
            queryset = queryset.prefetch_related(None).prefetch_related(
                Prefetch(
                    "attributions",
                    Attribution.objects.select_related("actor").order_by(
                        "actor__name", "actor_id", "attributed_by"
                    ),
                    to_attr="export_attributions",
                ),
                Prefetch(
                    "target_countries",
                    Country.objects.only("iso2", "name"),
                    to_attr="export_targets",
                ),
                Prefetch(
                    "sources",
                    # (Source's manager joins the publisher, which no cell shows.)
                    Source.objects.select_related(None).only("id", "url"),
                    to_attr="export_sources",
                ),
            )
            # Not the search vectors (kilobytes a row) nor the editors' notes,
            # which no export column shows.
            queryset = queryset.defer(*EXPORT_DEFERRED)
        else:
            # The page's rows show none of the long texts.
            queryset = queryset.defer(*LIST_DEFERRED)
        return queryset

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["feed_url"] = reverse("threats:threatentry_feed")
        return context

    # Texts that repeat from row to row are made once per export: reverse()
    # and the translations were a large share of a 10,000-row export's time.
    # (The dates' texts come from format_vague_date's own bounded cache.)

    @cached_property
    def _export_url_frame(self):
        """The record page's absolute URL, in the reader's language, split
        where the slug goes."""
        placeholder = "atlas-export-slug"
        url = ThreatEntry(slug=placeholder).get_absolute_url()
        return self.request.build_absolute_uri(url).split(placeholder)

    @cached_property
    def _export_labels(self):
        """(category label, severity label) by (category, severity): a few
        dozen at most."""
        return {}

    def export_row(self, obj):
        labels = self._export_labels.get((obj.category_id, obj.severity))
        if labels is None:
            labels = self._export_labels[obj.category_id, obj.severity] = (
                obj.category.display_name,
                str(obj.get_severity_display() or ""),
            )
        category_label, severity_label = labels
        attributions = obj.export_attributions
        # By the one rule (ThreatEntryQuerySet.targeting, as ThreatEntry.
        # targeted_countries): the countries named and the one it happened in.
        targets = {country.iso2: country.name for country in obj.export_targets}
        if obj.location_country:
            targets[obj.location_country.iso2] = obj.location_country.name
        return {
            "title": obj.title,
            "slug": obj.slug,
            "url": obj.slug.join(self._export_url_frame),
            "summary": obj.summary,
            "category": obj.category.name,
            # *_label and *_text columns are in the reader's language; the
            # others read the same in every language.
            "category_label": category_label,
            # ISO 8601 at the dates' precision: 2024-03, or 2024-03/2024-05
            "occurred": vague_interval(
                obj.occurred_start,
                obj.occurred_start_precision,
                obj.occurred_end,
                obj.occurred_end_precision,
            ),
            "occurred_text": vague_range(obj, "occurred_start", "occurred_end"),
            "occurred_start": obj.occurred_start,
            "occurred_start_precision": obj.occurred_start_precision,
            "occurred_end": obj.occurred_end,
            "occurred_end_precision": obj.occurred_end_precision,
            "reported": obj.reported,
            "location": obj.location_name,
            "location_country": obj.location_country.iso2
            if obj.location_country
            else "",
            "latitude": float(obj.latitude) if obj.latitude is not None else None,
            "longitude": float(obj.longitude) if obj.longitude is not None else None,
            "targets": sorted(targets, key=targets.get),
            "actors": list(dict.fromkeys(a.actor.name for a in attributions)),
            "attribution_confidences": list(
                dict.fromkeys(a.attribution_confidence for a in attributions)
            ),
            # Who made the attributions, and each one in full.
            "attributed_by": list(
                dict.fromkeys(a.attributed_by for a in attributions if a.attributed_by)
            ),
            "attributions": [attribution_text(a) for a in attributions],
            "severity": obj.severity,
            "severity_label": severity_label,
            "severity_note": obj.severity_note,
            "source_reliability": obj.source_reliability or None,
            "independent_publishers": obj.corroboration,
            "information_credibility": obj.information_credibility,
            "geo_precision": obj.geo_precision,
            "sea_area": obj.sea_area,
            "sources": [source.url for source in obj.export_sources],
            "updated": obj.updated,
        }


def attribution_text(attribution):
    """One attribution in a cell, the same in every language: "Russia (GRU):
    Lithuanian prosecutors, official_assessment, 2024-03" (who blamed which
    actor, the confidence code, the date at its precision)."""
    actor = attribution.actor.name
    if attribution.actor_unit:
        actor = f"{actor} ({attribution.actor_unit})"
    details = [attribution.attributed_by or "-", attribution.attribution_confidence]
    if attribution.attributed_on:
        details.append(
            vague_iso(attribution.attributed_on, attribution.attributed_on_precision)
        )
    return f"{actor}: {', '.join(details)}"


class ThreatEntryDetailView(ReviewedDetailView):
    queryset = ThreatEntry.objects.for_detail()
    template_name = "threats/threatentry_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        entry = self.object
        context["sources"] = entry.sources.all()
        context["severity_scale"] = ThreatEntry.Severity.choices
        if entry.latitude is not None:
            # 54.687 rather than the stored 54.68700
            context["coordinates"] = [
                format(value.normalize(), "f")
                for value in (entry.latitude, entry.longitude)
            ]
        context["related_entries"] = list(
            ThreatEntry.objects.published().related_to(entry)
        )
        # for_detail() loads the published ones only.
        context["related_exercises"] = list(entry.related_exercises.all())
        context["follows_up"], context["followed_up_by"] = (
            ThreatEntry.objects.published().linked_to(entry)
        )
        return context
