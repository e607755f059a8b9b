"""The demo's accelerated clock: the previous WIB month, the clock standing on its eve until start-up and seeding
are done.

Why it does not start at the month's first midnight: `kawal seed` schedules pickups only from the clock's today on
(a range reaching into the past is refused), and the simulator draws each day's pickups at 22:00 WIB the evening
before (simulator.PLAN_AHEAD). So the services must be up and the city seeded while the clock still reads the last
evening of the previous month. The clock stands at that evening (START) until EPOCH, a lead time after start-up
(shared.clock: before EPOCH the clock reads START), and only then runs, at a day every `day_seconds`."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time as dtime, timedelta

from kawal.demo.simulator import PLAN_AHEAD
from shared import clock

# the clock stands this long before the month's first midnight: an hour before the first day is drawn
EVE = PLAN_AHEAD + timedelta(hours=1)


@dataclass(frozen=True)
class DemoClock:
    start: datetime  # KAWAL_CLOCK_START: where the clock stands until EPOCH
    epoch: float  # KAWAL_CLOCK_EPOCH: the real (unix) time the clock starts running
    speed: float  # KAWAL_CLOCK_SPEED
    first_day: date
    days: int

    @property
    def month(self) -> str:
        return clock.month_of(self.first_day)

    @property
    def last_day(self) -> date:
        return self.first_day + timedelta(days=self.days - 1)

    def env(self) -> dict[str, str]:
        """What every process of the demo shares (shared.config.clock reads it)."""
        return {"KAWAL_CLOCK_START": self.start.isoformat(), "KAWAL_CLOCK_EPOCH": f"{self.epoch:.3f}",
                "KAWAL_CLOCK_SPEED": f"{self.speed:g}"}

    def describe(self, lead_seconds: float) -> str:
        """The progress line: where the clock stands, for how long and why, and how fast it then runs."""
        return (f"Jam demo / clock: berhenti di {clock.to_wib(self.start):%Y-%m-%d %H:%M} WIB selama {lead_seconds:g} s "
                f"(start-up and seeding happen the evening before: pickups are scheduled only from today on), then "
                f"a day every {86_400 / self.speed:g} s (x{self.speed:g}) for {self.first_day} .. {self.last_day}")


def plan(today: date, now: float, day_seconds: float, lead_seconds: float, days: int | None = None) -> DemoClock:
    """The month before `today` (its first `days` days, default all), a simulated day every `day_seconds`: the clock
    stands at EVE before the month's first WIB midnight from `now` until `now + lead_seconds`, then runs."""
    speed = 86_400.0 / day_seconds
    this_month = today.replace(day=1)
    first = (this_month - timedelta(days=1)).replace(day=1)
    start = clock.wib_instant(first, dtime(0, 0)) - EVE
    return DemoClock(start, now + lead_seconds, speed, first, days or (this_month - first).days)


def first_midnight(demo: DemoClock) -> datetime:
    return clock.wib_instant(demo.first_day, datetime.min.time())
