"""``python -m bench profile``: where one endpoint's application CPU goes.

Runs ``--requests`` requests to each path through the WSGI application in this
process, configured as the benchmark configures gunicorn's workers (production
settings, DEBUG off, the raised rates of bench/prepare.py django_env, the
shared cache on Redis at ``BENCH_REDIS_URL`` when one answers), on the
benchmark's data set (``atlas_bench_<ROWS>``, or its ``BENCH_COPY``). It prints
CPU milliseconds per request (this process only: the database's time is not in
it) and, with ``--top``, cProfile's list of the functions that took most.

On a shared machine CPU time per request is a steadier figure than requests a
second: it leaves out the time spent waiting for the database and for other
processes.
"""

import cProfile
import io
import os
import pstats
import sys
import time
import urllib.parse
import warnings

from bench.database import BenchServer, database_name
from bench.prepare import django_env
from bench.run import HOST, settings_module

DEFAULT_PATHS = {
    "api_threats_list": "/api/v1/threats/?page_size=50",
    "api_threats_cursor_deep": "/api/v1/threats/?pagination=cursor&page_size=50",
    "api_csv": "/api/v1/threats/?format=csv&page_size=200",
}


def environ_for(path):
    """A WSGI environ as gunicorn builds it for a plain GET from loopback."""
    parts = urllib.parse.urlsplit(path)
    return {
        "REQUEST_METHOD": "GET",
        "SCRIPT_NAME": "",
        "PATH_INFO": urllib.parse.unquote(parts.path),
        "QUERY_STRING": parts.query,
        "SERVER_NAME": HOST,
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": HOST,
        "HTTP_HOST": HOST,
        "HTTP_ACCEPT": "*/*",
        "HTTP_USER_AGENT": "bench-profile",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }


def request(application, path):
    status = []

    def start_response(line, headers, exc_info=None):
        status.append(line)

    body = application(environ_for(path), start_response)
    try:
        size = sum(len(chunk) for chunk in body)
    finally:
        if hasattr(body, "close"):
            body.close()
    return status[0], size


def deep_cursor(url):
    """The benchmark's api_threats_cursor_deep path (bench/run.py)."""
    import psycopg

    from bench.run import choose_endpoints

    with psycopg.connect(url) as conn:
        for endpoint in choose_endpoints(conn):
            if endpoint.name == "api_threats_cursor_deep":
                return endpoint.paths[0]
    raise SystemExit("no api_threats_cursor_deep endpoint")


def run(args):
    warnings.filterwarnings("ignore", "No directory at", UserWarning)
    with BenchServer() as database:
        name = database_name(args.rows)
        if not database.dataset(name):
            raise SystemExit(
                f"{name} holds no data set: run `python -m bench run` first."
            )
        url = database.url(name)
        extra = {"DJANGO_SETTINGS_MODULE": settings_module()}
        redis_url = os.environ.get("BENCH_REDIS_URL")
        if redis_url:
            extra["REDIS_URL"] = redis_url
        os.environ.update(django_env(url, **extra))
        paths = args.paths or list(DEFAULT_PATHS.values())
        paths = [deep_cursor(url) if path == "cursor_deep" else path for path in paths]
        from django.core.wsgi import get_wsgi_application

        application = get_wsgi_application()
        for path in paths:
            for _ in range(args.warmup):
                status, size = request(application, path)
            # CPU time, not wall time: waits for the database are not Python work.
            profiler = cProfile.Profile(time.process_time) if args.top else None
            started = time.process_time()
            wall = time.monotonic()
            if profiler:
                profiler.enable()
            for _ in range(args.requests):
                request(application, path)
            if profiler:
                profiler.disable()
            cpu = (time.process_time() - started) * 1000 / args.requests
            wall = (time.monotonic() - wall) * 1000 / args.requests
            print(
                f"{path}\n  {status}, {size} bytes: {cpu:.2f} ms CPU/request "
                f"({wall:.2f} ms wall) over {args.requests}"
                + (" (under cProfile)" if profiler else ""),
                flush=True,
            )
            if profiler:
                stats = pstats.Stats(profiler, stream=sys.stdout)
                stats.sort_stats(args.sort).print_stats(args.top)
    return 0
