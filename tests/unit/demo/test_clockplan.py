"""The demo's clock: every process reads the previous month's first WIB midnight exactly a lead time after start."""
from datetime import date, timedelta
from unittest import mock

from kawal.demo.clockplan import plan
from shared import clock


def test_the_demo_replays_the_previous_month_whole():
    demo = plan(date(2026, 11, 27), epoch=1_000.0, day_seconds=20, lead_seconds=50)
    assert (demo.first_day, demo.days, demo.month, demo.speed) == (date(2026, 10, 1), 31, "2026-10", 4320.0)
    january = plan(date(2027, 1, 3), epoch=0.0, day_seconds=20, lead_seconds=50)
    assert (january.first_day, january.days) == (date(2026, 12, 1), 31)


def test_the_shared_clock_reaches_the_first_midnight_after_the_lead_time():
    demo = plan(date(2026, 11, 27), epoch=1_000.0, day_seconds=20, lead_seconds=50)
    env = {"KAWAL_CLOCK_START": demo.start.isoformat(), "KAWAL_CLOCK_EPOCH": str(demo.epoch),
           "KAWAL_CLOCK_SPEED": str(demo.speed)}
    with mock.patch.dict("os.environ", env), mock.patch("time.time", return_value=1_050.0):
        assert clock.to_wib(clock.now()).isoformat() == "2026-10-01T00:00:00+07:00"
    with mock.patch.dict("os.environ", env), mock.patch("time.time", return_value=1_070.0):
        assert clock.now() - clock.wib_instant(date(2026, 10, 1), clock.dtime(0, 0)) == timedelta(days=1)


def test_the_exports_are_what_demo_sh_sources():
    exports = plan(date(2026, 11, 27), epoch=1_000.0, day_seconds=20, lead_seconds=50).exports()
    assert "export KAWAL_CLOCK_SPEED=4320" in exports and "DEMO_MONTH_DAYS=31" in exports
    assert "export KAWAL_CLOCK_EPOCH=1000.000" in exports
