"""Beranda: every contract's month at a glance, and what needs a decision today."""

from __future__ import annotations

import re

from flask import Blueprint, abort, render_template, request

from services.portal.backoffice import figures
from services.portal.backoffice.common import api, read_page, this_month, together
from shared import clock

blp = Blueprint("bo_dashboard", __name__, url_prefix="/kantor")
MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


def _by_contract(items: list[dict]) -> dict[str | None, list[dict]]:
    grouped: dict[str | None, list[dict]] = {}  # None: items without a contract (looked up by none)
    for item in items:
        grouped.setdefault(item.get("contract_id"), []).append(item)
    return grouped


def _shift(month: str, by: int) -> str:
    year, number = (int(part) for part in month.split("-"))
    index = year * 12 + number - 1 + by
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def _span(first_month: str, last_month: str) -> dict[str, str]:
    following = clock.month_bounds(last_month)[1]
    return {
        "from": clock.month_bounds(first_month)[0].isoformat(),
        "to": following.fromordinal(following.toordinal() - 1).isoformat(),
    }


@blp.get("/")
@read_page
def index():
    client = api()  # made here: together's threads have no request context
    asked = request.args.get("bulan") or None
    if asked and not MONTH.match(asked):
        abort(404)
    current = this_month()
    previous = _shift(current, -1)
    # one round of calls at once; unless a month was asked for, this month's and the previous one's daily results
    # (which of the two to show is known from them) and the previous month's invoices
    span = _span(asked, asked) if asked else _span(previous, current)
    past = asked if asked and asked != current else (None if asked else previous)
    summary = {"summary": "true"}  # totals as stored: a draft's lines and evidence are the invoice page's
    got = together(
        contracts=lambda: client.all_pages("contracts", "/contracts"),
        days=lambda: client.all_pages("routes", "/compliance/daily", **span),
        open=lambda: client.all_pages("routes", "/complaints", status="open"),
        overdue=lambda: client.all_pages("routes", "/complaints", status="overdue"),
        # a month's invoice is a draft until the month has ended: the drafts have this month's
        drafts=lambda: client.all_pages("billing", "/invoices", status="draft", **summary),
        invoices=lambda: client.all_pages("billing", "/invoices", month=past, **summary) if past else [],
        ledgers=lambda: client.all_pages("billing", "/contracts/ledgers"),
        objections=lambda: client.all_pages("billing", "/objections", status="open"),
        flagged=lambda: client.all_pages("routes", "/weighings", flagged="true"),
    )
    month, chosen = figures.month_shown(asked, got["days"], current, previous)
    contracts = [c for c in got["contracts"] if c["status"] in ("active", "suspended")]
    days = _by_contract([d for d in got["days"] if str(d["date"])[:7] == month])
    complaints = _by_contract(got["open"] + got["overdue"])
    # a contract billing has not heard of yet (its activation event on the way) has no ledger: shown from its terms
    ledgers = {ledger["contract_id"]: ledger for ledger in got["ledgers"]}
    this_months = {i["contract_id"]: i for i in got["invoices"] + got["drafts"] if i["month"] == month}
    rows = [
        figures.contract_month(
            c, days.get(c["id"], []), complaints.get(c["id"], []), this_months.get(c["id"]), ledgers.get(c["id"])
        )
        for c in contracts
    ]
    sync = {c["id"]: c["sla"]["sync_allowance_hours"] for c in contracts}
    now = clock.now()
    decisions = {
        "objections": got["objections"],
        "weighings": figures.open_flags(got["flagged"]),
        "complaints": got["overdue"],
        "invoices": [i for i in got["drafts"] if figures.ready_to_issue(i, sync.get(i["contract_id"], 24), now)],
    }
    numbers = {c["id"]: c["number"] for c in got["contracts"]}
    return render_template(
        "backoffice/dashboard.html",
        month=month,
        chosen=chosen,
        rows=rows,
        decisions=decisions,
        numbers=numbers,
        current=current,
        previous=_shift(month, -1),
        following=_shift(month, 1) if month < current else None,
    )
