"""Compliance rules as plain functions over plain values: shortfall, on-time ratio, monthly breaches, catch-up ranges."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from shared import clock, config
from shared.contract_terms import exact, is_under


def is_shortfall(net_kg: int, target_kg: int, shortfall_ratio) -> bool:
    """A day is a shortfall day when its net tonnage is under shortfall_ratio x the daily target, compared
    exactly (ratio 0.55, target 100,000 kg: 55,000 kg is not a shortfall)."""
    return is_under(net_kg, shortfall_ratio, target_kg)


def on_time_ratio(on_time: int, scheduled: int, excused: int) -> Decimal | None:
    """on time / (scheduled - excused), as a Decimal; None when nothing was due (no ratio, so no breach)."""
    due = scheduled - excused
    return Decimal(on_time) / Decimal(due) if due > 0 else None


def on_time_under(on_time: int, scheduled: int, excused: int, minimum) -> bool:
    """The on-time ratio is under the minimum, compared exactly: on_time < minimum x due, no division."""
    due = scheduled - excused
    return due > 0 and is_under(on_time, minimum, due)


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
    min_on_time_ratio: Decimal | float
    shortfall_days_allowed: int
    # each shortfall day's allowance as in force on that day (None: shortfall_days_allowed for every day)
    shortfall_allowance_on: dict[date, int] | None = None


@dataclass(frozen=True)
class BreachFinding:
    measure: str
    threshold: Decimal | float
    value: Decimal | float
    evidence: list[str] = field(default_factory=list)


def over_allowance(figures: MonthFigures) -> int | None:
    """The allowance the month's shortfall days first exceed, or None.

    Shortfall days are facts of their own days (DOMAIN: a fact is judged by the terms in force on its own date),
    so the n-th shortfall day of the month is over the allowance when n exceeds the allowance in force on THAT
    day: the same rule billing prices (services/billing/facts.py), so a month has a shortfall breach exactly
    when it has a billed shortfall day, also when an amendment changes the allowance mid-month."""
    allowance_on = figures.shortfall_allowance_on or {}
    for n, day in enumerate(sorted(figures.shortfall_days), start=1):
        allowance = allowance_on.get(day, figures.shortfall_days_allowed)
        if n > allowance:
            return allowance
    return None


def monthly_breaches(figures: MonthFigures) -> list[BreachFinding]:
    """The SLA breaches of a month: on-time ratio under the minimum, shortfall days over the allowance,
    any complaint overdue. Each names its measure, threshold, value and evidence."""
    found: list[BreachFinding] = []
    if on_time_under(figures.on_time, figures.scheduled, figures.excused, figures.min_on_time_ratio):
        ratio = on_time_ratio(figures.on_time, figures.scheduled, figures.excused)
        assert ratio is not None, "on_time_under holds only when something was due"
        found.append(
            BreachFinding(
                "on_time_ratio",
                exact(figures.min_on_time_ratio),
                ratio.quantize(Decimal("0.0001")),
                sorted(figures.not_on_time_pickup_ids),
            )
        )
    over = over_allowance(figures)
    if over is not None:
        found.append(
            BreachFinding(
                "shortfall_days",
                float(over),
                float(len(figures.shortfall_days)),
                [day.isoformat() for day in sorted(figures.shortfall_days)],
            )
        )
    if figures.overdue_complaint_ids:
        found.append(
            BreachFinding(
                "complaints_overdue",
                0.0,
                float(len(figures.overdue_complaint_ids)),
                sorted(figures.overdue_complaint_ids),
            )
        )
    return found
