"""A PostgreSQL restart (here: every backend of the database terminated) between two requests: the pool has no
pre-ping, yet the next request succeeds, or answers 503 with Retry-After and its retry with the same
Idempotency-Key succeeds; nothing answers 500."""
from __future__ import annotations

import time
from datetime import date, timedelta

import psycopg
import pytest

from shared import db
from tests.integration.routes.conftest import POINT_LAT, POINT_LON, wib
from tests.support.databases import ADMIN_DSN

DAY = date(2026, 3, 10)


def _database_name(url: str) -> str:
    return url.rsplit("/", 1)[1]


def terminate_backends(url: str) -> None:
    """What a restart does to the service's pooled connections; returns when every one of them is gone."""
    name = _database_name(url)
    with psycopg.connect(ADMIN_DSN, autocommit=True) as admin:
        pids = admin.execute("SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
                             (name,)).fetchall()
        assert pids, "the service holds pooled connections to terminate"
        for (pid,) in pids:
            admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
        deadline = time.monotonic() + 30
        while admin.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = ANY(%s)",
                            ([pid for (pid,) in pids],)).fetchone()[0]:
            assert time.monotonic() < deadline, "terminated backends never went away"
            time.sleep(0.05)  # polling for the outcome (the backends' exit), not a fixed wait


def confirm(world, pickup, day: date, key: str):
    return world.client.post(f"/api/v1/pickups/{pickup['id']}/confirmation",
                             json={"collected_at": wib(day, 14).isoformat(), "lat": POINT_LAT, "lon": POINT_LON},
                             headers={**world.contractor, "Idempotency-Key": key})


@pytest.fixture
def two_pickups(world, frozen_clock):
    first, second = world.pickup_on(DAY), world.pickup_on(DAY + timedelta(days=1))
    return first, second


def test_the_request_after_a_restart_succeeds_without_a_pre_ping(world, two_pickups, frozen_clock, routes_db):
    first, second = two_pickups
    frozen_clock(wib(DAY, 14, 5))
    assert confirm(world, first, DAY, "k-1").status_code == 201
    terminate_backends(routes_db)
    # the pooled connections are closed by the server: the checkout sees it and the pool opens fresh ones
    frozen_clock(wib(DAY + timedelta(days=1), 14, 5))
    response = confirm(world, second, DAY + timedelta(days=1), "k-2")
    assert response.status_code == 201, response.json
    assert world.get(f"/pickups/{second['id']}").json["status"] == "confirmed"


def test_a_connection_lost_in_use_answers_503_with_retry_after_and_the_retry_succeeds_once(
        world, two_pickups, frozen_clock, routes_db, monkeypatch):
    first, _ = two_pickups
    frozen_clock(wib(DAY, 14, 5))
    # the server's goodbye not yet arrived when the connection is checked out: its first statement fails
    monkeypatch.setattr(db, "_closed_by_server", lambda _connection: False)
    terminate_backends(routes_db)
    answer = confirm(world, first, DAY, "k-1")
    assert answer.status_code == 503, answer.json
    assert answer.json["error"]["code"] == "unavailable" and answer.headers["Retry-After"] == "1"
    # the failure marked the pool stale: the retry (same key, as a crew's app sends it) gets a fresh connection
    retried = confirm(world, first, DAY, "k-1")
    assert retried.status_code == 201, retried.json
    assert confirm(world, first, DAY, "k-1").json == retried.json
    assert world.sql("SELECT count(*) FROM confirmations WHERE pickup_id = :p", p=first["id"])[0][0] == 1
    assert world.sql("SELECT count(*) FROM audit_log WHERE object_id = :p", p=first["id"])[0][0] == 1
