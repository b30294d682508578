"""The real seed data in fixtures/: it loads published, loads again without change,
and is sourced."""

import io
import re
from pathlib import Path

import pghistory.models
import pytest
from django.apps import apps
from django.core import serializers
from django.core.management import call_command

from alliances.models import (
    Agreement,
    AgreementParty,
    Country,
    Membership,
    Organisation,
    Source,
)
from exercises.models import Exercise, ExerciseLocation, ExerciseSeries, Participation
from threats.models import Actor, Attribution, ThreatEntry

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
ALL_MODELS = [
    Country,
    Source,
    Organisation,
    Membership,
    Agreement,
    AgreementParty,
    ExerciseSeries,
    Exercise,
    Participation,
    ExerciseLocation,
    Actor,
    ThreatEntry,
    Attribution,
]
PUBLIC_RECORDS = [
    Organisation,
    Membership,
    Agreement,
    Exercise,
    ThreatEntry,
    Attribution,
]
REVIEWED_RECORDS = [Organisation, Agreement, Exercise, ThreatEntry]


def load_seed():
    """What `make run` and `make seed` do."""
    out = io.StringIO()
    call_command("import_records", str(FIXTURES), status="published", stdout=out)
    return out.getvalue()


def history_events():
    return sum(
        model.objects.count()
        for model in apps.get_models()
        if issubclass(model, pghistory.models.Event)
    )


def snapshot():
    return {
        model.__name__: sorted(model.objects.values_list("pk", "updated"))
        for model in ALL_MODELS
    }


@pytest.fixture
def seeded():
    return load_seed()


def test_seed_data_loads_with_expected_counts(seeded):
    output = seeded
    assert Organisation.objects.count() == 29
    assert Agreement.objects.count() == 32
    assert Exercise.objects.count() == 56
    assert ThreatEntry.objects.count() == 40
    assert Country.objects.count() == 249
    assert Country.objects.get(iso2="LT").name_lt == "Lietuva"
    assert "rejected" in output  # the summary table is printed
    # Lithuania's own memberships carry the dates the facts give.
    nato = Membership.objects.get(organisation__acronym="NATO", country__iso2="LT")
    assert nato.vague("joined") == "29 March 2004"
    assert (
        Membership.objects.get(organisation__acronym="NATO", country__iso2="FI").vague(
            "joined"
        )
        == "4 April 2023"
    )

    # Every public record cites at least one source.
    for model in PUBLIC_RECORDS:
        assert model.objects.count() > 0
        unsourced = list(model.objects.filter(sources=None))
        assert unsourced == [], f"{model.__name__} without a source: {unsourced}"

    # A record relying only on flagged sources says so in its rating.
    for entry in ThreatEntry.objects.prefetch_related("sources"):
        sources = list(entry.sources.all())
        if all(source.caution for source in sources):
            assert entry.source_reliability == "D", entry
            assert "needs care" in entry.rating_note
    flagged = Source.objects.exclude(caution="")
    assert flagged.count() == 27

    # The seed data is reviewed in pull requests: it loads published, so the
    # public sees all of it.
    for model in REVIEWED_RECORDS:
        assert model.objects.published().count() == model.objects.count()
        assert not model.objects.filter(published_at=None).exists()
    assert Exercise.objects.visible_to(None).count() == 56


def test_make_loads_the_seed_data_published():
    makefile = (ROOT / "Makefile").read_text()
    commands = re.findall(r"import_records .*", makefile)
    # make run and make prod seed a new database only; make seed applies the
    # fixtures again.
    assert sorted(commands) == [
        "import_records fixtures/ --status published",
        "import_records fixtures/ --status published --if-empty",
        "import_records fixtures/ --status published --if-empty",
    ]


def test_loading_twice_changes_nothing():
    load_seed()
    before = snapshot()
    events = history_events()
    output = load_seed()
    assert snapshot() == before
    assert history_events() == events
    for line in output.splitlines()[-6:]:
        created, updated = line.split()[1:3]
        assert (created, updated) == ("0", "0"), line


def test_descriptions_are_our_own_words():
    """The seed files rewrite the facts' prose; nothing is copied over verbatim."""
    import yaml

    facts = FIXTURES.parent.parent / "shared" / "facts"
    if not facts.exists():
        pytest.skip("shared/facts is not beside this checkout")
    for name, field in [
        ("organisations", "description"),
        ("agreements", "summary"),
        ("exercises", "description"),
        ("threats", "summary"),
    ]:
        original = {
            r["id"]: r[field]
            for r in yaml.safe_load((facts / f"{name}.yaml").read_text())
        }
        ours = {
            r["id"]: r[field]
            for r in yaml.safe_load((FIXTURES / f"{name}.yaml").read_text())
        }
        assert ours.keys() == original.keys()
        same = [key for key in ours if ours[key] and ours[key] == original[key]]
        assert same == [], f"{name}: copied verbatim: {same}"


def test_natural_keys_round_trip_without_duplicates(seeded):
    """Dumped with natural keys and loaded back, records match themselves."""
    sample = [
        *Organisation.objects.filter(slug__in=["nato", "jef"]),
        *Membership.objects.filter(organisation__slug__in=["nato", "jef"]),
        *Agreement.objects.filter(slug="leopard-2024"),
        *AgreementParty.objects.filter(agreement__slug="leopard-2024"),
        *Exercise.objects.filter(slug="iron-wolf-2017"),
        *Participation.objects.filter(exercise__slug="iron-wolf-2017"),
        *ExerciseLocation.objects.filter(exercise__slug="iron-wolf-2017"),
        *ThreatEntry.objects.filter(slug="ikea-arson-2024"),
        *Attribution.objects.filter(entry__slug="ikea-arson-2024"),
    ]
    assert len(sample) > 40
    counts = {model: model.objects.count() for model in ALL_MODELS}
    dumped = serializers.serialize(
        "json", sample, use_natural_foreign_keys=True, use_natural_primary_keys=True
    )
    for item in serializers.deserialize("json", dumped):
        item.save()
    assert {model: model.objects.count() for model in ALL_MODELS} == counts
