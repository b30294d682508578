"""ExerciseFilterSet: each filter once, directly (the list, feeds, map and API
all use this class)."""

import datetime

import pytest
from django.http import QueryDict

from core.models import Status
from exercises.filtersets import ExerciseFilterSet
from exercises.models import Exercise
from tests import factories
from tests.exercises.builders import dated

pytestmark = pytest.mark.django_db

D = datetime.date


def names(query):
    filterset = ExerciseFilterSet(QueryDict(query), queryset=Exercise.objects.all())
    assert filterset.is_valid(), filterset.errors
    return sorted(exercise.name for exercise in filterset.qs)


def errors(query):
    filterset = ExerciseFilterSet(QueryDict(query), queryset=Exercise.objects.all())
    assert not filterset.is_valid()
    return filterset.errors


def test_q_finds_words_accent_insensitively():
    factories.exercise(name="Iron Wolf", description="Near Pabradė")
    factories.exercise(name="BALTOPS")
    assert names("q=pabrade") == ["Iron Wolf"]


def test_domain_takes_several_values():
    factories.exercise(name="Cyber", domain="cyber")
    factories.exercise(name="Sea", domain="maritime")
    factories.exercise(name="Land", domain="land")
    assert names("domain=cyber&domain=maritime") == ["Cyber", "Sea"]


def test_series_by_slug_and_by_id():
    wolf = factories.series(slug="iron-wolf")
    baltops = factories.series(slug="baltops")
    factories.exercise(name="Wolf 1", series=wolf)
    factories.exercise(name="Sea 1", series=baltops)
    factories.exercise(name="Alone")
    assert names("series=iron-wolf") == ["Wolf 1"]
    assert names("series=iron-wolf&series=baltops") == ["Sea 1", "Wolf 1"]
    assert names(f"series_id={baltops.pk}") == ["Sea 1"]


def test_host_matches_any_of_the_countries_once_each():
    lithuania, poland, latvia = (factories.country(code) for code in ("XL", "XP", "XV"))
    factories.exercise(name="Both", hosts=[lithuania, poland])
    factories.exercise(name="Poland", hosts=[poland])
    factories.exercise(name="Latvia", hosts=[latvia])
    assert names("host=XL&host=XP") == ["Both", "Poland"]


def test_participant_matches_participating_countries():
    lithuania, poland = factories.country("XL"), factories.country("XP")
    factories.exercise(name="With Poland", hosts=[lithuania], participants=[poland])
    factories.exercise(name="Hosted only", hosts=[poland])
    assert names("participant=XP") == ["With Poland"]


def test_country_codes_are_taken_in_either_case():
    lithuania = factories.country("XL")
    factories.exercise(name="Here", hosts=[lithuania], lead_country=lithuania)
    factories.exercise(name="Elsewhere")
    assert names("host=xl") == ["Here"]
    assert names("lead_country=xl") == ["Here"]


def test_lead_country_and_lead_organisation():
    lead = factories.country("XL")
    nato = factories.organisation(slug="nato")
    factories.exercise(name="Led by XL", lead_country=lead)
    factories.exercise(name="Led by NATO", lead_organisation=nato)
    assert names("lead_country=XL") == ["Led by XL"]
    assert names("lead_organisation=nato") == ["Led by NATO"]


def test_lead_organisation_must_be_published_for_the_public():
    factories.organisation(
        slug="secret", publication_status=Status.REVIEW, published_at=None
    )
    assert "lead_organisation" in errors("lead_organisation=secret")


def test_start_after_keeps_exercises_still_running_or_known_only_vaguely():
    dated(D(2024, 5, 20), D(2024, 6, 3), name="Overlaps the start")
    dated(D(2024, 5, 1), D(2024, 5, 31), name="Over before")
    dated(D(2024, 6, 1), start_precision="month", name="June, no end")
    dated(None, D(2024, 6, 10), name="End only, after")
    dated(D(2024, 1, 1), start_precision="year", name="Sometime in 2024")
    dated(D(2023, 1, 1), start_precision="year", name="Sometime in 2023")
    dated(name="Undated")
    assert names("start_after=2024-06-02") == [
        "End only, after",
        "June, no end",
        "Overlaps the start",
        "Sometime in 2024",
    ]


def test_start_before_uses_the_end_when_the_start_is_unknown():
    dated(D(2024, 6, 1), D(2024, 6, 30), name="Starts on the day")
    dated(D(2024, 6, 2), D(2024, 6, 30), name="Starts after")
    dated(None, D(2024, 5, 31), name="End only, before")
    dated(None, D(2024, 6, 5), name="End only, after")
    assert names("start_before=2024-06-01") == ["End only, before", "Starts on the day"]


def test_a_range_keeps_what_overlaps_it():
    dated(D(2024, 6, 1), D(2024, 6, 20), name="Inside")
    dated(D(2024, 5, 1), D(2024, 7, 31), name="Around")
    dated(D(2024, 7, 1), D(2024, 7, 2), name="After")
    assert names("start_after=2024-06-10&start_before=2024-06-12") == [
        "Around",
        "Inside",
    ]


def test_year_uses_the_start_or_else_the_end():
    dated(D(2023, 12, 28), D(2024, 1, 5), name="Started 2023")
    dated(None, D(2024, 3, 1), name="Ended 2024, start unknown")
    dated(D(2022, 1, 1), start_precision="year", name="2022")
    assert names("year=2024") == ["Ended 2024, start unknown"]
    assert names("year=2023&year=2022") == ["2022", "Started 2023"]


@pytest.mark.parametrize(
    ("ordering", "expected"),
    [
        ("start", ["Early", "Late", "Undated"]),
        ("-start", ["Late", "Early", "Undated"]),
        ("name", ["Early", "Late", "Undated"]),
        ("-name", ["Undated", "Late", "Early"]),
        ("personnel", ["Late", "Early", "Undated"]),
        ("-personnel", ["Early", "Late", "Undated"]),
    ],
)
def test_ordering_keeps_unknown_values_last(ordering, expected):
    dated(D(2020, 1, 1), name="Early", personnel=500)
    dated(D(2024, 1, 1), name="Late", personnel=100)
    dated(name="Undated")
    filterset = ExerciseFilterSet(
        QueryDict(f"ordering={ordering}"), queryset=Exercise.objects.all()
    )
    assert [exercise.name for exercise in filterset.qs] == expected


def test_no_filter_lists_everything_newest_first_undated_last():
    dated(D(2020, 1, 1), name="Old")
    dated(None, D(2024, 1, 1), name="End only, recent")
    dated(name="Undated")
    filterset = ExerciseFilterSet(
        QueryDict(""), queryset=Exercise.objects.newest_first()
    )
    assert [e.name for e in filterset.qs] == ["End only, recent", "Old", "Undated"]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("start_after=2024-13-45", "start_after"),
        ("start_before=yesterday", "start_before"),
        ("domain=naval", "domain"),
        ("q=a%00b", "q"),
        ("series=no-such-series", "series"),
        ("series_id=abc", "series_id"),
        ("series_id=99999999999999999999", "series_id"),
        ("host=ZZ", "host"),
        ("participant=lithuania", "participant"),
        ("lead_country=%00", "lead_country"),
        ("lead_organisation=nobody", "lead_organisation"),
        ("year=twenty", "year"),
        ("year=99999", "year"),
        ("ordering=slug", "ordering"),
    ],
)
def test_invalid_input_is_a_form_error(query, field):
    assert field in errors(query)


def test_describe_names_the_active_filters():
    factories.country("XL", name="Lithuania")
    filterset = ExerciseFilterSet(
        QueryDict("domain=cyber&host=XL&start_after=2024-01-01&ordering=name"),
        queryset=Exercise.objects.all(),
    )
    assert filterset.is_valid()
    assert filterset.describe() == [
        ("domain", "Domain", ["cyber"]),
        ("host", "Host country", ["Lithuania"]),
        ("start_after", "Held on or after", ["2024-01-01"]),
    ]
