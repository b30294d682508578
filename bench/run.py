"""``make bench``: the application under gunicorn against the raw floor.

1. The data set: ``atlas_bench_<ROWS>`` (bench/database.py, bench/prepare.py),
   generated once, then reused.
2. SQL queries per request: each endpoint through Django's test client in
   this process, with ``CaptureQueriesContext``, counted on a second request so
   that one-off lookups are not (an endpoint slower than 5 s: its first).
3. Two servers side by side on loopback, each gunicorn with 4 sync workers:
   the application (its WSGI application, DEBUG off) and the floor
   (bench/floor.py). Before anything is measured, the floor's answers are
   checked against the application's (bench/parity.py); a difference stops the
   run.
4. Each endpoint is driven by wrk (2 threads, 16 connections, ``SECONDS``) on
   the application and on the floor in turn, ``ROUNDS`` times, the order
   alternating. An endpoint whose single request takes more than a second
   (or, with short runs, a twelfth of ``SECONDS``: wrk's queue would leave too
   few completed requests) is timed one request after the other instead
   (``seq`` in the table), on both servers. CPU time of the gunicorn workers and of the database server is read from
   /proc before and after each run, per request.
5. Memory: the workers' resident memory at the start and end of the
   measured runs, and while one whole ``page_csv`` export runs (every
   published entry: on a third server, the application with the export cap
   raised above the data set).
6. A table, then one JSON line with the figures.

Figures from a shared machine are noisy: ``load_avg`` (the one-minute load
before the run) says how busy it was.
"""

import base64
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.parse
import warnings
from dataclasses import dataclass, field

from bench import load, parity, vocabulary
from bench.database import BASE_DIR, BENCH_DATA_DIR, BenchServer, database_name
from bench.pair import free_port
from bench.prepare import django_env, prepare

WORKERS = 4
SLOW_SECONDS = 1.0
DETAIL_PATHS = 200
# Unmeasured load on each endpoint before its measured runs (see warm_up()).
WARM_UP_SECONDS = 1
# The longest wait for the requests a wrk run leaves queued (see settle()).
SETTLE_SECONDS = 30
HOST = "127.0.0.1"


@dataclass
class Endpoint:
    name: str
    kind: str  # what the floor's answer is compared as: json, csv, html
    paths: list
    floor: bool = False
    mode: str = "wrk"
    runs: dict = field(default_factory=lambda: {"app": [], "floor": []})
    queries: int | None = None


def choose_endpoints(conn):
    """The endpoints of issue 12, on records chosen from the data set."""
    published = "publication_status = 'published'"
    total = conn.execute(
        f"SELECT count(*) FROM threats_threatentry WHERE {published}"
    ).fetchone()[0]
    # Page 100 of the cursor walk (50 a page), or the middle of a small set.
    skip = min(99 * 50, total // 2)
    position = conn.execute(
        f"SELECT id FROM threats_threatentry WHERE {published} "
        "ORDER BY id OFFSET %s LIMIT 1",
        [max(skip - 1, 0)],
    ).fetchone()[0]
    cursor = urllib.parse.quote(base64.b64encode(f"p={position}".encode()).decode())
    # Records with attributions, spread over the archive (md5: a fixed shuffle).
    slugs = [
        row[0]
        for row in conn.execute(
            f"""SELECT slug FROM threats_threatentry e WHERE {published}
                AND EXISTS (SELECT 1 FROM threats_attribution a WHERE a.entry_id = e.id)
                ORDER BY md5(slug) LIMIT %s""",
            [DETAIL_PATHS],
        )
    ]
    category = "hybrid-operation"
    rare = urllib.parse.quote(vocabulary.RARE_WORD)
    return [
        Endpoint("api_threats_list", "json", ["/api/v1/threats/?page_size=50"], True),
        Endpoint(
            "api_threats_filtered",
            "json",
            [f"/api/v1/threats/?category={category}&target=LT&page_size=50"],
            True,
        ),
        Endpoint(
            "api_threats_cursor_deep",
            "json",
            [f"/api/v1/threats/?pagination=cursor&page_size=50&cursor={cursor}"],
            True,
        ),
        Endpoint(
            "api_threat_detail",
            "json",
            [f"/api/v1/threats/{slug}/" for slug in slugs],
            True,
        ),
        Endpoint("page_threats_list", "html", ["/threats/"], True),
        Endpoint(
            "page_threats_filtered",
            "html",
            [f"/threats/?category={category}&target=LT"],
            True,
        ),
        Endpoint("page_threat_detail", "html", [f"/threats/{slug}/" for slug in slugs]),
        Endpoint("home", "html", ["/"]),
        Endpoint("search_common", "html", ["/search/?q=drone"]),
        Endpoint("search_rare", "html", [f"/search/?q={rare}"]),
        Endpoint("api_q", "json", ["/api/v1/threats/?q=drone&page_size=50"]),
        Endpoint("map_data", "json", ["/map/data.json"]),
        Endpoint("api_csv", "csv", ["/api/v1/threats/?format=csv&page_size=200"], True),
        Endpoint("page_csv", "csv", ["/threats/?format=csv"]),
    ]


def settings_module():
    """The project's settings module, as manage.py names it."""
    text = (BASE_DIR / "manage.py").read_text()
    match = re.search(r"DJANGO_SETTINGS_MODULE[\"'],\s*[\"']([\w.]+)[\"']", text)
    return match.group(1) if match else "config.settings"


def count_queries(endpoints, say):
    """SQL queries per request, through Django's test client in this process."""
    import django
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    warnings.filterwarnings("ignore", "No directory at", UserWarning)
    django.setup()
    client = Client(HTTP_HOST=HOST)
    for endpoint in endpoints:
        path = endpoint.paths[0]
        started = time.monotonic()
        response = client.get(path)
        if time.monotonic() - started < 5:
            # A second request, so one-off lookups (content types...) are not counted.
            with CaptureQueriesContext(connection) as queries:
                response = client.get(path)
        else:
            with CaptureQueriesContext(connection) as queries:
                response = client.get(path)
        if response.status_code != 200:
            raise SystemExit(f"{endpoint.name}: {path} answered {response.status_code}")
        endpoint.queries = len(queries)
        say(f"  {endpoint.name}: {endpoint.queries} queries")
    connection.close()
    return settings.WSGI_APPLICATION


class Gunicorn:
    """A gunicorn master we started, on its own port; stopped on exit."""

    def __init__(self, label, app, env, config=None, port=None):
        self.label = label
        self.port = port or free_port()
        # gunicorn reads ./gunicorn.conf.py when no config is named: the
        # application runs with the production configuration when there is one,
        # the options below taking precedence.
        options = ["--config", config] if config else []
        # Its logs (an access-log line per request, as in production) go to a
        # file, not between the benchmark's own lines.
        BENCH_DATA_DIR.mkdir(parents=True, exist_ok=True)
        self.log_path = BENCH_DATA_DIR / f"{label}.log"
        self.log = open(self.log_path, "wb")  # noqa: SIM115 (closed in stop())
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                *options,
                app,
                "--workers",
                str(WORKERS),
                "--worker-class",
                "sync",
                "--bind",
                f"{HOST}:{self.port}",
                # Long enough to measure the slowest endpoints rather than
                # have their workers killed (the default is 30 s).
                "--timeout",
                "300",
                "--log-level",
                "warning",
            ],
            cwd=BASE_DIR,
            env=env,
            start_new_session=True,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        self.tree = load.ProcessTree(self.process.pid)

    def wait_ready(self, path, timeout=90):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(
                    f"the {self.label} server exited ({self.process.returncode}); "
                    f"its log: {self.log_path}"
                )
            try:
                status, _body, _seconds = load.fetch(self.port, path, timeout=30)
                if status == 200 and len(self.tree.children()) >= WORKERS:
                    return
            except OSError:
                pass
            time.sleep(0.5)
        raise SystemExit(f"the {self.label} server did not start in {timeout} s")

    def stop(self):
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.log.close()


def check_parity(endpoints, app, floor, say):
    """The floor must answer like the application before it is measured."""
    problems = []
    for endpoint in endpoints:
        if not endpoint.floor:
            continue
        for path in endpoint.paths[:5]:
            app_status, app_body, _ = load.fetch(app.port, path)
            floor_status, floor_body, _ = load.fetch(floor.port, path)
            problem = (
                f"status {app_status} (app) vs {floor_status} (floor)"
                if (app_status, floor_status) != (200, 200)
                else parity.compare(endpoint.kind, app_body, floor_body)
            )
            if problem:
                problems.append(f"{endpoint.name} {path}: {problem}")
        say(f"  {endpoint.name}: {'DIFFERENT' if problems else 'same answer'}")
    return problems


def warm_up(endpoint, app, floor, slow, say):
    """Not measured: the first request fills the caches (the shared one, which
    is emptied before the run, and the database's), then the endpoint is timed
    warm to choose how it is measured (a first request of seconds that fills a
    cache would otherwise send a fast endpoint to ``seq``). An endpoint
    measured with wrk is then driven for WARM_UP_SECONDS, so each worker has
    opened its connections and served it before the measured window: what is
    measured is the steady state, not each worker's first request."""
    # With the Host header wrk sends (the port included): what a page keeps in
    # the cache is keyed by its host, since its links are absolute.
    if endpoint.floor:
        load.fetch(floor.port, endpoint.paths[0], host=f"{HOST}:{floor.port}")
    app_host = f"{HOST}:{app.port}"
    _status, _body, first = load.fetch(app.port, endpoint.paths[0], host=app_host)
    # The fastest of up to three: one request that waited for a busy core is
    # not an endpoint slow by itself.
    for _attempt in range(3):
        _status, _body, seconds = load.fetch(app.port, endpoint.paths[0], host=app_host)
        if seconds <= slow:
            break
    endpoint.mode = "seq" if seconds > slow else "wrk"
    if endpoint.mode == "wrk":
        for server in (app, floor) if endpoint.floor else (app,):
            settle(
                load.wrk_run(
                    f"http://{HOST}:{server.port}", endpoint.paths, WARM_UP_SECONDS
                )
            )
    say(
        f"  {endpoint.name}: first {first * 1000:.0f} ms, then {seconds * 1000:.0f} ms"
        f" -> {endpoint.mode}"
    )


def settle(report):
    """Wait for the requests wrk left behind. When it stops, up to 16 of its
    requests are still queued at the 4 workers and are answered anyway: the
    next run's first requests would wait behind them (a fast endpoint measured
    after a slow one got its p99 from there). Each finishes within about the
    slowest latency wrk saw."""
    time.sleep(min(report["max_us"] / 1e6, SETTLE_SECONDS))


def measure(endpoint, server, db_tree, seconds, mode):
    cpu_before = server.tree.cpu_seconds()
    db_before = db_tree.cpu_seconds() if db_tree else None
    if mode == "wrk":
        report = load.wrk_run(f"http://{HOST}:{server.port}", endpoint.paths, seconds)
    else:
        report = load.sequential_run(server.port, endpoint.paths, seconds)
    requests = max(report["requests"], 1)
    report["cpu_ms"] = (server.tree.cpu_seconds() - cpu_before) * 1000 / requests
    if db_tree:
        report["db_cpu_ms"] = (db_tree.cpu_seconds() - db_before) * 1000 / requests
    if mode == "wrk":
        settle(report)
    return report


def summarise(runs):
    if not runs:
        return None
    requests = sum(run["requests"] for run in runs)
    return {
        "rps": sum(run["rps"] for run in runs) / len(runs),
        "p50_ms": sum(run["p50_us"] for run in runs) / len(runs) / 1000,
        "p99_ms": max(run["p99_us"] for run in runs) / 1000,
        "cpu_ms": sum(run["cpu_ms"] * run["requests"] for run in runs)
        / max(requests, 1),
        "db_cpu_ms": (
            sum(run["db_cpu_ms"] * run["requests"] for run in runs) / max(requests, 1)
            if all("db_cpu_ms" in run for run in runs)
            else None
        ),
        "failures": sum(run["failures"] for run in runs),
        "requests": requests,
    }


def csv_memory(endpoint, app, say):
    """The workers' resident memory while one full page_csv export runs."""
    before = app.tree.worker_rss()
    peak = dict(before)
    done = threading.Event()
    result = {}

    def export():
        status, body, seconds = load.fetch(app.port, endpoint.paths[0])
        result.update(
            status=status, size=len(body), seconds=seconds, lines=body.count(b"\n")
        )
        done.set()

    threading.Thread(target=export, daemon=True).start()
    while not done.wait(0.02):
        for pid, rss in app.tree.worker_rss().items():
            peak[pid] = max(peak.get(pid, 0), rss)
    growth = max((peak[pid] - before.get(pid, peak[pid])) for pid in peak)
    say(
        f"  page_csv: {result['lines']:,} lines, {result['size'] / 1e6:.1f} MB in "
        f"{result['seconds']:.1f} s (status {result['status']}), worker RSS grew "
        f"by {growth / 2**20:.0f} MB at most"
    )
    return {
        "rss_growth_mb": round(growth / 2**20, 1),
        "bytes": result["size"],
        "lines": result["lines"],
        "seconds": round(result["seconds"], 1),
        "status": result["status"],
    }


def rounded(value):
    return None if value is None else round(value, 2)


def fmt(value, digits=1):
    if value is None:
        return "–"
    return f"{value:,.{digits}f}"


def print_table(endpoints, results):
    header = (
        "endpoint",
        "mode",
        "app req/s",
        "floor req/s",
        "ratio",
        "app p50 ms",
        "app p99 ms",
        "floor p99 ms",
        "SQL/req",
        "app CPU ms/req",
        "DB CPU ms/req",
        "floor CPU ms/req",
        "floor DB ms/req",
    )
    rows = []
    for endpoint in endpoints:
        app, floor = results[endpoint.name]["app"], results[endpoint.name]["floor"]
        ratio = app["rps"] / floor["rps"] if floor and floor["rps"] else None
        rows.append(
            (
                endpoint.name,
                "seq" if endpoint.mode == "seq" else "wrk c16",
                fmt(app["rps"]),
                fmt(floor["rps"]) if floor else "–",
                fmt(ratio, 2),
                fmt(app["p50_ms"]),
                fmt(app["p99_ms"]),
                fmt(floor["p99_ms"]) if floor else "–",
                str(endpoint.queries),
                fmt(app["cpu_ms"]),
                fmt(app["db_cpu_ms"]),
                fmt(floor["cpu_ms"]) if floor else "–",
                fmt(floor["db_cpu_ms"]) if floor else "–",
            )
        )
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    line = (
        "| " + " | ".join(name.ljust(widths[i]) for i, name in enumerate(header)) + " |"
    )
    print(line)
    print("|" + "|".join("-" * (width + 2) for width in widths) + "|")
    for row in rows:
        print(
            "| "
            + " | ".join(
                cell.ljust(widths[i]) if i < 2 else cell.rjust(widths[i])
                for i, cell in enumerate(row)
            )
            + " |"
        )


def _stop_on_sigterm(*_args):
    raise SystemExit(143)


def shared_cache(say):
    """Production shares its cache between workers through Redis (README,
    Deploying): the benchmark does too when a Redis answers at BENCH_REDIS_URL,
    emptied first so every run starts cold. Without one, each worker caches for
    itself, and every cached figure is computed once per worker."""
    url = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/13")
    try:
        import redis

        client = redis.Redis.from_url(url, socket_connect_timeout=2)
        client.flushdb()
    except Exception as exc:
        say(f"No Redis at {url} ({exc}): each worker caches for itself.")
        return {}
    say(f"Shared cache: Redis at {url} (emptied).")
    return {"REDIS_URL": url}


def run(args):
    say = lambda text: print(text, flush=True)  # noqa: E731
    load_avg = os.getloadavg()[0]
    if not load.wrk_available():
        say("wrk is not installed: `make bench` installs it (apt-get install wrk).")
        return 2
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    only = {name for name in args.only.split(",") if name}
    servers = []
    with BenchServer() as database:
        dataset = prepare(database, args.rows, say=say)
        name = database_name(args.rows)
        url = database.url(name)
        with database.connect(name) as conn:
            endpoints = [
                e for e in choose_endpoints(conn) if not only or e.name in only
            ]
            rows = conn.execute(
                "SELECT count(*) FROM threats_threatentry "
                "WHERE publication_status = 'published'"
            ).fetchone()[0]
        env = django_env(
            url, DJANGO_SETTINGS_MODULE=settings_module(), **shared_cache(say)
        )
        os.environ.update(env)
        say("SQL queries per request (Django test client):")
        wsgi = count_queries(endpoints, say)
        module, _dot, attribute = wsgi.rpartition(".")
        db_pid = database.postmaster_pid
        db_tree = load.ProcessTree(db_pid) if db_pid else None
        try:
            say(
                f"Starting gunicorn ({WORKERS} sync workers): the application and the floor..."
            )
            app = Gunicorn("application", f"{module}:{attribute}", env)
            servers.append(app)
            # No project configuration for the floor: its hooks may be Django's.
            floor = Gunicorn("floor", "bench.floor:app", env, config="/dev/null")
            servers.append(floor)
            app.wait_ready("/api/v1/threats/?page_size=1")
            floor.wait_ready("/api/v1/threats/?page_size=1")
            say(
                f"  application on {HOST}:{app.port}, floor on {HOST}:{floor.port}"
                f" (logs: {app.log_path}, {floor.log_path})"
            )
            say("Checking that the floor answers like the application...")
            problems = check_parity(endpoints, app, floor, say)
            if problems:
                say("The floor does not answer like the application:")
                for problem in problems:
                    say(f"  {problem}")
                return 1
            rss_start = app.tree.worker_rss()
            # wrk's 16 connections queue at 4 workers: a request waits about
            # four times its own duration, and each connection should complete
            # a few in a run. Slower endpoints are timed one request at a time.
            slow = min(SLOW_SECONDS, args.seconds / (3 * load.CONNECTIONS / WORKERS))
            say("Warming up and choosing how to measure...")
            for endpoint in endpoints:
                warm_up(endpoint, app, floor, slow, say)
            for number in range(args.rounds):
                say(
                    f"Round {number + 1} of {args.rounds} ({args.seconds} s per run)..."
                )
                for endpoint in endpoints:
                    order = [("app", app)] + (
                        [("floor", floor)] if endpoint.floor else []
                    )
                    if number % 2:
                        order.reverse()
                    for label, server in order:
                        report = measure(
                            endpoint,
                            server,
                            db_tree,
                            args.seconds,
                            endpoint.mode,
                        )
                        endpoint.runs[label].append(report)
                        say(
                            f"  {endpoint.name:24} {label:5} {report['rps']:9.1f} req/s  "
                            f"p99 {report['p99_us'] / 1000:8.1f} ms  "
                            f"{report['cpu_ms']:7.1f} ms CPU/req"
                            + (
                                f"  {report['failures']} FAILED"
                                if report["failures"]
                                else ""
                            )
                            + (
                                "  (few requests completed: rough)"
                                if endpoint.mode == "wrk"
                                and report["requests"] < load.CONNECTIONS
                                else ""
                            )
                        )
            memory = {}
            csv_endpoint = next((e for e in endpoints if e.name == "page_csv"), None)
            rss_end = app.tree.worker_rss()
            if csv_endpoint:
                # The measured application caps an export at EXPORT_MAX_ROWS
                # (10,000 by default), what a visitor gets. Whether an export
                # streams is seen on a whole one: a third server, the same
                # application with the cap above the data set, exports every
                # published entry while its workers' memory is read.
                say(
                    f"Worker memory during a full page_csv export ({rows:,} "
                    "published entries, the export cap raised for it)..."
                )
                floor.stop()
                whole = Gunicorn(
                    "application-full-export",
                    f"{module}:{attribute}",
                    {**env, "DJANGO_EXPORT_MAX_ROWS": str(rows + 1)},
                )
                servers.append(whole)
                whole.wait_ready("/api/v1/threats/?page_size=1")
                memory["page_csv"] = csv_memory(csv_endpoint, whole, say)
            memory["worker_rss_start_mb"] = sorted(
                round(v / 2**20) for v in rss_start.values()
            )
            memory["worker_rss_end_mb"] = sorted(
                round(v / 2**20) for v in rss_end.values()
            )
        finally:
            for server in servers:
                server.stop()
            say("Servers stopped.")
    results = {
        endpoint.name: {
            "app": summarise(endpoint.runs["app"]),
            "floor": summarise(endpoint.runs["floor"]),
        }
        for endpoint in endpoints
    }
    say("")
    say(
        f"{rows:,} published threat entries; data set generated in "
        f"{dataset['timings']['total']} s ({dataset['timings']}); load average "
        f"{load_avg:.2f} before the run; {args.rounds} round(s) of {args.seconds} s."
    )
    print_table(endpoints, results)
    failures = sum(
        (result["app"] or {}).get("failures", 0)
        + (result["floor"] or {}).get("failures", 0)
        for result in results.values()
    )
    if failures:
        say(
            f"WARNING: {failures} requests failed (non-2xx, timeouts or socket errors)."
        )
    summary = {"rows": rows, "load_avg": round(load_avg, 2), "endpoints": {}}
    for endpoint in endpoints:
        app, floor = results[endpoint.name]["app"], results[endpoint.name]["floor"]
        summary["endpoints"][endpoint.name] = {
            "app_rps": round(app["rps"], 2),
            "floor_rps": round(floor["rps"], 2) if floor else None,
            "ratio": round(app["rps"] / floor["rps"], 3)
            if floor and floor["rps"]
            else None,
            "p50_ms": round(app["p50_ms"], 1),
            "p99_ms": round(app["p99_ms"], 1),
            "queries": endpoint.queries,
            "app_cpu_ms": round(app["cpu_ms"], 2),
            "db_cpu_ms": rounded(app["db_cpu_ms"]),
            "floor_cpu_ms": rounded(floor and floor["cpu_ms"]),
            "floor_db_cpu_ms": rounded(floor and floor["db_cpu_ms"]),
            "mode": endpoint.mode,
        }
    summary["memory"] = memory
    print(json.dumps(summary))
    return 0
