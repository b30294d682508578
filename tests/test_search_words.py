"""The vocabulary of searchable titles (core/searchwords.py): kept by database
triggers whatever writes the titles, and rebuilt on demand."""

import pytest
from django.core.management import call_command
from django.db import connection

from core import searchwords
from core.searchwords import SearchWord
from exercises.models import Exercise
from tests import factories
from threats.models import ThreatEntry

pytestmark = pytest.mark.django_db


def words():
    return set(SearchWord.objects.values_list("word", flat=True))


def test_a_new_title_adds_its_words_folded_without_short_words_or_numbers():
    factories.threat(title="GPS jamming over Šiauliai, 2024-05")

    assert {"gps", "jamming", "over", "siauliai"} <= words()
    assert not {"2024", "05", "Šiauliai"} & words()


def test_a_renamed_record_and_a_bulk_update_add_their_words():
    entry = factories.threat(title="Drone sighting")
    entry.title = "Balloon sighting"
    entry.save()
    Exercise.objects.update(name="Amber Shield")  # none: no words, no error
    factories.exercise(name="Iron Wolf")
    Exercise.objects.update(name="Saber Strike")

    assert {"drone", "balloon", "saber", "strike", "iron", "wolf"} <= words()


def test_raw_sql_writes_add_their_words_too():
    entry = factories.threat(title="Cable damage")
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE threats_threatentry SET title = 'Pipeline anchor drag' "
            "WHERE id = %s",
            [entry.pk],
        )

    assert {"pipeline", "anchor", "drag"} <= words()


def test_every_searchable_title_is_covered():
    factories.organisation(name="Nordic Defence Cooperation", acronym="NORDEFCO")
    factories.country(name="Estonia", name_lt="Estija")
    factories.agreement(title="Host nation support arrangement")

    assert {"nordic", "nordefco", "estonia", "estija", "host", "arrangement"} <= (
        words()
    )


def test_installing_the_triggers_reads_the_titles_already_there():
    factories.threat(title="Sabotage at a depot")
    with connection.cursor() as cursor:
        for event in ("insert", "update"):
            cursor.execute(
                f"DROP TRIGGER {searchwords.TRIGGER}_{event} ON threats_threatentry"
            )
    SearchWord.objects.all().delete()

    searchwords.install_triggers()

    assert {"sabotage", "depot"} <= words()
    factories.threat(title="Arson attempt")
    assert "arson" in words()


def test_rebuild_drops_the_words_of_renamed_records(capsys):
    entry = factories.threat(title="Kaliningrad drill")
    ThreatEntry.objects.filter(pk=entry.pk).update(title="Baltic drill")
    assert "kaliningrad" in words()

    call_command("rebuild_search_words")

    assert "kaliningrad" not in words()
    assert {"baltic", "drill"} <= words()
    assert f"{len(words())} words in the search vocabulary." in capsys.readouterr().out
