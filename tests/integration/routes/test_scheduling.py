"""Scheduling pickups from routes: one per stop per matching WIB day in force, from today on, idempotent.

Second edition: every range starts today (10 March, WIB) or later; a range reaching back is 422 `past` (see
test_second_edition_scheduling)."""
from datetime import date, time

from shared import clock
from tests.integration.routes.conftest import deliver, wib


def test_a_week_of_a_daily_two_stop_route_schedules_fourteen_pickups_with_wib_windows_in_utc(world):
    second = world.point("TPS-RMB-002")["id"]
    route = world.post("/routes", {"code": "R3-02", "contract_id": world.contract_id,
                                   "vehicle_id": world.vehicle["id"], "stops": [world.point_id, second],
                                   "weekdays": [1, 2, 3, 4, 5, 6, 7], "window_start": "04:00",
                                   "window_end": "07:00"}, expect=201).json
    body = world.post(f"/routes/{route['id']}/schedule", {"from": "2026-03-11", "to": "2026-03-17"}, expect=200).json
    assert body == {"scheduled": 14}
    rows = world.sql("SELECT date, stop_seq, window_start_at, window_end_at FROM pickups WHERE route_id = :r "
                     "ORDER BY date, stop_seq", r=route["id"])
    assert len(rows) == 14
    assert rows[0].window_start_at == clock.wib_instant(date(2026, 3, 11), time(4, 0))
    assert rows[0].window_end_at == clock.wib_instant(date(2026, 3, 11), time(7, 0))
    assert rows[0].window_start_at.astimezone(clock.UTC).hour == 21  # 04:00 WIB is 21:00 UTC the day before


def test_scheduling_again_keeps_existing_pickups_and_counts_only_new_ones(world):
    assert world.schedule(date(2026, 3, 10), date(2026, 3, 12)) == 3
    assert world.schedule(date(2026, 3, 10), date(2026, 3, 14)) == 2
    assert world.sql("SELECT count(*) FROM pickups")[0][0] == 5


def test_only_the_routes_weekdays_are_scheduled(world):
    route = world.post("/routes", {"code": "R3-03", "contract_id": world.contract_id,
                                   "vehicle_id": world.vehicle["id"], "stops": [world.point_id],
                                   "weekdays": [1, 4], "window_start": "13:00", "window_end": "17:00"},
                       expect=201).json
    world.post(f"/routes/{route['id']}/schedule", {"from": "2026-03-16", "to": "2026-03-29"}, expect=200)
    days = [row.date.isoweekday() for row in world.sql("SELECT date FROM pickups WHERE route_id = :r ORDER BY date",
                                                       r=route["id"])]
    assert days == [1, 4, 1, 4]


def test_days_outside_the_contract_period_are_not_scheduled(world):
    assert world.schedule(date(2026, 6, 28), date(2026, 7, 5)) == 3


def test_the_route_of_a_suspended_contract_is_not_scheduled(world):
    deliver(world.db, "contracts.contract.suspended",
            {"contract_id": world.contract_id, "reason": "SP3", "at": clock.now()})
    response = world.post(f"/routes/{world.route['id']}/schedule", {"from": "2026-03-12", "to": "2026-03-13"})
    assert response.status_code == 409
    assert response.json["error"]["code"] == "contract_not_active"


def test_schedule_pickups_function_schedules_every_route_of_active_contracts_when_given_none(world, routes_db):
    from shared import db
    from services.routes.scheduling import schedule_pickups

    with db.unit_of_work(routes_db) as session:  # 1-9 March have passed: only the 10th (13:00 window) to the 31st
        assert schedule_pickups(session, None, date(2026, 3, 1), date(2026, 3, 31)) == 22
    with db.unit_of_work(routes_db) as session:
        assert schedule_pickups(session, None, date(2026, 3, 1), date(2026, 3, 31)) == 0


def test_a_reversed_range_is_refused_with_the_field(world):
    response = world.post(f"/routes/{world.route['id']}/schedule", {"from": "2026-03-05", "to": "2026-03-01"})
    assert response.status_code == 422
    assert "to" in response.json["error"]["fields"]


def test_suspending_a_contract_withdraws_its_pickups_whose_window_has_not_ended(world, frozen_clock):
    frozen_clock(wib(date(2026, 3, 9), 9, 0))
    world.schedule(date(2026, 3, 9), date(2026, 3, 12))  # 13:00-17:00 WIB each day
    frozen_clock(wib(date(2026, 3, 10), 18, 30))  # the 10th's window and grace are over, not yet swept
    deliver(world.db, "contracts.contract.suspended", {"contract_id": world.contract_id, "reason": "banjir",
                                                      "at": clock.now()})
    left = [(row.date, row.status) for row in world.sql("SELECT date, status FROM pickups ORDER BY date")]
    # a window over before the day of the suspension stays; the suspension day is not in force (second edition),
    # so its pickup is excused, never a miss; later ones go
    assert left == [(date(2026, 3, 9), "scheduled"), (date(2026, 3, 10), "excused")]


def test_resuming_a_contract_schedules_only_windows_that_open_after_the_resumption(world, frozen_clock):
    world.schedule(date(2026, 3, 10), date(2026, 3, 12))
    deliver(world.db, "contracts.contract.suspended", {"contract_id": world.contract_id, "reason": "banjir",
                                                      "at": clock.now()})
    resumed_at = wib(date(2026, 3, 11), 14, 0)  # during the 11th's 13:00-17:00 window
    frozen_clock(resumed_at)
    deliver(world.db, "contracts.contract.resumed", {"contract_id": world.contract_id, "reason": "air surut",
                                                    "at": resumed_at})
    days = [row.date for row in world.sql("SELECT date FROM pickups WHERE date >= '2026-03-11' ORDER BY date")]
    # the 11th's window opened before the resumption: not owed; the coming days are back
    assert days[:2] == [date(2026, 3, 12), date(2026, 3, 13)]
