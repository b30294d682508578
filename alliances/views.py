"""Public pages of organisations, agreements and countries."""

import datetime

from django.utils.formats import date_format
from django.utils.timezone import localdate
from django.utils.translation import gettext_lazy as _

from core.dates import period_end
from core.listdisplay import Column
from core.views import AtlasListView, Facet, ReviewedDetailView

from .filtersets import (
    AGREEMENT_CHART,
    AgreementFilterSet,
    CountryFilterSet,
    MembershipFilterSet,
    OrganisationFilterSet,
    SourceFilterSet,
)
from .models import (
    Agreement,
    Country,
    Membership,
    Organisation,
    Source,
)


def _vague_iso(obj, field):
    value = getattr(obj, field)
    return value.isoformat() if value else ""


def _runs_on(membership, day):
    """MembershipQuerySet.active_on() for memberships already loaded."""
    return (
        membership.joined is not None
        and period_end(membership.joined, membership.joined_precision) <= day
        and (membership.left is None or membership.left >= day)
    )


def _start_unknown_on(membership, day):
    """MembershipQuerySet.start_unknown_on() for memberships already loaded."""
    return membership.joined is None and (
        membership.left is None
        or period_end(membership.left, membership.left_precision) >= day
    )


# Membership timeline chart (server-rendered SVG, shared by organisation and
# country pages through alliances/_membership_timeline.html).

CHART_WIDTH = 800
CHART_LABEL_WIDTH = 200
CHART_RIGHT = 16
CHART_ROW = 22
CHART_BAR = 14
CHART_TOP = 6
CHART_AXIS = 28
CHART_LABEL_CHARS = 24
CHART_NOTE_WIDTH = 76  # room "start unknown" needs at 10px
# An unknown start is drawn as a short hatched mark at the membership's known
# end (the day left, or today), never as a bar from a guessed year.
CHART_UNKNOWN_MARK = 10
TICK_STEPS = (1, 2, 5, 10, 20, 25, 50)


def _shorten(text, limit=CHART_LABEL_CHARS):
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _note_position(begin, finish, plot_left, plot_right):
    """Where "start unknown" goes: before the mark, else after it, else nowhere
    (the hatching, the tooltip and the legend still say it)."""
    if begin - plot_left >= CHART_NOTE_WIDTH:
        return {"note_x": begin - 4, "note_anchor": "end"}
    if plot_right - finish >= CHART_NOTE_WIDTH:
        return {"note_x": finish + 4, "note_anchor": "start"}
    return {"note_x": None, "note_anchor": ""}


def membership_timeline(rows, today, marker=None):
    """Geometry for the membership chart.

    ``rows`` are ``(label, membership)``. A membership with a known start is a
    bar from it to its end or ``today``. One with an unknown start is drawn as
    unknown: a short hatched mark at its known end, labelled "start unknown",
    in a group of its own after the dated ones; no year is guessed for it (not
    the organisation's founding, not the chart's start). The axis spans the
    known dates only. ``marker`` is an optional day drawn as a vertical line
    (as of).
    """
    if not rows:
        return None
    rows = sorted(rows, key=lambda row: row[1].joined is None)  # stable
    known = [day for _label, m in rows for day in (m.joined, m.left) if day]
    if marker:
        known.append(marker)
    start = datetime.date(min([today, *known]).year if known else today.year - 10, 1, 1)
    end = max([today, *known])
    span = max((end - start).days, 365)
    plot_left = CHART_LABEL_WIDTH
    plot_width = CHART_WIDTH - CHART_LABEL_WIDTH - CHART_RIGHT
    plot_right = plot_left + plot_width

    def x(day):
        return round(plot_left + (day - start).days / span * plot_width, 1)

    bars = []
    group = None
    y = CHART_TOP
    for label, membership in rows:
        unknown = membership.joined is None
        if unknown and group is None:
            # The heading row of the undated group.
            group = {"y": y, "text_y": y + CHART_BAR - 3}
            y += CHART_ROW
        finish = x(membership.left or today)
        begin = (
            max(finish - CHART_UNKNOWN_MARK, plot_left)
            if unknown
            else x(membership.joined)
        )
        joined_text = membership.vague("joined") or _("start unknown")
        left_text = membership.vague("left") or _("today")
        bars.append(
            {
                "label": _shorten(label),
                "x": begin,
                "y": y,
                "width": max(round(finish - begin, 1), 2),
                "text_y": y + CHART_BAR - 3,
                **(
                    _note_position(begin, finish, plot_left, plot_right)
                    if unknown
                    else {}
                ),
                "unknown": unknown,
                "ended": membership.left is not None,
                "title": f"{label}: {membership.get_role_display()}, "
                f"{joined_text} – {left_text}",
            }
        )
        y += CHART_ROW
    years = end.year - start.year + 1
    step = next((s for s in TICK_STEPS if years / s <= 9), 100)
    first_tick = start.year + (-start.year) % step
    plot_bottom = y
    ticks = [
        {"x": x(datetime.date(year, 1, 1)), "year": year}
        for year in range(first_tick, end.year + 1, step)
    ]
    chart = {
        "width": CHART_WIDTH,
        "height": plot_bottom + CHART_AXIS,
        "plot_left": plot_left,
        "plot_right": plot_right,
        "plot_bottom": plot_bottom,
        "tick_label_y": plot_bottom + 16,
        "label_x": plot_left - 8,
        "bars": bars,
        "unknown_group": group,
        "ticks": ticks,
        "start_year": start.year,
        "unknown_count": sum(bar["unknown"] for bar in bars),
    }
    if marker:
        chart["marker"] = {"x": x(marker), "text": date_format(marker, "DATE_FORMAT")}
    return chart


class OrganisationListView(AtlasListView):
    queryset = Organisation.objects.published().for_list()
    filterset_class = OrganisationFilterSet
    template_name = "alliances/organisation_list.html"
    export_name = "organisations"
    default_ordering = "name"
    table_columns = (
        Column(_("Name"), "name"),
        Column(_("Type")),
        Column(_("Founded"), "founded"),
        Column(_("Member countries today"), numeric=True),
        Column(_("Headquarters")),
    )
    facets = (
        Facet("type", _("Type"), "type", choices=Organisation.Type.choices),
        Facet(
            "country",
            _("Member country"),
            "memberships__country__iso2",
            "memberships__country__name",
            label_lt_path="memberships__country__name_lt",
        ),
        Facet("founded", _("Founded"), "founded", year=True),
    )

    def export_row(self, obj):
        return {
            "name": obj.name,
            "acronym": obj.acronym,
            "slug": obj.slug,
            "url": self.request.build_absolute_uri(obj.get_absolute_url()),
            "type": obj.type,
            "type_label": str(obj.get_type_display()),
            "founded": _vague_iso(obj, "founded"),
            "founded_precision": obj.founded_precision,
            "founded_text": obj.vague("founded"),
            "founding_place": obj.founding_place,
            "hq": obj.hq,
            "hq_country": obj.hq_country.iso2 if obj.hq_country else "",
            "current_members": obj.member_count,
            "current_members_start_unknown": obj.start_unknown_count,
            "updated": obj.updated,
        }


class OrganisationDetailView(ReviewedDetailView):
    queryset = Organisation.objects.for_detail()
    template_name = "alliances/organisation_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        organisation = self.object
        memberships = list(organisation.memberships.all())
        as_of = None
        if self.request.GET.get("as_of"):
            # The page reads the day only; the API's filters are not on it.
            members = MembershipFilterSet(
                {"as_of": self.request.GET["as_of"]},
                queryset=Membership.objects.filter(organisation=organisation)
                .select_related("country")
                .order_by("country__name"),
            )
            context["as_of_form"] = members.form
            if members.is_valid():
                as_of = members.form.cleaned_data["as_of"]
                context["as_of"] = as_of
                context["members_on"] = list(members.qs)
                # Listed apart: the loaded rows, in the same order.
                context["start_unknown_on"] = sorted(
                    (m for m in memberships if _start_unknown_on(m, as_of)),
                    key=lambda m: m.country.name,
                )
        else:
            context["as_of_form"] = MembershipFilterSet().form
        today = localdate()
        context.update(
            memberships=memberships,
            current_member_count=len(
                {m.country_id for m in memberships if _runs_on(m, today)}
            ),
            start_unknown_count=len(
                {m.country_id for m in memberships if _start_unknown_on(m, today)}
            ),
            timeline=membership_timeline(
                [(m.country.display_name, m) for m in memberships],
                today=today,
                marker=as_of,
            ),
            # for_detail() loads the published related records only.
            agreements=[p.agreement for p in organisation.agreement_parties.all()],
            led_exercises=list(organisation.led_exercises.all()),
            parent=organisation.parent
            if organisation.parent and organisation.parent.is_public
            else None,
            children=list(organisation.children.all()),
            sources=organisation.sources.all(),
        )
        return context


class AgreementListView(AtlasListView):
    queryset = Agreement.objects.published().for_list()
    filterset_class = AgreementFilterSet
    template_name = "alliances/agreement_list.html"
    export_name = "agreements"
    chart_spec = AGREEMENT_CHART
    default_ordering = "-signed"
    table_columns = (
        Column(_("Title"), "title"),
        Column(_("Type")),
        Column(_("Status")),
        Column(_("Signed"), "signed", descending_first=True),
        Column(_("Parties")),
    )
    facets = (
        Facet("type", _("Type"), "type", choices=Agreement.Type.choices),
        Facet("status", _("Status"), "status", choices=Agreement.Status.choices),
        Facet(
            "country",
            _("Party country"),
            "parties__country__iso2",
            "parties__country__name",
            label_lt_path="parties__country__name_lt",
        ),
        Facet("signed", _("Signed"), "signed", year=True),
    )

    def get_queryset(self):
        queryset = super().get_queryset()
        if self.request.GET.get("format"):
            # Only exports list every source's URL.
            queryset = queryset.select_related("place_country").prefetch_related(
                "sources"
            )
        return queryset

    def export_row(self, obj):
        parties = list(obj.parties.all())
        return {
            "title": obj.title,
            "slug": obj.slug,
            "url": self.request.build_absolute_uri(obj.get_absolute_url()),
            "summary": obj.summary,
            "type": obj.type,
            "type_label": str(obj.get_type_display()),
            "status": obj.status,
            "status_label": str(obj.get_status_display() or ""),
            "signed": _vague_iso(obj, "signed"),
            "signed_precision": obj.signed_precision,
            "signed_text": obj.vague("signed"),
            "entry_into_force": _vague_iso(obj, "entry_into_force"),
            "entry_into_force_precision": obj.entry_into_force_precision,
            "entry_into_force_text": obj.vague("entry_into_force"),
            "ended": _vague_iso(obj, "ended"),
            "ended_precision": obj.ended_precision,
            "ended_text": obj.vague("ended"),
            "place": obj.place,
            "place_country": obj.place_country.iso2 if obj.place_country else "",
            "value": obj.value,
            "parties": [str(party) for party in parties],
            "party_countries": [p.country.iso2 for p in parties if p.country],
            "signatories": list(obj.signatories),
            "sources": [source.url for source in obj.sources.all()],
            "updated": obj.updated,
        }


class AgreementDetailView(ReviewedDetailView):
    queryset = Agreement.objects.for_detail()
    template_name = "alliances/agreement_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        parties = list(self.object.parties.all())
        context.update(
            countries=[p.country for p in parties if p.country],
            organisations=[p.organisation for p in parties if p.organisation],
            named_parties=[p.name for p in parties if p.name],
            related=Agreement.objects.published().related_to(self.object)[:8],
            sources=self.object.sources.all(),
        )
        return context


class CountryListView(AtlasListView):
    queryset = Country.objects.for_list()
    filterset_class = CountryFilterSet
    template_name = "alliances/country_list.html"
    export_name = "countries"
    paginate_by = 50

    def export_row(self, obj):
        return {
            "iso2": obj.iso2,
            "name": obj.name,
            "name_lt": obj.name_lt,
            "url": self.request.build_absolute_uri(obj.get_absolute_url()),
            "memberships": obj.membership_count,
            "agreements": obj.agreement_count,
            "exercises": obj.exercise_count,
            "threat_entries": obj.threat_count,
        }


class SourceListView(AtlasListView):
    """The documents the records cite, with the same filters as
    ``/api/v1/sources/``; its exports hold every matching source, not a page."""

    queryset = Source.objects.all()
    filterset_class = SourceFilterSet
    template_name = "alliances/source_list.html"
    export_name = "sources"
    paginate_by = 50
    form_fields = ("q", "published_after", "published_before", "ordering")
    facets = (
        Facet("publisher", _("Publisher"), "publisher__name", "publisher__name"),
        Facet("language", _("Language"), "language"),
    )

    def export_row(self, obj):
        publisher = obj.publisher
        return {
            "url": obj.url,
            "title": obj.title,
            "publisher": publisher.name if publisher else "",
            "publisher_reliability": publisher.reliability if publisher else "",
            "published": _vague_iso(obj, "published"),
            "published_precision": obj.published_precision,
            "published_text": obj.vague("published"),
            "accessed": obj.accessed,
            "language": obj.language,
            "archive_url": obj.archive_url,
            "caution": obj.caution,
            "updated": obj.updated,
        }
