"""The embedded-database runner survives processes that were killed outright."""

import json
import os
import shutil
import subprocess
import sys

from config import dbserver
from config.dbserver import repair_handle_list


def dead_pid():
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def test_an_empty_list_left_by_a_killed_process_is_repaired(tmp_path):
    (tmp_path / ".handle_pids.json").write_text("")
    assert repair_handle_list(tmp_path) == []
    assert json.loads((tmp_path / ".handle_pids.json").read_text()) == []


def test_dead_processes_are_dropped_and_live_ones_kept(tmp_path):
    listed = [os.getpid(), dead_pid()]
    (tmp_path / ".handle_pids.json").write_text(json.dumps(listed))
    assert repair_handle_list(tmp_path) == [os.getpid()]
    assert json.loads((tmp_path / ".handle_pids.json").read_text()) == [os.getpid()]


def test_garbage_is_replaced(tmp_path):
    (tmp_path / ".handle_pids.json").write_text('{"not": "a list"}')
    assert repair_handle_list(tmp_path) == []


def test_no_list_yet_is_fine(tmp_path):
    assert repair_handle_list(tmp_path) == []
    assert not (tmp_path / ".handle_pids.json").exists()


def _free_port():
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _answers(port):
    import urllib.request

    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2):
            return True
    except OSError:
        return False


def test_sigterm_to_make_run_stops_the_server_and_the_embedded_database(tmp_path):
    """`make run` with the embedded PostgreSQL (a new one, under tmp_path): a
    SIGTERM to make alone (as a process manager sends it) leaves neither the
    web server nor the database running."""
    import signal
    import time
    from pathlib import Path

    base = Path(__file__).resolve().parent.parent
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["ATLAS_DATA_DIR"] = str(tmp_path)
    seed_files = tmp_path / "fixtures"
    seed_files.mkdir()
    shutil.copy(base / "fixtures" / "countries.yaml", seed_files)
    log = (tmp_path / "run.log").open("w")
    make = subprocess.Popen(  # noqa: S603
        [
            shutil.which("make"),
            "-o",
            ".venv/.installed",
            "-o",
            ".env",
            "run",
            f"PORT={port}",
            # What it seeds does not matter here: one small file, not the whole
            # seed data (the fresh-clone check runs make run with all of it).
            f"FIXTURES={seed_files}",
        ],
        cwd=base,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        start_new_session=True,  # only this test's processes, cleaned up below
    )
    try:
        deadline = time.monotonic() + 300
        while not _answers(port):
            assert make.poll() is None, (tmp_path / "run.log").read_text()
            assert time.monotonic() < deadline, "make run did not start serving"
            time.sleep(1)
        postmaster = int((tmp_path / "pg" / "postmaster.pid").read_text().split()[0])
        assert dbserver.process_alive(postmaster)

        make.send_signal(signal.SIGTERM)  # make alone, not its process group
        make.wait(timeout=60)

        deadline = time.monotonic() + 20
        while dbserver.process_alive(postmaster) and time.monotonic() < deadline:
            time.sleep(0.5)
        printed = (tmp_path / "run.log").read_text()
        assert not dbserver.process_alive(postmaster), printed
        assert "Stopping the embedded PostgreSQL database" in printed
        assert not _answers(port)
    finally:
        if make.poll() is None:
            os.killpg(make.pid, signal.SIGKILL)
        log.close()
