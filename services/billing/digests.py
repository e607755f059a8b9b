"""An issued invoice's canonical JSON and its SHA-256, fixed at issue, so a printed berita acara can be checked."""

from __future__ import annotations

import hashlib
import json
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Sequence

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from services.billing.models import Contract, Invoice, InvoiceDigest, InvoiceLine
from shared import auth, clock

# What changes after issue (the life after it, bookkeeping) stays out of the hash: the rest is frozen at issue.
LIFECYCLE = frozenset({"status", "approved_at", "paid_at", "computed_at", "created_at", "updated_at"})


def _plain(value):
    if isinstance(value, datetime):
        return value.astimezone(clock.UTC).isoformat().replace("+00:00", "Z")
    if isinstance(value, (date, Decimal)):
        return str(value)
    raise TypeError(f"not canonical: {type(value).__name__}")


def canonical_json(body: dict) -> str:
    """Sorted keys, no whitespace, UTF-8 text, instants in UTC with Z: one text for one invoice, on any machine."""
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_plain)


def sha256_hex(canonical: str) -> str:
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def invoice_body(session: Session, invoice: Invoice) -> dict:
    """The invoice as frozen: its figures, its contract's number, every line and every evidence row it billed."""
    body = {
        column.name: getattr(invoice, column.name)
        for column in Invoice.__table__.columns
        if column.name not in LIFECYCLE
    }
    body["contract_number"] = session.get_one(Contract, invoice.contract_id).number  # a foreign key: it is there
    lines = (
        session.execute(select(InvoiceLine).where(InvoiceLine.invoice_id == invoice.id).order_by(InvoiceLine.position))
        .scalars()
        .all()
    )
    body["lines"] = [
        {
            column.name: getattr(line, column.name)
            for column in InvoiceLine.__table__.columns
            if column.name != "invoice_id"
        }
        for line in lines
    ]
    rows = (
        session.execute(
            text(
                "SELECT kind, ref, fact, fact_month, quantity FROM invoice_evidence WHERE invoice_id = CAST(:i AS uuid) "
                "ORDER BY kind, fact_month, ref"
            ),
            {"i": invoice.id},
        )
        .mappings()
        .all()
    )
    body["evidence"] = [dict(row) for row in rows]
    return body


def fix(session: Session, invoice: Invoice) -> InvoiceDigest:
    """Hash the invoice as it is issued (called in the issuing transaction, after the evidence is frozen)."""
    canonical = canonical_json(invoice_body(session, invoice))
    digest = InvoiceDigest(
        invoice_id=invoice.id, sha256=sha256_hex(canonical), canonical=canonical, created_at=clock.now()
    )
    session.add(digest)
    session.flush()
    return digest


def of_invoice(session: Session, invoice_id: str) -> InvoiceDigest | None:
    return session.get(InvoiceDigest, invoice_id)


def verify(session: Session, sha256: str) -> dict:
    """Whether a printed hash is an issued invoice's; the invoice it names when it is.

    A contractor learns only of its own invoices: another's hash does not match for it."""
    query = (
        select(InvoiceDigest, Invoice, Contract.number)
        .join(Invoice, Invoice.id == InvoiceDigest.invoice_id)
        .join(Contract, Contract.id == Invoice.contract_id)
        .where(InvoiceDigest.sha256 == sha256.lower())
    )
    row: Sequence[Any] | None = session.execute(auth.scope(query, Invoice.contractor_id)).first()
    if row is None:
        return {"sha256": sha256, "matches": False}
    digest, invoice, number = row
    # the stored text must still hash to the stored hash: a rewritten row does not verify
    matches = sha256_hex(digest.canonical) == digest.sha256
    return {
        "sha256": sha256,
        "matches": matches,
        "invoice_id": invoice.id,
        "contract_id": invoice.contract_id,
        "number": number,
        "month": invoice.month,
        "status": invoice.status,
        "total_rp": invoice.total_rp,
        "issued_at": invoice.issued_at,
    }
