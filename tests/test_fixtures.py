"""The real seed data in fixtures/: it loads published, loads again without change,
and is sourced."""

import io
import re
import sys
from pathlib import Path

import pghistory.models
import pytest
import yaml
from django.apps import apps
from django.core import serializers
from django.core.management import call_command
from django.db import transaction

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


@pytest.fixture(scope="module")
def seed_output(django_db_setup, django_db_blocker):
    """The seed data, loaded once for this module's tests: each test runs in a
    savepoint of this transaction, which is rolled back when the module is done."""
    with django_db_blocker.unblock():
        loaded = transaction.atomic()
        loaded.__enter__()
        try:
            output = load_seed()
        except BaseException:
            loaded.__exit__(*sys.exc_info())
            raise
    yield output
    with django_db_blocker.unblock():
        transaction.set_rollback(True)
        loaded.__exit__(None, None, None)


@pytest.fixture
def seeded(seed_output, db):
    return seed_output


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
    # make run and make prod seed a new database only (manage.py seed); make seed
    # applies the fixtures again.
    assert re.findall(r"\$\(MANAGE\) seed\b.*", makefile) == ["$(MANAGE) seed"] * 2
    commands = re.findall(r"import_records [^'\n]*", makefile)
    assert commands == ["import_records fixtures/ --status published"]


def _start_commands():
    """What the Docker image and docker compose run to start the site: the
    Dockerfile's CMD/ENTRYPOINT, compose's command/entrypoint of each service,
    and the repository's scripts they name."""
    texts = [
        line
        for line in (ROOT / "Dockerfile").read_text().splitlines()
        if line.strip().startswith(("CMD", "ENTRYPOINT"))
    ]
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    for service in compose.get("services", {}).values():
        for key in ("command", "entrypoint"):
            command = service.get(key)
            if isinstance(command, list):
                command = " ".join(command)
            if command:
                texts.append(command)
    for text in list(texts):
        for word in re.findall(r"[\w./-]+\.sh", text):
            script = ROOT / word.lstrip("/").removeprefix("app/")
            if script.is_file():
                texts.append(script.read_text())
    return "\n".join(texts)


def test_docker_serves_the_seed_data_published():
    """The image seeds like make run: migrate, then the fixtures published into
    a new database (not every record as a draft, which served an empty site)."""
    started = _start_commands()
    assert "manage.py seed" in started
    for command in re.findall(r"import_records[^\"'&;\n]*", started):
        assert "--status published" in command, command


def test_loading_twice_changes_nothing(seeded):
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


def test_every_seed_record_page_renders(
    seeded, client, django_assert_num_queries, django_assert_max_num_queries
):
    for url in ("/organisations/", "/agreements/", "/countries/"):
        assert client.get(url).status_code == 200
        assert client.get(f"{url}?format=csv").status_code == 200
    # The change log names the related records its events mention: one query
    # per kind (HQ country, parent organisation; place of signature), so the
    # count depends on which of them a record has.
    for organisation in Organisation.objects.all():
        with django_assert_max_num_queries(9 + 2):
            response = client.get(f"{organisation.get_absolute_url()}?as_of=2018-06-01")
        assert response.status_code == 200, organisation.slug
    for agreement in Agreement.objects.all():
        with django_assert_max_num_queries(6 + 1):
            assert client.get(agreement.get_absolute_url()).status_code == 200
    for country in Country.objects.with_records():
        with django_assert_num_queries(5):
            assert client.get(country.get_absolute_url()).status_code == 200
