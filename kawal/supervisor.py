"""A small process supervisor for the Procfile: each process on its own, restarted when it dies (as systemd would).

honcho stops every process when one exits, so one crashed worker took the whole city down. Here each Procfile
line runs in its own process group; when its main process exits, whatever it left behind in that group is killed
(systemd's KillMode=control-group) and it is started again after a back-off (1 s, doubling to 10 s while it keeps
dying within 10 s of starting). SIGTERM or SIGINT stops them all. The state (pid, starts, last exit) of every
process is written to a JSON file after each change, for operators and for the chaos harness.
"""

from __future__ import annotations

import ctypes
import json
import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from honcho.environ import parse_procfile

FIRST_BACKOFF_SECONDS, MAX_BACKOFF_SECONDS, STABLE_SECONDS = 1.0, 10.0, 10.0
STOP_TIMEOUT_SECONDS = 20.0


def read_procfile(path: str | Path) -> dict[str, str]:
    """name -> command, in file order, as honcho reads a Procfile (its parser; only its all-or-nothing runner
    is replaced here)."""
    return dict(parse_procfile(Path(path).read_text()).processes)


def _die_with_parent() -> None:
    """In the child, before exec: its own process group, and SIGTERM if the supervisor itself is killed."""
    os.setpgid(0, 0)
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except OSError:  # not Linux: the group still gets cleaned up on a normal stop
        pass


@dataclass
class Child:
    name: str
    command: str
    pid: int | None = None
    starts: int = 0
    started_at: float | None = None  # unix time of the last start
    last_exit: int | None = None
    last_exit_at: float | None = None
    process: subprocess.Popen | None = field(default=None, repr=False)

    def state(self) -> dict:
        return {
            "command": self.command,
            "pid": self.pid,
            "starts": self.starts,
            "started_at": self.started_at,
            "last_exit": self.last_exit,
            "last_exit_at": self.last_exit_at,
        }


class Supervisor:
    def __init__(
        self,
        entries: dict[str, str],
        state_path: str | Path,
        cwd: str | None = None,
        env: dict[str, str] | None = None,
        out=None,
    ):
        self.children = [Child(name, command) for name, command in entries.items()]
        self.state_path, self.cwd, self.env = Path(state_path), cwd, env
        self.out = out or sys.stdout
        self.stopping = threading.Event()
        self.lock = threading.Lock()
        self.state_lock = threading.Lock()  # every child's watcher writes the state file: one writer at a time
        self.width = max((len(c.name) for c in self.children), default=4)

    def say(self, name: str, line: str) -> None:
        with self.lock:
            self.out.write(f"{time.strftime('%H:%M:%S')} {name:<{self.width}} | {line}\n")
            self.out.flush()

    def start(self, child: Child) -> None:
        child.process = subprocess.Popen(
            ["/bin/sh", "-c", f"exec {child.command}"],
            cwd=self.cwd,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            preexec_fn=_die_with_parent,
        )
        child.pid, child.starts, child.started_at = child.process.pid, child.starts + 1, time.time()
        threading.Thread(target=self._pipe, args=(child, child.process), daemon=True).start()
        self.say("system", f"{child.name} started (pid {child.pid}, start {child.starts})")
        self.write_state()

    def _pipe(self, child: Child, process: subprocess.Popen) -> None:
        for raw in process.stdout:
            self.say(child.name, raw.decode(errors="replace").rstrip())

    def watch(self, child: Child) -> None:
        """Start, wait, clean the group up, back off, start again, until stopping."""
        backoff = FIRST_BACKOFF_SECONDS
        while not self.stopping.is_set():
            self.start(child)
            code = child.process.wait()
            _kill_group(child.pid, signal.SIGKILL)  # what the dead main process left behind (gunicorn workers)
            ran = time.time() - child.started_at
            child.last_exit, child.last_exit_at, child.pid = code, time.time(), None
            self.write_state()
            if self.stopping.is_set():
                break
            backoff = FIRST_BACKOFF_SECONDS if ran >= STABLE_SECONDS else min(backoff * 2, MAX_BACKOFF_SECONDS)
            delay = FIRST_BACKOFF_SECONDS if ran >= STABLE_SECONDS else backoff
            self.say("system", f"{child.name} exited with {code} after {ran:.1f} s; restarting in {delay:.0f} s")
            self.stopping.wait(delay)

    def write_state(self) -> None:
        """Best effort: the state file is for operators; failing to write it must never stop a watcher (a watcher
        that dies leaves its process unreaped, its output unread and never restarted)."""
        with self.state_lock:
            try:
                tmp = self.state_path.with_suffix(".tmp")
                tmp.write_text(
                    json.dumps(
                        {"supervisor_pid": os.getpid(), "processes": {c.name: c.state() for c in self.children}},
                        indent=1,
                    )
                )
                tmp.replace(self.state_path)
            except OSError as error:
                self.say("system", f"state file not written: {error}")

    def stop(self) -> None:
        """SIGTERM every group, SIGKILL what is left after the timeout."""
        self.stopping.set()
        for child in self.children:
            if child.pid:
                _kill_group(child.pid, signal.SIGTERM)
        deadline = time.monotonic() + STOP_TIMEOUT_SECONDS
        for child in self.children:
            if child.process is not None:
                try:
                    child.process.wait(timeout=max(0.1, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    _kill_group(child.process.pid, signal.SIGKILL)

    def run(self) -> None:
        self.state_path.parent.mkdir(parents=True, exist_ok=True)
        stop_requested = threading.Event()
        for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            signal.signal(signum, lambda *_: stop_requested.set())
        watchers = [threading.Thread(target=self.watch, args=(c,), daemon=True) for c in self.children]
        for watcher in watchers:
            watcher.start()
        while not stop_requested.wait(1):
            pass
        self.say("system", "stopping every process")
        self.stop()
        for watcher in watchers:
            watcher.join(timeout=5)


def _kill_group(pid: int | None, signum: int) -> None:
    if pid:
        try:
            os.killpg(pid, signum)
        except (ProcessLookupError, PermissionError):
            pass


def read_state(path: str | Path) -> dict:
    return json.loads(Path(path).read_text())
