"""The demo's accelerated clock: the previous WIB month, its first midnight a lead time after start-up.

`python -m kawal.demo.clockplan DAY_SECONDS LEAD_SECONDS` prints the shell exports scripts/demo.sh sources."""
from __future__ import annotations

import sys
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from shared import clock


@dataclass(frozen=True)
class DemoClock:
    start: datetime  # KAWAL_CLOCK_START
    epoch: float  # KAWAL_CLOCK_EPOCH
    speed: float  # KAWAL_CLOCK_SPEED
    first_day: date
    days: int

    @property
    def month(self) -> str:
        return clock.month_of(self.first_day)

    def exports(self) -> str:
        return "\n".join([f"export KAWAL_CLOCK_START={self.start.isoformat()}",
                          f"export KAWAL_CLOCK_EPOCH={self.epoch:.3f}",
                          f"export KAWAL_CLOCK_SPEED={self.speed:g}",
                          f"DEMO_FIRST_DAY={self.first_day.isoformat()}",
                          f"DEMO_MONTH={self.month}",
                          f"DEMO_MONTH_DAYS={self.days}"])


def plan(today: date, epoch: float, day_seconds: float, lead_seconds: float) -> DemoClock:
    """The month before `today`, a simulated day every `day_seconds`; the clock reads START + (now - EPOCH) x SPEED,
    and START sits `lead_seconds` of real time before the month's first WIB midnight, so start-up and seeding
    happen on the evening before and day 1 is simulated whole."""
    speed = 86_400.0 / day_seconds
    this_month = today.replace(day=1)
    first = (this_month - timedelta(days=1)).replace(day=1)
    start = clock.wib_instant(first, datetime.min.time()) - timedelta(seconds=lead_seconds * speed)
    return DemoClock(start, epoch, speed, first, (this_month - first).days)


if __name__ == "__main__":
    real_now = time.time()
    # the real date, once, only to choose which month the demo replays
    today = clock.wib_date(datetime.fromtimestamp(real_now, clock.UTC))
    print(plan(today, real_now, float(sys.argv[1]), float(sys.argv[2])).exports())
