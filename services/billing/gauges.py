"""Billing's domain gauges, read from its database at scrape time."""

from __future__ import annotations

from functools import partial

from prometheus_client import CollectorRegistry
from sqlalchemy import text

from shared import db, metrics


def _rows(url: str, sql: str):
    with db.engine(url).connect() as connection:
        return connection.execute(text(sql)).all()


def deductions(url: str):
    return [
        ((r.number, r.kind), r.amount)
        for r in _rows(
            url,
            "SELECT c.number, l.kind, sum(l.amount_rp) AS amount FROM invoice_lines l JOIN invoices i ON i.id = l.invoice_id"
            " JOIN contracts c ON c.id = i.contract_id WHERE i.status <> 'draft' AND l.category = 'deduction'"
            " AND l.kind <> 'carried_deduction'"
            " GROUP BY c.number, l.kind",
        )
    ]


def cap_used(url: str):
    return [
        ((r.number,), r.used / r.cap_rp if r.cap_rp else 0.0)
        for r in _rows(
            url,
            "SELECT c.number, c.cap_rp, coalesce(sum(i.deductions_gross_rp - i.capped_rp), 0) AS used FROM contracts c"
            " LEFT JOIN invoices i ON i.contract_id = c.id AND i.status <> 'draft' GROUP BY c.number, c.cap_rp",
        )
    ]


def ceiling_used(url: str):
    return [
        ((r.number,), r.used / r.value_rp if r.value_rp else 0.0)
        for r in _rows(
            url,
            "SELECT c.number, c.value_rp, coalesce(sum(i.tonnage_rp), 0) AS used FROM contracts c"
            " LEFT JOIN invoices i ON i.contract_id = c.id AND i.status <> 'draft' GROUP BY c.number, c.value_rp",
        )
    ]


def invoices(url: str):
    return [((r.status,), r.n) for r in _rows(url, "SELECT status, count(*) AS n FROM invoices GROUP BY status")]


def invoiced(url: str):
    return [
        ((r.number, r.status), r.total)
        for r in _rows(
            url,
            "SELECT c.number, i.status, sum(i.total_rp) AS total FROM invoices i JOIN contracts c ON c.id = i.contract_id"
            " GROUP BY c.number, i.status",
        )
    ]


def objections(url: str):
    return [
        ((r.number, r.status), r.n)
        for r in _rows(
            url,
            "SELECT c.number, o.status, count(*) AS n FROM objections o JOIN contracts c ON c.id = o.contract_id"
            " GROUP BY c.number, o.status",
        )
    ]


def register(registry: CollectorRegistry, database_url: str) -> None:
    """Billing's domain gauges on registry, read from database_url at each scrape (called by the bootstrap)."""
    for name, doc, labels, read in (
        (
            "kawal_billing_deductions_rp",
            "Deductions on issued invoices to date (denda), Rupiah.",
            ["contract", "kind"],
            deductions,
        ),
        ("kawal_billing_cap_used_ratio", "Share of the penalty cap used.", ["contract"], cap_used),
        (
            "kawal_billing_ceiling_used_ratio",
            "Share of the contract value billed as tonnage.",
            ["contract"],
            ceiling_used,
        ),
        ("kawal_billing_invoices", "Invoices (termin) by status.", ["status"], invoices),
        (
            "kawal_billing_invoiced_rp",
            "Invoice totals by contract and status, Rupiah.",
            ["contract", "status"],
            invoiced,
        ),
        (
            "kawal_billing_objections",
            "Objections (keberatan) by contract and status: open ones await the agency.",
            ["contract", "status"],
            objections,
        ),
    ):
        registry.register(metrics.GaugeCollector(name, doc, labels, partial(read, database_url)))
