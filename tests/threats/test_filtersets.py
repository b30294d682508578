"""Each ThreatEntryFilterSet filter, once, directly: the list page, its exports
and feed, the map and the API all rely on these meanings."""

import pytest
from django.http import QueryDict

from tests import factories
from tests.threats.builders import D, entry
from threats.filtersets import ThreatEntryFilterSet
from threats.models import ThreatEntry

pytestmark = pytest.mark.django_db

# Entries without a severity cannot be published: they are drafts.
DRAFT = {"publication_status": "draft", "published_at": None}


def titles(data):
    filterset = ThreatEntryFilterSet(data, queryset=ThreatEntry.objects.all())
    assert filterset.is_valid(), filterset.errors
    return [obj.title for obj in filterset.qs]


def errors(data):
    filterset = ThreatEntryFilterSet(data, queryset=ThreatEntry.objects.all())
    assert not filterset.is_valid()
    return filterset.errors


@pytest.fixture
def russia():
    return factories.actor(name="Russia", slug="russia")


@pytest.fixture
def belarus():
    return factories.actor(name="Belarus", slug="belarus")


def test_q_finds_words_without_accents_and_lists_each_entry_once(russia):
    entry(title="Drone over Klaipėda port", actors=[russia])
    entry(title="Fire in Vilnius")
    # Two parties blaming the same actor must not show the entry twice.
    double = entry(title="Cables cut", actors=[russia])
    factories.attribution(entry=double, actor_obj=russia, attributed_by="Finland")

    assert titles({"q": "klaipeda"}) == ["Drone over Klaipėda port"]
    assert sorted(titles({"q": "russia"})) == ["Cables cut", "Drone over Klaipėda port"]


def test_category_takes_several_slugs():
    entry(title="DDoS", category=factories.category("cyber-attack"))
    entry(title="Fake story", category=factories.category("disinformation"))
    entry(title="Arson", category=factories.category("sabotage"))

    assert sorted(titles({"category": ["cyber-attack", "sabotage"]})) == [
        "Arson",
        "DDoS",
    ]


def test_category_id_filters_by_primary_key():
    sabotage = factories.category("sabotage")
    entry(title="Arson", category=sabotage)
    entry(title="DDoS")

    assert titles({"category_id": [str(sabotage.pk)]}) == ["Arson"]


def test_actor_matches_any_attribution_once(russia, belarus):
    entry(title="Balloons", actors=[belarus])
    both = entry(title="Zapad", actors=[russia, belarus])
    factories.attribution(entry=both, actor_obj=belarus, attributed_by="Poland")
    entry(title="Ransomware", actors=[factories.actor()])

    assert sorted(titles({"actor": ["belarus"]})) == ["Balloons", "Zapad"]
    assert sorted(titles({"actor": ["russia", "belarus"]})) == ["Balloons", "Zapad"]


def test_attribution_confidence_matches_how_firmly_someone_was_blamed(russia):
    entry(title="Court ruling", actors=[russia], confidence="confirmed")
    entry(title="Hunch", actors=[russia], confidence="suspected")
    entry(title="Boast", actors=[russia], confidence="claimed")

    assert sorted(titles({"attribution_confidence": ["confirmed", "claimed"]})) == [
        "Boast",
        "Court ruling",
    ]


def test_target_takes_several_iso_codes():
    lithuania = factories.country("LT", "Lithuania")
    poland = factories.country("PL", "Poland")
    finland = factories.country("FI", "Finland")
    entry(title="Both", targets=[lithuania, poland])
    entry(title="Poland only", targets=[poland])
    entry(title="Finland only", targets=[finland])

    assert sorted(titles({"target": ["LT", "PL"]})) == ["Both", "Poland only"]
    assert titles({"target": ["LT"]}) == ["Both"]


def test_location_country_is_where_it_happened_not_who_was_targeted():
    belarus = factories.country("BY", "Belarus")
    lithuania = factories.country("LT", "Lithuania")
    entry(title="Exercise in Belarus", location_country=belarus, targets=[lithuania])
    entry(title="Drone in Lithuania", location_country=lithuania)

    assert titles({"location_country": "BY"}) == ["Exercise in Belarus"]


def test_severity_takes_several_levels():
    entry(title="Minor", severity=1)
    entry(title="Serious", severity=4)
    entry(title="Deadly", severity=5)
    entry(title="Unassessed", severity=None, **DRAFT)

    assert sorted(titles({"severity": ["4", "5"]})) == ["Deadly", "Serious"]


def test_source_reliability_takes_several_letters_and_unrated():
    def cited_by(name, letter):
        return [factories.source(publisher=factories.publisher(name, letter))]

    entry(title="Usually reliable", sources=cited_by("Wire", "B"))
    entry(title="Unrated", sources=cited_by("Blog", ""))
    entry(title="Unreliable", sources=cited_by("Troll farm", "E"))

    assert sorted(titles({"source_reliability": ["B", "E"]})) == [
        "Unreliable",
        "Usually reliable",
    ]
    assert titles({"source_reliability": ["unrated"]}) == ["Unrated"]


def test_information_credibility_takes_several_grades():
    def reported_by(*names):
        return [factories.source(publisher=name) for name in names]

    entry(title="Three outlets", sources=reported_by("A", "B", "C"))
    entry(title="Two outlets", sources=reported_by("A", "B"))
    entry(title="Graded by a reviewer", credibility_override=1)

    assert sorted(titles({"information_credibility": ["1", "2"]})) == [
        "Graded by a reviewer",
        "Three outlets",
    ]
    assert titles({"information_credibility": ["3"]}) == ["Two outlets"]


def test_geo_precision_and_sea_area():
    entry(title="Cable", geo_precision="sea_area", sea_area="baltic_sea")
    entry(title="Airport", geo_precision="exact")
    entry(title="Gulf", geo_precision="sea_area", sea_area="gulf_of_finland")

    assert sorted(titles({"geo_precision": ["sea_area"]})) == ["Cable", "Gulf"]
    assert titles({"sea_area": ["gulf_of_finland"]}) == ["Gulf"]


def test_occurred_after_keeps_periods_still_running_at_that_date():
    entry(title="October 2016", occurred_start=D(2016, 10, 1))  # month precision
    entry(
        title="Summer-long",
        occurred_start=D(2016, 6, 1),
        occurred_start_precision="day",
        occurred_end=D(2016, 11, 30),
        occurred_end_precision="day",
    )
    entry(
        title="One day in September",
        occurred_start=D(2016, 9, 30),
        occurred_start_precision="day",
    )
    entry(
        title="The year 2016",
        occurred_start=D(2016, 1, 1),
        occurred_start_precision="year",
    )

    assert sorted(titles({"occurred_after": "2016-10-15"})) == [
        "October 2016",
        "Summer-long",
        "The year 2016",
    ]


def test_occurred_before_keeps_periods_started_by_that_date():
    entry(title="October 2016", occurred_start=D(2016, 10, 1))
    entry(
        title="Long before",
        occurred_start=D(2015, 1, 1),
        occurred_start_precision="day",
        occurred_end=D(2017, 1, 1),
        occurred_end_precision="day",
    )
    entry(title="Later", occurred_start=D(2016, 11, 2), occurred_start_precision="day")

    assert sorted(titles({"occurred_before": "2016-10-15"})) == [
        "Long before",
        "October 2016",
    ]


def test_year_takes_repeated_or_comma_separated_years():
    entry(title="2022", occurred_start=D(2022, 5, 1))
    entry(title="2023", occurred_start=D(2023, 5, 1))
    entry(title="2024", occurred_start=D(2024, 5, 1))

    assert sorted(titles({"year": ["2022", "2024"]})) == ["2022", "2024"]
    assert sorted(titles({"year": "2023, 2024"})) == ["2023", "2024"]


def test_ordering_by_severity_puts_unassessed_entries_last_either_way():
    entry(title="Low", severity=2)
    entry(title="Unassessed", severity=None, **DRAFT)
    entry(title="High", severity=4)

    assert titles({"ordering": "-severity"}) == ["High", "Low", "Unassessed"]
    assert titles({"ordering": "severity"}) == ["Low", "High", "Unassessed"]


def test_ordering_by_title_and_date():
    entry(title="Beta", occurred_start=D(2020, 1, 1))
    entry(title="Alpha", occurred_start=D(2024, 1, 1))

    assert titles({"ordering": "title"}) == ["Alpha", "Beta"]
    assert titles({"ordering": "occurred_start"}) == ["Beta", "Alpha"]
    assert titles({}) == ["Alpha", "Beta"]  # newest first by default


def test_what_hybrid_incidents_hit_lithuania_in_2024_and_who_was_blamed(belarus):
    lithuania = factories.country("LT", "Lithuania")
    hybrid = factories.category("hybrid-operation")
    entry(
        title="Balloons over Vilnius",
        category=hybrid,
        targets=[lithuania],
        occurred_start=D(2024, 10, 1),
        actors=[belarus],
    )
    entry(
        title="Balloons, 2025",
        category=hybrid,
        targets=[lithuania],
        occurred_start=D(2025, 10, 1),
    )
    entry(title="Hybrid, Poland", category=hybrid, occurred_start=D(2024, 3, 1))
    entry(title="Cyber, Lithuania", targets=[lithuania], occurred_start=D(2024, 3, 1))

    filterset = ThreatEntryFilterSet(
        QueryDict("category=hybrid-operation&target=LT&year=2024"),
        queryset=ThreatEntry.objects.for_list(),
    )
    assert filterset.is_valid()
    [found] = filterset.qs
    assert found.title == "Balloons over Vilnius"
    assert [a.actor.name for a in found.attributions.all()] == ["Belarus"]


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"category": "no-such-category"}, "category"),
        ({"actor": "nobody"}, "actor"),
        ({"target": "ZZ"}, "target"),
        ({"occurred_after": "2024-13-45"}, "occurred_after"),
        ({"occurred_before": "yesterday"}, "occurred_before"),
        ({"year": "20x4"}, "year"),
        ({"severity": "9"}, "severity"),
        ({"source_reliability": "G"}, "source_reliability"),
        ({"geo_precision": "street"}, "geo_precision"),
        ({"sea_area": "north_sea"}, "sea_area"),
        ({"ordering": "notes"}, "ordering"),
        ({"q": "cyber\x00attack"}, "q"),
        ({"category": "cyber\x00"}, "category"),
        ({"category_id": "1\x00"}, "category_id"),
        ({"target": "L\x00"}, "target"),
        ({"location_country": "\x00"}, "location_country"),
    ],
)
def test_invalid_input_is_a_form_error_not_a_crash(data, field):
    assert field in errors(data)
