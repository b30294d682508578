"""``make bench-search``: how long searching takes, at ``ROWS`` (1,000,000 by
default).

The 30 fixed queries of bench/search_queries.txt go to the search page
(``/search/?q=``) and to the API (``/api/v1/threats/?q=``) of the application
under gunicorn (4 sync workers, DEBUG off), one request at a time so that the
figures are latencies, not queueing: every worker first serves searches of a
word not in the list (its database connection opened, as a running server's
are); then each query is sent once (timed: the ``first`` figures, what a query
costs a worker that has not yet served one of its shape), then to every worker
(each keeps the SQL it compiled and the statements it prepared for the shape),
then ``REPEAT`` times, timed: the steady state a running server gives. The output is each endpoint's p50/p95/p99 over all those
requests, a table of each query's median, and as the last line one JSON object.
"""

import json
import os
import signal
import statistics
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from bench import load
from bench.database import BenchServer, database_name
from bench.prepare import django_env, prepare
from bench.run import WORKERS, Gunicorn, _stop_on_sigterm, settings_module

QUERIES_FILE = Path(__file__).with_name("search_queries.txt")
ENDPOINTS = {
    "search": "/search/?q={}",
    "api_q": "/api/v1/threats/?q={}",
}


def queries():
    lines = QUERIES_FILE.read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def warm_every_worker(port, paths, rounds=2):
    """Twice as many requests at once as there are workers, twice: a sync
    worker answers one request at a time, so each gets some."""
    with ThreadPoolExecutor(2 * WORKERS) as pool:
        for _round in range(rounds):
            list(pool.map(lambda path: load.fetch(port, path), paths * 2 * WORKERS))


def wsgi_application(env):
    """The WSGI application's dotted path, from the project's settings."""
    import django
    from django.conf import settings

    os.environ.update(env)
    django.setup()
    module, _dot, attribute = settings.WSGI_APPLICATION.rpartition(".")
    return f"{module}:{attribute}"


def run(args):
    say = lambda text: print(text, flush=True)  # noqa: E731
    load_avg = os.getloadavg()[0]
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    texts = queries()
    timings = {endpoint: {text: [] for text in texts} for endpoint in ENDPOINTS}
    firsts = {endpoint: [] for endpoint in ENDPOINTS}
    failures = []
    with BenchServer() as database:
        prepare(database, args.rows, say=say)
        name = database_name(args.rows)
        with database.connect(name) as conn:
            rows = conn.execute(
                "SELECT count(*) FROM threats_threatentry "
                "WHERE publication_status = 'published'"
            ).fetchone()[0]
        env = django_env(database.url(name), DJANGO_SETTINGS_MODULE=settings_module())
        app = Gunicorn("application", wsgi_application(env), env)
        try:
            app.wait_ready("/api/v1/threats/?page_size=1")
            warm_every_worker(
                app.port, [pattern.format("Vilnius") for pattern in ENDPOINTS.values()]
            )
            say(
                f"{len(texts)} queries x {args.repeat} (after a first request, then one "
                f"to each worker) on "
                f"{', '.join(ENDPOINTS)}, one request at a time..."
            )
            for number, text in enumerate(texts, 1):
                quoted = urllib.parse.quote(text)
                for endpoint, pattern in ENDPOINTS.items():
                    path = pattern.format(quoted)
                    for attempt in range(args.repeat + 1):
                        status, _body, seconds = load.fetch(app.port, path)
                        if status != 200:
                            failures.append(f"{endpoint} {text!r}: {status}")
                            break
                        if attempt:
                            timings[endpoint][text].append(seconds * 1000)
                        else:
                            firsts[endpoint].append(seconds * 1000)
                            warm_every_worker(app.port, [path], rounds=1)
                medians = "  ".join(
                    f"{endpoint} {statistics.median(timings[endpoint][text]):8.1f} ms"
                    for endpoint in ENDPOINTS
                    if timings[endpoint][text]
                )
                say(f"  {number:2}/{len(texts)} {text!r:26} {medians}")
        finally:
            app.stop()
    summary = {"rows": rows, "load_avg": round(load_avg, 2), "repeat": args.repeat}
    say("")
    say(
        f"{rows:,} published threat entries; load average {load_avg:.2f} before the run."
    )
    say("| endpoint | requests | p50 ms | p95 ms | p99 ms | slowest query (median) |")
    say("|---|---|---|---|---|---|")
    for endpoint in ENDPOINTS:
        values = [value for series in timings[endpoint].values() for value in series]
        if not values:
            continue
        slowest = max(
            (text for text in texts if timings[endpoint][text]),
            key=lambda text: statistics.median(timings[endpoint][text]),
        )
        figures = {
            "p50_ms": round(load.percentile(values, 0.50), 1),
            "p95_ms": round(load.percentile(values, 0.95), 1),
            "p99_ms": round(load.percentile(values, 0.99), 1),
        }
        say(
            f"| {endpoint} | {len(values)} | {figures['p50_ms']} | "
            f"{figures['p95_ms']} | {figures['p99_ms']} | {slowest} "
            f"({statistics.median(timings[endpoint][slowest]):.0f} ms) |"
        )
        summary[endpoint] = figures
    for endpoint in ENDPOINTS:
        if not firsts[endpoint]:
            continue
        # Each query's first request: a worker that has not yet compiled and
        # prepared its shape (a running server's first visitor of the shape).
        first = {
            "p50_ms": round(load.percentile(firsts[endpoint], 0.50), 1),
            "p95_ms": round(load.percentile(firsts[endpoint], 0.95), 1),
            "p99_ms": round(load.percentile(firsts[endpoint], 0.99), 1),
        }
        say(
            f"| {endpoint}, first request of each query | {len(firsts[endpoint])} | "
            f"{first['p50_ms']} | {first['p95_ms']} | {first['p99_ms']} | |"
        )
        summary[f"{endpoint}_first"] = first
    summary["queries"] = {
        text: {
            endpoint: round(statistics.median(timings[endpoint][text]), 1)
            for endpoint in ENDPOINTS
            if timings[endpoint][text]
        }
        for text in texts
    }
    if failures:
        say("FAILED requests: " + "; ".join(failures))
    print(json.dumps(summary, ensure_ascii=False))
    return 1 if failures else 0
