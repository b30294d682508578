import datetime
from decimal import Decimal

import pytest

from exercises.models import Exercise, ExerciseLocation, ExerciseSeries, Participation
from tests import factories
from tests.constraints import assert_constraint

pytestmark = pytest.mark.django_db

D = datetime.date


def _series_slug_taken():
    existing = factories.series()
    return ExerciseSeries(name="Other", slug=existing.slug)


def _series_name_taken():
    factories.series(name="Iron Wolf")
    return ExerciseSeries(name="IRON WOLF", slug="iron-wolf-2")


def _exercise_slug_taken():
    existing = factories.exercise()
    return Exercise(name="Copy", slug=existing.slug, domain="land")


def _ends_before_it_starts():
    return Exercise(
        name="Backwards",
        slug="backwards",
        domain="land",
        start=D(2024, 6, 10),
        start_precision="day",
        end=D(2024, 6, 1),
        end_precision="day",
    )


def _year_precision_not_first_of_january():
    return Exercise(
        name="Vague",
        slug="vague",
        domain="air",
        end=D(2024, 6, 1),
        end_precision="year",
    )


def _country_listed_twice():
    participant = factories.country()
    exercise = factories.exercise(participants=[participant])
    return Participation(exercise=exercise, country=participant)


def _place_listed_twice():
    place = factories.location(name="Pabradė")
    return ExerciseLocation(exercise=place.exercise, name="Pabradė")


def _located(**coordinates):
    return lambda: ExerciseLocation(
        exercise=factories.exercise(), name="Somewhere", **coordinates
    )


@pytest.mark.parametrize(
    ("make_invalid", "constraint", "message"),
    [
        (_series_slug_taken, "exercise_series_slug_unique", "already exists"),
        (_series_name_taken, "exercise_series_name_unique_ci", "already exists"),
        (_exercise_slug_taken, "exercise_slug_unique", "already exists"),
        (_ends_before_it_starts, "exercise_end_not_before_start", "cannot be before"),
        (_year_precision_not_first_of_january, "exercise_end_precision", "1 January"),
        (_country_listed_twice, "participation_unique", "already listed"),
        (_place_listed_twice, "exercise_location_unique", "already listed"),
        (
            _located(latitude=Decimal("91"), longitude=Decimal("25")),
            "exercise_location_latitude_range",
            "between -90 and 90",
        ),
        (
            _located(latitude=Decimal("54"), longitude=Decimal("-180.5")),
            "exercise_location_longitude_range",
            "between -180 and 180",
        ),
        (
            _located(latitude=Decimal("54.98333")),
            "exercise_location_coordinates_paired",
            "both latitude and longitude",
        ),
    ],
    ids=lambda value: value if isinstance(value, str) else None,
)
def test_constraint_rejects_bad_data(make_invalid, constraint, message):
    assert_constraint(make_invalid, constraint, message)


def test_an_exercise_known_only_by_its_end_date_is_valid():
    exercise = Exercise(
        name="Iron Wolf 2024-II",
        slug="iron-wolf-2024-ii",
        domain="land",
        end=D(2024, 10, 17),
        end_precision="day",
    )
    exercise.full_clean()
    exercise.save()
    assert exercise.vague("start") == ""
    assert exercise.vague("end") == "17 October 2024"
