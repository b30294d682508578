"""The embedded-database runner survives processes that were killed outright."""

import json
import os
import subprocess
import sys

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
