"""manage.py import_records: all-or-nothing, clear messages, dry runs, statuses."""

import json
import re

import pghistory.models
import pytest
from django.apps import apps
from django.core.management import CommandError, call_command
from django.utils import timezone

from alliances.models import Organisation, Source
from core.history import record_history
from core.models import Status
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


def history_events():
    """Every history event of every tracked table (records, children, sources)."""
    return sum(
        model.objects.count()
        for model in apps.get_models()
        if issubclass(model, pghistory.models.Event)
    )


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
    before = history_events()
    with pytest.raises(
        CommandError, match="1 record\\(s\\) rejected; nothing was written"
    ):
        call_command("import_records", write(tmp_path, [good, bad]))
    output = capsys.readouterr()
    # The rejected record is named by file, position and id, with the reason.
    assert (
        "rejected records.json record 2 (ex-test-backwards): "
        "The end cannot be before the start." in output.err
    )
    assert re.search(r"exercise\s+1\s+0\s+0\s+1", output.out)
    assert not Exercise.objects.exists()
    assert not Source.objects.exists()
    assert history_events() == before


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
    before = history_events()
    call_command("import_records", write(tmp_path, [exercise_record()]), dry_run=True)
    output = capsys.readouterr().out
    assert "Dry run: nothing was written." in output
    # The summary still says what the import would do.
    assert re.search(r"exercise\s+1\s+0\s+0\s+0", output)
    assert not Exercise.objects.exists()
    assert not Source.objects.exists()
    assert history_events() == before


def test_the_summary_counts_the_sources_and_publishers_records_cite(
    tmp_path, countries, capsys
):
    # Two sources cited by the exercise (one of them for its coordinates) and
    # the publisher of one: rows the import made, though the file holds no
    # source or publisher record.
    rejected = exercise_record(id="ex-bad", name="Bad", domain="not-a-domain")
    rejected["sources"] = [{"url": "https://gone.example/x", "publisher": "Gone"}]
    call_command(
        "import_records",
        write(tmp_path, [exercise_record(), rejected]),
        skip_bad_rows=True,
        stderr=None,
    )
    output = capsys.readouterr().out
    assert Source.objects.count() == 2
    # The rejected record's source and publisher were rolled back: not counted.
    assert re.search(r"source\s+2\s+0\s+0\s+0", output)
    assert re.search(r"publisher\s+1\s+0\s+0\s+0", output)
    assert re.search(r"exercise\s+1\s+0\s+0\s+1", output)
    assert "2 source" in output


def test_a_second_import_of_the_same_file_changes_nothing(tmp_path, countries, capsys):
    path = write(tmp_path, [exercise_record()])
    call_command("import_records", path)
    first = Exercise.objects.values_list("updated", flat=True).get()
    events = history_events()
    capsys.readouterr()
    call_command("import_records", path)
    assert Exercise.objects.values_list("updated", flat=True).get() == first
    # created, updated, unchanged, rejected
    assert re.search(r"exercise\s+0\s+0\s+1\s+0", capsys.readouterr().out)
    assert history_events() == events


def test_created_records_are_drafts_unless_a_status_is_given(tmp_path, countries):
    call_command("import_records", write(tmp_path, [exercise_record()]))
    exercise = Exercise.objects.get()
    assert exercise.publication_status == Status.DRAFT
    assert exercise.published_at is None
    assert not Exercise.objects.published().exists()


def test_status_published_publishes_what_it_creates(tmp_path, countries):
    call_command(
        "import_records", write(tmp_path, [exercise_record()]), status="published"
    )
    exercise = Exercise.objects.published().get()
    assert exercise.published_at is not None
    assert exercise.reviewed_by is None  # reviewed outside the Atlas


def test_status_review_submits_what_it_creates(tmp_path, countries, editor):
    call_command(
        "import_records",
        write(tmp_path, [exercise_record()]),
        status="review",
        user="edita",
    )
    exercise = Exercise.objects.get()
    assert exercise.publication_status == Status.REVIEW
    assert (exercise.submitted_by, exercise.last_edited_by) == (editor, editor)
    assert exercise.submitted_at is not None


def test_existing_records_keep_their_status_unless_one_is_given(
    tmp_path, countries, capsys
):
    path = write(tmp_path, [exercise_record()])
    call_command("import_records", path)
    call_command("import_records", path, status="review")
    assert Exercise.objects.get().publication_status == Status.REVIEW
    # Without --status nothing moves, and nothing is counted as changed.
    capsys.readouterr()
    call_command("import_records", path)
    assert Exercise.objects.get().publication_status == Status.REVIEW
    assert re.search(r"exercise\s+0\s+0\s+1\s+0", capsys.readouterr().out)
    # An explicit status moves the record forward and counts as an update.
    call_command("import_records", path, status="published")
    assert re.search(r"exercise\s+0\s+1\s+0\s+0", capsys.readouterr().out)
    assert Exercise.objects.published().exists()


def test_an_import_never_takes_a_record_back(tmp_path, countries):
    path = write(tmp_path, [exercise_record()])
    call_command("import_records", path, status="published")
    call_command("import_records", path, status="draft")
    assert Exercise.objects.get().publication_status == Status.PUBLISHED
    Exercise.objects.update(
        publication_status=Status.RETRACTED,
        retracted_at=timezone.now(),
        retraction_reason="Wrong exercise.",
    )
    call_command("import_records", path, status="published")
    assert Exercise.objects.get().publication_status == Status.RETRACTED


def test_history_carries_the_reason_and_the_user(tmp_path, countries, editor):
    path = write(tmp_path, [exercise_record()])
    call_command("import_records", path)
    created = record_history(Exercise.objects.get())[0]
    # Without --reason, plain words for readers: not the command nor the path.
    assert (created.kind, created.reason, created.user) == (
        "insert",
        "Imported from a data file",
        None,
    )
    assert created.event.pgh_context.metadata["command"] == "import_records"

    call_command(
        "import_records",
        write(tmp_path, [exercise_record(personnel=3500)]),
        reason="Personnel corrected from the ministry's release",
        user="edita",
    )
    exercise = Exercise.objects.get()
    changed = record_history(exercise)[-1]
    assert (changed.kind, changed.reason, changed.user) == (
        "update",
        "Personnel corrected from the ministry's release",
        editor,
    )
    assert exercise.last_edited_by == editor


def test_an_unknown_user_is_refused_before_anything_is_read(tmp_path):
    with pytest.raises(CommandError, match="--user: no user 'nobody'"):
        call_command("import_records", str(tmp_path / "missing.yaml"), user="nobody")


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
    lithuania = factories.country("LT", "Lithuania")
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
    assert entry.targeted_country_ids == [lithuania.pk]  # kept by the database
    # Its one source's publisher ("X") is new, so not rated: no letter (never a
    # placeholder F), and one publisher alone gives 6 (truth cannot be judged).
    assert (entry.source_reliability, entry.information_credibility) == ("", 6)
    assert entry.sources.get().publisher.name == "X"
    assert entry.category.slug == "cyber-attack"


def test_if_empty_seeds_a_new_database_and_keeps_later_edits(
    tmp_path, countries, capsys
):
    path = write(tmp_path, [exercise_record()])
    call_command("import_records", path, if_empty=True, status="published")
    exercise = Exercise.objects.get()
    assert exercise.publication_status == Status.PUBLISHED
    Exercise.objects.filter(pk=exercise.pk).update(description="Edited by an editor")
    capsys.readouterr()

    call_command("import_records", path, if_empty=True, status="published")
    assert "not imported again" in capsys.readouterr().out
    exercise.refresh_from_db()
    assert exercise.description == "Edited by an editor"


def test_the_seed_data_is_imported_with_a_reason_readers_understand(
    tmp_path, countries, settings
):
    """make run and make seed give no --reason: the change log of every seed
    record says where it came from, in words, whatever the checkout's path."""
    settings.BASE_DIR = tmp_path / "a" / "checkout" / "somewhere"
    seed = settings.BASE_DIR / "fixtures"
    seed.mkdir(parents=True)
    write(seed, [exercise_record()], name="exercises.yaml")

    call_command("import_records", str(seed), status="published")

    [created] = record_history(Exercise.objects.get(), public=True)[:1]
    assert created.reason == "Imported from the Atlas's verified facts"


def test_a_file_from_a_long_path_leaves_no_path_in_the_history(tmp_path, countries):
    folder = tmp_path.joinpath(
        *[f"folder-with-a-long-name-number-{n}" for n in range(6)]
    )
    folder.mkdir(parents=True)
    path = write(folder, [exercise_record()], name="records-from-a-ministry.json")

    call_command("import_records", path, status="published")

    for event in record_history(Exercise.objects.get()):
        assert event.reason == "Imported from a data file"
        assert "records-from-a-ministry" not in event.reason
