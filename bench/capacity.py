"""``make capacity``: what one web process serves with the shared cache cold and
warm, and how far a streaming replica falls behind under write load. The
figures behind docs/scaling.md.

1. Replica lag. A primary and its streaming replica (bench/pair.py): the
   primary is migrated, the replica copied from it with ``pg_basebackup -R``,
   then the seed data (fixtures/) is imported into the primary, the heaviest
   write the Atlas does (thousands of small writes with their history and
   data-version triggers), while ``pg_stat_replication`` is sampled every 50 ms:
   replay lag (time) and the distance in bytes of WAL.
2. Requests per second of one web process. The benchmark's data set at
   ``ROWS`` (bench/prepare.py, generated once, then reused) served by gunicorn
   with one sync worker (DEBUG off, Redis as the shared cache), driven by wrk
   (``CONNECTIONS`` connections, ``SECONDS`` each) on each endpoint, in turn:
   - ``cold``: the shared data cache off (every aggregate computed: the first
     reader after a change), plain GETs;
   - ``warm``: the shared cache filled, plain GETs (every other reader);
   - ``304``: GETs with the ETag of the last answer (a browser or HTTP cache
     revalidating), answered after the data-version lookup alone;
   - ``nginx``: through the scale profile's nginx (ops/nginx/atlas.conf) with
     its cache filled, when nginx and its cache-purge module are installed.
3. A table, then one JSON line with the figures.
"""

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
from pathlib import Path

import psycopg

from bench import load
from bench.database import BASE_DIR, BenchServer, database_name
from bench.nginx import Nginx, nginx_missing
from bench.pair import free_port, start_pair
from bench.prepare import django_env, manage, prepare

HOST = "127.0.0.1"
CONNECTIONS = 4
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
ENDPOINTS = {
    "home": "/",
    "page_threats_list": "/threats/",
    "page_exercises_list": "/exercises/",
    "api_threats_list": "/api/v1/threats/?page_size=50",
    "api_exercises_list": "/api/v1/exercises/",
    "map_data": "/map/data.json",
}


def say(text):
    print(text, flush=True)


def percentile(values, share):
    return load.percentile(values, share) if values else None


# -- 1. replica lag ------------------------------------------------------------


def replica_lag(folder):
    """Replay lag seen on the primary while the seed data is imported."""
    say("Replica lag: starting a primary and a streaming replica...")
    pair = start_pair(folder / "pair")
    try:
        manage(pair.primary_url, "migrate", "--noinput", "-v0", quiet=True)
        pair.make_replica()
        samples = []  # (seconds of replay lag, bytes behind)
        stop = threading.Event()

        def sample():
            with psycopg.connect(pair.primary_url, autocommit=True) as conn:
                while not stop.is_set():
                    row = conn.execute(
                        "SELECT COALESCE(EXTRACT(EPOCH FROM replay_lag), 0), "
                        "pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn) "
                        "FROM pg_stat_replication"
                    ).fetchone()
                    if row:
                        samples.append((float(row[0]), int(row[1])))
                    time.sleep(0.05)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        say("Importing fixtures/ into the primary while sampling the lag...")
        started = time.monotonic()
        manage(
            pair.primary_url,
            "import_records",
            "fixtures/",
            "--status",
            "published",
            quiet=True,
        )
        seconds = time.monotonic() - started
        with psycopg.connect(pair.primary_url) as conn:
            queries = conn.execute(
                "SELECT xact_commit FROM pg_stat_database WHERE datname = 'atlas'"
            ).fetchone()[0]
            wal = conn.execute("SELECT pg_current_wal_lsn()").fetchone()[0]
        caught_up = pair.wait_replayed()
        stop.set()
        sampler.join()
        lags = [lag for lag, _behind in samples]
        behind = [distance for _lag, distance in samples]
        return {
            "write_seconds": round(seconds, 1),
            "commits": queries,
            "wal_at_end": str(wal),
            "replayed_to": str(caught_up),
            "samples": len(samples),
            "lag_ms_p50": round(1000 * percentile(lags, 0.5), 1),
            "lag_ms_p95": round(1000 * percentile(lags, 0.95), 1),
            "lag_ms_max": round(1000 * max(lags), 1),
            "bytes_behind_p95": percentile(behind, 0.95),
            "bytes_behind_max": max(behind),
        }
    finally:
        pair.stop_all()


# -- 2. requests per second of one process ---------------------------------------


class OneWorker:
    """gunicorn with one sync worker serving ``url``'s database; its log goes
    to ``log_path``."""

    def __init__(self, url, env, log_path):
        self.port = free_port()
        self.log = open(log_path, "a")  # noqa: SIM115 - closed in stop()
        full_env = django_env(url)
        full_env.update(env)
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "config.wsgi",
                "--config",
                "gunicorn.conf.py",
                "--workers",
                "1",
                "--worker-class",
                "sync",
                "--bind",
                f"{HOST}:{self.port}",
                "--log-level",
                "warning",
                "--access-logfile",
                "/dev/null",
            ],
            cwd=BASE_DIR,
            env=full_env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"gunicorn exited ({self.process.returncode})")
            try:
                if load.fetch(self.port, "/healthz", timeout=5)[0] == 200:
                    return
            except OSError:
                time.sleep(0.3)
        self.stop()
        raise SystemExit("gunicorn did not start in 90 s")

    def stop(self):
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=30)
        self.log.close()


def etag_of(port, path):
    request = urllib.request.Request(f"http://{HOST}:{port}{path}")
    with urllib.request.urlopen(request, timeout=600) as response:  # noqa: S310
        response.read()
        return response.headers.get("ETag")


def drive(port, path, seconds, headers=None):
    report = load.wrk_run(
        f"http://{HOST}:{port}",
        [path],
        seconds,
        connections=CONNECTIONS,
        headers=headers,
    )
    if report["requests"] == 0:
        # Slower than the whole run: one request, timed on its own.
        status, _body, elapsed = load.fetch(port, path)
        return {
            "rps": round(1 / elapsed, 2),
            "p50_ms": round(elapsed * 1000),
            "p99_ms": round(elapsed * 1000),
            "failures": int(status >= 400),
            "single_request": True,
        }
    return {
        "rps": round(report["rps"], 1),
        "p50_ms": round(report["p50_us"] / 1000, 1),
        "p99_ms": round(report["p99_us"] / 1000, 1),
        "failures": report["failures"],
    }


def capacity(url, seconds, folder):
    results = {name: {} for name in ENDPOINTS}
    prefix = f"capacity-{uuid.uuid4().hex[:8]}"
    common = {
        "REDIS_URL": REDIS_URL,
        "ATLAS_CACHE_KEY_PREFIX": prefix,
        "DJANGO_DEBUG": "0",
        "DJANGO_MANIFEST_STATIC": "0",
        # The benchmark's own visitor: no rate limit in the way.
        "DJANGO_RATE_LIMIT_EXEMPT": "127.0.0.1",
        "DJANGO_API_ANON_RATE": "100000000/minute",
    }
    say("Cold: the shared data cache off...")
    log_path = folder / "gunicorn.log"
    server = OneWorker(url, {**common, "ATLAS_DATA_CACHE_TIMEOUT": "0"}, log_path)
    try:
        for name, path in ENDPOINTS.items():
            results[name]["cold"] = drive(server.port, path, seconds)
            say(f"  {name}: {results[name]['cold']}")
    finally:
        server.stop()
    say("Warm: the shared cache filled, then plain GETs; 304: with the ETag...")
    server = OneWorker(url, common, log_path)
    front = None
    try:
        for name, path in ENDPOINTS.items():
            etag = etag_of(server.port, path)
            results[name]["warm"] = drive(server.port, path, seconds)
            results[name]["304"] = (
                drive(server.port, path, seconds, headers={"If-None-Match": etag})
                if etag
                else None
            )
            say(f"  {name}: warm {results[name]['warm']}, 304 {results[name]['304']}")
        if nginx_missing() is None:
            say("Through nginx's cache (hits)...")
            front = Nginx(f"{HOST}:{server.port}", folder)
            for name, path in ENDPOINTS.items():
                for _ in range(2):
                    load.fetch(front.port, path)
                results[name]["nginx"] = drive(front.port, path, seconds)
                say(f"  {name}: {results[name]['nginx']}")
        else:
            say("nginx with the cache-purge module is not installed: no nginx figures.")
    finally:
        if front:
            front.stop()
        server.stop()
    return results


def print_table(results):
    modes = ["cold", "warm", "304", "nginx"]
    say("")
    say(f"{'endpoint':<22}" + "".join(f"{mode + ' req/s':>14}" for mode in modes))
    for name, by_mode in results.items():
        cells = []
        for mode in modes:
            figure = by_mode.get(mode)
            cells.append(f"{figure['rps']:>14}" if figure else f"{'-':>14}")
        say(f"{name:<22}" + "".join(cells))


def run(args):
    if not load.wrk_available():
        raise SystemExit("wrk is needed: make wrk")
    load_before = os.getloadavg()[0]
    folder = Path(tempfile.mkdtemp(prefix="atlas-capacity-", dir=BASE_DIR / ".data"))
    try:
        lag = replica_lag(folder)
        say(f"Replica lag during the import: {lag}")
        with BenchServer() as server:
            prepare(server, args.rows, say=say)
            results = capacity(
                server.url(database_name(args.rows)), args.seconds, folder
            )
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    print_table(results)
    print(
        json.dumps(
            {
                "rows": args.rows,
                "load_avg": round(load_before, 2),
                "connections": CONNECTIONS,
                "replica_lag": lag,
                "endpoints": results,
            }
        )
    )
    return 0
