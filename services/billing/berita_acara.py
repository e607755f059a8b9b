"""The berita acara pemeriksaan pekerjaan of an issued invoice: what it states, gathered from billing's own tables."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.billing import berita_acara_pdf, digests, objections, readmodel, termin
from services.billing.models import Contract, ContractArea, Contractor, Invoice, InvoiceLine
from shared import auth
from shared.errors import conflict, not_found


@dataclass(frozen=True)
class Row:
    kind: str
    category: str
    description: str
    quantity: int
    unit: str
    unit_rp: int
    amount_rp: int
    evidence_count: int


@dataclass(frozen=True)
class Decision:
    kind: str
    ref: str
    filed_at: datetime
    reason: str
    status: str
    decision_reason: str | None
    decided_at: datetime | None


@dataclass(frozen=True)
class Document:
    """Everything the PDF prints, as plain values (rendered by berita_acara_pdf, tested without a database)."""

    invoice_id: str
    number: str  # the contract's number
    kawasan: str
    kecamatan: list[str]
    contractor: str
    npwp: str
    start_date: date
    end_date: date
    value_rp: int  # the terms of the invoice (in force on the month's last day)
    ppn_rate: str
    month: str
    status: str
    kind: str  # termin, final (termin akhir), closing
    issued_at: datetime
    tonnage_kg: int
    tonnage_gross_rp: int
    ceiling_excess_rp: int
    tonnage_rp: int
    deductions_gross_rp: int
    capped_rp: int
    carried_in_rp: int
    deductions_rp: int
    carried_out_rp: int
    cap_used_rp: int
    cap_rp: int
    dpp_rp: int
    ppn_rp: int
    total_rp: int
    sha256: str
    bond_claim_rp: int = 0
    performance_bond_rp: int = 0
    rows: list[Row] = field(default_factory=list)
    decisions: list[Decision] = field(default_factory=list)


def gather(session: Session, invoice_id) -> Document:
    """The issued invoice as the caller may see it (a contractor its own), with its contract and objections."""
    query = auth.scope(select(Invoice).where(Invoice.id == str(invoice_id)), Invoice.contractor_id)
    invoice = session.execute(query).scalar_one_or_none()
    if invoice is None:
        raise not_found("Invoice")
    digest = digests.of_invoice(session, invoice.id)
    if invoice.status == "draft" or digest is None:
        raise conflict(
            "invoice_not_issued", "A draft has no berita acara: issue the invoice first.", {"status": [invoice.status]}
        )
    contract = session.get(Contract, invoice.contract_id)
    terms = termin.terms_for(readmodel.timeline_of(session, contract), invoice.month)
    area = session.get(ContractArea, contract.id)
    contractor = session.get(Contractor, contract.contractor_id)
    lines = (
        session.execute(select(InvoiceLine).where(InvoiceLine.invoice_id == invoice.id).order_by(InvoiceLine.position))
        .scalars()
        .all()
    )
    rows = [
        Row(
            line.kind,
            line.category,
            line.description,
            line.quantity,
            line.unit,
            line.unit_rp,
            line.amount_rp,
            line.evidence_count,
        )
        for line in lines
    ]
    decisions = [
        Decision(o.kind, o.ref, o.filed_at, o.reason, o.status, o.decision_reason, o.decided_at)
        for o in objections.of_invoice(session, invoice.id)
    ]
    return Document(
        invoice_id=invoice.id,
        number=contract.number,
        kawasan=area.kawasan if area else "-",
        kecamatan=list(area.kecamatan) if area else [],
        contractor=contractor.name if contractor else "-",
        npwp=contractor.npwp if contractor else "-",
        start_date=contract.start_date,
        end_date=contract.end_date,
        value_rp=terms.value_rp,
        ppn_rate=str(terms.ppn_rate),
        month=invoice.month,
        status=invoice.status,
        kind=invoice.kind,
        issued_at=invoice.issued_at,
        tonnage_kg=invoice.tonnage_kg,
        tonnage_gross_rp=invoice.tonnage_gross_rp,
        ceiling_excess_rp=invoice.ceiling_excess_rp,
        tonnage_rp=invoice.tonnage_rp,
        deductions_gross_rp=invoice.deductions_gross_rp,
        capped_rp=invoice.capped_rp,
        carried_in_rp=invoice.carried_in_rp,
        deductions_rp=invoice.deductions_rp,
        carried_out_rp=invoice.carried_out_rp,
        cap_used_rp=invoice.cap_used_rp,
        cap_rp=terms.cap_rp,
        dpp_rp=invoice.dpp_rp,
        ppn_rp=invoice.ppn_rp,
        total_rp=invoice.total_rp,
        sha256=digest.sha256,
        bond_claim_rp=invoice.bond_claim_rp,
        performance_bond_rp=invoice.performance_bond_rp,
        rows=rows,
        decisions=decisions,
    )


def filename(document: Document) -> str:
    number = "".join(ch if ch.isalnum() else "-" for ch in document.number).strip("-")
    return f"berita-acara-{number}-{document.month}.pdf"


def of_invoice(session: Session, invoice_id) -> tuple[bytes, str]:
    """The PDF's bytes and a file name for it."""
    document = gather(session, invoice_id)
    return berita_acara_pdf.render(document), filename(document)
