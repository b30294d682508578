"""SQL texts kept per shape of query (core/compiled.py): a second query of the
same shape runs the kept text; any difference in its conditions, joins,
columns, order or slice gives it its own; what the key cannot describe is
compiled as usual; and the check mode the suite runs in catches a text that
does not match."""

import datetime

import pytest
from django.db.models import Count
from rest_framework.test import APIClient

from core import compiled as kept
from core.publication import Status
from tests import factories
from threats.models import ThreatEntry

pytestmark = pytest.mark.django_db


@pytest.fixture
def served_from_the_cache(settings):
    """The cache as production runs it: a kept text is used without compiling
    the query again (the suite's check mode is off)."""
    settings.ATLAS_CHECK_COMPILED_SQL = False
    kept._kept.clear()
    yield
    kept._kept.clear()


def page(excluded=None, **conditions):
    entries = ThreatEntry.objects.filter(**conditions)
    if excluded:
        entries = entries.exclude(slug=excluded)
    return (
        entries.select_related("category")
        .only("id", "slug", "category__slug")
        .order_by("-occurred_start", "title")[:10]
    )


def slugs(queryset):
    rows, compiler = kept.fetch_rows(queryset)
    slug = next(
        i
        for i, column in enumerate(compiler.select)
        if column[0].target.attname == "slug"
    )
    return [row[slug] for row in rows]


def test_a_query_of_a_kept_shape_is_not_compiled_again(served_from_the_cache):
    first = kept.compiled(page(severity=2).query, "default")
    again = kept.compiled(page(severity=2).query, "default")
    assert again is first
    other = kept.compiled(page(severity=3).query, "default")
    assert other is not first
    assert other.params != first.params


def test_each_shape_returns_its_own_rows(served_from_the_cache):
    factories.threat(
        slug="jamming", severity=2, occurred_start=datetime.date(2024, 1, 1)
    )
    factories.threat(slug="cable", severity=3, occurred_start=datetime.date(2024, 2, 1))
    factories.threat(
        slug="draft", severity=3, publication_status=Status.DRAFT, published_at=None
    )
    for _ in range(2):  # the second round runs the kept texts
        assert slugs(page(severity=2)) == ["jamming"]
        # newest first: the draft happened in March (the builder's date)
        assert slugs(page(severity=3)) == ["draft", "cable"]
        assert slugs(page(severity=3, publication_status=Status.PUBLISHED)) == ["cable"]
        assert slugs(page(severity=3, excluded="cable")) == ["draft"]
        assert slugs(page(severity__in=[2, 3])[:1]) == ["draft"]
        assert slugs(page(severity__in=[2, 3])[1:3]) == ["cable", "jamming"]


def test_a_draft_reaches_only_those_who_may_see_it(served_from_the_cache, editor_api):
    """The API's threat list is read through kept texts: an editor's list
    (drafts included) and a visitor's (published only) never share one,
    whichever comes first."""
    factories.threat(slug="public-one")
    factories.threat(slug="a-draft", publication_status=Status.DRAFT, published_at=None)
    visitor = APIClient()

    def listed(client):
        response = client.get("/api/v1/threats/?page_size=10")
        assert response.status_code == 200
        return {row["slug"] for row in response.json()["results"]}

    for _ in range(2):
        assert listed(visitor) == {"public-one"}
        assert listed(editor_api) == {"public-one", "a-draft"}
        assert listed(visitor) == {"public-one"}
    assert kept._kept, "the lists were not read through kept texts"


def test_what_the_key_cannot_describe_is_compiled_as_usual(served_from_the_cache):
    factories.threat(slug="counted")
    annotated = ThreatEntry.objects.annotate(n=Count("sources")).order_by("id")
    assert kept.compiled(annotated.query, "default") is None
    rows, _compiler = kept.fetch_rows(annotated)
    assert len(rows) == 1
    assert not kept._kept


def test_no_match_is_an_empty_page_not_an_error(served_from_the_cache):
    nothing = ThreatEntry.objects.filter(id__in=[]).order_by("id")
    assert kept.compiled(nothing.query, "default") is None
    assert kept.fetch_rows(nothing)[0] == []


def test_bounded_count_counts_up_to_its_limit(served_from_the_cache):
    for n in range(5):
        factories.threat(slug=f"entry-{n}", severity=2 if n < 3 else 3)
    published = ThreatEntry.objects.filter(publication_status=Status.PUBLISHED)
    for _ in range(2):
        assert kept.bounded_count(published, 10) == 5
        assert kept.bounded_count(published, 4) == 4
        assert kept.bounded_count(published.filter(severity=2), 10) == 3
        assert kept.bounded_count(published.filter(severity=9), 10) == 0
        # distinct: counted by Django's own query
        assert kept.bounded_count(published.distinct(), 10) == 5


def test_old_shapes_make_room(served_from_the_cache, monkeypatch):
    monkeypatch.setattr(kept, "CAPACITY", 3)
    first = page(severity=1).query
    kept.compiled(first, "default")
    for severity in (2, 3, 4):
        kept.compiled(page(severity=severity).query, "default")
    assert len(kept._kept) == 3
    assert kept._shape(page(severity=1).query, "default") not in kept._kept


def test_check_mode_refuses_a_kept_text_that_differs(settings):
    settings.ATLAS_CHECK_COMPILED_SQL = True
    kept._kept.clear()
    try:
        query = page(severity=2).query
        key = kept._shape(query, "default")
        found = kept.compiled(query, "default")
        kept._kept[key] = kept.Compiled(
            found.sql.replace("severity", "severity_note"), found.params, found.compiler
        )
        with pytest.raises(kept.CompiledSQLMismatch, match="differs"):
            kept.compiled(page(severity=2).query, "default")
    finally:
        kept._kept.clear()
