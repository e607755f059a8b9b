"""A real Celery worker with its embedded beat on the real broker: the schedule fires the sweep, its events go out."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from datetime import timedelta

import pytest
import requests

from shared import clock
from tests.integration.compliance.seed import Network, rows
from tests.support.broker import wait_until
from tests.support.processes import events_running

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def worker(routes, amqp_url, tmp_path):
    """`celery -A services.routes.celery_app worker --beat` on the test database and vhost, sweeping every second."""
    port = _free_port()
    env = {**os.environ, "KAWAL_ROUTES_DATABASE_URL": routes, "KAWAL_AMQP_URL": amqp_url,
           "KAWAL_CELERY_BROKER_URL": amqp_url, "KAWAL_SWEEP_INTERVAL_SECONDS": "1",
           "KAWAL_SCHEDULE_AHEAD_INTERVAL_SECONDS": "3600", "KAWAL_EVALUATE_DAYS_INTERVAL_SECONDS": "3600",
           "KAWAL_EVALUATE_MONTHS_INTERVAL_SECONDS": "3600", "KAWAL_ROUTES_WORKER_METRICS_PORT": str(port),
           "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "prom"), "KAWAL_LOG_FORMAT": "text"}
    for name in ("KAWAL_CLOCK_START", "KAWAL_CLOCK_EPOCH", "KAWAL_CLOCK_SPEED"):
        env.pop(name, None)
    log = open(tmp_path / "worker.log", "w")
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "services.routes.celery_app", "worker", "--beat", "--loglevel", "INFO",
         "--concurrency", "2", "--schedule", str(tmp_path / "beat-schedule")],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    yield process, port, tmp_path / "worker.log"
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    log.close()


def test_beat_fires_the_sweep_in_a_real_worker_and_its_missed_events_reach_the_exchange(routes, seed, worker,
                                                                                        amqp_url, tap):
    process, port, log = worker
    yesterday = clock.wib_date(clock.now()) - timedelta(days=1)
    with seed() as s:
        network = Network(s, number="KTR-9/2026", start=yesterday - timedelta(days=30),
                          end=yesterday + timedelta(days=30))
        overdue = [network.pickup(yesterday) for _ in range(3)]
        later = network.pickup(yesterday + timedelta(days=2))

    wait_until(lambda: rows(routes, "SELECT count(*) AS n FROM pickups WHERE status = 'missed'")[0]["n"] == 3,
               timeout=60, message=f"the beat-driven sweep (worker log: {log.read_text()[-2000:]})")
    assert rows(routes, "SELECT status FROM pickups WHERE id = :id", id=later)[0]["status"] == "scheduled"
    assert process.poll() is None

    with events_running("routes", {}, routes, amqp_url, relay=True, consume=False):
        published = tap.drain(expect=3, timeout=20)
    missed = [m for m in published if m["type"] == "routes.pickup.missed"]
    assert sorted(m["data"]["pickup_id"] for m in missed) == sorted(overdue)

    queues = subprocess.run(["rabbitmqctl", "-q", "list_queues", "-p", amqp_url.rsplit("/", 1)[1], "name", "type"],
                            capture_output=True, text=True, check=True).stdout
    assert any(line.split() == ["routes.compliance", "quorum"] for line in queues.splitlines())

    def scraped():
        try:
            return requests.get(f"http://127.0.0.1:{port}/metrics", timeout=2).text
        except requests.RequestException:
            return ""
    text = wait_until(lambda: (t := scraped()) and 'kawal_routes_pickups_missed_total{contract="KTR-9/2026"} 3.0' in t
                      and t, timeout=20, message="worker /metrics")
    assert 'kawal_routes_tasks_total{outcome="ok",task="sweep"}' in text
    assert "kawal_routes_on_time_ratio" not in text and "kawal_routes_pickups{" not in text  # the API's gauges


@pytest.fixture
def idle_beat_worker(routes, amqp_url, tmp_path):
    """A worker whose beat would not fire any task for an hour."""
    port = _free_port()
    env = {**os.environ, "KAWAL_ROUTES_DATABASE_URL": routes, "KAWAL_AMQP_URL": amqp_url,
           "KAWAL_CELERY_BROKER_URL": amqp_url, "KAWAL_SWEEP_INTERVAL_SECONDS": "3600",
           "KAWAL_SCHEDULE_AHEAD_INTERVAL_SECONDS": "3600", "KAWAL_EVALUATE_DAYS_INTERVAL_SECONDS": "3600",
           "KAWAL_EVALUATE_MONTHS_INTERVAL_SECONDS": "3600", "KAWAL_ROUTES_WORKER_METRICS_PORT": str(port),
           "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "prom"), "KAWAL_LOG_FORMAT": "text"}
    for name in ("KAWAL_CLOCK_START", "KAWAL_CLOCK_EPOCH", "KAWAL_CLOCK_SPEED"):
        env.pop(name, None)
    log = open(tmp_path / "worker.log", "w")
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "services.routes.celery_app", "worker", "--beat", "--loglevel", "INFO",
         "--concurrency", "1", "--schedule", str(tmp_path / "beat-schedule")],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    yield tmp_path / "worker.log"
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    log.close()


def test_a_worker_starting_after_downtime_catches_up_at_once_not_one_beat_interval_later(routes, seed,
                                                                                          idle_beat_worker):
    # First edition: a restarted beat waited a whole interval (15 minutes for the monthly evaluation) first.
    yesterday = clock.wib_date(clock.now()) - timedelta(days=1)
    with seed() as s:
        network = Network(s, number="KTR-10/2026", start=yesterday - timedelta(days=3),
                          end=yesterday + timedelta(days=30))
        missed = network.pickup(yesterday)
    wait_until(lambda: rows(routes, "SELECT status FROM pickups WHERE id = :id", id=missed)[0]["status"] == "missed"
               and rows(routes, "SELECT count(*) AS n FROM daily_evaluations")[0]["n"] >= 4, timeout=60,
               message=f"catch-up on start (worker log: {idle_beat_worker.read_text()[-2000:]})")
