"""Which terms are in force on a WIB day, which days a contract is in force, and when overdue days start.

Pure functions over plain values, shared by every replica of a contract (routes, billing), so they can never
disagree: both fold the same amendments the same way and count the same days.

Terms on a day D: the activation's terms, then every amendment with effective_from <= D applied in amendment
number order, whatever order the amendments arrived in. Two amendments changing one field: on a day both are in
effect, the higher number wins (it was agreed later).

In force on a day D (DOMAIN: "in its period, on or after the day of its activation, and not suspended that day"):
- start_date <= D <= end_date, the end date being the latest one agreed (all amendments known applied: an
  extension or a shortening changes the period itself, not only the terms from some day);
- D >= activated_on (the WIB date of activation: the activation day is in force whatever the hour);
- no instant of D lies in a suspension: suspended from `suspended` at its instant until the next `resumed`
  (half-open [suspended_at, resumed_at)); so the day of a suspension and the day of a resumption are both out
  (a contractor is never judged on a day it could not run whole), unless the resumption falls at 00:00 WIB;
- D is not after the WIB day of a termination (the termination day itself stays in force: the last day worked
  is evaluated). Expiry needs no rule: it happens after end_date.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Callable, Iterable, Mapping
from zoneinfo import ZoneInfo

WIB = ZoneInfo("Asia/Jakarta")
ONE_DAY = timedelta(days=1)
RATIO_TERMS = ("min_on_time_ratio", "shortfall_ratio", "cap_ratio", "ppn_rate")
PLAIN_TERMS = (
    "value_rp",
    "start_date",
    "end_date",
    "unit_price_rp_per_ton",
    "daily_target_kg",
    "ppn_rate",
    "performance_bond_rp",
)


def exact(value) -> Decimal:
    """A ratio as an exact Decimal: a float goes through its shortest repr (0.55 -> Decimal('0.55'))."""
    if isinstance(value, Decimal):
        return value
    return Decimal(repr(value)) if isinstance(value, float) else Decimal(str(value))


@dataclass(frozen=True)
class Terms:
    """A contract's terms as they stand on one day. sla and penalties map term name -> value (ratios Decimal)."""

    value_rp: int
    start_date: date
    end_date: date
    unit_price_rp_per_ton: int
    daily_target_kg: int
    ppn_rate: Decimal
    sla: Mapping = field(default_factory=dict)
    penalties: Mapping = field(default_factory=dict)
    performance_bond_rp: int | None = None

    @classmethod
    def from_event(cls, data: Mapping) -> "Terms":
        """From contracts.contract.activated's data (or any mapping with the same names)."""
        return cls(
            value_rp=data["value_rp"],
            start_date=data["start_date"],
            end_date=data["end_date"],
            unit_price_rp_per_ton=data["unit_price_rp_per_ton"],
            daily_target_kg=data["daily_target_kg"],
            ppn_rate=exact(data["ppn_rate"]),
            sla=_exact_terms(data.get("sla") or {}),
            penalties=_exact_terms(data.get("penalties") or {}),
            performance_bond_rp=data.get("performance_bond_rp"),
        )


@dataclass(frozen=True)
class Amendment:
    """One adendum: its number, the WIB day it takes effect, and only the fields it changes (sla and penalties
    may name some of their terms)."""

    amendment_no: int
    effective_from: date
    changes: Mapping

    @classmethod
    def from_event(cls, data: Mapping, default_effective_from: date) -> "Amendment":
        """From contracts.contract.amended's data; older events without effective_from take the given day."""
        changes = {name: data[name] for name in PLAIN_TERMS if data.get(name) is not None}
        for group in ("sla", "penalties"):
            if data.get(group):
                changes[group] = dict(data[group])
        return cls(data["amendment_no"], data.get("effective_from") or default_effective_from, changes)


def _exact_terms(terms: Mapping) -> dict:
    return {name: exact(value) if name in RATIO_TERMS else value for name, value in terms.items()}


def _apply(terms: Terms, amendment: Amendment) -> Terms:
    changes = {name: value for name, value in amendment.changes.items() if name not in ("sla", "penalties")}
    if "ppn_rate" in changes:
        changes["ppn_rate"] = exact(changes["ppn_rate"])
    if amendment.changes.get("sla"):
        changes["sla"] = {**terms.sla, **_exact_terms(amendment.changes["sla"])}
    if amendment.changes.get("penalties"):
        changes["penalties"] = {**terms.penalties, **_exact_terms(amendment.changes["penalties"])}
    return replace(terms, **changes)


def in_number_order(amendments: Iterable[Amendment]) -> list[Amendment]:
    """Amendments by number; a number seen twice (a redelivery) counts once."""
    by_number = {amendment.amendment_no: amendment for amendment in amendments}
    return [by_number[number] for number in sorted(by_number)]


def terms_on(base: Terms, amendments: Iterable[Amendment], day: date) -> Terms:
    """The terms in force on WIB day `day`: base, then each amendment effective by then, by number."""
    terms = base
    for amendment in in_number_order(amendments):
        if amendment.effective_from <= day:
            terms = _apply(terms, amendment)
    return terms


def latest_terms(base: Terms, amendments: Iterable[Amendment]) -> Terms:
    """Every known amendment applied by number, whatever its effective_from (the contract as it now reads)."""
    terms = base
    for amendment in in_number_order(amendments):
        terms = _apply(terms, amendment)
    return terms


@dataclass(frozen=True)
class StatusChange:
    """A lifecycle event as a replica received it: status 'suspended', 'active' (resumed), 'terminated' or
    'expired', at its instant (aware)."""

    status: str
    at: datetime


@dataclass(frozen=True)
class Life:
    """What decides the days in force: the period (latest agreed), the activation day, the status changes."""

    start_date: date
    end_date: date
    activated_on: date | None
    changes: tuple[StatusChange, ...] = ()

    def suspensions(self) -> list[tuple[datetime, datetime | None]]:
        """[suspended_at, resumed_at) intervals, from the changes in time order (arrival order does not matter)."""
        intervals: list[tuple[datetime, datetime | None]] = []
        since: datetime | None = None
        for change in sorted(self.changes, key=lambda c: c.at):
            if change.status == "suspended" and since is None:
                since = change.at
            elif change.status != "suspended" and since is not None:
                intervals.append((since, change.at))
                since = None
        if since is not None:
            intervals.append((since, None))
        return intervals

    def terminated_on(self) -> date | None:
        ends = [change.at for change in self.changes if change.status == "terminated"]
        return min(ends).astimezone(WIB).date() if ends else None

    def in_force(self, day: date) -> bool:
        if self.activated_on is None or not (self.start_date <= day <= self.end_date) or day < self.activated_on:
            return False
        ended = self.terminated_on()
        if ended is not None and day > ended:
            return False
        starts, ends = wib_day_bounds(day)
        return not any(since < ends and (until is None or until > starts) for since, until in self.suspensions())

    def days_in_force(self, first: date, last: date) -> list[date]:
        """The days in force between first and last, both included."""
        days, day = [], max(first, self.start_date)
        while day <= min(last, self.end_date):
            if self.in_force(day):
                days.append(day)
            day += ONE_DAY
        return days


def wib_day_bounds(day: date) -> tuple[datetime, datetime]:
    """[start, end) of a WIB day as aware instants."""
    start = datetime.combine(day, time(0, 0), tzinfo=WIB)
    return start, start + ONE_DAY


def wib_month(instant: datetime) -> str:
    local = instant.astimezone(WIB)
    return f"{local.year:04d}-{local.month:02d}"


def overdue_day_starts(
    due_at: datetime, resolved_at: datetime | None, until: datetime, in_force: Callable[[date], bool] = lambda day: True
) -> list[datetime]:
    """When each overdue day of a complaint starts: the k-th at due_at + (k-1) x 24 h, counted when it starts
    before resolved_at (every one, while unresolved) and no later than `until` (now, or a month's end), and on a
    WIB day the contract is in force. A complaint resolved exactly at its deadline has none; an unresolved one
    has its first at the deadline itself."""
    starts, start = [], due_at
    while start <= until and (resolved_at is None or start < resolved_at):
        if in_force(start.astimezone(WIB).date()):
            starts.append(start)
        start += ONE_DAY
    return starts


def overdue_days_by_month(
    due_at: datetime, resolved_at: datetime | None, until: datetime, in_force: Callable[[date], bool] = lambda day: True
) -> dict[str, int]:
    """Overdue days per WIB month in which each starts ('YYYY-MM' -> days), resolved or not."""
    counts: dict[str, int] = {}
    for start in overdue_day_starts(due_at, resolved_at, until, in_force):
        month = wib_month(start)
        counts[month] = counts.get(month, 0) + 1
    return counts


def is_under(value: int | Decimal, ratio, of: int | Decimal) -> bool:
    """value < ratio x of, exactly (0.55 x 100,000 kg: 55,000 kg is not under)."""
    return Decimal(value) < exact(ratio) * Decimal(of)
