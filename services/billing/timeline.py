"""A contract over time as billing sees it: the terms in force on each WIB date and the days in force."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Any

from services.billing.terms import Terms, fold_terms
from shared import clock

SUSPENDED, RESUMED, TERMINATED, EXPIRED = "suspended", "active", "terminated", "expired"


@dataclass(frozen=True)
class Amendment:
    number: int
    effective_from: date | None  # None (an event from before effective dates): in force from the start
    changes: dict[str, Any]


@dataclass(frozen=True)
class Timeline:
    """Activation terms, amendments by number and lifecycle changes: everything a day's price depends on."""

    base: dict[str, Any]
    amendments: tuple[Amendment, ...] = ()
    activated_on: date | None = None
    lifecycle: tuple[tuple[datetime, str], ...] = ()  # (at, status), any order
    _cache: dict = field(default_factory=dict, compare=False, repr=False)

    def _effective(self, day: date) -> tuple[int, ...]:
        return tuple(sorted(a.number for a in self.amendments if a.effective_from is None or a.effective_from <= day))

    def flat_on(self, day: date) -> dict[str, Any]:
        """The terms in force on `day`: the amendments effective by then, folded by number."""
        effective = self._effective(day)
        if effective not in self._cache:
            chosen = [(a.number, a.changes) for a in self.amendments if a.number in effective]
            flat = fold_terms(self.base, chosen)
            self._cache[effective] = (flat, Terms.of(flat))
        return self._cache[effective][0]

    def on(self, day: date) -> Terms:
        self.flat_on(day)
        return self._cache[self._effective(day)][1]

    def latest(self) -> dict[str, Any]:
        """Every amendment folded, whatever its date: the contract as it now stands."""
        return fold_terms(self.base, [(a.number, a.changes) for a in self.amendments])

    def _status_at_end_of(self, day: date) -> str | None:
        end = clock.wib_day_bounds(day)[1]
        changes = sorted((at, status) for at, status in self.lifecycle if at < end)
        return changes[-1][1] if changes else None

    def ended_on(self) -> date | None:
        """The WIB day of a termination, if any: no day after it is in force."""
        ends = [clock.wib_date(at) for at, status in self.lifecycle if status == TERMINATED]
        return min(ends) if ends else None

    def in_force(self, day: date) -> bool:
        """In its period (as amended for that day), on or after activation, not suspended at that day's end,
        not after a termination."""
        flat = self.flat_on(day)
        if not date.fromisoformat(flat["start_date"]) <= day <= date.fromisoformat(flat["end_date"]):
            return False
        if self.activated_on is not None and day < self.activated_on:
            return False
        ended = self.ended_on()
        if ended is not None and day > ended:
            return False
        return self._status_at_end_of(day) != SUSPENDED

    def last_day(self) -> date:
        """The contract's last day: the end of its period as it now stands, or its termination day if earlier."""
        end = date.fromisoformat(self.latest()["end_date"])
        ended = self.ended_on()
        return min(end, ended) if ended is not None else end

    def first_day(self) -> date:
        return date.fromisoformat(self.latest()["start_date"])

    def days(self, first: date, following: date) -> list[tuple[date, Terms]]:
        """Each day in force in [first, following) with its terms."""
        out, day = [], first
        while day < following:
            if self.in_force(day):
                out.append((day, self.on(day)))
            day += timedelta(days=1)
        return out


@lru_cache(maxsize=None)
def month_last_day(month: str) -> date:
    return clock.month_bounds(month)[1] - timedelta(days=1)
