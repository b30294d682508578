import datetime
from decimal import Decimal

import pytest

from tests import factories
from tests.constraints import assert_constraint
from threats.models import Actor, Attribution, ThreatCategory, ThreatEntry

pytestmark = pytest.mark.django_db

D = datetime.date


def _entry(**values):
    def make():
        fields = {
            "title": "Incident",
            "slug": "incident",
            "category": factories.category(),
            "occurred_start": D(2024, 3, 1),
            "occurred_start_precision": "month",
        }
        fields.update(values)
        return ThreatEntry(**fields)

    return make


def _located(**values):
    """An entry with coordinates and the source that gives them."""

    def make():
        return _entry(coordinates_source=factories.source(), **values)()

    return make


def _entry_slug_taken():
    existing = factories.threat()
    return _entry(slug=existing.slug)()


def _category_slug_taken():
    return ThreatCategory(name="Cyber attacks again", slug="cyber-attack")


def _category_name_taken():
    return ThreatCategory(name="CYBER ATTACK", slug="cyber-attack-2")


def _actor_slug_taken():
    existing = factories.actor()
    return Actor(name="Other", slug=existing.slug, kind="state")


def _actor_name_taken():
    factories.actor(name="Killnet")
    return Actor(name="killnet", slug="killnet-2", kind="non_state")


def _attributed_twice():
    existing = factories.attribution(attributed_by="Lithuanian prosecutors")
    return Attribution(
        entry=existing.entry,
        actor=existing.actor,
        attributed_by="Lithuanian prosecutors",
        attribution_confidence="suspected",
    )


def _attribution_day_precision_on_vague_date():
    return Attribution(
        entry=factories.threat(),
        actor=factories.actor(),
        attributed_on=D(2025, 11, 12),
        attributed_on_precision="year",
        attribution_confidence="confirmed",
    )


@pytest.mark.parametrize(
    ("make_invalid", "constraint", "message"),
    [
        (_entry_slug_taken, "threat_entry_slug_unique", "already exists"),
        (
            _entry(occurred_end=D(2024, 1, 1), occurred_end_precision="day"),
            "threat_entry_occurred_end_not_before_occurred_start",
            "cannot be before",
        ),
        (
            _entry(occurred_start=D(2024, 3, 5)),
            "threat_entry_occurred_start_precision",
            "1st of the month",
        ),
        (
            _entry(occurred_end=D(2024, 5, 1)),
            "threat_entry_occurred_end_precision",
            "precision exactly when",
        ),
        (_entry(severity=6), "threat_entry_severity_range", "not a valid choice"),
        (_entry(severity=0), "threat_entry_severity_range", "not a valid choice"),
        (
            _entry(credibility_override=7),
            "threat_entry_credibility_override_range",
            "not a valid choice",
        ),
        (
            _entry(
                severity=None,
                publication_status="published",
                published_at=datetime.datetime(2024, 3, 2, tzinfo=datetime.UTC),
            ),
            "threat_entry_published_has_severity",
            "before publishing",
        ),
        (
            _entry(geo_precision="street"),
            "threat_entry_geo_precision_valid",
            "not a valid choice",
        ),
        (
            _entry(sea_area="north_sea"),
            "threat_entry_sea_area_valid",
            "not a valid choice",
        ),
        (
            _entry(geo_precision="sea_area"),
            "threat_entry_sea_area_given",
            "needs the sea area",
        ),
        (
            _entry(sea_area_detail="east of Gotland"),
            "threat_entry_sea_area_detail_needs_area",
            "Name the sea area",
        ),
        (
            _entry(latitude=Decimal("54.7"), longitude=Decimal("25.3")),
            "threat_entry_coordinates_sourced",
            "source that gives them",
        ),
        (
            _located(latitude=Decimal("-90.1"), longitude=Decimal("0")),
            "threat_entry_latitude_range",
            "between -90 and 90",
        ),
        (
            _located(latitude=Decimal("54.7"), longitude=Decimal("181")),
            "threat_entry_longitude_range",
            "between -180 and 180",
        ),
        (
            _entry(longitude=Decimal("25.3")),
            "threat_entry_coordinates_paired",
            "both latitude and longitude",
        ),
        (_category_slug_taken, "threat_category_slug_unique", "already exists"),
        (_category_name_taken, "threat_category_name_unique_ci", "already exists"),
        (_actor_slug_taken, "actor_slug_unique", "already exists"),
        (_actor_name_taken, "actor_name_unique_ci", "already exists"),
        (_attributed_twice, "attribution_unique", "already attributed"),
        (
            _attribution_day_precision_on_vague_date,
            "attribution_attributed_on_precision",
            "1 January",
        ),
    ],
    ids=lambda value: value if isinstance(value, str) else None,
)
def test_constraint_rejects_bad_data(make_invalid, constraint, message):
    assert_constraint(make_invalid, constraint, message)


def test_controlled_category_list_is_installed():
    slugs = set(ThreatCategory.objects.values_list("slug", flat=True))
    assert {
        "cyber-attack",
        "disinformation",
        "hybrid-operation",
        "instrumentalised-migration",
        "airspace-violation",
        "maritime-incident",
        "sabotage",
        "gps-interference",
        "military-build-up",
        "espionage",
        "energy-coercion",
        "economic-coercion",
        "nuclear-safety",
    } <= slugs


def test_admiralty_code_shows_an_unrated_letter_as_a_dash():
    entry = factories.threat(sources=[factories.source(publisher="Unrated blog")])
    assert entry.source_reliability == ""
    assert entry.admiralty_code == "–6"
    assert str(entry.reliability_label) == "not rated"
