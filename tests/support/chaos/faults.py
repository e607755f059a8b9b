"""Faults and how long the system took to come back from each: SIGKILLs, broker cuts and server restarts."""
from __future__ import annotations

import os
import signal
import subprocess
import time
from dataclasses import dataclass

import pika
import requests

from shared import config, topology
from tests.support.system import System

BACK_WITHIN_S = 60.0  # the goal: every process back within a minute of its fault
GIVE_UP_S = 180.0
CUT_S = 5.0  # how long the network to the broker stays cut
PG_VERSION = os.environ.get("KAWAL_CHAOS_PG_VERSION", "15")


@dataclass
class Outcome:
    fault: str  # "kill routes_api", "cut broker", ...
    at_s: float  # seconds into the run
    outage_s: float  # how long the fault itself lasted (0 for a kill)
    back_s: float | None  # from the end of the fault to everything answering again; None: not back in GIVE_UP_S


class Injector:
    def __init__(self, system: System, proxy, started: float):
        self.system, self.proxy, self.started = system, proxy, started

    def run(self, fault: str) -> Outcome:
        kind, _, target = fault.partition(" ")
        at = time.monotonic() - self.started
        if kind == "kill":
            outage = self._kill(target)
        elif kind == "cut":
            outage = self._cut()
        elif kind == "rabbitmq":
            outage = self._rabbitmq(target)
        elif kind == "postgresql":
            outage = self._postgresql()
        else:
            raise ValueError(fault)
        began = time.monotonic()
        back = self._back(lambda: self._everything_back(target if kind == "kill" else None))
        return Outcome(fault, at, outage, None if back is None else time.monotonic() - began)

    def _kill(self, process: str) -> float:
        pid = self.system.processes()[process]["pid"]
        self._previous_pid = pid
        os.kill(pid, signal.SIGKILL)
        return 0.0

    def _cut(self) -> float:
        began = time.monotonic()
        self.proxy.cut()
        time.sleep(CUT_S)  # the fault's own length, not a wait for a condition
        self.proxy.restore()
        return time.monotonic() - began

    def _rabbitmq(self, how: str) -> float:
        began = time.monotonic()
        if how == "gentle":  # the node stays, the application stops: every connection is closed
            _run("rabbitmqctl", "stop_app")
            _run("rabbitmqctl", "start_app")
        else:  # the whole Erlang node goes and comes back from disk
            _run("rabbitmqctl", "shutdown")
            _run("rabbitmq-server", "-detached")
            # -detached returns before the node answers, and await_startup fails (69) until it does: poll the port
            self._back(lambda: _amqp_answers(self.system.amqp_url))
        return time.monotonic() - began

    def _postgresql(self) -> float:
        began = time.monotonic()
        _run("pg_ctlcluster", "--skip-systemctl-redirect", PG_VERSION, "main", "restart")
        return time.monotonic() - began

    def _back(self, check) -> float | None:
        deadline = time.monotonic() + GIVE_UP_S
        while time.monotonic() < deadline:
            if check():
                return 0.0
            time.sleep(0.2)
        return None

    def _everything_back(self, killed: str | None) -> bool:
        """The killed process has a new pid and answers; for broker and database faults, every process does."""
        processes = self.system.processes()
        if killed is not None:
            if processes[killed]["pid"] in (None, self._previous_pid):
                return False
            return self._answers(killed)
        return all(self._answers(name) for name in processes) and self._consumers_back()

    def _answers(self, process: str) -> bool:
        pid = self.system.processes()[process]["pid"]
        if pid is None:
            return False
        if process.endswith("_api"):
            return _http_ok(f"{self.system.urls[process[:-4]]}/readyz")
        if process in self.system.urls:  # the portal
            return _http_ok(f"{self.system.urls[process]}/healthz")
        if process in self.system.metrics_ports:  # events processes and the worker serve /metrics once running
            ok = _http_ok(self.system.metrics_url(process))
            if process.endswith("_events"):
                return ok and self._consumers_back([process[:-7]])
            return ok
        return _alive(pid)  # beat: nothing to ask but the process itself

    def _consumers_back(self, services=None) -> bool:
        """Every service queue (and the Celery queue) has its consumer again."""
        queues = [topology.service_queue(s) for s in services or config.SERVICES]
        if services is None:
            queues.append("routes.compliance")
        try:
            connection = pika.BlockingConnection(pika.URLParameters(self.system.amqp_url))
        except pika.exceptions.AMQPError:
            return False
        try:
            channel = connection.channel()
            return all(channel.queue_declare(q, passive=True).method.consumer_count >= 1 for q in queues)
        except pika.exceptions.AMQPError:
            return False
        finally:
            if connection.is_open:
                connection.close()


def _amqp_answers(url: str) -> bool:
    try:
        pika.BlockingConnection(pika.URLParameters(url)).close()
        return True
    except pika.exceptions.AMQPError:
        return False


def _http_ok(url: str) -> bool:
    try:
        return requests.get(url, timeout=2).status_code == 200
    except requests.RequestException:
        return False


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
        return True
    except ProcessLookupError:
        return False


def _run(*argv: str) -> None:
    subprocess.run(list(argv), check=True, capture_output=True, timeout=300)
