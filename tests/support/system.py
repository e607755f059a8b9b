"""Every process of Kawal, as `make up` runs them (`kawal supervise` and the Procfile), on fresh databases, a vhost and
free ports.

Used by end-to-end tests (and the deploy engineer's scrape test): `with running_system(...) as system:` yields the
base URLs, metrics ports and the environment every process shares, and stops the whole process group at the end."""
from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Iterator

import requests

from shared import brokerusers, config
from tests.support import broker, databases

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
VENV_BIN = os.path.dirname(sys.executable)  # the environment running the tests has kawal, gunicorn and celery


@dataclass
class System:
    """A running Kawal: where to reach it, and the environment its processes share (clock, databases, broker)."""

    urls: dict[str, str]  # service (and the portal) -> http://127.0.0.1:port (api)
    metrics_ports: dict[str, int]  # process (apis included) -> its /metrics port
    env: dict[str, str]  # every KAWAL_* variable the processes were started with
    database_urls: dict[str, str]
    amqp_url: str
    vhost: str
    workdir: str  # the processes' working directory (.run/ lives here)
    log_path: str
    process: subprocess.Popen | None = field(default=None, repr=False)

    def metrics_url(self, process: str) -> str:
        # an API's /metrics is on its metrics port (`<service>_api`), never on its API port
        # (the portal is a process of its own name: `portal`, not `portal_api`)
        process = f"{process}_api" if f"{process}_api" in self.metrics_ports else process
        return f"http://127.0.0.1:{self.metrics_ports[process]}/metrics"

    @property
    def state_path(self) -> str:
        return os.path.join(self.workdir, ".run", "supervisor.json")

    def processes(self) -> dict[str, dict]:
        """The supervisor's view: Procfile name -> pid (None while down), starts, started_at, last_exit."""
        from kawal.supervisor import read_state

        return read_state(self.state_path)["processes"]

    def apply_env(self) -> dict[str, str | None]:
        """Export this system's environment into the current process (CLI code reads it); returns what to restore."""
        previous = {name: os.environ.get(name) for name in self.env}
        os.environ.update(self.env)
        return previous


def free_ports(count: int) -> list[int]:
    sockets = []
    for _ in range(count):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        sockets.append(s)
    ports = [s.getsockname()[1] for s in sockets]
    for s in sockets:
        s.close()
    return ports


def clock_env(start: datetime | None, speed: float, epoch: float | None = None) -> dict[str, str]:
    if start is None:
        return {"KAWAL_CLOCK_SPEED": str(speed)} if speed != 1 else {}
    return {"KAWAL_CLOCK_START": start.isoformat(), "KAWAL_CLOCK_EPOCH": repr(epoch or time.time()),
            "KAWAL_CLOCK_SPEED": str(speed)}


def wait_ready(urls: dict[str, str], process: subprocess.Popen, log_path: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    pending = dict(urls)
    while pending:
        if process.poll() is not None:
            raise RuntimeError(f"the supervisor exited with {process.returncode}:\n{open(log_path).read()[-4000:]}")
        for service, url in list(pending.items()):
            try:
                if requests.get(f"{url}/readyz", timeout=1).status_code == 200:
                    del pending[service]
            except requests.RequestException:
                pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"not ready after {timeout}s: {sorted(pending)}\n{open(log_path).read()[-4000:]}")
        time.sleep(0.2)


def stop(process: subprocess.Popen, timeout: float = 30.0) -> None:
    """SIGTERM the supervisor (it stops every process group it started), SIGKILL what is left after the timeout."""
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=5)
    except ProcessLookupError:
        pass


def through_port(url: str, port: int | None) -> str:
    """The broker URL as the processes use it: through the chaos harness's proxy port when one is given."""
    return url.replace(":5672/", f":{port}/") if port else url


@contextmanager
def running_system(suffix: str = "e2e", clock_start: datetime | None = None, clock_speed: float = 1.0,
                   extra_env: dict[str, str] | None = None, ready_timeout: float = 90.0,
                   amqp_port: int | None = None) -> Iterator[System]:
    """Fresh kawal_<service>_<suffix> databases, a fresh vhost, free ports, an optional accelerated clock;
    every Procfile process supervised on its own (restarted when it dies), all stopped on exit. With amqp_port the
    processes reach RabbitMQ through that port (the chaos harness's proxy); System.amqp_url stays direct."""
    suffix = f"{os.environ.get('KAWAL_TEST_DB_SUFFIX', 'test')}_{suffix}"
    database_urls = {s: databases.fresh_service_database(s, suffix) for s in config.DATABASES}
    vhost = broker.create_vhost("kawal_e2e")
    amqp = broker.amqp_url(vhost)
    web = (*config.SERVICES, config.PORTAL)  # every process with an HTTP port: the three APIs and the portal
    api_ports = free_ports(len(web) + len(config.DEFAULT_METRICS_PORTS))
    ports = dict(zip(web, api_ports))
    metrics_ports = dict(zip(config.DEFAULT_METRICS_PORTS, api_ports[len(web):]))
    processes_amqp = through_port(amqp, amqp_port)
    env = {"KAWAL_AMQP_URL": processes_amqp, "KAWAL_LOG_FORMAT": "text",
           # the processes connect as the application roles, as a deployment does (they own nothing and may only
           # append to the audit log); database_urls (the owner's) stay for the tests' own arranging and reading
           **{f"KAWAL_{s.upper()}_DATABASE_URL": databases.app_url(url, s) for s, url in database_urls.items()},
           **{f"KAWAL_{s.upper()}_PORT": str(p) for s, p in ports.items()},
           **{f"KAWAL_{s.upper()}_URL": f"http://127.0.0.1:{p}" for s, p in ports.items()},
           **{f"KAWAL_{name.upper()}_METRICS_PORT": str(p) for name, p in metrics_ports.items()},
           "KAWAL_API_WORKERS": "2", **(extra_env or {})}
    workdir = tempfile.mkdtemp(prefix="kawal-system-")
    log_path = os.path.join(workdir, "supervisor.log")
    os.makedirs(os.path.join(workdir, ".run", "prom"), exist_ok=True)
    process_env = {**os.environ, **env, "PATH": f"{VENV_BIN}:{os.environ.get('PATH', '')}",
                   "PYTHONUNBUFFERED": "1"}
    # as `make db` does: every queue exists before any process publishes, so no early event goes unrouted, and each
    # service's processes connect as its own least-permission broker user (names unique to the vhost: users are
    # global to the broker)
    broker_env = os.path.join(workdir, "broker.env")
    subprocess.run([os.path.join(VENV_BIN, "kawal"), "events", "declare", "--users", "--user-prefix", f"{vhost}-",
                    "--env-file", broker_env], env=process_env, check=True, capture_output=True)
    # the accelerated clock starts now, after the broker set-up, so a slow rabbitmqctl does not eat a test's lead
    users = {name: through_port(url, amqp_port) for name, url in brokerusers.read_env_file(broker_env).items()}
    started = {**users, **clock_env(clock_start, clock_speed)}
    env.update(started)
    process_env.update(started)
    with open(log_path, "wb") as log:
        # the processes run in a scratch directory, so their .run/ (metrics, beat schedule) never touches a demo's
        process = subprocess.Popen([os.path.join(VENV_BIN, "kawal"), "supervise", "-f", os.path.join(ROOT, "Procfile")],
                                   cwd=workdir, env=process_env,
                                   stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    system = System({s: f"http://127.0.0.1:{p}" for s, p in ports.items()}, metrics_ports, env, database_urls,
                    amqp, vhost, workdir, log_path, process)
    try:
        wait_ready(system.urls, process, log_path, ready_timeout)
        yield system
    finally:
        stop(process)
        broker.delete_users(f"{vhost}-{s}" for s in config.SERVICES)
        broker.delete_vhost(vhost)
        shutil.rmtree(workdir, ignore_errors=True)  # readiness failures carry the log's tail in their message
