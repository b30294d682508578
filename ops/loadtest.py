"""`make load`: locust, headless and bounded, against the production server.

    python -m ops.loadtest [--users 20] [--rate 5] [--duration 60s]
                           [--p95-ms 300] [--max-error-rate 0] [--url URL]

Without --url it starts the production configuration itself on a free loopback
port (DEBUG off, gunicorn per gunicorn.conf.py, migrated and seeded database,
collected static files), runs locust against it, and stops it. The load comes
from one address, 127.0.0.1, which the server is told not to rate-limit
(DJANGO_RATE_LIMIT_EXEMPT): otherwise the test would measure 429 answers. With
--url (loopback only) it loads a server that is already running, e.g. `make prod`
started with DJANGO_RATE_LIMIT_EXEMPT=127.0.0.1.

Exit status: locust's verdict, 1 when p95 or the error rate passes its threshold.
"""

import argparse
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
GUNICORN = str(Path(PYTHON).with_name("gunicorn"))


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until_ready(url, process, timeout=90):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"The server exited with status {process.returncode}.")
        try:
            with urllib.request.urlopen(f"{url}/readyz", timeout=2) as response:  # noqa: S310 - loopback
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.5)
    raise SystemExit(f"The server did not become ready within {timeout} s.")


def manage(*arguments, env):
    subprocess.run([PYTHON, "manage.py", *arguments], cwd=BASE_DIR, env=env, check=True)  # noqa: S603


def start_server(log_path):
    port = free_port()
    env = dict(os.environ)
    env.update(
        {
            "DJANGO_DEBUG": "0",
            "DJANGO_RATE_LIMIT_EXEMPT": "127.0.0.1",
            "HOST": "127.0.0.1",
            "PORT": str(port),
        }
    )
    print(
        "Preparing the production server (migrate, seed, collectstatic)...", flush=True
    )
    manage("migrate", "--noinput", "-v0", env=env)
    manage(
        "import_records", "fixtures/", "--status", "published", "--if-empty", env=env
    )
    manage("collectstatic", "--noinput", "-v0", env=env)
    log = open(log_path, "w")  # noqa: SIM115 - closed by the caller's process end
    process = subprocess.Popen(  # noqa: S603
        [GUNICORN, "-c", "gunicorn.conf.py", "config.wsgi"],
        cwd=BASE_DIR,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    wait_until_ready(url, process)
    print(f"gunicorn serves {url} (its log: {log_path})", flush=True)
    return url, process


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument(
        "--rate", type=float, default=5, help="users started per second"
    )
    parser.add_argument("--duration", default="60s", help="e.g. 60s, 2m")
    parser.add_argument("--p95-ms", type=float, default=300)
    parser.add_argument("--max-error-rate", type=float, default=0.0)
    parser.add_argument("--url", help="a running server on this machine")
    options = parser.parse_args(argv)

    workdir = Path(tempfile.mkdtemp(prefix="atlas-load-"))
    server = None
    if options.url:
        url = options.url.rstrip("/")
    else:
        url, server = start_server(workdir / "gunicorn.log")
    try:
        print(
            f"Load average before: {' '.join(f'{n:.2f}' for n in os.getloadavg())} "
            f"({os.cpu_count()} cores; other work on this machine counts too)",
            flush=True,
        )
        print(
            f"locust: {options.users} users, {options.rate}/s started, "
            f"{options.duration}, against {url}",
            flush=True,
        )
        result = subprocess.run(  # noqa: S603
            [
                PYTHON,
                "-m",
                "locust",
                "-f",
                str(BASE_DIR / "ops" / "locustfile.py"),
                "--headless",
                "--only-summary",
                "--users",
                str(options.users),
                "--spawn-rate",
                str(options.rate),
                "--run-time",
                options.duration,
                "--stop-timeout",
                "5",
                "--host",
                url,
                "--csv",
                str(workdir / "locust"),
                "--p95-ms",
                str(options.p95_ms),
                "--max-error-rate",
                str(options.max_error_rate),
            ],
            cwd=BASE_DIR,
            check=False,
        )
        print(
            f"Load average after: {' '.join(f'{n:.2f}' for n in os.getloadavg())}; "
            f"CSV statistics in {workdir}",
            flush=True,
        )
        return result.returncode
    finally:
        if server is not None:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
