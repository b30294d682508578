"""Get the benchmark database ready: created, migrated, filled once per size.

The data set for ``rows`` lives in ``atlas_bench_<rows>`` (bench/database.py).
It is generated when that database has no complete data set of the current
generator version and seed; otherwise it is reused as it is (only ``migrate``
runs, so a branch's new migrations, say an index, apply to the data in place).
Generation loads the seed data first (``import_records fixtures/ --status
published``: real countries, categories, actors, organisations), then the
synthetic records (bench/generate.py).
"""

import os
import subprocess
import sys
import time

from bench import generate
from bench.database import BASE_DIR, database_name

PYTHON = sys.executable


def django_env(url, **extra):
    """The environment the application runs with in the benchmark: production
    settings (DEBUG off) on the benchmark database. The API's anonymous
    throttle (120 requests a minute by default) would turn a load test into a
    test of the throttle: it is raised far above what the load generator sends,
    and the throttle's bookkeeping still runs."""
    env = dict(os.environ)
    env.update(
        DATABASE_URL=url,
        DJANGO_DEBUG="0",
        # Production's persistent connections (config/settings.py: 60 s without
        # DEBUG). A .env made from .env.example before it left this to the
        # default says 0, which would open a connection per request.
        DATABASE_CONN_MAX_AGE="60",
        DJANGO_API_ANON_RATE="100000000/second",
        # Likewise the visitors' limits of the pages (core/ratelimit.py: 120
        # pages, 30 searches, 10 exports a minute per address by default),
        # which wrk on loopback passes in its first second.
        DJANGO_PAGE_RATE="100000000/second",
        DJANGO_SEARCH_RATE="100000000/second",
        DJANGO_EXPORT_RATE="100000000/second",
        DJANGO_FEED_RATE="100000000/second",
        DJANGO_MAP_DATA_RATE="100000000/second",
        DJANGO_LOG_LEVEL="WARNING",
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost,testserver",
        # Production settings expect collectstatic's manifest (make prod runs
        # it); the benchmark does not run it, and without the manifest every
        # page that names a static file is a 500. Static files are served from
        # the apps instead: they are not part of what is measured.
        DJANGO_MANIFEST_STATIC="0",
        # whitenoise's note that collectstatic has not run (static files are
        # not part of the benchmark), once per worker.
        PYTHONWARNINGS="ignore:No directory at:UserWarning",
    )
    env.update(extra)
    return env


def manage(url, *args, quiet=False):
    subprocess.run(
        [PYTHON, "manage.py", *args],
        cwd=BASE_DIR,
        env=django_env(url),
        check=True,
        stdout=subprocess.DEVNULL if quiet else None,
    )


def prepare(server, rows, seed=generate.SEED, workers=2, say=print):
    """Make sure ``atlas_bench_<rows>`` holds the data set; returns its
    description (counts and generation times)."""
    name = database_name(rows)
    shared = database_name(rows, copy="")
    if name != shared and not server.exists(name) and server.dataset(shared):
        say(f"Copying {shared} into {name} (BENCH_COPY)...")
        server.copy(shared, name)
    wanted = {"rows": rows, "seed": seed, "version": generate.VERSION}
    found = server.dataset(name)
    if found and all(found.get(key) == value for key, value in wanted.items()):
        say(
            f"Using the data set in {name} (generated in "
            f"{found['timings']['total']} s; `make bench-reset` generates it again)."
        )
        say("Applying migrations, if any...")
        manage(server.url(name), "migrate", "--noinput", "-v0")
        # A migration that rewrote rows (a new stored column filled in) leaves
        # dead rows and a cleared visibility map: index-only scans then read
        # the table, and the run would measure the migration's leftovers until
        # autovacuum came by. Cheap when nothing changed.
        say("VACUUM ANALYZE (after the migrations)...")
        with server.connect(name) as conn:
            conn.execute("VACUUM (ANALYZE)")
        return found
    if server.exists(name):
        say(f"{name} holds an incomplete or outdated data set: generating it again.")
        server.drop(name)
    server.create(name)
    url = server.url(name)
    timings = {}
    started = time.monotonic()
    say(f"Migrating {name}...")
    manage(url, "migrate", "--noinput", "-v0")
    timings["migrate"] = round(time.monotonic() - started, 1)
    say("Loading the seed data (fixtures/)...")
    started = time.monotonic()
    manage(url, "import_records", "fixtures/", "--status", "published", quiet=True)
    timings["seed data"] = round(time.monotonic() - started, 1)
    result = generate.generate(url, rows, seed=seed, workers=workers, say=say)
    result["timings"] = {**timings, **result["timings"]}
    result["timings"]["total"] = round(
        sum(value for key, value in result["timings"].items() if key != "total"), 1
    )
    description = {**wanted, **result}
    server.mark_complete(name, description)
    return description
