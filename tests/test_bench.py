"""The benchmark's harness (bench/) must not rot silently: its generator fills
the current schema with rows every constraint accepts, and its raw floor answers
exactly like the application. A few hundred rows in the test database; the
benchmark itself (`make bench`) never runs in `make test`."""

import base64
import contextlib

import pytest
from django.apps import apps
from django.core.cache import cache
from django.db import connection

from alliances.models import Source
from bench import floor, generate, parity
from exercises.models import Exercise
from threats.models import ThreatEntry

pytestmark = pytest.mark.django_db
ROWS = 300


class TestConnection:
    """The floor's pool in a test: the test's own connection and transaction."""

    @contextlib.contextmanager
    def connection(self):
        yield connection.connection


def floor_get(path):
    """(status line, body) of the floor answering ``path``, without a server."""
    app = floor.Floor(TestConnection())
    path_info, _mark, query = path.partition("?")
    environ = {
        "PATH_INFO": path_info,
        "QUERY_STRING": query,
        "HTTP_HOST": "testserver",
        "SERVER_NAME": "testserver",
        "wsgi.url_scheme": "http",
    }
    answer = {}
    body = b"".join(app(environ, lambda status, headers: answer.update(status=status)))
    return answer["status"], body


@pytest.fixture
def generated():
    cache.clear()  # the API's anonymous throttle counts per test process
    connection.ensure_connection()
    counts = generate.generate_into(connection.connection, ROWS)
    yield counts
    cache.clear()


def test_the_generator_writes_the_rows_it_plans(generated):
    plan = generate.plan(ROWS)
    assert ThreatEntry.objects.published().count() == ROWS
    assert (
        ThreatEntry.objects.filter(publication_status="draft").count()
        == (plan["threat_drafts"])
    )
    assert Exercise.objects.count() == plan["exercises"]
    assert Source.objects.count() == plan["sources"]


def test_generated_records_pass_the_models_own_validation(generated):
    """The database's named constraints have already accepted every row; the
    models' full_clean() (the admin's rules) accepts a sample too."""
    for entry in ThreatEntry.objects.order_by("?")[:5]:
        entry.full_clean()
    for exercise in Exercise.objects.order_by("?")[:5]:
        exercise.full_clean()


def test_generated_records_look_like_an_archive(generated):
    entries = ThreatEntry.objects.published()
    assert not entries.filter(sources=None).exists()
    assert not entries.filter(target_countries=None).exists()
    lengths = [len(summary) for summary in entries.values_list("summary", flat=True)]
    assert min(lengths) >= 300
    assert max(lengths) <= 800
    years = {day.year for day in entries.values_list("occurred_start", flat=True)}
    assert min(years) >= 2014
    assert max(years) <= 2026
    precisions = set(entries.values_list("occurred_start_precision", flat=True))
    assert precisions == {"day", "month", "year"}
    assert entries.filter(summary__contains="ė").exists()


def test_generated_ratings_are_those_the_application_derives(generated):
    """The generator derives each entry's source reliability, corroboration and
    credibility from its sources' publishers itself (COPY, no signals): the
    application's own derivation finds nothing to change."""
    entries = ThreatEntry.objects.all()
    assert entries.exclude(source_reliability="").exists()
    assert entries.filter(corroboration__gte=2).exists()
    assert entries.filter(credibility_override__isnull=False).exists()
    assert entries.refresh_assessment() == 0


def test_generated_entries_target_what_their_rows_say(generated):
    """The database keeps each entry's targeted countries as the COPY goes in
    (the generator writes the targets first): the stored list is the rule's."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT count(*), count(*) FILTER (
                WHERE e.targeted_country_ids IS DISTINCT FROM ARRAY(
                    SELECT t.country_id FROM threats_threatentry_target_countries t
                    WHERE t.threatentry_id = e.id
                    UNION SELECT e.location_country_id
                    WHERE e.location_country_id IS NOT NULL
                    ORDER BY 1
                )
            ) FROM threats_threatentry e
            """
        )
        entries, wrong = cursor.fetchone()
    assert entries >= ROWS
    assert wrong == 0


def test_every_generated_record_has_its_insert_event(generated):
    """The history triggers are paused during the load and their insert events
    written afterwards: nothing is missing from the history."""
    events = apps.get_model("threats", "ThreatEntryEvent").objects
    assert events.filter(pgh_label="insert").count() == ThreatEntry.objects.count()
    sources = apps.get_model("threats", "ThreatEntrySourcesEvent").objects
    through = ThreatEntry.sources.through.objects
    assert sources.filter(pgh_label="sources.add").count() == through.count()


def api_paths():
    entries = ThreatEntry.objects.published()
    position = entries.order_by("id").values_list("id", flat=True)[100]
    cursor = base64.b64encode(f"p={position}".encode()).decode()
    slugs = entries.filter(attributions__isnull=False).values_list("slug", flat=True)
    return [
        ("json", "/api/v1/threats/?page_size=50"),
        ("json", "/api/v1/threats/?page=2&page_size=50"),
        ("json", "/api/v1/threats/?category=cyber-attack&target=LT&page_size=50"),
        ("json", f"/api/v1/threats/?pagination=cursor&page_size=50&cursor={cursor}"),
        ("csv", "/api/v1/threats/?format=csv&page_size=200"),
        *(("json", f"/api/v1/threats/{slug}/") for slug in slugs[:3]),
    ]


def test_the_floor_answers_the_api_with_the_same_bytes(generated, client):
    for kind, path in api_paths():
        app = client.get(path)
        status, body = floor_get(path)
        assert (app.status_code, status) == (200, "200 OK"), path
        assert parity.compare(kind, app.content, body) is None, path


def test_the_floor_lists_the_same_entries_and_facets_as_the_page(generated, client):
    for path in ("/threats/", "/threats/?category=cyber-attack&target=LT"):
        app = client.get(path)
        _status, body = floor_get(path)
        facts = parity.page_facts(app.content.decode())
        assert len(facts["entries"]) == 25
        assert facts["facets"]["category"]
        assert parity.compare("html", app.content, body) is None, path


def test_a_difference_between_app_and_floor_is_reported():
    assert parity.compare("json", b'{"a":[1,{"b":2}]}', b'{"a":[1,{"b":3}]}') == (
        "$.a[1].b: 2 (app) vs 3 (floor)"
    )
    page = (
        '<p class="result-summary">2 threat entries</p><ol class="records '
        'threat-records"><li class="record"><h3><a href="/threats/a/">A</a></h3>'
        "</li></ol>"
    )
    assert parity.compare("html", page.encode(), page.replace("2 ", "3 ").encode())


def test_the_application_runs_with_production_connections():
    """Persistent connections as in production, even with a .env made from an
    older .env.example (DATABASE_CONN_MAX_AGE=0: a connection per request)."""
    from bench.prepare import django_env

    env = django_env("postgresql://postgres@127.0.0.1/x")
    assert int(env["DATABASE_CONN_MAX_AGE"]) > 0
    assert env["DJANGO_DEBUG"] == "0"


def test_profile_requests_go_through_the_wsgi_application(generated):
    """``python -m bench profile`` answers each path as gunicorn's worker would."""
    from django.core.handlers.wsgi import WSGIHandler
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    from bench import profile

    # The handler would close the test's connection, and its transaction.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        status, size = profile.request(WSGIHandler(), "/api/v1/threats/?page_size=5")
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
    assert status.startswith("200")
    assert size > 1000
