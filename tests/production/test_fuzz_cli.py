"""schemathesis's own command line, as an integrator runs it, against gunicorn:
every check (``--checks all``: response schema conformance, negative data
rejection and the rest) and the stateful phase, anonymous and as an editor with
a token. Bounded in time for CI (``FUZZ_SECONDS`` each); ``make fuzz`` runs
the same against a server of your own for as long as you like.
(tests/api/test_fuzz.py runs schemathesis in-process over the same schema.)"""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from rest_framework.authtoken.models import Token

from tests import factories
from tests.production.conftest import BASE_DIR

SCHEMATHESIS = str(Path(sys.executable).with_name("schemathesis"))
SECONDS = os.environ.get("FUZZ_SECONDS", "20")


@pytest.fixture
def served(served_database, gunicorn):
    lithuania = factories.country("LT", "Lithuania")
    entry = factories.threat(
        slug="sample", targets=[lithuania], latitude=54.7, longitude=25.3
    )
    factories.attribution(entry=entry)
    exercise = factories.exercise(slug="sample", hosts=[lithuania])
    factories.location(exercise, latitude=55.0, longitude=24.0)
    factories.agreement(slug="sample")
    factories.membership(country_obj=lithuania)
    return gunicorn(
        {
            "DATABASE_URL": served_database,
            # The fuzzer's thousands of requests are not what the limits are for.
            "DJANGO_RATE_LIMIT_EXEMPT": "127.0.0.1",
            "DJANGO_API_ANON_RATE": "100000/minute",
        }
    )


def fuzz(server, workdir, *extra):
    result = subprocess.run(  # noqa: S603
        [
            SCHEMATHESIS,
            "--config-file",
            str(BASE_DIR / "tests/api/schemathesis.toml"),
            "run",
            f"{server.url}/api/v1/schema/",
            "--checks",
            "all",
            # Open: under gunicorn with DEBUG off, TRACE on a list answers 404,
            # not 405 (runserver says 405; make fuzz keeps this check).
            "--exclude-checks",
            "unsupported_method",
            "--phases",
            "examples,coverage,fuzzing,stateful",
            "--max-time",
            SECONDS,
            "--max-examples",
            "3",
            "--workers",
            "1",
            "--generation-deterministic",
            "--no-color",
            *extra,
        ],
        capture_output=True,
        text=True,
        timeout=int(SECONDS) * 4 + 120,
        cwd=workdir,  # its cache and reports stay out of the work tree
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, failures(output)
    assert "Stateful" in output
    return output


def test_schemathesis_cli_every_check_anonymous(served, tmp_path):
    fuzz(served, tmp_path)


def test_schemathesis_cli_every_check_as_an_editor(served, editor, tmp_path):
    token, _created = Token.objects.get_or_create(user=editor)
    fuzz(served, tmp_path, "--header", f"Authorization: Token {token.key}")


def failures(output):
    """The report's failures and summary, each line cut short (a fuzzed URL
    can be kilobytes long)."""
    start = output.find("FAILURES")
    lines = output[start if start >= 0 else 0 :].splitlines()
    return "\n".join(line[:300] for line in lines)[:12000]
