"""Gathers a month's figures per contract through the APIs (auditor reads; dinas only to compute invoice drafts)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import date, timedelta

from kawal.demo import figures
from kawal.demo.client import ApiFailure, Kawal
from shared import clock


@dataclass
class ContractMonth:
    contract: dict
    month: str
    by_kecamatan: dict[str, figures.PickupStats]
    pickups: figures.PickupStats
    tonnage: figures.Tonnage
    target_kg: int
    shortfall_days: int
    breaches: list[dict]
    warnings: list[dict]
    invoice: dict | None
    invoice_error: str | None = None
    force_majeure: list[dict] = field(default_factory=list)


@dataclass
class Report:
    months: list[str]
    rows: list[ContractMonth] = field(default_factory=list)
    ledgers: list[dict] = field(default_factory=list)  # per contract, to date: cap and ceiling used


def default_month(today: date) -> str:
    """The month of yesterday (WIB): right after a simulated month, that month."""
    return clock.month_of(today - timedelta(days=1))


def gather(
    kawal: Kawal,
    months: list[str],
    draft_invoices: bool = True,
    issue_wait_seconds: float | None = None,
) -> Report:
    """The months' figures per contract; with `issue_wait_seconds`, each month's invoice is also issued once its
    month and sync allowance have passed on the shared clock (waiting up to that many real seconds)."""
    report = Report(months)
    contracts = sorted(kawal.list_all("contracts", "/contracts", role="auditor"), key=lambda c: c["number"])
    kecamatan_of = {p["id"]: p["kecamatan"] for p in kawal.list_all("routes", "/points", role="auditor")}
    today = clock.today_wib()
    for month in months:
        first, following = clock.month_bounds(month)
        last = following - timedelta(days=1)
        for contract in contracts:
            if contract["status"] == "draft":
                continue
            start, end = date.fromisoformat(contract["start_date"]), date.fromisoformat(contract["end_date"])
            if end < first or start > last:
                continue
            span = {"contract_id": contract["id"], "from": first.isoformat(), "to": last.isoformat()}
            pickups = kawal.list_all("routes", "/pickups", role="auditor", **span)
            by_kecamatan = figures.pickups_by_kecamatan(pickups, kecamatan_of)
            weighings = kawal.list_all("routes", "/weighings", role="auditor", **span)
            daily = kawal.list_all("routes", "/compliance/daily", role="auditor", **span)
            breaches = kawal.list_all(
                "routes", "/compliance/breaches", role="auditor", contract_id=contract["id"], month=month
            )
            force_majeure = kawal.list_all("routes", "/force-majeure", role="auditor", **span)
            if issue_wait_seconds is not None:
                issue_when_due(kawal, contract, month, issue_wait_seconds)
            invoice, error = invoice_of(kawal, contract["id"], month, draft_invoices)
            report.rows.append(
                ContractMonth(
                    contract,
                    month,
                    by_kecamatan,
                    figures.total(by_kecamatan),
                    figures.Tonnage.of(weighings),
                    figures.target_kg(contract["daily_target_kg"], first, following, start, end, min(last, today)),
                    sum(1 for d in daily if d.get("shortfall")),
                    breaches,
                    contract.get("warnings") or [],
                    invoice,
                    error,
                    force_majeure,
                )
            )
    for contract_id in dict.fromkeys(row.contract["id"] for row in report.rows):
        answer = kawal.call("GET", "billing", f"/contracts/{contract_id}/ledger", role="auditor")
        if answer.ok:
            report.ledgers.append(answer.body)
    return report


def invoice_of(kawal: Kawal, contract_id: str, month: str, draft: bool) -> tuple[dict | None, str | None]:
    """The month's invoice: the draft created or recomputed first (dinas), then read as the auditor reads it."""
    if draft:
        answer = kawal.post("billing", "/invoices", {"contract_id": contract_id, "month": month})
        if not answer.ok and answer.status != 409:  # 409: already issued, frozen; read it as it is
            return None, answer.outcome
    try:
        found = kawal.get("billing", "/invoices", role="auditor", contract_id=contract_id, month=month)
    except ApiFailure as failure:
        return None, failure.answer.outcome
    items = found.get("items") or []
    if not items:
        return None, "no invoice / belum ada tagihan"
    return kawal.get("billing", f"/invoices/{items[0]['id']}", role="auditor"), None


def issuable_from(contract: dict, month: str):
    """DOMAIN.md: a month is issued once it has ended (WIB) and its sync allowance has passed."""
    hours = int((contract.get("sla") or {}).get("sync_allowance_hours", 24))
    return clock.wib_day_bounds(clock.month_bounds(month)[1])[0] + timedelta(hours=hours)


def issue_when_due(kawal: Kawal, contract: dict, month: str, wait_seconds: float) -> str:
    """Draft and issue the contract's invoice of `month` once it may be issued; the outcome in a word."""
    deadline = time.monotonic() + wait_seconds
    while clock.now() < issuable_from(contract, month):
        if time.monotonic() > deadline:
            return "not yet issuable"
        time.sleep(0.2)  # real seconds on an accelerated clock: the demo's day is a few seconds
    while True:
        answer = kawal.post("billing", "/invoices", {"contract_id": contract["id"], "month": month})
        if answer.status == 409:
            return "already issued"
        if not answer.ok:
            return answer.outcome
        issued = kawal.post("billing", f"/invoices/{answer.body['id']}/issue")
        if issued.ok or issued.code != "month_not_ended" or time.monotonic() > deadline:
            return "issued" if issued.ok else issued.outcome
        time.sleep(0.2)  # the billing API's clock a hair behind ours
