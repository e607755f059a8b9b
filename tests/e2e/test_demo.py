"""`kawal demo start` (what `make demo` runs), twice on the same machine, small and short: the second run stops the
first, resets the demo city and says so, and replays the same days with confirmations accepted again (before the
reset existed, a second run found every pickup confirmed and sent none). Then status and stop."""
from __future__ import annotations

import os
import re
import socket
import subprocess
from pathlib import Path

import psycopg
import pytest

from kawal.demo.instance import Demo
from shared import config
from tests.support import broker
from tests.support.system import VENV_BIN, free_ports

pytestmark = pytest.mark.slow

ACCEPTED_CONFIRMATION = re.compile(r"│\s*confirm\s*│\s*\w+\s*│\s*accepted\s*│\s*(\d+)\s*│")


@pytest.fixture(scope="module")
def demo_env(tmp_path_factory):
    name = f"{os.environ.get('KAWAL_TEST_DB_SUFFIX', 'test')}_demo_e2e"
    web = (*config.SERVICES, config.PORTAL)
    ports = free_ports(len(web) + len(config.DEFAULT_METRICS_PORTS))
    env = {key: value for key, value in os.environ.items()  # the demo derives its own databases and vhost
           if not re.match(r"KAWAL_\w+_(DATABASE_URL|MIGRATE_DATABASE_URL|AMQP_URL|URL|PORT)$|KAWAL_AMQP_", key)}
    env.update({"KAWAL_DEMO_NAME": name, "KAWAL_DEMO_HOME": str(tmp_path_factory.mktemp("demo")),
                "KAWAL_DEMO_DAYS": "2", "KAWAL_DEMO_DAY_SECONDS": "5",
                "KAWAL_DEMO_ISSUE_WAIT_SECONDS": "0", "KAWAL_API_WORKERS": "2", "COLUMNS": "200",
                **{f"KAWAL_{s.upper()}_PORT": str(p) for s, p in zip(web, ports[:len(web)], strict=True)},
                **{f"KAWAL_{p.upper()}_METRICS_PORT": str(port)
                   for p, port in zip(config.DEFAULT_METRICS_PORTS, ports[len(web):], strict=True)}})
    yield env
    kawal(env, "stop")
    here = Demo(name, Path(env["KAWAL_DEMO_HOME"]))
    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as conn:
        for service in config.DATABASES:
            conn.execute(f'DROP DATABASE IF EXISTS "kawal_{service}_{name}" WITH (FORCE)')
    broker.delete_vhost(here.vhost)
    broker.delete_users(f"{here.user_prefix}{s}" for s in config.DATABASES)


def kawal(env: dict, *args: str, timeout: float = 600) -> subprocess.CompletedProcess:
    return subprocess.run([os.path.join(VENV_BIN, "kawal"), "demo", *args], env=env, capture_output=True, text=True,
                          timeout=timeout)


def accepted_confirmations(output: str) -> int:
    return sum(int(n) for n in ACCEPTED_CONFIRMATION.findall(output))


@pytest.fixture(scope="module")
def two_runs(demo_env):
    first = kawal(demo_env, "start", "--small")
    assert first.returncode == 0, first.stdout[-3000:] + first.stderr[-3000:]
    second = kawal(demo_env, "start", "--small")
    assert second.returncode == 0, second.stdout[-3000:] + second.stderr[-3000:]
    return first.stdout, second.stdout


def test_a_taken_port_is_one_line_not_a_traceback(demo_env):
    with socket.socket() as squatter:
        squatter.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        squatter.bind(("127.0.0.1", int(demo_env["KAWAL_ROUTES_PORT"])))
        squatter.listen()
        refused = kawal(demo_env, "start", "--small", timeout=120)
    assert refused.returncode == 1
    assert "Traceback" not in refused.stderr and len(refused.stderr.strip().splitlines()) == 1, refused.stderr
    assert f"port {demo_env['KAWAL_ROUTES_PORT']} (routes) already in use" in refused.stderr


def test_each_run_starts_from_a_reset_city_and_says_so(two_runs):
    first, second = two_runs
    assert "Kota demo direset" in first
    assert "the previous demo is still running: stopping it first" in second
    dropped = re.search(r"Kota demo direset: kota sebelumnya dihapus / the previous city dropped \(([\d,]+) jadwal", second)
    assert dropped and int(dropped[1].replace(",", "")) > 0, second[:2000]


def test_the_clock_stands_on_the_months_eve_until_the_city_is_seeded(two_runs):
    for output in two_runs:
        assert re.search(r"berhenti di \d{4}-\d\d-(28|29|30|31) 21:00 WIB sampai kota siap", output), output[:2000]
        assert "pickups are scheduled only from today on" in output
        assert "the city is seeded: the clock runs" in output
        # the simulation starts on the eve, not days into the month: no day is lost to a slow start-up
        started = re.search(r"clock: (\d{4}-\d\d-\d\d) (\d\d):\d\d WIB, speed", output)
        assert started, output[:3000]
        on_the_eve = started[1].endswith(("-28", "-29", "-30", "-31")) and int(started[2]) >= 21
        assert on_the_eve or (started[1].endswith("-01") and int(started[2]) < 2), started[0]


def test_the_second_run_confirms_pickups_again(two_runs):
    first, second = two_runs
    assert accepted_confirmations(first) > 0, first
    assert accepted_confirmations(second) > 0, second  # a run on the old city sent none: all already confirmed
    assert re.search(r"\d{4}-\d\d: [1-9][\d,]* konfirmasi diterima / confirmations accepted", second), second[-2000:]
    assert "409" not in second.split("Simulation summary")[1].split("Laporan")[0]


def test_status_then_stop_then_status(demo_env, two_runs):
    running = kawal(demo_env, "status")
    assert running.returncode == 0 and "The demo is running" in running.stdout
    assert running.stdout.count(" ready") >= 4, running.stdout
    stopped = kawal(demo_env, "stop")
    assert stopped.returncode == 0 and "The demo is stopped" in stopped.stdout
    assert "The demo is not running" in kawal(demo_env, "status").stdout
