from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core.views import AtlasListView, Facet, FacetOption, ReviewedDetailView

from .filtersets import ThreatEntryFilterSet
from .models import Attribution, ThreatEntry

# Filters the list page shows as inputs; the others are facet links (or URL
# parameters for integrations) and ride along as hidden inputs.
FORM_FIELDS = ("q", "occurred_after", "occurred_before", "ordering")
NOT_FILTERS = ("page", "format")


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
            FacetOption(country.iso2, country.name, count, country.iso2 in selected)
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
    facets = (
        Facet("category", _("Category"), "category__slug", "category__name"),
        Facet(
            "actor",
            _("Actor blamed"),
            "attributions__actor__slug",
            "attributions__actor__name",
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
        form = self.filterset.form
        context["form_fields"] = [form[name] for name in FORM_FIELDS]
        context["hidden_params"] = [
            (name, value)
            for name, values in self.request.GET.lists()
            if name not in FORM_FIELDS + NOT_FILTERS and name in form.fields
            for value in values
        ]
        context["filter_errors"] = (
            [
                (form.fields[name].label if name in form.fields else "", errors)
                for name, errors in form.errors.items()
            ]
            if form.is_bound
            else []
        )
        context["active_filters"] = self.active_filters()
        context["feed_url"] = reverse("threats:threatentry_feed")
        return context

    def active_filters(self):
        """(parameter, value, label, value in words) of each filter in use, so the
        page can list them with a link removing each (even when nothing matches
        and the facets are empty). Names come from the validated form: no query."""
        form = self.filterset.form
        # Valid fields keep their cleaned value even when another field fails.
        cleaned = getattr(form, "cleaned_data", {}) if form.is_bound else {}
        active = []
        for name, values in self.request.GET.lists():
            if name not in form.fields or name in ("ordering", *NOT_FILTERS):
                continue
            field = form.fields[name]
            words = _value_names(field, cleaned.get(name))
            for value in values:
                if value.strip():
                    active.append((name, value, field.label, words.get(value, value)))
        return active

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
            # By the one rule: named or located (ThreatEntryQuerySet.targeting).
            "targets": [country.iso2 for country in obj.targeted_countries],
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
        context["follows_up"] = list(entry.follows_up.all())
        context["followed_up_by"] = list(entry.followed_up_by.all())
        return context


def _value_names(field, cleaned):
    """{value as in the URL: its name} for a choice field's cleaned value."""
    if cleaned is None:
        return {}
    to_field = getattr(field, "to_field_name", None)
    if hasattr(field, "queryset"):
        objects = cleaned if hasattr(cleaned, "__iter__") else [cleaned]
        return {str(getattr(obj, to_field or "pk")): str(obj) for obj in objects}
    choices = getattr(field, "choices", None)
    if choices:
        return {str(value): str(label) for value, label in choices}
    return {}
