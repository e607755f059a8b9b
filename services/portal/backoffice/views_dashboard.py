"""Beranda: every contract's month at a glance, and what needs a decision today."""
from __future__ import annotations

import re

from flask import Blueprint, abort, render_template, request

from shared import clock
from services.portal.apiclient import ApiProblem
from services.portal.backoffice import figures
from services.portal.backoffice.common import api, read_page, this_month, together

blp = Blueprint("bo_dashboard", __name__, url_prefix="/kantor")
MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


def _by_contract(items: list[dict]) -> dict[str, list[dict]]:
    grouped: dict[str, list[dict]] = {}
    for item in items:
        grouped.setdefault(item.get("contract_id"), []).append(item)
    return grouped


def _ledger(client, contract_id: str) -> dict | None:
    try:
        return client.get("billing", f"/contracts/{contract_id}/ledger")
    except ApiProblem as problem:
        if problem.status == 404:  # billing has not received the activation event yet
            return None
        raise


def _latest_weighing(client) -> str | None:
    """When the latest truck was weighed (the list runs oldest first: its last page of one)."""
    first = client.get("routes", "/weighings", per_page=1)
    pages = first["page"]["pages"]
    last = first if pages <= 1 else client.get("routes", "/weighings", per_page=1, page=pages)
    return last["items"][0]["weighed_at"] if last["items"] else None


def _shift(month: str, by: int) -> str:
    year, number = (int(part) for part in month.split("-"))
    index = year * 12 + number - 1 + by
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


@blp.get("/")
@read_page
def index():
    client = api()  # made here: together's threads have no request context
    asked = request.args.get("bulan") or None
    if asked and not MONTH.match(asked):
        abort(404)
    current = this_month()
    summary = {"summary": "true"}  # totals as stored: a draft's lines and evidence are the invoice page's
    # first round: what does not depend on the month (and, unless one was asked for, which month to show)
    got = together(
        contracts=lambda: client.all_pages("contracts", "/contracts"),
        latest=lambda: None if asked else _latest_weighing(client),
        open=lambda: client.all_pages("routes", "/complaints", status="open"),
        overdue=lambda: client.all_pages("routes", "/complaints", status="overdue"),
        drafts=lambda: client.all_pages("billing", "/invoices", status="draft", **summary),
        objections=lambda: client.all_pages("billing", "/objections", status="open"),
        flagged=lambda: client.all_pages("routes", "/weighings", flagged="true"))
    month, chosen = figures.month_shown(asked, got["latest"], current)
    first, following = clock.month_bounds(month)
    last = following.fromordinal(following.toordinal() - 1)
    span = {"from": first.isoformat(), "to": last.isoformat()}
    contracts = [c for c in got["contracts"] if c["status"] in ("active", "suspended")]
    # second round: the month's figures and each contract's ledger
    more = together(
        days=lambda: client.all_pages("routes", "/compliance/daily", **span),
        # a month's invoice is a draft until the month has ended: the drafts already have it
        invoices=lambda: [] if month == current else client.all_pages("billing", "/invoices", month=month, **summary),
        **{f"ledger:{c['id']}": (lambda c=c: _ledger(client, c["id"])) for c in contracts})
    days, complaints = _by_contract(more["days"]), _by_contract(got["open"] + got["overdue"])
    this_months = {i["contract_id"]: i for i in more["invoices"] + got["drafts"] if i["month"] == month}
    rows = [figures.contract_month(c, days.get(c["id"], []), complaints.get(c["id"], []), this_months.get(c["id"]),
                                   more[f"ledger:{c['id']}"]) for c in contracts]
    sync = {c["id"]: c["sla"]["sync_allowance_hours"] for c in contracts}
    now = clock.now()
    decisions = {
        "objections": got["objections"],
        "weighings": figures.open_flags(got["flagged"]),
        "complaints": got["overdue"],
        "invoices": [i for i in got["drafts"] if figures.ready_to_issue(i, sync.get(i["contract_id"], 24), now)],
    }
    numbers = {c["id"]: c["number"] for c in got["contracts"]}
    return render_template("backoffice/dashboard.html", month=month, chosen=chosen, rows=rows, decisions=decisions,
                           numbers=numbers, current=current, previous=_shift(month, -1),
                           following=_shift(month, 1) if month < current else None)
