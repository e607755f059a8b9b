"""The one source of time: real UTC by default, or an accelerated clock shared by every process of a run."""

from __future__ import annotations

import functools
import time
from datetime import date, datetime, timedelta, timezone
from datetime import time as dtime
from functools import lru_cache
from zoneinfo import ZoneInfo

from shared import config

UTC = timezone.utc
WIB = ZoneInfo("Asia/Jakarta")

# Indonesian month names, as documents and pages write dates ("2 Maret 2026"; month 1 is MONTHS[0])
MONTHS = (
    "Januari",
    "Februari",
    "Maret",
    "April",
    "Mei",
    "Juni",
    "Juli",
    "Agustus",
    "September",
    "Oktober",
    "November",
    "Desember",
)

_override: datetime | None = None
_epochs: dict[str, float] = {}  # epoch file -> the epoch read from it (written once per run)


def now() -> datetime:
    """Now, as an aware UTC datetime: START + (real now - EPOCH) x SPEED when configured. EPOCH is
    KAWAL_CLOCK_EPOCH, or the number in KAWAL_CLOCK_EPOCH_FILE once that file exists; until then the clock stands at
    START (the demo starts its processes so, and writes the file once its city is seeded). Before EPOCH it stands
    at START too: it never runs backwards."""
    if _override is not None:
        return _override
    settings = config.clock()
    real = time.time()
    if settings.start is None:
        return datetime.fromtimestamp(real, UTC)
    start = _start(settings.start)
    epoch = settings.epoch if settings.epoch is not None else _epoch_in(settings.epoch_file)
    if epoch is None:
        return start
    return start + timedelta(seconds=max(0.0, real - epoch) * settings.speed)


@lru_cache(maxsize=16)
def _start(text: str) -> datetime:
    return parse_instant(text)


def _epoch_in(path: str | None) -> float | None:
    if path is None:
        return None
    if path not in _epochs:
        try:
            with open(path, encoding="utf-8") as handle:
                _epochs[path] = float(handle.read())
        except (FileNotFoundError, ValueError):  # not written yet (it is written whole, by a rename): still standing
            return None
    return _epochs[path]


def set_for_tests(instant: datetime | None) -> None:
    """Freeze the clock at an instant (None restores the configured clock)."""
    global _override
    _override = instant.astimezone(UTC) if instant is not None else None


def parse_instant(text: str) -> datetime:
    value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if value.tzinfo is None:
        raise ValueError(f"instant without a UTC offset: {text!r}")
    return value.astimezone(UTC)


def to_wib(instant: datetime) -> datetime:
    return instant.astimezone(WIB)


def wib_date(instant: datetime) -> date:
    """The WIB calendar day an instant falls on."""
    return instant.astimezone(WIB).date()


def today_wib() -> date:
    return wib_date(now())


def wib_instant(day: date, at: dtime) -> datetime:
    """A WIB wall-clock time on a WIB day, as a UTC instant."""
    return datetime.combine(day, at, tzinfo=WIB).astimezone(UTC)


def wib_day_bounds(day: date) -> tuple[datetime, datetime]:
    """[start, end) of a WIB day in UTC."""
    return wib_instant(day, dtime(0, 0)), wib_instant(day + timedelta(days=1), dtime(0, 0))


@functools.lru_cache(maxsize=4096)  # a draft asks for its months' bounds a dozen times; strptime is slow
def month_bounds(month: str) -> tuple[date, date]:
    """First day and first day of next month for 'YYYY-MM'."""
    first = datetime.strptime(month, "%Y-%m").date()
    following = date(first.year + (first.month // 12), first.month % 12 + 1, 1)
    return first, following


def month_of(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def iso(instant: datetime | None) -> str | None:
    return instant.astimezone(UTC).isoformat() if instant is not None else None
