"""Compliance rules as plain functions over plain values: shortfall, on-time ratio, monthly breaches, catch-up ranges."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from shared import clock, config

def is_shortfall(net_kg: int, target_kg: int, shortfall_ratio: float) -> bool:
    """A day is a shortfall day when its net tonnage is under shortfall_ratio x the daily target."""
    return net_kg < shortfall_ratio * target_kg


def on_time_ratio(on_time: int, scheduled: int, excused: int) -> float | None:
    """on time / (scheduled - excused); None when nothing was due (no ratio, so no breach)."""
    due = scheduled - excused
    return on_time / due if due > 0 else None


def last_ended_day(now: datetime) -> date:
    """The most recent WIB day that has fully ended (yesterday, WIB)."""
    return clock.wib_date(now) - timedelta(days=1)


def last_ended_month_start(now: datetime) -> date:
    """First day of the most recent WIB month that has fully ended."""
    first_of_this_month = clock.wib_date(now).replace(day=1)
    return (first_of_this_month - timedelta(days=1)).replace(day=1)


def reevaluation_start(now: datetime, days: int | None = None) -> date:
    """First day the daily evaluation recomputes to catch later evidence (a weighing cleared, an offline
    confirmation superseding a miss, an excuse, a verification). The default, 62 days (KAWAL_REEVALUATION_DAYS),
    covers the month billing may still be invoicing and the one before it."""
    days = config.reevaluation_days() if days is None else days
    return last_ended_day(now) - timedelta(days=days - 1)


@dataclass(frozen=True)
class MonthFigures:
    """What the monthly evaluation reads for one contract's WIB month, and the contract's terms."""

    contract_id: str
    month: str
    scheduled: int
    excused: int
    on_time: int
    not_on_time_pickup_ids: list[str]
    shortfall_days: list[date]
    overdue_complaint_ids: list[str]
    min_on_time_ratio: float
    shortfall_days_allowed: int


@dataclass(frozen=True)
class BreachFinding:
    measure: str
    threshold: float
    value: float
    evidence: list[str] = field(default_factory=list)


def monthly_breaches(figures: MonthFigures) -> list[BreachFinding]:
    """The SLA breaches of a month: on-time ratio under the minimum, shortfall days over the allowance,
    any complaint overdue. Each names its measure, threshold, value and evidence."""
    found: list[BreachFinding] = []
    ratio = on_time_ratio(figures.on_time, figures.scheduled, figures.excused)
    if ratio is not None and ratio < figures.min_on_time_ratio:
        found.append(BreachFinding("on_time_ratio", figures.min_on_time_ratio, round(ratio, 4),
                                   sorted(figures.not_on_time_pickup_ids)))
    if len(figures.shortfall_days) > figures.shortfall_days_allowed:
        found.append(BreachFinding("shortfall_days", float(figures.shortfall_days_allowed),
                                   float(len(figures.shortfall_days)),
                                   [day.isoformat() for day in sorted(figures.shortfall_days)]))
    if figures.overdue_complaint_ids:
        found.append(BreachFinding("complaints_overdue", 0.0, float(len(figures.overdue_complaint_ids)),
                                   sorted(figures.overdue_complaint_ids)))
    return found
