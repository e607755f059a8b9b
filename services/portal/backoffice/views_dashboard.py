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


@blp.get("/")
@read_page
def index():
    client = api()
    month = request.args.get("bulan") or this_month()
    if not MONTH.match(month):
        abort(404)
    first, following = clock.month_bounds(month)
    last = following.fromordinal(following.toordinal() - 1)
    span = {"from": first.isoformat(), "to": last.isoformat()}
    got = together(
        contracts=lambda: client.all_pages("contracts", "/contracts"),
        days=lambda: client.all_pages("routes", "/compliance/daily", **span),
        open=lambda: client.all_pages("routes", "/complaints", status="open"),
        overdue=lambda: client.all_pages("routes", "/complaints", status="overdue"),
        # this month's invoice is a draft until the month has ended: one call has it and the drafts to issue
        drafts=lambda: client.all_pages("billing", "/invoices", status="draft"),
        invoices=lambda: [] if month == this_month() else client.all_pages("billing", "/invoices", month=month),
        objections=lambda: client.all_pages("billing", "/objections", status="open"),
        flagged=lambda: client.all_pages("routes", "/weighings", flagged="true"))
    contracts = [c for c in got["contracts"] if c["status"] in ("active", "suspended")]
    ledgers = together(**{c["id"]: (lambda c=c: _ledger(client, c["id"])) for c in contracts})
    days, complaints = _by_contract(got["days"]), _by_contract(got["open"] + got["overdue"])
    this_months = {i["contract_id"]: i for i in got["invoices"] + got["drafts"] if i["month"] == month}
    rows = [figures.contract_month(c, days.get(c["id"], []), complaints.get(c["id"], []), this_months.get(c["id"]),
                                   ledgers[c["id"]]) for c in contracts]
    sync = {c["id"]: c["sla"]["sync_allowance_hours"] for c in contracts}
    now = clock.now()
    decisions = {
        "objections": got["objections"],
        "weighings": figures.open_flags(got["flagged"]),
        "complaints": got["overdue"],
        "invoices": [i for i in got["drafts"] if figures.ready_to_issue(i, sync.get(i["contract_id"], 24), now)],
    }
    numbers = {c["id"]: c["number"] for c in got["contracts"]}
    first_of_this = clock.month_bounds(this_month())[0]
    previous = clock.month_of(first_of_this.fromordinal(first_of_this.toordinal() - 1))
    return render_template("backoffice/dashboard.html", month=month, rows=rows, decisions=decisions, numbers=numbers,
                           previous=previous, current=this_month())
