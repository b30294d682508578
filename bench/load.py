"""Load and what it costs: wrk runs, timed sequential requests, process CPU and
memory from /proc.

- ``wrk_run``: wrk with 2 threads and 16 connections over loopback for a number
  of seconds (bench/wrk.lua cycles through the paths and reports requests,
  errors and latency percentiles as JSON).
- ``sequential_run``: for endpoints whose single request takes more than a
  second (wrk's 16 connections would only measure queueing there), requests one
  after the other, timing each.
- ``ProcessTree``: CPU seconds of a process and of its children, living and
  exited (a parent's cutime/cstime holds the CPU of the children it reaped: the
  database backends that served one request each), and the resident memory of
  its children (the gunicorn workers).
"""

import http.client
import json
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

WRK_SCRIPT = Path(__file__).with_name("wrk.lua")
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
THREADS, CONNECTIONS = 2, 16


def wrk_available():
    return shutil.which("wrk") is not None


def _stat(pid):
    """(parent pid, user+system ticks, children's user+system ticks)."""
    with open(f"/proc/{pid}/stat") as file:
        text = file.read()
    # The command name (field 2) may hold spaces: split after its ')'.
    fields = text[text.rindex(")") + 2 :].split()
    return (
        int(fields[1]),
        int(fields[11]) + int(fields[12]),
        int(fields[13]) + int(fields[14]),
    )


def _all_stats():
    found = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                found[int(entry)] = _stat(int(entry))
            except (OSError, ValueError, IndexError):
                continue
    return found


class ProcessTree:
    """A process we started (gunicorn's master, the embedded PostgreSQL's
    postmaster) and its children."""

    def __init__(self, pid):
        self.pid = pid

    def children(self):
        return [
            pid for pid, (parent, *_rest) in _all_stats().items() if parent == self.pid
        ]

    def cpu_seconds(self):
        """CPU used by the process and its children so far (monotonic)."""
        stats = _all_stats()
        _parent, own, reaped = stats.get(self.pid, (0, 0, 0))
        living = sum(
            ticks for parent, ticks, _children in stats.values() if parent == self.pid
        )
        return (own + reaped + living) / CLOCK_TICKS

    def worker_rss(self):
        """{child pid: resident memory in bytes}."""
        found = {}
        for pid in self.children():
            try:
                with open(f"/proc/{pid}/status") as file:
                    for line in file:
                        if line.startswith("VmRSS:"):
                            found[pid] = int(line.split()[1]) * 1024
                            break
            except OSError:
                continue
        return found


def wrk_run(base_url, paths, seconds, host=None, connections=CONNECTIONS, headers=None):
    """Drive ``base_url`` with wrk over ``paths`` (``headers``: extra request
    headers, a dict); returns wrk's report plus ``rps``."""
    with tempfile.NamedTemporaryFile("w", suffix=".paths", delete=False) as file:
        file.write("\n".join(paths) + "\n")
        paths_file = file.name
    env = dict(
        os.environ,
        BENCH_PATHS=paths_file,
        BENCH_HOST=host or "",
        BENCH_HEADERS="\n".join(f"{k}: {v}" for k, v in (headers or {}).items()),
    )
    try:
        result = subprocess.run(
            [
                "wrk",
                f"-t{min(THREADS, connections)}",
                f"-c{connections}",
                f"-d{seconds}s",
                "--timeout",
                "60s",
                "-s",
                str(WRK_SCRIPT),
                base_url + paths[0],
            ],
            env=env,
            capture_output=True,
            text=True,
            check=True,
            timeout=seconds + 120,
        )
    finally:
        os.unlink(paths_file)
    line = [text for text in result.stdout.splitlines() if text.startswith("{")][-1]
    report = json.loads(line)
    report["rps"] = report["requests"] / (report["duration_us"] / 1e6)
    report["failures"] = sum(report["errors"].values())
    return report


def fetch(port, path, host="127.0.0.1", timeout=600):
    """(status, body, seconds) of one GET over loopback."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    started = time.perf_counter()
    try:
        connection.request("GET", path, headers={"Host": host})
        response = connection.getresponse()
        body = response.read()
    finally:
        connection.close()
    return response.status, body, time.perf_counter() - started


def percentile(values, share):
    ordered = sorted(values)
    if not ordered:
        return None
    index = min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))
    return ordered[index]


def sequential_run(port, paths, seconds, minimum=2):
    """Requests one after the other for ``seconds`` (at least ``minimum``)."""
    timings, failures, started, index = [], 0, time.perf_counter(), 0
    while len(timings) < minimum or time.perf_counter() - started < seconds:
        # The Host header wrk sends, so both modes meet the same cached pages.
        status, _body, elapsed = fetch(
            port, paths[index % len(paths)], host=f"127.0.0.1:{port}"
        )
        index += 1
        timings.append(elapsed)
        failures += status >= 400
    total = time.perf_counter() - started
    return {
        "requests": len(timings),
        "rps": len(timings) / total,
        "p50_us": percentile(timings, 0.50) * 1e6,
        "p99_us": percentile(timings, 0.99) * 1e6,
        "failures": failures,
    }
