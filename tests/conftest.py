"""Personas shared by every test module, and the run's closing notes."""

import collections
import os
import sys
import tempfile

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.utils import translation
from pytest_django.fixtures import _disable_migrations, _get_databases_for_setup
from rest_framework.throttling import SimpleRateThrottle

from tests import template_db

# The controller's build of the migrated template database (tests/template_db.py).
TEMPLATE_BUILD = pytest.StashKey[object]()


def _scan_static_files_once_per_configuration():
    """Django's test client builds the middleware chain anew for every client,
    so for nearly every test, and whitenoise's middleware then lists and stats
    every static file the finders know (the admin's, the API documentation's:
    about 0.1 s, a fifth of a typical test's time on a 2-core machine). A web
    process builds it once. Here the list is made once per configuration that
    shapes it (the prefix, the headers' settings, the finders and their
    folders); each middleware still gets its own dictionary."""
    from whitenoise.middleware import WhiteNoiseMiddleware

    scan = WhiteNoiseMiddleware.add_files_from_finders
    scanned = {}

    def add_files_from_finders(self):
        key = (
            self.static_prefix,
            self.max_age,
            self.allow_all_origins,
            self.charset,
            self.index_file,
            self.add_headers_function,
            tuple(settings.STATICFILES_FINDERS),
            repr(settings.STATICFILES_DIRS),
            tuple(settings.INSTALLED_APPS),
        )
        if key not in scanned:
            own, self.files = self.files, {}
            try:
                scan(self)
                scanned[key] = self.files
            finally:
                self.files = own
        # The finders' files win over STATIC_ROOT's, as whitenoise adds them last.
        self.files.update(scanned[key])

    WhiteNoiseMiddleware.add_files_from_finders = add_files_from_finders


_scan_static_files_once_per_configuration()


def pytest_configure(config):
    if template_db.wanted(config):
        status_dir = tempfile.mkdtemp(prefix="atlas-test-template-")
        config.stash[TEMPLATE_BUILD] = template_db.start(config, status_dir)


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config, items):
    # After pytest-django's ordering, in a worker of a run whose database is
    # copied from the template (tests/template_db.py).
    workers = getattr(config, "workerinput", {}).get("workercount")
    if workers and os.environ.get(template_db.TEMPLATE_ENV):
        items[:] = template_db.without_database_first_on_each_worker(items, workers)


def pytest_unconfigure(config):
    build = config.stash.get(TEMPLATE_BUILD, None)
    if build is not None:
        template_db.finish(config, build)


@pytest.fixture(scope="session")
def django_db_setup(
    request,
    django_test_environment,
    django_db_blocker,
    django_db_use_migrations,
    django_db_keepdb,
    django_db_createdb,
    django_db_modify_db_settings,
):
    """pytest-django's database setup, except in a distributed run that creates
    its databases: there each worker copies the one template the controller
    migrated (tests/template_db.py) instead of migrating its own."""
    from django.test.utils import setup_databases, teardown_databases

    if os.environ.get(template_db.TEMPLATE_ENV) and hasattr(
        request.config, "workerinput"
    ):
        template = template_db.wait_for_template()
        with django_db_blocker.unblock():
            original = template_db.copy_into_test_database(template)
        yield
        from django.db import connections

        with django_db_blocker.unblock():
            connections["default"].creation.destroy_test_db(original, verbosity=0)
        return

    # As pytest-django does it (pytest_django/fixtures.py, django_db_setup).
    if not django_db_use_migrations:
        _disable_migrations()
    aliases, serialized_aliases = _get_databases_for_setup(request.session.items)
    with django_db_blocker.unblock():
        config = setup_databases(
            verbosity=request.config.option.verbose,
            interactive=False,
            aliases=aliases,
            serialized_aliases=serialized_aliases,
            keepdb=django_db_keepdb and not django_db_createdb,
        )
    yield
    if not django_db_keepdb:
        with django_db_blocker.unblock():
            teardown_databases(config, verbosity=request.config.option.verbose)


@pytest.fixture(autouse=True)
def _each_test_starts_in_english():
    """A request in Lithuanian leaves Lithuanian active in the thread (the
    middleware activates a language, nothing deactivates it): the next test
    read translated messages, and failed or passed by the order of the run."""
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    """Personas are made for hundreds of tests: hash their passwords cheaply."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _check_kept_sql(settings):
    """Every query served from a kept SQL text (core/compiled.py) is compiled
    again and must be the same text with the same parameters: the whole suite
    checks the cache's key."""
    settings.ATLAS_CHECK_COMPILED_SQL = True


@pytest.fixture(autouse=True)
def _visitor_limits_out_of_the_way(settings):
    """Tests ask for pages far faster than a visitor may (a test renders every seed
    record's page); the limits have their own tests, which set low rates
    (tests/production/test_rate_limits.py)."""
    settings.ANONYMOUS_RATES = dict.fromkeys(settings.ANONYMOUS_RATES, "1000000/minute")


@pytest.fixture(autouse=True)
def _api_visitor_limit_out_of_the_way(monkeypatch):
    """The same for the API's anonymous throttle, whose count lives in the
    worker's cache across tests: a test that asks the API for every facet option
    failed with 429 when it ran after others in the same worker. DRF reads the
    rates once, at import, so the class attribute is what counts; the throttle
    tests set their own low rates over this (tests/api/test_auth.py)."""
    monkeypatch.setattr(
        SimpleRateThrottle,
        "THROTTLE_RATES",
        {**SimpleRateThrottle.THROTTLE_RATES, "anon": "1000000/minute"},
    )


@pytest.fixture(autouse=True)
def _empty_cache():
    """Every test starts with nothing cached: a result kept by an earlier test
    at the same data version (both rolled back to it) would change what a
    query count pins."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def editor(django_user_model):
    """A member of the Editors group with admin access, as create_editor makes."""
    user = django_user_model.objects.create_user(
        "edita", password="correct horse battery", is_staff=True
    )
    user.groups.add(Group.objects.get(name="Editors"))
    return user


@pytest.fixture
def analyst(django_user_model):
    """A logged-in reader with no editing rights."""
    return django_user_model.objects.create_user(
        "analyst", password="correct horse battery"
    )


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


# What the xdist workers report (the controller runs no test itself).
_WORKERS_FUZZ_CASES = collections.Counter()
_WORKERS_RUN_NOTES = []
# Lines a fixture wants in the run's closing summary (what it started: the
# streaming replica of tests/production/test_replicas.py). Captured output of
# a test, and all output of an xdist worker, is never shown otherwise.
RUN_NOTES = pytest.StashKey[list]()


@pytest.fixture(scope="session")
def run_notes(request):
    """Append a line to print in the run's summary."""
    return request.config.stash.setdefault(RUN_NOTES, [])


def _fuzz_cases():
    """(persona, "METHOD /path") -> cases schemathesis ran in this process."""
    fuzz = sys.modules.get("tests.api.test_fuzz")
    return fuzz.CASES if fuzz is not None else collections.Counter()


def pytest_sessionfinish(session):
    # An xdist worker hands its counts to the controller, which reports them.
    if hasattr(session.config, "workeroutput"):
        session.config.workeroutput["fuzz_cases"] = [
            [persona, operation, count]
            for (persona, operation), count in _fuzz_cases().items()
        ]
        session.config.workeroutput["run_notes"] = session.config.stash.get(
            RUN_NOTES, []
        )


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error):
    for persona, operation, count in getattr(node, "workeroutput", {}).get(
        "fuzz_cases", []
    ):
        _WORKERS_FUZZ_CASES[(persona, operation)] += count
    _WORKERS_RUN_NOTES.extend(getattr(node, "workeroutput", {}).get("run_notes", []))


def _schemathesis_summary(terminalreporter):
    """How much schemathesis ran, for the record (tests/api/test_fuzz.py)."""
    cases = _fuzz_cases() + _WORKERS_FUZZ_CASES
    if not cases:
        return
    by_persona = {}
    for (persona, operation), count in cases.items():
        operations, total = by_persona.get(persona, (set(), 0))
        operations.add(operation)
        by_persona[persona] = (operations, total + count)
    every = {operation for _persona, operation in cases}
    terminalreporter.write_line(
        f"schemathesis: {len(every)} operations, "
        f"{sum(cases.values())} cases: "
        + "; ".join(
            f"{persona}: {len(ops)} operations, {total} cases"
            for persona, (ops, total) in sorted(by_persona.items())
        )
    )


def pytest_terminal_summary(terminalreporter):
    _schemathesis_summary(terminalreporter)
    notes = terminalreporter.config.stash.get(RUN_NOTES, []) + _WORKERS_RUN_NOTES
    for note in notes:
        terminalreporter.write_line(note)
    skipped = terminalreporter.stats.get("skipped", [])
    browser = [r for r in skipped if "tests/browser/" in r.nodeid]
    if browser:
        terminalreporter.write_line(
            f"NOTE: {len(browser)} browser tests were SKIPPED because no Chromium was "
            "found (apt-get install chromium, or set ATLAS_CHROMIUM).",
            yellow=True,
            bold=True,
        )


@pytest.fixture
def reviewer(django_user_model):
    """Edits and reviews: a member of both the Editors and the Reviewers groups."""
    user = django_user_model.objects.create_user(
        "rita", password="correct horse battery", is_staff=True
    )
    user.groups.add(*Group.objects.filter(name__in=["Editors", "Reviewers"]))
    return user


@pytest.fixture
def reviewer_client(client, reviewer):
    client.force_login(reviewer)
    return client
