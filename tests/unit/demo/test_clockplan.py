"""The demo's clock: the previous month, the clock standing on its eve until the city is seeded, then running."""
from datetime import date, datetime, timedelta
from unittest import mock

import pytest

from kawal.demo.clockplan import EVE, plan
from kawal.demo.simulator import PLAN_AHEAD
from shared import clock


@pytest.fixture
def epoch_file(tmp_path, monkeypatch):
    monkeypatch.setattr(clock, "_epochs", {})  # what this process read from earlier files
    return tmp_path / "demo-clock-epoch"


def test_the_demo_replays_the_previous_month_whole(epoch_file):
    demo = plan(date(2026, 11, 27), day_seconds=20, epoch_file=epoch_file)
    assert (demo.first_day, demo.days, demo.month, demo.speed) == (date(2026, 10, 1), 31, "2026-10", 4320.0)
    january = plan(date(2027, 1, 3), day_seconds=20, epoch_file=epoch_file)
    assert (january.first_day, january.days) == (date(2026, 12, 1), 31)
    assert plan(date(2026, 11, 27), day_seconds=20, epoch_file=epoch_file, days=3).last_day == date(2026, 10, 3)


def at(env: dict, real: float) -> datetime:
    with mock.patch.dict("os.environ", env), mock.patch("time.time", return_value=real):
        return clock.to_wib(clock.now())


def test_the_clock_stands_on_the_months_eve_until_the_city_is_seeded_then_runs(epoch_file):
    """Not 25 September for an October month: the clock reads the evening of 30 September from start-up until the
    seed is done (however long that takes; the seed may then schedule 1 October), an hour before the first day is
    drawn, and from then a day every 20 real seconds."""
    demo = plan(date(2026, 11, 27), day_seconds=20, epoch_file=epoch_file)
    env = demo.env()
    eve = datetime(2026, 9, 30, 21, 0, tzinfo=clock.WIB)
    assert eve + EVE == datetime(2026, 10, 1, tzinfo=clock.WIB) and EVE > PLAN_AHEAD
    demo.stand()
    assert at(env, 1_000.0) == at(env, 5_000.0) == eve  # start-up and seeding, slow or fast
    demo.run(epoch=5_000.0)
    assert at(env, 5_000.0) == eve
    assert at(env, 5_020.0) == eve + timedelta(days=1)
    assert "2026-09-30 21:00 WIB sampai kota siap" in demo.describe()


def test_the_env_is_what_every_process_reads(epoch_file):
    env = plan(date(2026, 11, 27), day_seconds=20, epoch_file=epoch_file).env()
    assert env == {"KAWAL_CLOCK_START": "2026-09-30T14:00:00+00:00", "KAWAL_CLOCK_SPEED": "4320",
                   "KAWAL_CLOCK_EPOCH_FILE": str(epoch_file)}
