from datetime import date, datetime, time, timedelta, timezone

import pytest

from shared import clock


def test_real_clock_is_aware_utc(monkeypatch):
    monkeypatch.delenv("KAWAL_CLOCK_START", raising=False)
    now = clock.now()
    assert now.tzinfo is not None and now.utcoffset() == timedelta(0)
    assert abs((now - datetime.now(timezone.utc)).total_seconds()) < 5


def test_accelerated_clock_runs_start_plus_elapsed_times_speed(monkeypatch):
    monkeypatch.setenv("KAWAL_CLOCK_START", "2026-11-01T00:00:00+07:00")
    monkeypatch.setenv("KAWAL_CLOCK_SPEED", "3600")
    monkeypatch.setattr(clock.time, "time", lambda: 1_000_010.0)
    monkeypatch.setenv("KAWAL_CLOCK_EPOCH", "1000000")
    # ten real seconds at 3600x are ten hours after the start
    assert clock.now() == datetime(2026, 10, 31, 17, 0, tzinfo=timezone.utc) + timedelta(hours=10)


def test_an_instant_without_offset_is_refused():
    with pytest.raises(ValueError):
        clock.parse_instant("2026-11-01T00:00:00")


def test_wib_midnight_belongs_to_the_new_day():
    just_before = datetime(2026, 11, 1, 16, 59, 59, tzinfo=timezone.utc)  # 23:59:59 WIB
    midnight = datetime(2026, 11, 1, 17, 0, tzinfo=timezone.utc)  # 00:00 WIB on 2 November
    assert clock.wib_date(just_before) == date(2026, 11, 1)
    assert clock.wib_date(midnight) == date(2026, 11, 2)


def test_wib_instant_and_day_bounds_are_seven_hours_behind_in_utc():
    assert clock.wib_instant(date(2026, 11, 2), time(4, 0)) == datetime(2026, 11, 1, 21, 0, tzinfo=timezone.utc)
    start, end = clock.wib_day_bounds(date(2026, 11, 2))
    assert (start, end - start) == (datetime(2026, 11, 1, 17, 0, tzinfo=timezone.utc), timedelta(days=1))


@pytest.mark.parametrize("month,first,following", [
    ("2026-01", date(2026, 1, 1), date(2026, 2, 1)),
    ("2026-12", date(2026, 12, 1), date(2027, 1, 1)),
])
def test_month_bounds_cross_the_year(month, first, following):
    assert clock.month_bounds(month) == (first, following)


def test_a_frozen_clock_answers_its_instant_until_released():
    instant = datetime(2026, 3, 1, 5, 0, tzinfo=timezone.utc)
    clock.set_for_tests(instant)
    try:
        assert clock.now() == instant
    finally:
        clock.set_for_tests(None)
    assert clock.now() != instant


def test_before_its_epoch_the_clock_stands_at_its_start(monkeypatch):
    """An epoch still ahead: the clock waits at its start, it never runs backwards."""
    monkeypatch.setenv("KAWAL_CLOCK_START", "2026-09-30T21:00:00+07:00")
    monkeypatch.setenv("KAWAL_CLOCK_SPEED", "8640")
    monkeypatch.setenv("KAWAL_CLOCK_EPOCH", "1000050")
    monkeypatch.setattr(clock.time, "time", lambda: 1_000_000.0)
    assert clock.now() == datetime(2026, 9, 30, 14, 0, tzinfo=timezone.utc)
    monkeypatch.setattr(clock.time, "time", lambda: 1_000_060.0)
    assert clock.now() == datetime(2026, 9, 30, 14, 0, tzinfo=timezone.utc) + timedelta(days=1)


def test_with_an_epoch_file_the_clock_stands_until_the_file_is_written(monkeypatch, tmp_path):
    epoch_file = tmp_path / "epoch"
    monkeypatch.setattr(clock, "_epochs", {})
    monkeypatch.setenv("KAWAL_CLOCK_START", "2026-09-30T21:00:00+07:00")
    monkeypatch.setenv("KAWAL_CLOCK_SPEED", "8640")
    monkeypatch.delenv("KAWAL_CLOCK_EPOCH", raising=False)
    monkeypatch.setenv("KAWAL_CLOCK_EPOCH_FILE", str(epoch_file))
    monkeypatch.setattr(clock.time, "time", lambda: 1_000_000.0)
    assert clock.now() == datetime(2026, 9, 30, 14, 0, tzinfo=timezone.utc)
    epoch_file.write_text("1000000.000\n")
    monkeypatch.setattr(clock.time, "time", lambda: 1_000_010.0)
    assert clock.now() == datetime(2026, 9, 30, 14, 0, tzinfo=timezone.utc) + timedelta(days=1)
