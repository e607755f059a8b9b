"""Scheduling ahead on the real database: the coming WIB days of every active route, once however often it runs."""
from __future__ import annotations

from datetime import date, time, timedelta

from sqlalchemy import insert

from shared import clock
from services.routes.scheduling import schedule_ahead
from services.routes.models import RouteStop
from tests.integration.compliance.seed import Network, rows, run

NOW = clock.wib_instant(date(2026, 3, 9), time(23, 30))  # Monday 23:30 WIB = 16:30 UTC


def _pickup_days(url):
    return [r["date"] for r in rows(url, "SELECT date FROM pickups ORDER BY date, stop_seq")]


def test_the_coming_seven_wib_days_of_an_active_route_are_scheduled_once_per_stop(routes, seed):
    with seed() as s:
        network = Network(s, start=date(2026, 3, 1))
        s.execute(insert(RouteStop).values(route_id=network.route_id, seq=1, point_id=network.point_id))
    # the 9th's 04:00-07:00 window and its grace have ended: never created (second edition), so 10th to 16th
    assert run(routes, schedule_ahead, NOW) == 7
    assert _pickup_days(routes) == [date(2026, 3, 10) + timedelta(days=n) for n in range(7)]
    assert run(routes, schedule_ahead, NOW + timedelta(minutes=1)) == 0


def test_a_late_run_adds_only_the_missing_days_and_never_back_fills_the_past(routes, seed):
    with seed() as s:
        network = Network(s, start=date(2026, 3, 1))
        s.execute(insert(RouteStop).values(route_id=network.route_id, seq=1, point_id=network.point_id))
    run(routes, schedule_ahead, NOW)
    assert run(routes, schedule_ahead, NOW + timedelta(days=3)) == 3
    days = _pickup_days(routes)
    assert min(days) == date(2026, 3, 10) and max(days) == date(2026, 3, 19) and len(days) == len(set(days))


def test_a_suspended_contracts_routes_are_not_scheduled(routes, seed):
    with seed() as s:
        network = Network(s, start=date(2026, 3, 1), status="suspended")
        s.execute(insert(RouteStop).values(route_id=network.route_id, seq=1, point_id=network.point_id))
    assert run(routes, schedule_ahead, NOW) == 0
