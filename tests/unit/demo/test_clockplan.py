"""The demo's clock: the previous month, the clock standing on its eve until start-up and seeding are done."""
from datetime import date, datetime, timedelta
from unittest import mock

from kawal.demo.clockplan import EVE, plan
from kawal.demo.simulator import PLAN_AHEAD
from shared import clock


def test_the_demo_replays_the_previous_month_whole():
    demo = plan(date(2026, 11, 27), now=1_000.0, day_seconds=20, lead_seconds=50)
    assert (demo.first_day, demo.days, demo.month, demo.speed) == (date(2026, 10, 1), 31, "2026-10", 4320.0)
    january = plan(date(2027, 1, 3), now=0.0, day_seconds=20, lead_seconds=50)
    assert (january.first_day, january.days) == (date(2026, 12, 1), 31)
    assert plan(date(2026, 11, 27), now=0.0, day_seconds=20, lead_seconds=50, days=3).last_day == date(2026, 10, 3)


def at(env: dict, real: float) -> datetime:
    with mock.patch.dict("os.environ", env), mock.patch("time.time", return_value=real):
        return clock.to_wib(clock.now())


def test_the_clock_stands_on_the_months_eve_for_the_lead_then_runs():
    """Not 25 September for an October month: the clock reads the evening of 30 September from start-up until the
    lead has passed (seeding may schedule 1 October), an hour before the first day is drawn, then runs."""
    demo = plan(date(2026, 11, 27), now=1_000.0, day_seconds=20, lead_seconds=50)
    env = demo.env()
    eve = datetime(2026, 9, 30, 21, 0, tzinfo=clock.WIB)
    assert at(env, 1_000.0) == at(env, 1_049.0) == eve
    assert eve + EVE == datetime(2026, 10, 1, tzinfo=clock.WIB) and EVE > PLAN_AHEAD
    assert at(env, 1_050.0 + 20) == eve + timedelta(days=1)  # then a day every 20 real seconds
    assert "2026-09-30 21:00 WIB selama 50 s" in demo.describe(50)


def test_the_env_is_what_every_process_reads():
    env = plan(date(2026, 11, 27), now=1_000.0, day_seconds=20, lead_seconds=50).env()
    assert env == {"KAWAL_CLOCK_START": "2026-09-30T14:00:00+00:00", "KAWAL_CLOCK_EPOCH": "1050.000",
                   "KAWAL_CLOCK_SPEED": "4320"}
