"""The Procfile supervisor: a process that dies is restarted on its own; the others keep running; stop ends all."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from kawal.supervisor import read_procfile, read_state
from tests.support.broker import wait_until

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def start(tmp_path, procfile: str) -> tuple[subprocess.Popen, str]:
    (tmp_path / "Procfile").write_text(procfile)
    state = str(tmp_path / "state.json")
    process = subprocess.Popen([sys.executable, "-c", "from kawal.cli import main; main()", "supervise", "-f",
                                "Procfile", "--state", state], cwd=tmp_path, env={**os.environ, "PYTHONPATH": ROOT},
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    return process, state


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return not open(f"/proc/{pid}/stat").read().split(")")[1].split()[0] == "Z"


def processes(state: str) -> dict:
    try:
        return read_state(state)["processes"]
    except (FileNotFoundError, ValueError):
        return {}


def test_the_procfile_is_read_in_order_without_comments(tmp_path):
    (tmp_path / "Procfile").write_text("# the city\na: sleep 1\n\nb: env X=1:2 sleep 2\n")
    assert read_procfile(tmp_path / "Procfile") == {"a": "sleep 1", "b": "env X=1:2 sleep 2"}


def test_a_killed_process_is_restarted_and_the_others_keep_running(tmp_path):
    process, state = start(tmp_path, "one: sleep 300\ntwo: sleep 300\n")
    try:
        wait_until(lambda: all(p.get("pid") for p in processes(state).values()) and len(processes(state)) == 2,
                   timeout=20)
        before = processes(state)
        os.kill(before["one"]["pid"], signal.SIGKILL)
        wait_until(lambda: processes(state)["one"]["starts"] == 2 and processes(state)["one"]["pid"], timeout=20)
        after = processes(state)
        assert after["one"]["last_exit"] == -signal.SIGKILL
        assert after["one"]["pid"] != before["one"]["pid"] and alive(after["one"]["pid"])
        assert after["two"]["starts"] == 1 and after["two"]["pid"] == before["two"]["pid"]
        assert alive(before["two"]["pid"])
        assert process.poll() is None
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
    assert not alive(after["one"]["pid"]) and not alive(after["two"]["pid"])


def test_what_a_dead_process_left_in_its_group_is_killed_before_the_restart(tmp_path):
    # the shell forks a grandchild (as gunicorn forks workers) and is then killed: the grandchild must not outlive it
    process, state = start(tmp_path, "parent: sh -c 'sleep 300 & echo $! > grandchild.pid; wait'\n")
    marker = tmp_path / "grandchild.pid"
    try:
        wait_until(lambda: marker.exists() and marker.read_text().strip() and processes(state).get("parent", {}).get("pid"),
                   timeout=20)
        grandchild = int(marker.read_text())
        os.kill(processes(state)["parent"]["pid"], signal.SIGKILL)
        wait_until(lambda: not alive(grandchild), timeout=20)
        wait_until(lambda: processes(state)["parent"]["starts"] == 2, timeout=20)
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)


def test_killing_the_supervisor_itself_takes_its_processes_with_it(tmp_path):
    process, state = start(tmp_path, "one: sleep 300\n")
    wait_until(lambda: processes(state).get("one", {}).get("pid"), timeout=20)
    pid = processes(state)["one"]["pid"]
    process.kill()
    process.wait()
    wait_until(lambda: not alive(pid), timeout=10)
