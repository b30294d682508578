"""Exercise data for the public-page tests, on top of tests/factories.py."""

import datetime

from exercises.models import ExerciseLocation, Participation
from tests import factories

D = datetime.date


def dated(start=None, end=None, start_precision=None, end_precision=None, **extra):
    """An exercise with exactly these dates (day precision unless told)."""
    return factories.exercise(
        start=start,
        start_precision=(start_precision or "day") if start else "",
        end=end,
        end_precision=(end_precision or "day") if end else "",
        **extra,
    )


def full_exercise(n=1, related_threat=True, **extra):
    """An exercise with everything a page shows: series, lead nation and
    organisation, hosts, participants with personnel, located places with a
    coordinates source, two sources and a related threat entry."""
    series = extra.pop("series", None) or factories.series()
    hosts = [factories.country(), factories.country()]
    exercise = factories.exercise(
        series=series,
        edition=str(2000 + n),
        end=D(2024, 6, 14),
        end_precision="day",
        lead="Land Force",
        lead_country=hosts[0],
        lead_organisation=factories.organisation(),
        hosts=hosts,
        personnel=1000 + n,
        personnel_note="about that many",
        participants_note="and others",
        scenario="collective_defence",
        description="A test exercise.",
        sources=[factories.source(), factories.source()],
        **extra,
    )
    for country in (factories.country(), factories.country()):
        Participation.objects.create(
            exercise=exercise, country=country, personnel=100, note="a company"
        )
    for place in ("North range", "South range"):
        ExerciseLocation.objects.create(
            exercise=exercise,
            name=place,
            country=hosts[0],
            latitude="54.9",
            longitude="25.7",
            coordinates_source=factories.source(),
            coordinates_note="town centre",
        )
    if related_threat:
        factories.threat().related_exercises.add(exercise)
    return exercise


def many_full_exercises(count, series=None):
    series = series or factories.series()
    return [full_exercise(n, series=series) for n in range(count)]
