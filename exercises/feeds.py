"""Exercises as an Atom feed (/exercises/feed/) and an iCalendar file
(/exercises.ics), both filtered like the list page: ``/exercises/feed/?domain=cyber``.
Both carry published exercises only.
"""

import datetime

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.http import HttpResponse, JsonResponse
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.formats import number_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from icalendar import Calendar, Event

from core.dates import format_vague_date, period_end

from .filtersets import ExerciseFilterSet
from .models import Exercise

FEED_LENGTH = 50
NOT_FILTERS = ("page", "format")


class InvalidFilter(Exception):
    def __init__(self, errors):
        super().__init__(errors)
        self.errors = errors


def filtered_exercises(request):
    """The valid filterset for this request's query string, or ``InvalidFilter``."""
    filterset = ExerciseFilterSet(
        request.GET or None,
        queryset=Exercise.objects.published().for_list().prefetch_related("locations"),
        request=request,
    )
    if filterset.is_bound and not filterset.is_valid():
        raise InvalidFilter(filterset.errors.get_json_data())
    return filterset


def _query_string(filterset):
    params = filterset.data.copy() if filterset.data else None
    if not params:
        return ""
    for name in NOT_FILTERS:
        params.pop(name, None)
    encoded = params.urlencode()
    return f"?{encoded}" if encoded else ""


def _filter_summary(filterset):
    """ "Domain: cyber; Host country: Lithuania", or "" when nothing is filtered."""
    return "; ".join(
        f"{label}: {', '.join(values)}" for _name, label, values in filterset.describe()
    )


class ExerciseFeed(Feed):
    feed_type = Atom1Feed
    description_template = "exercises/feeds/exercise_description.html"
    author_name = _("Baltic Security Atlas")

    def __call__(self, request, *args, **kwargs):
        try:
            return super().__call__(request, *args, **kwargs)
        except InvalidFilter as invalid:
            return JsonResponse(invalid.errors, status=400)

    def get_object(self, request, *args, **kwargs):
        return filtered_exercises(request)

    def title(self, filterset):
        summary = _filter_summary(filterset)
        if summary:
            return gettext("Baltic Security Atlas: exercises (%(filter)s)") % {
                "filter": summary
            }
        return gettext("Baltic Security Atlas: exercises")

    def subtitle(self, filterset):
        summary = _filter_summary(filterset)
        if summary:
            return gettext(
                "Military exercises in the Atlas matching %(filter)s, newest first."
            ) % {"filter": summary}
        return gettext("Military exercises in the Atlas, newest first.")

    def link(self, filterset):
        return reverse("exercises:exercise_list") + _query_string(filterset)

    def feed_url(self, filterset):
        return reverse("exercises:exercise_feed") + _query_string(filterset)

    def items(self, filterset):
        return filterset.qs[:FEED_LENGTH]

    def item_title(self, exercise):
        return exercise.name

    def item_pubdate(self, exercise):
        # When readers could first see it, not when its draft was begun.
        return exercise.published_at or exercise.created

    def item_updateddate(self, exercise):
        return exercise.updated

    def item_categories(self, exercise):
        categories = [exercise.get_domain_display()]
        if exercise.series:
            categories.append(exercise.series.name)
        return categories


def _precision_notes(exercise):
    """Say when the event's all-day span stands for a whole month or year."""
    start, end = exercise.start_precision, exercise.end_precision or ""
    if start == "month" and end in ("", "month"):
        return [gettext("Dates known to the month: the event covers the whole month.")]
    if start == "year" and end in ("", "year"):
        return [gettext("Dates known to the year: the event covers the whole year.")]
    notes = []
    if start == "month":
        notes.append(gettext("The start is known only to the month."))
    elif start == "year":
        notes.append(gettext("The start is known only to the year."))
    if end == "month":
        notes.append(gettext("The end is known only to the month."))
    elif end == "year":
        notes.append(gettext("The end is known only to the year."))
    return notes


def _event(exercise, request):
    last_day = period_end(
        exercise.end or exercise.start,
        exercise.end_precision if exercise.end else exercise.start_precision,
    )
    places = [place.name for place in exercise.locations.all()] or [
        country.display_name for country in exercise.host_countries.all()
    ]
    dates = format_vague_date(exercise.start, exercise.start_precision)
    if exercise.end:
        dates += " – " + format_vague_date(exercise.end, exercise.end_precision)
    lines = [dates, *_precision_notes(exercise)]
    if exercise.series:
        lines.append(gettext("Series: %(name)s") % {"name": exercise.series.name})
    lines.append(
        gettext("Domain: %(domain)s") % {"domain": exercise.get_domain_display()}
    )
    if exercise.lead:
        lines.append(gettext("Led by: %(lead)s") % {"lead": exercise.lead})
    if exercise.personnel:
        lines.append(
            gettext("Personnel: %(number)s")
            % {"number": number_format(exercise.personnel, force_grouping=True)}
        )
    if exercise.description:
        lines.extend(["", exercise.description])
    url = request.build_absolute_uri(exercise.get_absolute_url())
    updated = exercise.updated.astimezone(datetime.UTC)

    event = Event()
    event.add("uid", f"{exercise.slug}@baltic-security-atlas")
    event.add("summary", exercise.name)
    # all-day dates: DTEND is exclusive, the day after the last day; an event
    # lasting to the calendar's last day (31 December 9999) has no day after it,
    # so it says how long it lasts instead (DURATION, in days).
    event.add("dtstart", exercise.start)
    if last_day < datetime.date.max:
        event.add("dtend", last_day + datetime.timedelta(days=1))
    else:
        event.add("duration", last_day - exercise.start + datetime.timedelta(days=1))
    event.add("dtstamp", updated)
    event.add("last-modified", updated)
    event.add("url", url)
    if places:
        event.add("location", "; ".join(places))
    event.add("description", "\n".join([*lines, "", url]))
    event.add("categories", [exercise.get_domain_display()])
    event.add("transp", "TRANSPARENT")
    return event


def exercise_calendar(request):
    """The filtered exercises that have a start date, one all-day event each."""
    try:
        filterset = filtered_exercises(request)
    except InvalidFilter as invalid:
        return JsonResponse(invalid.errors, status=400)
    summary = _filter_summary(filterset)
    name = gettext("Baltic Security Atlas: exercises")
    if summary:
        name = f"{name} ({summary})"

    calendar = Calendar()
    calendar.add("prodid", "-//Baltic Security Atlas//Exercises//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    limit = settings.EXPORT_MAX_ROWS
    for exercise in filterset.qs.filter(start__isnull=False)[:limit]:
        calendar.add_component(_event(exercise, request))

    response = HttpResponse(
        calendar.to_ical(), content_type="text/calendar; charset=utf-8"
    )
    response["Content-Disposition"] = 'inline; filename="exercises.ics"'
    return response
