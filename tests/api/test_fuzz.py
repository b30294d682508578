"""Schemathesis over the whole OpenAPI schema, in-process: every operation,
anonymous and as an editor, must never answer 5xx and must answer as documented
(status code, content type, headers, body schema).

Reads also run schemathesis's coverage phase (boundary and unusual values for
every query parameter: NUL bytes, empty and repeated values...); writes get
generated bodies only, which keeps the suite to about a minute.
"""

import collections
import copy

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests import factories
from tests.shared_data import module_data

SCHEMA_URL = "/api/v1/schema/"
WRITES = ["POST", "PUT", "PATCH", "DELETE"]


def _schemas():
    """The schema for all operations and for the reads, built from one request:
    generating it is the slow part of collecting this module. (Built at import:
    schemathesis.pytest.from_fixture breaks on pytest 9.)"""
    everything = schemathesis.openapi.from_wsgi(SCHEMA_URL, get_wsgi_application())
    everything.config.phases.coverage.enabled = False
    reads = schemathesis.openapi.from_dict(copy.deepcopy(everything.raw_schema))
    reads.app, reads.location = everything.app, everything.location
    return reads.include(method="GET"), everything


reads, everything = _schemas()

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
# (persona, "METHOD /path") -> cases run; reported at the end of the session.
CASES = collections.Counter()

# Reads: 8 generated cases an operation on top of the coverage phase's. Writes
# and calls as an editor: 5, since the command line's run covers every
# operation again with every check (tests/production/test_fuzz_cli.py).
FUZZ = settings(
    max_examples=8,
    deadline=None,
    derandomize=True,
    # No example database: runs do not replay each other's failures (that would
    # undo derandomize) and nothing is written into the working directory.
    database=None,
    suppress_health_check=list(HealthCheck),
)
FUZZ_CALLS = settings(FUZZ, max_examples=5)


@pytest.fixture(autouse=True)
def _keep_test_connection(monkeypatch):
    """The WSGI handler closes the connection after each request, which would
    end the test's transaction; Django's test client disconnects the same."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    # Throttling would turn later examples into 429s.
    monkeypatch.setattr(
        "rest_framework.throttling.SimpleRateThrottle.allow_request",
        lambda self, request, view: True,
    )
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def build_some_records():
    """A few records so lists, filters and exports have something to show."""
    lithuania = factories.country("LT", "Lithuania")
    entry = factories.threat(
        slug="sample", targets=[lithuania], latitude=54.7, longitude=25.3
    )
    factories.attribution(entry=entry)
    exercise = factories.exercise(slug="sample", hosts=[lithuania])
    factories.location(exercise, latitude=55.0, longitude=24.0)
    factories.agreement(slug="sample")
    factories.membership(country_obj=lithuania)


# Built once for the module's 260-odd tests; each test (all its examples) runs
# in a savepoint of it, so what a generated write changes is gone for the next.
shared_records = module_data(build_some_records)


@pytest.fixture
def some_records(shared_records, db):
    return shared_records


@pytest.mark.django_db
@reads.parametrize()
@FUZZ
def test_anonymous_reads_never_fail(case, some_records):
    CASES["anonymous reads, coverage + fuzzing", case.operation.label] += 1
    case.call_and_validate(checks=CHECKS)


@pytest.mark.django_db
@everything.parametrize()
@FUZZ_CALLS
def test_anonymous_calls_never_fail(case, some_records):
    CASES["anonymous, fuzzing", case.operation.label] += 1
    case.call_and_validate(checks=CHECKS)


@pytest.mark.django_db
@everything.parametrize()
@FUZZ_CALLS
def test_editor_calls_never_fail(case, some_records, editor):
    CASES["editor, fuzzing", case.operation.label] += 1
    token, _created = Token.objects.get_or_create(user=editor)
    case.call_and_validate(
        headers={"Authorization": f"Token {token.key}"}, checks=CHECKS
    )
