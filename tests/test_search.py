"""Search: the one search page (/search/) and the ``.search()`` the lists filter with.

Full-text search on PostgreSQL with the English and Lithuanian stemmers behind
unaccent, a prefix match for the last word, compound words split and joined, and
trigram similarity for typos.
"""

import re

import pytest
from django.db.models import Count

from alliances.models import Agreement, Country, Organisation
from exercises.filtersets import ExerciseFilterSet
from exercises.models import Exercise
from tests import factories
from tests.queries import VERSION_LOOKUP
from threats.filtersets import ThreatEntryFilterSet
from threats.models import ThreatEntry

pytestmark = pytest.mark.django_db

# One query per kind: organisations, agreements, exercises, threat entries, countries.
SEARCH_QUERIES = 5


def titles(queryset):
    """Titles or names of the records found."""
    return {getattr(obj, "title", None) or obj.name for obj in queryset}


def search_page(client, q):
    response = client.get("/search/", {"q": q})
    assert response.status_code == 200
    return response, response.content.decode()


def result_titles(html):
    """The titles of the results, in page order, without their highlighting."""
    return [
        re.sub(r"<[^>]+>", "", title)
        for title in re.findall(r'<h3><a href="[^"]+">(.*?)</a></h3>', html)
    ]


# Accents --------------------------------------------------------------------


def test_siauliai_finds_siauliai_with_accents():
    factories.threat(
        title="Drone found near the air base", summary="It fell near Šiauliai."
    )
    factories.threat(title="Unrelated incident")

    assert titles(ThreatEntry.objects.search("Siauliai")) == {
        "Drone found near the air base"
    }


def test_accented_query_finds_unaccented_text():
    factories.exercise(name="Harbour drill", description="Held in Klaipeda port.")

    assert titles(Exercise.objects.search("Klaipėda")) == {"Harbour drill"}


def test_klaipeda_finds_klaipeda_on_the_search_page(client):
    factories.exercise(name="Harbour drill", description="Ships met off Klaipėda.")

    _response, html = search_page(client, "Klaipeda")

    assert result_titles(html) == ["Harbour drill"]
    assert "<mark>Klaipėda</mark>" in html


# Stemming -------------------------------------------------------------------


def test_english_stemming_cyberattacks_finds_cyber_attack():
    factories.threat(title="Cyber attack on the energy grid")
    factories.threat(title="Balloons over Vilnius")

    assert titles(ThreatEntry.objects.search("cyberattacks")) == {
        "Cyber attack on the energy grid"
    }


def test_english_stemming_cyber_attack_finds_cyberattack():
    factories.threat(title="Cyberattack on the energy grid")

    assert titles(ThreatEntry.objects.search("cyber attacks")) == {
        "Cyberattack on the energy grid"
    }


def test_english_stemming_plural_finds_singular():
    factories.organisation(
        name="Training centre", description="Hosts one exercise a year."
    )
    factories.organisation(name="Other centre", description="Unrelated.")

    assert titles(Organisation.objects.search("exercises")) == {"Training centre"}


def test_lithuanian_stemming_inflected_country_name():
    factories.agreement(
        title="Dvišalė sutartis", summary="Sutartį pasirašė Lietuva ir Lenkija."
    )

    assert titles(Agreement.objects.search("Lietuvos")) == {"Dvišalė sutartis"}


def test_lithuanian_stemming_pratybos_finds_pratybu():
    factories.exercise(
        name="Geležinis vilkas", description="Tarptautinių pratybų metu kariai..."
    )

    assert titles(Exercise.objects.search("pratybos")) == {"Geležinis vilkas"}
    # Accents still optional on an inflected form.
    assert titles(Exercise.objects.search("pratybu")) == {"Geležinis vilkas"}


def test_country_found_by_lithuanian_name_in_another_case(client):
    Country.objects.create(iso2="XL", name="Testland", name_lt="Lietuva")

    found = Country.objects.ranked_search("Lietuvos")

    assert [(row.name, row.search_hit) for row in found] == [("Testland", True)]
    _response, html = search_page(client, "Lietuvos")
    assert result_titles(html) == ["Testland"]
    assert "<mark>Lietuva</mark>" in html


def test_last_word_matches_as_a_prefix():
    factories.exercise(name="Harbour drill", description="Ships met off Klaipėda.")

    assert titles(Exercise.objects.search("Klaip")) == {"Harbour drill"}


def test_quotes_and_minus_use_web_search_syntax():
    factories.threat(title="Zapad 2017 exercise", summary="Strategic exercise.")
    factories.threat(title="Zapad 2021 exercise", summary="Strategic exercise.")
    factories.threat(title="Exercise strategic planning", summary="Another.")

    assert titles(ThreatEntry.objects.search("Zapad -2017")) == {"Zapad 2021 exercise"}
    assert titles(ThreatEntry.objects.search('"strategic exercise"')) == {
        "Zapad 2017 exercise",
        "Zapad 2021 exercise",
    }


# Typos ----------------------------------------------------------------------


def test_typo_suggests_the_corrected_search(client):
    factories.exercise(name="Zapad 2021", description="Russian-Belarusian drill.")
    factories.exercise(name="Iron Wolf 2022")

    _response, html = search_page(client, "Zapd")

    assert 'Did you mean <a href="/search/?q=Zapad">Zapad</a>?' in html
    assert result_titles(html) == ["Zapad 2021"]
    assert "similar name" in html


def test_corrected_search_finds_the_record(client):
    factories.exercise(name="Zapad 2021")

    _response, html = search_page(client, "Zapad")

    assert result_titles(html) == ["Zapad 2021"]
    assert "Did you mean" not in html


def test_no_suggestion_when_nothing_is_close(client):
    factories.exercise(name="Zapad 2021")

    _response, html = search_page(client, "qwertyuiop")

    assert "Did you mean" not in html
    assert "Nothing matches" in html
    assert result_titles(html) == []


def test_a_misspelt_rare_name_is_found_beyond_the_newest_records(
    client, few_candidates
):
    old = factories.exercise(name="Zapad 2021")
    for n in range(6):
        factories.exercise(name=f"Iron Wolf {n}")

    _response, html = search_page(client, "Zapd")

    assert result_titles(html) == [old.name]
    assert 'Did you mean <a href="/search/?q=Zapad">Zapad</a>?' in html


def test_a_misspelt_common_word_shows_the_newest_close_titles(client, few_candidates):
    for n in range(6):
        factories.exercise(name=f"Ransomware drill {n}")

    _response, html = search_page(client, "ransomwre")

    # The close spellings are looked for among the newest records first, and
    # like matches, only the ranked candidates are shown.
    shown = result_titles(html)
    assert len(shown) == 3
    assert "Ransomware drill 0" not in shown
    assert 'Did you mean <a href="/search/?q=Ransomware">Ransomware</a>?' in html


def test_a_close_word_only_in_a_body_is_no_close_spelling(client):
    factories.exercise(name="Harbour drill", description="Held off Klaipėda.")

    _response, html = search_page(client, "Klaipdea")

    assert result_titles(html) == []
    assert "Did you mean" not in html


# Ranking and grouping -------------------------------------------------------


def test_title_match_ranks_above_body_match(client):
    factories.threat(
        title="Fire at a warehouse",
        summary="Investigators suspect sabotage; sabotage was ruled likely.",
    )
    factories.threat(title="Sabotage of a rail line", summary="A rail line was cut.")
    factories.threat(title="Balloons over Vilnius", summary="No damage.")

    ranked = [row.title for row in ThreatEntry.objects.ranked_search("sabotage")]
    assert ranked == ["Sabotage of a rail line", "Fire at a warehouse"]

    _response, html = search_page(client, "sabotage")
    assert result_titles(html) == ["Sabotage of a rail line", "Fire at a warehouse"]


def test_results_are_grouped_by_kind_with_counts(client):
    factories.organisation(name="Baltic Defence College", description="A college.")
    factories.exercise(name="Baltic Host 2024")
    factories.exercise(name="Baltic Sentry 2025")
    factories.threat(title="Cable damage in the Baltic Sea")

    _response, html = search_page(client, "Baltic")

    assert re.search(r"Exercises <span class=\"count\">\(2\)</span>", html)
    assert re.search(r"Organisations <span class=\"count\">\(1\)</span>", html)
    assert re.search(r"Threat entries <span class=\"count\">\(1\)</span>", html)
    assert "Agreements <span" not in html
    assert "4 records match" in html


def test_a_whole_title_match_puts_its_kind_first(client):
    Country.objects.create(iso2="XB", name="Borduria", name_lt="Bordurija")
    for n in range(3):
        factories.agreement(title=f"Borduria agreement {n}: Borduria and Syldavia")

    _response, html = search_page(client, "Borduria")

    assert result_titles(html)[0] == "Borduria"


def test_results_show_kind_vague_date_and_link(client):
    factories.threat(
        title="Balloons over Vilnius",
        slug="balloons",
        occurred_start="2025-10-01",
        occurred_start_precision="month",
    )

    _response, html = search_page(client, "balloons")

    assert '<a href="/threats/balloons/"><mark>Balloons</mark> over Vilnius</a>' in html
    assert "October 2025" in html
    assert "threat entry" in html


def test_more_results_link_to_the_filtered_list(client):
    for n in range(12):
        factories.exercise(name=f"Iron Wolf {n}")

    _response, html = search_page(client, "Iron Wolf")

    assert len(result_titles(html)) == 10
    assert 'href="/exercises/?q=Iron+Wolf"' in html


# Bounded work ---------------------------------------------------------------


@pytest.fixture
def few_candidates(monkeypatch):
    """The search page ranks 3 candidates and checks the 4 newest records one
    by one, so a handful of records shows what happens at a million."""
    from exercises.models import ExerciseQuerySet

    monkeypatch.setattr(ExerciseQuerySet, "search_candidates", 3)
    monkeypatch.setattr(ExerciseQuerySet, "search_window", 4)


def test_a_kind_with_more_matches_than_it_ranks_says_more(client, few_candidates):
    for n in range(5):
        factories.exercise(name=f"Iron Wolf {n}")

    _response, html = search_page(client, "wolf")

    assert len(result_titles(html)) == 3
    # The newest matches (and one more, to tell there are more) are ranked.
    assert "Iron Wolf 0" not in result_titles(html)
    assert 'Exercises <span class="count">(3+)</span>' in html
    assert "More than 3 records match" in html
    assert "See all matching exercises in the list" in html
    assert 'href="/exercises/?q=wolf"' in html


def test_a_rare_word_is_found_beyond_the_newest_records(client, few_candidates):
    old = factories.exercise(name="Harbour drill", description="Held off Klaipėda.")
    for n in range(6):
        factories.exercise(name=f"Iron Wolf {n}")

    _response, html = search_page(client, "Klaipeda")

    assert result_titles(html) == [old.name]
    assert "1 record matches" in html


def test_the_newest_matches_beyond_the_window_are_ranked(
    client, few_candidates, monkeypatch
):
    from exercises.models import ExerciseQuerySet

    # None among the 4 newest; 4 among the 10 newest ids; one older still.
    monkeypatch.setattr(ExerciseQuerySet, "search_span", 10)
    factories.exercise(name="Harbour drill 0")
    for n in range(1, 5):
        factories.exercise(name=f"Harbour drill {n}")
        factories.exercise(name=f"Iron Wolf {n}")
    for n in range(4):
        factories.exercise(name=f"Saber Strike {n}")

    _response, html = search_page(client, "harbour")

    # The newest matches are the candidates, wherever they are found.
    shown = result_titles(html)
    assert len(shown) == 3 and "Harbour drill 0" not in shown
    assert {title.rsplit(" ", 1)[0] for title in shown} == {"Harbour drill"}
    assert 'Exercises <span class="count">(3+)</span>' in html


def test_a_whole_title_match_is_found_among_many_matches(client, few_candidates):
    factories.exercise(name="Wolf")
    for n in range(5):
        factories.exercise(name=f"Iron Wolf {n}")

    _response, html = search_page(client, "wolf")

    assert result_titles(html)[0] == "Wolf"


def test_ranked_search_matches_series_names(client):
    exercise = factories.exercise(
        name="Spring drill", series=factories.series(name="Amber Shield")
    )
    factories.exercise(name="Autumn drill")

    assert [row.name for row in Exercise.objects.ranked_search("amber")] == [
        exercise.name
    ]
    assert list(Exercise.objects.search("shield")) == [exercise]


@pytest.mark.parametrize("candidates", [0, 50], ids=["frequent", "rare"])
def test_search_finds_the_same_records_for_frequent_and_rare_words(
    monkeypatch, candidates
):
    """search() checks frequent words record by record and collects the ids of
    rare ones through the indexes first: the records found are the same."""
    from threats.models import ThreatEntryQuerySet

    monkeypatch.setattr(ThreatEntryQuerySet, "search_candidates", candidates)
    blamed = factories.threat(title="Hack of a ministry")
    factories.attribution(entry=blamed, actor_obj=factories.actor(name="Fancy Bear"))
    worded = factories.threat(title="Fancy dress", summary="A bear costume.")
    factories.threat(title="Balloons over Vilnius")

    assert set(ThreatEntry.objects.search("fancy bear")) == {blamed, worded}
    assert list(ThreatEntry.objects.search("ministry bear")) == [blamed]
    assert list(ThreatEntry.objects.search("balloon")) != []
    assert list(ThreatEntry.objects.none().search("bear")) == []


# Safety ---------------------------------------------------------------------


def test_record_text_is_escaped_in_highlighted_snippets(client):
    factories.threat(
        title="Spoofed <b>alert</b> message",
        summary='Text with <script>alert("x")</script> and the word spoofing.',
    )

    _response, html = search_page(client, "spoofing alert")

    assert "<script>alert" not in html
    assert "<b>alert</b>" not in html
    assert "&lt;b&gt;<mark>alert</mark>&lt;/b&gt; message" in html
    assert "<mark>spoofing</mark>" in html


@pytest.mark.parametrize("q", ["a\x00b", "x" * 201], ids=["nul-byte", "too-long"])
def test_bad_queries_give_a_form_error_without_querying(
    client, django_assert_num_queries, q
):
    with django_assert_num_queries(VERSION_LOOKUP):
        response = client.get("/search/", {"q": q})

    assert response.status_code == 200
    assert 'class="errorlist' in response.content.decode()


@pytest.mark.parametrize(
    "q", ["'", "\\", "a:* & !b | (", '-"', "or", "– &", "it's", "'klaip':*"]
)
def test_tsquery_syntax_in_queries_is_harmless(client, q):
    factories.threat(title="Incident in Klaipėda")

    response = client.get("/search/", {"q": q})

    assert response.status_code == 200
    assert ThreatEntry.objects.search(q).count() >= 0


def test_empty_query_explains_the_search(client, django_assert_num_queries):
    with django_assert_num_queries(VERSION_LOOKUP):
        response = client.get("/search/")

    html = response.content.decode()
    assert response.status_code == 200
    assert "How to search" in html
    assert '<label for="id_q">' in html


# The lists' .search() -------------------------------------------------------


def test_search_still_matches_related_names_once():
    lithuania = factories.country("XT", "Testland")
    poland = factories.country("XP", "Testonia")
    agreement = factories.agreement(title="Mutual help", parties=[lithuania, poland])
    for name in ("Test Industries", "Test Works"):
        agreement.parties.create(name=name)

    found = Agreement.objects.search("Test")

    assert list(found) == [agreement]
    # Lists count facets on the result; no join may multiply the rows.
    assert list(found.values("type").annotate(n=Count("pk"))) == [
        {"type": agreement.type, "n": 1}
    ]


def test_search_matches_actor_and_location_names():
    entry = factories.threat(title="Hack of a ministry")
    factories.attribution(entry=entry, actor_obj=factories.actor(name="Fancy Bear"))
    exercise = factories.exercise(name="Spring drill")
    factories.location(exercise, name="Pabradė training area")

    assert list(ThreatEntry.objects.search("fancy bear ministry")) == [entry]
    assert list(Exercise.objects.search("Pabrade")) == [exercise]


def test_search_mixes_full_text_and_related_words():
    entry = factories.threat(title="Cyber attack on a ministry")
    factories.attribution(entry=entry, actor_obj=factories.actor(name="Fancy Bear"))

    assert list(ThreatEntry.objects.search("cyberattacks Fancy")) == [entry]


def test_search_keeps_substring_matches():
    factories.organisation(name="Multinational Corps Northeast")

    assert titles(Organisation.objects.search("northeas")) == {
        "Multinational Corps Northeast"
    }


def test_search_only_filters():
    factories.exercise(name="Iron Wolf 2022")
    queryset = Exercise.objects.order_by("slug").search("wolf")

    assert queryset.query.order_by == ("slug",)
    assert not queryset.query.annotations
    assert not queryset.query.distinct


def test_empty_search_returns_everything():
    factories.exercise()
    factories.exercise()

    assert Exercise.objects.search("").count() == 2
    assert Exercise.objects.search("  ").count() == 2
    assert Exercise.objects.search(None).count() == 2


def test_filterset_q_uses_full_text_search():
    factories.threat(title="Cyber attack on the energy grid")
    factories.threat(title="Balloons over Vilnius")
    factories.exercise(name="Spring drill", description="Pratybos Šiauliuose.")
    factories.exercise(name="Autumn drill")

    threats = ThreatEntryFilterSet(
        {"q": "cyberattacks"}, queryset=ThreatEntry.objects.all()
    )
    exercises = ExerciseFilterSet({"q": "Siauliai"}, queryset=Exercise.objects.all())

    assert titles(threats.qs) == {"Cyber attack on the energy grid"}
    assert titles(exercises.qs) == {"Spring drill"}


# Query counts ---------------------------------------------------------------


def _records(n):
    for i in range(n):
        factories.organisation(name=f"Baltic format {i}")
        factories.agreement(title=f"Baltic agreement {i}")
        factories.exercise(name=f"Baltic exercise {i}")
        factories.threat(title=f"Baltic incident {i}")
    Country.objects.get_or_create(iso2="XQ", defaults={"name": "Baltic Land"})


@pytest.mark.parametrize("rows", [1, 15], ids=["few", "many"])
def test_search_page_query_count_does_not_grow(client, django_assert_num_queries, rows):
    _records(rows)

    # organisations, agreements, exercises (+ series), threat entries
    # (+ category), countries: each kind's matches, rank, counts and
    # headlines in one query.
    with django_assert_num_queries(SEARCH_QUERIES + VERSION_LOOKUP):
        response = client.get("/search/", {"q": "Baltic"})

    assert response.status_code == 200


def test_typo_search_query_count(client, django_assert_num_queries):
    _records(3)

    with django_assert_num_queries(SEARCH_QUERIES + VERSION_LOOKUP):
        _response, html = search_page(client, "Baltc")

    assert "Did you mean" in html


def test_a_query_shaped_like_an_earlier_one_finds_its_own_records(
    client, django_assert_num_queries
):
    # "Klaipeda" and "Siauliai" make the same SQL (one word of eight letters):
    # the second runs the SQL compiled for the first, with its own words.
    from config.pages.search import PRECOMPILED

    factories.threat(title="Drone over the port", summary="Seen off Klaipėda.")
    factories.exercise(name="Harbour drill", description="Held at Klaipėda.")
    factories.threat(title="Jamming near the base", summary="Felt in Šiauliai.")
    PRECOMPILED._compiled.clear()

    _response, html = search_page(client, "Klaipeda")
    assert set(result_titles(html)) == {"Drone over the port", "Harbour drill"}
    compiled = len(PRECOMPILED._compiled)
    assert compiled == SEARCH_QUERIES

    with django_assert_num_queries(SEARCH_QUERIES + VERSION_LOOKUP):
        _response, html = search_page(client, "Siauliai")
    assert result_titles(html) == ["Jamming near the base"]
    assert "<mark>Šiauliai</mark>" in html
    assert len(PRECOMPILED._compiled) == compiled  # nothing compiled again

    # A query of another shape is compiled for itself.
    _response, html = search_page(client, "port")
    assert result_titles(html) == ["Drone over the port"]
    assert len(PRECOMPILED._compiled) == 2 * compiled


def test_usual_searches_are_compiled_ahead(client):
    from config.pages.search import PRECOMPILED, precompile_searches

    factories.exercise(name="Zapad 2021", description="Held near Kaliningrad.")
    PRECOMPILED._compiled.clear()
    precompile_searches()
    kept = len(PRECOMPILED._compiled)
    # Each kind, for one to three words, each short or long enough to split.
    assert kept == SEARCH_QUERIES * (2 + 4 + 8)

    for query in ("Zapad", "2021", "Kaliningrad", "Kaliningradas", "Zapad 2021"):
        _response, html = search_page(client, query)
        assert result_titles(html) == ["Zapad 2021"], query
    assert len(PRECOMPILED._compiled) == kept  # nothing compiled on request
