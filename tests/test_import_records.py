"""manage.py import_records: all-or-nothing, clear messages, dry runs."""

import json
import re

import pytest
from django.core.management import CommandError, call_command

from alliances.models import Organisation, Source
from exercises.models import Exercise
from tests import factories
from threats.models import ThreatEntry

pytestmark = pytest.mark.django_db


def exercise_record(**changes):
    record = {
        "id": "ex-test-wolf-2030",
        "kind": "exercise",
        "name": "Test Wolf 2030",
        "series": "Test Wolf",
        "edition": "2030",
        "start_date": "2030-06",
        "start_precision": "month",
        "end_date": None,
        "end_precision": None,
        "lead": "Lithuanian Land Force",
        "host_countries": ["XA"],
        "locations": [
            {
                "name": "Pabradė",
                "country": "XA",
                "lat": 54.98333,
                "lon": 25.78333,
                "coordinates_source": "https://en.wikipedia.org/wiki/Pabrad%C4%97",
                "coordinates_note": None,
            }
        ],
        "domain": "land",
        "participants": ["XA", "XB"],
        "personnel": 3000,
        "description": "A brigade exercise.",
        "sources": [
            {
                "url": "https://kariuomene.example/wolf",
                "title": "Wolf",
                "publisher": "Armed Forces",
                "accessed": "2026-11-24",
            }
        ],
        "confidence": "high",
        "notes": None,
    }
    record.update(changes)
    return record


@pytest.fixture
def countries():
    return factories.country("XA"), factories.country("XB")


def write(tmp_path, records, name="records.json"):
    path = tmp_path / name
    path.write_text(json.dumps(records))
    return str(path)


def test_imports_an_exercise_with_its_places_and_participants(tmp_path, countries):
    call_command("import_records", write(tmp_path, [exercise_record()]), stdout=None)
    exercise = Exercise.objects.get(slug="test-wolf-2030")
    assert exercise.vague("start") == "June 2030"
    assert exercise.series.name == "Test Wolf"
    assert [p.country.iso2 for p in exercise.participations.all()] == ["XA", "XB"]
    place = exercise.locations.get()
    assert (float(place.latitude), place.coordinates_source.title) == (
        54.98333,
        "Pabradė",
    )


def test_one_bad_record_writes_nothing_and_names_the_record(
    tmp_path, countries, capsys
):
    good = exercise_record()
    bad = exercise_record(
        id="ex-test-backwards",
        name="Backwards",
        start_date="2030-06-10",
        start_precision="day",
        end_date="2030-06-01",
        end_precision="day",
    )
    with pytest.raises(
        CommandError, match="1 record\\(s\\) rejected; nothing was written"
    ):
        call_command("import_records", write(tmp_path, [good, bad]))
    assert "ex-test-backwards" in capsys.readouterr().err
    assert not Exercise.objects.exists()
    assert not Source.objects.exists()


def test_skip_bad_rows_keeps_the_good_ones(tmp_path, countries):
    bad = exercise_record(id="ex-unknown-place", host_countries=["ZZZ"])
    call_command(
        "import_records",
        write(tmp_path, [exercise_record(), bad]),
        skip_bad_rows=True,
        stderr=None,
    )
    assert list(Exercise.objects.values_list("slug", flat=True)) == ["test-wolf-2030"]


def test_dry_run_writes_nothing(tmp_path, countries, capsys):
    call_command("import_records", write(tmp_path, [exercise_record()]), dry_run=True)
    assert "Dry run: nothing was written." in capsys.readouterr().out
    assert not Exercise.objects.exists()


def test_a_second_import_of_the_same_file_changes_nothing(tmp_path, countries, capsys):
    path = write(tmp_path, [exercise_record()])
    call_command("import_records", path)
    first = Exercise.objects.values_list("updated", flat=True).get()
    capsys.readouterr()
    call_command("import_records", path)
    assert Exercise.objects.values_list("updated", flat=True).get() == first
    # created, updated, unchanged, rejected
    assert re.search(r"exercise\s+0\s+0\s+1\s+0", capsys.readouterr().out)


def test_a_changed_record_is_updated_in_place(tmp_path, countries):
    call_command("import_records", write(tmp_path, [exercise_record()]))
    call_command(
        "import_records",
        write(tmp_path, [exercise_record(personnel=3500, participants=["XA"])]),
    )
    exercise = Exercise.objects.get()
    assert exercise.personnel == 3500
    assert exercise.participations.count() == 1


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"start_date": "June 2030"}, "not a date"),
        ({"start_date": "2030-06-05", "start_precision": "month"}, "precision"),
        ({"domain": "underwater basket weaving"}, "unknown domain"),
        ({"sources": []}, "at least one source"),
        ({"participants": ["QQ"]}, "unknown country code 'QQ'"),
        ({"personnel": "many"}, "not a whole number"),
        ({"locations": [{"name": "Far", "lat": 95, "lon": 10}]}, "between -90 and 90"),
    ],
)
def test_rejections_say_what_is_wrong(tmp_path, countries, capsys, changes, message):
    with pytest.raises(CommandError):
        call_command("import_records", write(tmp_path, [exercise_record(**changes)]))
    assert message in capsys.readouterr().err
    assert not Exercise.objects.exists()


def test_unreadable_files_get_a_clear_error(tmp_path):
    broken = tmp_path / "broken.yaml"
    broken.write_text("- id: [unclosed")
    with pytest.raises(CommandError, match="not valid YAML"):
        call_command("import_records", str(broken))
    with pytest.raises(CommandError, match="no such file"):
        call_command("import_records", str(tmp_path / "missing.yaml"))
    scalar = tmp_path / "scalar.json"
    scalar.write_text('"just a string"')
    with pytest.raises(CommandError, match="must hold a list of records"):
        call_command("import_records", str(scalar))


def test_csv_rows_use_pipes_for_lists(tmp_path, countries):
    path = tmp_path / "orgs.csv"
    path.write_text(
        "id,kind,name,acronym,type,founded,founded_precision,members,sources\n"
        "org-test-format,organisation,Test Format,TF,regional format,2015-11-04,day,"
        "XA|XB,https://example.org/tf\n"
    )
    call_command("import_records", str(path))
    organisation = Organisation.objects.get(slug="test-format")
    assert organisation.vague("founded") == "4 November 2015"
    assert organisation.memberships.count() == 2


def test_a_threat_in_the_facts_shape_gets_an_attribution_and_a_rating(tmp_path):
    factories.country("LT", "Lithuania")
    record = {
        "id": "thr-test-ddos",
        "kind": "threat",
        "title": "Test DDoS",
        "category": "cyber attack",
        "date_start": "2022-06-27",
        "date_start_precision": "day",
        "actor": "Killnet",
        "attribution": "The group claimed it on Telegram",
        "attribution_confidence": "claimed by perpetrator",
        "location": {"name": "Lithuania (online)", "country": "LT"},
        "targets": ["Lithuania", "State Tax Inspectorate"],
        "summary": "Attack on public websites.",
        "sources": [
            {"url": "https://example.org/ddos", "title": "DDoS", "publisher": "X"}
        ],
        "confidence": "medium",
        "notes": None,
    }
    call_command("import_records", write(tmp_path, [record]))
    entry = ThreatEntry.objects.get(slug="test-ddos")
    attribution = entry.attributions.get()
    assert (attribution.actor.name, attribution.attribution_confidence) == (
        "Killnet",
        "claimed",
    )
    assert [c.iso2 for c in entry.target_countries.all()] == ["LT"]
    assert (entry.source_reliability, entry.information_credibility) == ("F", 3)
    assert entry.category.slug == "cyber-attack"
