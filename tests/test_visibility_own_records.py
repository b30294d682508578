"""Who sees what, continued: the tests that build records of their own and
count them, or need nothing published (the home page's zeros, an empty
/retractions/, its paging, the change log, a country named only by drafts).
They are apart from tests/test_visibility.py, whose records are built once for
its module and would be counted here too."""

import pghistory
import pytest
from django.utils import timezone

from core.models import Status
from tests import factories
from tests.queries import VERSION_LOOKUP
from tests.test_visibility import (
    HIDDEN,
    KINDS,
    D,
    build,
    shown,
    text,
    workflow_values,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def country():
    return factories.country("XV", "Visland")


# -- search --------------------------------------------------------------------


def test_did_you_mean_never_suggests_a_word_of_a_draft(client):
    factories.threat(title="Zanzibarian cable incident", **workflow_values("draft"))
    factories.exercise(name="Zanzibarian shield", **workflow_values("review"))
    factories.organisation(name="Zanzibarian council", **workflow_values("retracted"))

    response = client.get("/search/", {"q": "Zanzibarien"})

    page = text(response)
    assert "Zanzibarian" not in page
    assert "suggestion" not in response.context
    assert "Did you mean" not in page


# -- home page and countries ---------------------------------------------------


def test_home_counts_nothing_when_nothing_is_published(client, country):
    for kind in KINDS:
        for status in HIDDEN:
            build(kind, status, country)

    response = client.get("/")

    counts = {str(label): count for label, count, _url in response.context["counts"]}
    assert set(counts.values()) == {0}
    assert shown(text(response)) == set()


def test_country_named_only_by_drafts_is_not_listed(client):
    hidden = factories.country("XH", "Hiddenland")
    for kind in KINDS:
        build(kind, "draft", hidden)

    assert "Hiddenland" not in text(client.get("/countries/"))
    assert client.get("/countries/XH/").status_code == 200  # reference data


# -- /retractions/ -------------------------------------------------------------


def test_retractions_is_linked_from_every_page(client):
    assert 'href="/retractions/"' in text(client.get("/"))


def test_retractions_says_when_there_is_none(client):
    factories.threat()

    assert "Nothing has been retracted." in text(client.get("/retractions/"))


@pytest.mark.parametrize("copies", [1, 30])
def test_retractions_query_count_does_not_grow(
    client, django_assert_num_queries, copies
):
    for copy in range(copies):
        for kind in KINDS:
            build(kind, "retracted", factories.country(), copy)
    # how many retracted records there are; the rows of this page (one UNION)
    with django_assert_num_queries(2 + VERSION_LOOKUP):
        response = client.get("/retractions/")
    assert len(response.context["items"]) == min(4 * copies, 25)
    assert response.context["paginator"].count == 4 * copies


def test_retractions_pages_past_25(client):
    for copy in range(7):
        for kind in KINDS:
            build(kind, "retracted", factories.country(), copy)

    second = client.get("/retractions/?page=2")

    assert len(second.context["items"]) == 3
    assert "Page 2 of 2" in text(second)


# -- the public change log -----------------------------------------------------


def test_change_log_starts_at_publication_and_lists_changed_fields(client):
    entry = factories.threat(
        title="Quokka log", summary="First words", **workflow_values("draft")
    )
    entry.summary = "Draft words nobody saw"
    entry.save()
    with pghistory.context(reason="Reviewed and published"):
        entry.publication_status = Status.PUBLISHED
        entry.published_at = timezone.now()
        entry.save()
    with pghistory.context(reason="Corrected the date from a second source"):
        entry.occurred_start = D(2024, 2, 1)
        entry.save()
    entry.notes = "Internal doubt"  # internal: no line
    entry.save()

    response = client.get(entry.get_absolute_url())

    page = text(response)
    start = page.index('id="change-log-heading"')
    log = page[start : page.index("</section>", start)]
    lines = response.context["change_log"]
    assert [str(line.action_label) for line in lines] == ["Updated", "Published"]
    assert lines[0].fields == ["occurred (start)"]
    assert "Corrected the date from a second source" in log
    assert "Reviewed and published" in log
    assert "Draft words nobody saw" not in log
    assert "Internal doubt" not in page
    assert "summary" not in log
    # The cite block's date is the last public change's.
    assert response.context["last_updated"] == lines[0].when


def test_change_log_line_per_request_joins_a_record_and_its_sources(client):
    agreement = factories.agreement(title="Quokka accord")
    with pghistory.context(reason="Added the ratification"):
        agreement.entry_into_force = D(2020, 6, 1)
        agreement.entry_into_force_precision = "day"
        agreement.save()
        agreement.sources.add(factories.source())

    lines = client.get(agreement.get_absolute_url()).context["change_log"]

    assert lines[0].fields == [
        "entry into force",
        "entry into force precision",
        "sources",
    ]
    assert lines[0].reason == "Added the ratification"


def test_change_log_of_a_record_published_as_it_was_made_has_one_line(client):
    with pghistory.context(reason="Imported from the seed data"):
        organisation = factories.organisation()  # inserted published, sourced

    lines = client.get(organisation.get_absolute_url()).context["change_log"]

    assert [str(line.action_label) for line in lines] == ["Published"]
    assert lines[0].fields == []
    assert lines[0].reason == "Imported from the seed data"
