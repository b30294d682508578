"""The home page: what the Atlas is, how much it holds and how current it is, what
was added last, and a chart of threat entries per month by category
(server-rendered SVG, no JavaScript). Everything on it counts and shows published
records only."""

import datetime

from django.db.models import CharField, F, Q, Value
from django.template import loader
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView

from alliances.models import Agreement, Country, Membership, Organisation
from core.charts import PALETTE, BarGeometry
from core.datacache import cached
from core.httpcache import anonymous_page
from core.models import PublishedSummary, Status, display_name, reviewed_models
from exercises.models import Exercise
from threats.models import Attribution, ThreatEntry

CHART_MONTHS = 36
HOME_LIST_LENGTH = 5


# Chart geometry. Across, in percent of the chart's width, so the bars stretch to
# any screen while the text keeps its size (no viewBox scaling); down, in pixels.
LEFT, RIGHT = 6.0, 1.0
HEIGHT, TOP, BOTTOM = 260, 12, 36


def add_months(day, months):
    """The first of the month ``months`` after (or before) ``day``'s month."""
    index = day.year * 12 + day.month - 1 + months
    return datetime.date(index // 12, index % 12 + 1, 1)


def _tick_label(month, index, count):
    """Every month is named on a short chart; a long one names each January by
    its year, and the first bar when it is far enough from the next January for
    the labels not to collide."""
    if count <= 12:
        if month.month == 1 or index == 0:
            return formats.date_format(month, "M Y")
        return formats.date_format(month, "M")
    if month.month == 1:
        return str(month.year)
    if index == 0 and month.month <= 9:
        return formats.date_format(month, "M Y")
    return ""


def _month_list_url(month):
    last_day = add_months(month, 1) - datetime.timedelta(days=1)
    query = urlencode(
        {"occurred_after": month.isoformat(), "occurred_before": last_day.isoformat()}
    )
    return f"{reverse('threats:threatentry_list')}?{query}"


def threat_chart(today, months=CHART_MONTHS):
    """Stacked bars of threat entries per month by category, ready for
    ``includes/threat_chart.html``: the last ``months`` months up to ``today``'s,
    or from the first entry when the data starts later. One query. ``None`` when there is
    nothing to draw."""
    end = today.replace(day=1)
    since = add_months(end, 1 - months)
    # Every month since the first entry (a few hundred rows at most), to know
    # whether the data reaches back past the window.
    rows = list(
        ThreatEntry.objects.published()
        .filter(occurred_start__lte=today)
        .monthly_counts()
    )
    if not rows:
        return None
    start = max(since, min(row["month"] for row in rows))
    rows = [row for row in rows if row["month"] >= start]
    year_only = sum(
        row["count"] for row in rows if row["occurred_start_precision"] == "year"
    )
    rows = [row for row in rows if row["occurred_start_precision"] != "year"]
    if not rows:
        return None

    categories = {}
    counts = {}
    for row in rows:
        slug = row["category__slug"]
        categories[slug] = {
            "slug": slug,
            "name": display_name(row["category__name"], row["category__name_lt"]),
            "position": row["category__position"],
            # By the category's place in the controlled list: a category
            # keeps its colour on every chart.
            "colour": PALETTE[(row["category__position"] - 1) % len(PALETTE)],
            "total": 0,
        }
        key = (row["month"], slug)
        counts[key] = counts.get(key, 0) + row["count"]
    legend = sorted(categories.values(), key=lambda c: (c["position"], c["name"]))

    month_starts = []
    month = start
    while month <= end:
        month_starts.append(month)
        month = add_months(month, 1)

    totals = [
        sum(counts.get((month, c["slug"]), 0) for c in legend) for month in month_starts
    ]
    geometry = BarGeometry(
        totals,
        left=LEFT,
        right=RIGHT,
        height=HEIGHT,
        top=TOP,
        bottom=BOTTOM,
        widest=6.0,
        share=0.7,
        lines=5,
    )

    bars = []
    for index, (month, total) in enumerate(zip(month_starts, totals, strict=True)):
        label = formats.date_format(month, "YEAR_MONTH_FORMAT")
        segments = geometry.stack(
            index,
            [
                (
                    counts.get((month, category["slug"]), 0),
                    {"colour": category["colour"], "category": category["name"]},
                )
                for category in legend
            ],
        )
        for category in legend:
            category["total"] += counts.get((month, category["slug"]), 0)
        tick = _tick_label(month, index, len(month_starts))
        bars.append(
            {
                "month": month,
                "label": label,
                "total": total,
                "segments": segments,
                "tick": tick,
                # The first label starts at its bar so it cannot run off the left.
                "tick_x": round(
                    geometry.bar_x(index) if index == 0 else geometry.centre(index), 2
                ),
                "tick_anchor": "start" if index == 0 else "middle",
                "list_url": _month_list_url(month),
                "by_category": [
                    (category["name"], counts[(month, category["slug"])])
                    for category in legend
                    if counts.get((month, category["slug"]))
                ],
            }
        )

    gridlines = geometry.gridlines()
    busiest = max(bars, key=lambda bar: bar["total"])
    return {
        "height": HEIGHT,
        "left": LEFT,
        "right": 100 - RIGHT,
        "baseline": geometry.baseline,
        "tick_y": geometry.baseline + 16,
        "bars": bars,
        "months_with_entries": [bar for bar in bars if bar["total"]],
        "gridlines": gridlines,
        "legend": legend,
        "first": bars[0]["label"],
        "last": bars[-1]["label"],
        "total": sum(totals),
        "busiest": busiest,
        "year_only": year_only,
    }


def countries_with_records():
    """Countries a published record involves: memberships, agreement parties,
    exercises (hosting or taking part) and threat entries (targeted or where it
    happened). The same rule as the country list's default."""
    return Country.objects.with_records()


def sources_cited():
    """How many sources a published record cites (itself, or through one of its
    memberships or attributions). One query: the count of the union of the
    cited sources' ids, each list read once (an EXISTS per source into six
    tables read them 110,000 times)."""
    published = Status.PUBLISHED

    def cited(model, **status):
        return (
            model.sources.through.objects.filter(
                **{
                    f"{model._meta.model_name}__{path}": value
                    for path, value in status.items()
                }
            )
            .order_by()
            .values("source_id")
        )

    first, *rest = [
        cited(Organisation, publication_status=published),
        cited(Agreement, publication_status=published),
        cited(Exercise, publication_status=published),
        cited(ThreatEntry, publication_status=published),
        cited(Membership, organisation__publication_status=published),
        cited(Attribution, entry__publication_status=published),
    ]
    return first.union(*rest).count()


def exercises_around(today):
    """Exercises under way, coming up and recently held, by the exercises app's
    own reading of vague dates (the list page marks them the same way)."""
    exercises = Exercise.objects.published()
    return {
        "ongoing": exercises.ongoing(today).order_by("start", "name")[
            :HOME_LIST_LENGTH
        ],
        "upcoming": exercises.upcoming(today).order_by("start", "name")[
            :HOME_LIST_LENGTH
        ],
        "recent": exercises.with_timing(today)
        .filter(Q(start__lte=today) | Q(end__lte=today), timing="")
        .newest_first()[:HOME_LIST_LENGTH],
    }


class AddedRecord:
    """One line of "Recently added": a published record of any kind."""

    def __init__(self, row, models):
        model = models[row["item_kind"]]
        self.kind = model._meta.verbose_name
        self.title = row["item_title"]
        self.published_at = row["published_at"]
        self.url = model(slug=row["slug"]).get_absolute_url()


def recently_added(limit=HOME_LIST_LENGTH):
    """The records published last, of every reviewed kind, newest first (by
    when they were first published, not by the date of what they record). One
    query."""
    models = {model.api_kind: model for model in reviewed_models()}
    # Each kind's newest first (from its index where it has one), then the
    # newest of those: not a sort of every published record.
    parts = [
        model.objects.published()
        .annotate(
            item_kind=Value(kind, output_field=CharField()),
            item_title=F(model.title_field),
        )
        .order_by("-published_at", "item_title")
        .values("item_kind", "slug", "item_title", "published_at")[:limit]
        for kind, model in models.items()
    ]
    first, *rest = parts
    rows = first.union(*rest, all=True).order_by(
        "-published_at", "item_kind", "item_title"
    )[:limit]
    return [AddedRecord(row, models) for row in rows]


class HomeView(TemplateView):
    template_name = "home.html"

    # An anonymous reader gets the page as rendered for the first one at this
    # data version (and language, day, release): a cache read, no rendering.
    # Its bare URL only: with a query string (which the page echoes in the
    # search box and the language links) it is rendered each time.
    @anonymous_page(
        "home", vary=lambda request: None if request.META.get("QUERY_STRING") else []
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        today = timezone.localdate()
        context["today"] = today
        # Everything below is the same for every reader and changes only with
        # the data or the day: from the shared cache while the data version
        # is the same (core/datacache.py), so a page view makes no query but
        # the version's.
        context.update(cached("home", lambda: home_parts(today), vary=[today]))
        exercises = context.pop("exercises")
        context["exercise_groups"] = [
            (
                _("Under way"),
                exercises["ongoing"],
                _("No exercise in the Atlas is under way today."),
            ),
            (
                _("Coming up"),
                exercises["upcoming"],
                _("No upcoming exercise is recorded yet."),
            ),
            (_("Recently held"), exercises["recent"], _("None recorded.")),
        ]
        return context


def home_parts(today):
    """The counts, lists and chart, read out to be cached; the chart (a few
    thousand template variables) rendered too."""
    parts = {**home_aggregates(today), **home_lists(today)}
    parts["chart_html"] = loader.render_to_string(
        "includes/threat_chart.html", {"chart": parts.pop("chart")}
    )
    return parts


def home_lists(today):
    """The newest threat entries, the records added last and the exercises
    around today, read out to be cached."""
    return {
        "latest_entries": list(
            ThreatEntry.objects.published().for_list()[:HOME_LIST_LENGTH]
        ),
        "recently_added": recently_added(),
        "exercises": {
            name: list(rows) for name, rows in exercises_around(today).items()
        },
    }


def home_aggregates(today):
    """What the home page counts and charts: plain values, to be cached."""
    summary = PublishedSummary()
    return {
        "current_to": summary.current_to,
        "counts": [
            (
                _("organisations"),
                summary.count_of(Organisation),
                reverse("alliances:organisation_list"),
            ),
            (
                _("agreements"),
                summary.count_of(Agreement),
                reverse("alliances:agreement_list"),
            ),
            (
                _("exercises"),
                summary.count_of(Exercise),
                reverse("exercises:exercise_list"),
            ),
            (
                _("threat entries"),
                summary.count_of(ThreatEntry),
                reverse("threats:threatentry_list"),
            ),
            (_("sources cited"), sources_cited(), None),
            (
                _("countries with records"),
                countries_with_records().count(),
                reverse("alliances:country_list"),
            ),
        ],
        "chart": threat_chart(today),
    }
