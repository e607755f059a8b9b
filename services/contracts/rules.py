"""Contract rules as plain functions over plain values: terms and their defaults, the life cycle, SP order, overlap."""

from __future__ import annotations

import re
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Iterable

from shared import contract_terms
from shared.city import KECAMATAN
from shared.errors import ApiError, conflict, invalid
from shared.fields import MAX_PERIOD_YEARS

PPN_RATE = 0.11
SLA_DEFAULTS = {
    "grace_minutes": 60,
    "geofence_m": 150,
    "sync_allowance_hours": 24,
    "min_on_time_ratio": 0.95,
    "complaint_hours_priority": 24,
    "complaint_hours_normal": 72,
    "shortfall_ratio": 0.5,
    "shortfall_days_allowed": 3,
}
SLA_FIELDS = tuple(SLA_DEFAULTS)
PENALTY_RATE_FIELDS = ("missed_pickup_rp", "complaint_day_rp", "shortfall_day_rp")
CAP_RATIO = 0.05  # performance bond and penalty cap: 5% of the contract value (Perpres 16/2018)
LEVELS = ("SP1", "SP2", "SP3")
LIVE = ("active", "suspended")  # statuses that hold a kecamatan and can expire

# action -> (statuses it may start from, status it leads to)
TRANSITIONS = {
    "activate": (("draft",), "active"),
    "suspend": (("active",), "suspended"),
    "resume": (("suspended",), "active"),
    "terminate": (("active", "suspended"), "terminated"),
}

_NPWP_SEPARATORS = re.compile(r"[.\-\s]")
_KECAMATAN_BY_KEY = {name.casefold(): name for name in KECAMATAN}


def normalise_npwp(raw: str) -> str:
    """The NPWP's digits: 15 (old format, often written 01.234.567.8-901.000) or 16 (NIK-based)."""
    digits = _NPWP_SEPARATORS.sub("", raw or "")
    if not digits.isdigit() or len(digits) not in (15, 16):
        raise invalid(
            "invalid_npwp",
            "An NPWP has 15 or 16 digits, e.g. 01.234.567.8-901.000.",
            {"npwp": ["Must be 15 or 16 digits (dots, dashes and spaces are ignored)."]},
        )
    return digits


def canonical_kecamatan(names: Iterable[str]) -> list[str]:
    """The city's spelling of each kecamatan named (case and surrounding spaces ignored), without repeats."""
    canonical, unknown = [], []
    for name in names:
        found = _KECAMATAN_BY_KEY.get(name.strip().casefold())
        if found is None:
            unknown.append(name)
        elif found not in canonical:
            canonical.append(found)
    if unknown or not canonical:
        message = f"Unknown kecamatan: {', '.join(unknown)}." if unknown else "Name at least one kecamatan."
        raise invalid(
            "invalid_kecamatan", f"{message} Pekanbaru's are: {', '.join(KECAMATAN)}.", {"kecamatan": [message]}
        )
    return canonical


def check_period(start: date, end: date) -> None:
    if end <= start:
        raise invalid(
            "invalid_period", "The end date must be after the start date.", {"end_date": ["Must be after start_date."]}
        )
    if end.year - start.year > MAX_PERIOD_YEARS or (
        end.year - start.year == MAX_PERIOD_YEARS and (end.month, end.day) >= (start.month, start.day)
    ):
        raise invalid(
            "invalid_period",
            f"A contract runs for less than {MAX_PERIOD_YEARS} years.",
            {"end_date": [f"Must be less than {MAX_PERIOD_YEARS} years after start_date."]},
        )


def period_days(start: date, end: date) -> int:
    """Days of a period, both ends included."""
    return (end - start).days + 1


def round_half_up(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def monthly_per_mille_rp(value_rp: int, start: date, end: date) -> int:
    """1 per mille of a 30-day month's value: value x 30 / days of the period / 1000, rounded half up."""
    return round_half_up(Decimal(value_rp) * 30 / period_days(start, end) / 1000)


def cap_rp(value_rp: int, cap_ratio: float) -> int:
    return round_half_up(Decimal(value_rp) * Decimal(str(cap_ratio)))


def performance_bond_rp(value_rp: int, given: int | None = None) -> int:
    """The jaminan pelaksanaan: as agreed, else 5% of the contract value (Perpres 16/2018), half up."""
    return given if given is not None else cap_rp(value_rp, CAP_RATIO)


def month_of(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def check_effective_from(effective_from: date, issued_months: Iterable[str], number: str) -> None:
    """An amendment cannot take effect inside a month whose invoice is issued, nor before one (it would reprice
    facts of the frozen month too): 409."""
    frozen = sorted(month for month in issued_months if month >= month_of(effective_from))
    if frozen:
        raise conflict(
            "month_issued",
            f"Contract {number}: the invoice of {frozen[0]} is issued, so an amendment "
            f"cannot take effect on {effective_from}; choose a day after that month.",
            {"effective_from": [f"The invoice of {frozen[0]} is issued."]},
        )


def activation_day(requested: date | None, today: date) -> date:
    """The day a contract takes effect: today, or the earlier day given; a day to come is refused."""
    if requested is None:
        return today
    if requested > today:
        raise invalid(
            "future",
            "A contract cannot be recorded as activated on a day to come.",
            {"activated_on": [f"After today ({today.isoformat()})."]},
        )
    return requested


def check_warning_breaches(breach_ids: list[str]) -> None:
    if not breach_ids:
        raise invalid(
            "no_breach",
            "A warning letter names at least one breach of its contract.",
            {"breach_ids": ["Name at least one breach."]},
        )


def sla_terms(given: dict | None) -> dict:
    """The SLA terms given, the handbook's defaults for the rest."""
    return {**SLA_DEFAULTS, **{k: v for k, v in (given or {}).items() if v is not None}}


def penalty_terms(given: dict | None, value_rp: int, start: date, end: date) -> dict:
    """Penalty terms given, else the defaults computed once, at creation, from the value and the period."""
    given = {k: v for k, v in (given or {}).items() if v is not None}
    rate = monthly_per_mille_rp(value_rp, start, end)
    terms = {name: given.get(name, rate) for name in PENALTY_RATE_FIELDS}
    terms["cap_ratio"] = given.get("cap_ratio", CAP_RATIO)
    terms["cap_rp"] = cap_rp(value_rp, terms["cap_ratio"])
    return terms


def effective_status(status: str, end_date: date, today: date) -> str:
    """A live contract whose end date has passed is expired, whether or not the sweep has stored it yet."""
    return "expired" if status in LIVE and end_date < today else status


def transition(action: str, status: str, number: str) -> str:
    """The status an action leads to; 409 when the contract is not in a status it may start from."""
    allowed, target = TRANSITIONS[action]
    if status not in allowed:
        raise conflict(
            "invalid_transition",
            f"Contract {number} is {status}; only a contract that is {' or '.join(allowed)} can be {_past(action)}.",
            {"status": [status]},
        )
    return target


def _past(action: str) -> str:
    return {"activate": "activated", "suspend": "suspended", "resume": "resumed", "terminate": "terminated"}[action]


def next_warning_level(issued: Iterable[str]) -> str | None:
    issued = set(issued)
    return next((level for level in LEVELS if level not in issued), None)


def check_warning_order(issued: Iterable[str], requested: str, number: str) -> None:
    """SP1, SP2, SP3 in that order, each once."""
    issued = list(issued)
    expected = next_warning_level(issued)
    if requested != expected:
        detail = f"{requested} was already issued" if requested in issued else f"{requested} is out of order"
        what = f"the next letter is {expected}" if expected else "all three letters were issued"
        raise conflict(
            "warning_out_of_order",
            f"Contract {number}: {detail}; {what}.",
            {"level": [f"Expected {expected}." if expected else "No further letter exists."]},
        )


def termination_grounds(levels: Iterable[str], cap_reached: bool) -> list[str]:
    """What allows terminating for fault: an SP3, or the penalty cap reached (DOMAIN, warning letters)."""
    grounds = ["SP3"] if "SP3" in set(levels) else []
    return grounds + (["penalty_cap_reached"] if cap_reached else [])


def check_termination(levels: Iterable[str], cap_reached: bool, number: str) -> list[str]:
    grounds = termination_grounds(levels, cap_reached)
    if not grounds:
        raise conflict(
            "termination_not_allowed",
            f"Contract {number} can be terminated for fault only after an SP3 or once billing "
            "reports the penalty cap reached.",
        )
    return grounds


def periods_overlap(a_start: date, a_end: date, b_start: date, b_end: date) -> bool:
    return a_start <= b_end and b_start <= a_end


def overlapping(candidate: dict, others: Iterable[dict]) -> list[dict]:
    """Live contracts sharing a kecamatan with the candidate in an overlapping period (one contract a kecamatan)."""
    return [
        other
        for other in others
        if other["id"] != candidate["id"]
        and other["status"] in LIVE
        and set(other["kecamatan"]) & set(candidate["kecamatan"])
        and periods_overlap(candidate["start_date"], candidate["end_date"], other["start_date"], other["end_date"])
    ]


def overlap_conflict(number: str, clashes: list[dict]) -> ApiError:
    names = "; ".join(f"{c['number']} ({', '.join(sorted(c['kecamatan']))})" for c in clashes)
    return conflict(
        "kecamatan_taken",
        f"Contract {number} overlaps a live contract in the same kecamatan and period: {names}. "
        "A kecamatan has one active contract at a time.",
        {"kecamatan": [names]},
    )


AMENDABLE = contract_terms.PLAIN_TERMS  # what an amendment may change: the plain terms


def amendment_changes(current: dict, requested: dict) -> dict:
    """What an amendment really changes: requested values that differ from the current ones.

    sla and penalties are compared term by term and, when any term changes, carried whole (events need all
    terms). The penalty cap follows the contract value (a ratio of it); the rates stay as fixed at creation."""
    changes = {k: requested[k] for k in AMENDABLE if requested.get(k) is not None and requested[k] != current[k]}
    sla = {**current["sla"], **{k: v for k, v in (requested.get("sla") or {}).items() if v is not None}}
    if sla != current["sla"]:
        changes["sla"] = sla
    penalties = {
        **current["penalties"],
        **{k: v for k, v in (requested.get("penalties") or {}).items() if v is not None and k != "cap_rp"},
    }
    penalties["cap_rp"] = cap_rp(changes.get("value_rp", current["value_rp"]), penalties["cap_ratio"])
    if penalties != current["penalties"]:
        changes["penalties"] = penalties
    if not changes:
        raise invalid(
            "no_change",
            "The amendment changes nothing: give at least one new value.",
            {"_schema": ["No field differs from the contract's current terms."]},
        )
    check_period(changes.get("start_date", current["start_date"]), changes.get("end_date", current["end_date"]))
    return changes
