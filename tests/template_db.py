"""One migrated test database per run, copied for each xdist worker.

Migrating is the slowest part of starting a worker (about 16 s of CPU: Django
renders the model states of every migration). With ``-n 2`` both workers used
to migrate a database each, at the same time, after collecting the tests. Now
the controller starts one migration into ``<test database>_template`` as soon
as the run is configured, in a process of its own, while the workers collect;
each worker then copies it (``CREATE DATABASE ... TEMPLATE``, under a second)
into its own ``test_<name>_gw<N>``. The copy holds everything a migrated
database holds: the data migrations' rows, the groups and permissions synced
after ``migrate``, the triggers.

Used only when the run is distributed and creates its databases: ``--reuse-db``
and runs without xdist set up their database as pytest-django always did.

``python -m tests.template_db NAME`` builds the template (what the controller
runs).
"""

import os
import subprocess
import sys
import time
from pathlib import Path

TEMPLATE_ENV = "ATLAS_TEST_TEMPLATE"
STATUS_ENV = "ATLAS_TEST_TEMPLATE_STATUS"
BASE_DIR = Path(__file__).resolve().parent.parent
# How long a worker waits for the template before failing (a migration that
# hangs must fail the run, not stall it).
WAIT_SECONDS = 900


def wanted(config):
    """Is this the controller of a distributed run that creates its databases?"""
    if hasattr(config, "workerinput") or config.option.collectonly:
        return False
    if not getattr(config.option, "numprocesses", None):
        return False
    if config.getoption("reuse_db", False) and not config.getoption("create_db", False):
        return False
    return not config.getoption("nomigrations", False)


def template_name():
    from django.db import connections

    return connections["default"].creation._get_test_db_name() + "_template"


def start(config, status_dir):
    """Begin building the template; the workers learn of it from the
    environment they inherit."""
    name = template_name()
    status = Path(status_dir) / "template.status"
    log = Path(status_dir) / "template.log"
    with log.open("w") as output:
        process = subprocess.Popen(  # noqa: S603
            [sys.executable, "-m", "tests.template_db", name, str(status)],
            cwd=BASE_DIR,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    os.environ[TEMPLATE_ENV] = name
    os.environ[STATUS_ENV] = str(status)
    return process


def finish(config, process):
    """The controller, at the end of the run: stop a build still going, then
    drop the template."""
    from pytest_django.plugin import blocking_manager_key

    if process.poll() is None:
        process.terminate()
        process.wait(timeout=30)
    name = os.environ.pop(TEMPLATE_ENV, None)
    os.environ.pop(STATUS_ENV, None)
    if name:
        with config.stash[blocking_manager_key].unblock():
            _drop(name)


def _drop(name):
    from django.db import connections

    connection = connections["default"]
    with connection._nodb_cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')


def wait_for_template():
    """In a worker: the template's name once it is built (fails the run with the
    build's output if it could not be)."""
    name = os.environ[TEMPLATE_ENV]
    status = Path(os.environ[STATUS_ENV])
    deadline = time.monotonic() + WAIT_SECONDS
    while not status.exists():
        if time.monotonic() > deadline:
            raise RuntimeError(f"the test database template {name} took too long")
        time.sleep(0.2)
    result = status.read_text()
    if result.strip() != "ok":
        log = status.with_name("template.log")
        output = log.read_text() if log.exists() else ""
        raise RuntimeError(f"building the test database template failed:\n{output}")
    return name


def copy_into_test_database(template):
    """In a worker: its test database as a copy of ``template``; returns the
    settings' original database name (for the teardown)."""
    from django.conf import settings
    from django.db import connections

    connection = connections["default"]
    test_name = connection.creation._get_test_db_name()
    with connection._nodb_cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{test_name}"')
        cursor.execute(f'CREATE DATABASE "{test_name}" TEMPLATE "{template}"')
    original = connection.settings_dict["NAME"]
    connection.close()
    settings.DATABASES["default"]["NAME"] = test_name
    connection.settings_dict["NAME"] = test_name
    return original


def build(name, status):
    """Create and migrate the template (run in a process of its own)."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    from django.db import connections

    connection = connections["default"]
    connection.settings_dict.setdefault("TEST", {})["NAME"] = name
    try:
        connection.creation.create_test_db(
            verbosity=0, autoclobber=True, serialize=False
        )
        connection.close()
    except BaseException:
        Path(status).write_text("failed")
        raise
    Path(status).write_text("ok")


if __name__ == "__main__":
    build(sys.argv[1], sys.argv[2])


# Fixtures through which a test reaches the test database (directly or by a
# fixture of its own that asks for one of them). Not django_db_blocker: every
# test has it, through pytest-django's own autouse fixtures.
DATABASE_FIXTURES = {
    "django_db_setup",
    "db",
    "transactional_db",
    "live_server",
}


def needs_database(item):
    return item.get_closest_marker("django_db") is not None or bool(
        DATABASE_FIXTURES & set(getattr(item, "fixturenames", ()))
    )


def without_database_first_on_each_worker(items, workers):
    """``items`` reordered so that each worker's first tests need no database.

    A worker's first database test waits for the template (about ten seconds of
    migrating at the start of a run), and pytest-django puts the tests without a
    database last, so both workers used to sit idle through that wait. xdist's
    work-stealing scheduler gives worker k a contiguous share of the list (the
    pending count divided by the workers left, in turn): each share now starts
    with its part of the tests that need no database, followed by the next
    database tests in pytest-django's order. The database tests keep that order
    across the shares, so the transactional ones (whose flush empties the data
    migrations' rows) still come after the others on every worker.
    """
    free = [item for item in items if not needs_database(item)]
    rest = [item for item in items if needs_database(item)]
    ordered = []
    remaining = len(items)
    for worker in range(workers):
        share = remaining // (workers - worker)
        own_free = free[worker::workers]
        ordered += own_free
        take = max(share - len(own_free), 0)
        ordered += rest[:take]
        del rest[:take]
        remaining -= share
    ordered += rest
    assert len(ordered) == len(items)
    return ordered
