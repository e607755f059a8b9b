"""The demo's accelerated clock: the previous WIB month, the clock standing on its eve until the city is seeded.

Why it does not start at the month's first midnight: `kawal seed` schedules pickups only from the clock's today on
(a range reaching into the past is refused), and the simulator draws each day's pickups at 22:00 WIB the evening
before (simulator.PLAN_AHEAD). So the services must be up and the city seeded while the clock still reads the last
evening of the previous month. Every process starts with the clock standing at that evening (START, and an epoch
file not written yet: shared.clock); once the seed is done the demo writes the epoch, and the clock runs from there,
a day every `day_seconds`. However long start-up and seeding take on a busy machine, the month is simulated whole.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from datetime import time as dtime
from pathlib import Path

from kawal.demo.simulator import PLAN_AHEAD
from shared import clock

# the clock stands this long before the month's first midnight: an hour before the first day is drawn
EVE = PLAN_AHEAD + timedelta(hours=1)


@dataclass(frozen=True)
class DemoClock:
    start: datetime  # KAWAL_CLOCK_START: where the clock stands until the epoch is written
    speed: float  # KAWAL_CLOCK_SPEED
    first_day: date
    days: int
    epoch_file: Path  # KAWAL_CLOCK_EPOCH_FILE

    @property
    def month(self) -> str:
        return clock.month_of(self.first_day)

    @property
    def last_day(self) -> date:
        return self.first_day + timedelta(days=self.days - 1)

    def env(self) -> dict[str, str]:
        """What every process of the demo shares (shared.config.clock reads it)."""
        return {
            "KAWAL_CLOCK_START": self.start.isoformat(),
            "KAWAL_CLOCK_SPEED": f"{self.speed:g}",
            "KAWAL_CLOCK_EPOCH_FILE": str(self.epoch_file),
        }

    def stand(self) -> None:
        """The clock stands at START again (before the processes start)."""
        self.epoch_file.unlink(missing_ok=True)

    def run(self, epoch: float | None = None) -> None:
        """From now (or `epoch`, a unix time) the clock runs: written whole, by a rename, for every process to read."""
        self.epoch_file.parent.mkdir(parents=True, exist_ok=True)
        partial = self.epoch_file.with_suffix(".tmp")
        partial.write_text(f"{time.time() if epoch is None else epoch:.3f}\n")
        partial.replace(self.epoch_file)

    def describe(self) -> str:
        """The progress line: where the clock stands, until when and why, and how fast it then runs."""
        return (
            f"Jam demo / clock: berhenti di {clock.to_wib(self.start):%Y-%m-%d %H:%M} WIB sampai kota siap "
            f"(start-up and seeding happen the evening before: pickups are scheduled only from today on), then "
            f"a day every {86_400 / self.speed:g} s (x{self.speed:g}) for {self.first_day} .. {self.last_day}"
        )


def plan(today: date, day_seconds: float, epoch_file: Path, days: int | None = None) -> DemoClock:
    """The month before `today` (its first `days` days, default all), a simulated day every `day_seconds`, the clock
    standing EVE before the month's first WIB midnight until `run()`."""
    speed = 86_400.0 / day_seconds
    this_month = today.replace(day=1)
    first = (this_month - timedelta(days=1)).replace(day=1)
    start = clock.wib_instant(first, dtime(0, 0)) - EVE
    return DemoClock(start, speed, first, days or (this_month - first).days, epoch_file)
