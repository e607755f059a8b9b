"""The dashboard's arithmetic over what the APIs answered: plain functions of plain values (unit-tested)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from shared import clock

LEVELS = ("SP1", "SP2", "SP3")


@dataclass(frozen=True)
class ContractMonth:
    """One contract's month so far, as the Beranda shows it."""

    contract_id: str
    number: str
    kawasan: str
    status: str
    on_time_ratio: Decimal | None  # on time / (scheduled - excused); None before anything was due
    min_on_time_ratio: Decimal
    below_minimum: bool
    missed: int
    net_kg: int
    target_kg: int
    tonnage_ratio: Decimal | None
    complaints_open: int
    complaints_overdue: int
    deductions_rp: int  # this month's draft (or issued) invoice
    cap_rp: int
    cap_used_rp: int  # issued invoices to date (the ledger)
    cap_used_ratio: Decimal
    warning_level: str | None


def ratio(part: int, whole: int) -> Decimal | None:
    return None if whole <= 0 else Decimal(part) / Decimal(whole)


def warning_level(warnings: list[dict]) -> str | None:
    """The highest letter in force: letters resting only on withdrawn breaches no longer count."""
    live = [w["level"] for w in warnings if not w.get("rests_only_on_withdrawn")]
    return max(live, key=LEVELS.index) if live else None


def contract_month(
    contract: dict, days: list[dict], complaints: list[dict], invoice: dict | None, ledger: dict | None
) -> ContractMonth:
    """Sum a contract's daily evaluations of the month, count its complaints, read its invoice and ledger."""
    scheduled = sum(d["scheduled"] for d in days)
    excused = sum(d["excused"] for d in days)
    on_time = sum(d["on_time"] for d in days)
    due = scheduled - excused
    on_time_ratio = ratio(on_time, due)
    minimum = Decimal(str(contract["sla"]["min_on_time_ratio"]))
    net_kg, target_kg = sum(d["net_kg"] for d in days), sum(d["target_kg"] for d in days)
    cap_rp = (ledger or {}).get("cap_rp") or contract["penalties"].get("cap_rp") or 0
    cap_used = (ledger or {}).get("cap_used_rp") or 0
    return ContractMonth(
        contract_id=contract["id"],
        number=contract["number"],
        kawasan=contract["kawasan"],
        status=contract["status"],
        on_time_ratio=on_time_ratio,
        min_on_time_ratio=minimum,
        below_minimum=on_time_ratio is not None and on_time_ratio < minimum,
        missed=sum(d["missed"] for d in days),
        net_kg=net_kg,
        target_kg=target_kg,
        tonnage_ratio=ratio(net_kg, target_kg),
        complaints_open=sum(1 for c in complaints if c["status"] in ("open", "overdue")),
        complaints_overdue=sum(1 for c in complaints if c["status"] == "overdue"),
        deductions_rp=(invoice or {}).get("deductions_rp") or 0,
        cap_rp=cap_rp,
        cap_used_rp=cap_used,
        cap_used_ratio=ratio(cap_used, cap_rp) or Decimal(0),
        warning_level=warning_level(contract.get("warnings", [])),
    )


def ready_to_issue(invoice: dict, sync_allowance_hours: int, now: datetime) -> bool:
    """A draft whose month and sync allowance after it have passed (billing answers 409 month_not_ended before)."""
    if invoice["status"] != "draft":
        return False
    _, following = clock.month_bounds(invoice["month"])
    month_end = clock.wib_instant(following, datetime.min.time())
    return now >= month_end + timedelta(hours=sync_allowance_hours)


def open_flags(weighings: list[dict]) -> list[dict]:
    """Flagged tickets nobody has cleared yet: the weighbridge desk's queue of decisions."""
    return [w for w in weighings if w["flags"] and not w["cleared"]]


def month_shown(asked: str | None, days: list[dict], this_month: str, previous: str) -> tuple[str, bool]:
    """The month the Beranda shows and whether it chose it: the one asked for, else this month once a truck has been
    weighed in it (a day's evaluation with net tonnage), else the previous month if one was, else this month. After
    `make demo` that is the simulated month, not the new one nobody has worked yet (its pickups only scheduled, or
    swept as missed with no truck out). `days` are the daily evaluations of both months."""
    if asked:
        return asked, False
    weighed = {str(d["date"])[:7] for d in days if d.get("net_kg")}
    return next((month for month in (this_month, previous) if month in weighed), this_month), True
