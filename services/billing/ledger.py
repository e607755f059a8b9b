"""A contract's ledger to date: deductions by kind, cap used, ceiling used, from its issued invoices."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from services.billing.models import Contract
from shared import auth
from shared.errors import not_found
from shared.pagination import paginate

_TOTALS = text("""
SELECT count(*) AS invoices, coalesce(sum(tonnage_rp), 0) AS tonnage_rp,
       coalesce(sum(ceiling_excess_rp), 0) AS ceiling_excess_rp, coalesce(sum(deductions_rp), 0) AS deductions_rp,
       coalesce(sum(capped_rp), 0) AS capped_rp, coalesce(sum(deductions_gross_rp - capped_rp), 0) AS cap_used_rp,
       coalesce(sum(carried_out_rp - carried_in_rp), 0) AS carried_rp, coalesce(sum(total_rp), 0) AS invoiced_rp,
       coalesce(sum(bond_claim_rp), 0) AS bond_claim_rp
FROM invoices WHERE contract_id = CAST(:c AS uuid) AND status <> 'draft'""")

_BY_KIND = text("""
SELECT l.kind, sum(l.amount_rp) AS amount_rp FROM invoice_lines l JOIN invoices i ON i.id = l.invoice_id
WHERE i.contract_id = CAST(:c AS uuid) AND i.status <> 'draft' AND l.category = 'deduction'
  AND l.kind <> 'carried_deduction'  -- already counted on the invoice it came from
GROUP BY l.kind ORDER BY l.kind""")


def ratio(used: int, of: int) -> float:
    """Shown, never compared: exact to six places from integers."""
    return float((Decimal(used) / Decimal(of)).quantize(Decimal("0.000001"))) if of else 0.0


def of_contract(session: Session, contract_id) -> dict:
    """Issued invoices only: a draft is not yet part of what the contractor was billed."""
    query = auth.scope(select(Contract).where(Contract.id == str(contract_id)), Contract.contractor_id)
    contract = session.execute(query).scalar_one_or_none()
    if contract is None:
        raise not_found("Contract")
    return _ledger(session, contract)


def listing(session: Session, page: int, per_page: int) -> dict:
    """Every contract's ledger the caller may see (a contractor its own), by number: one read for a dashboard."""
    query = auth.scope(select(Contract), Contract.contractor_id).order_by(Contract.number, Contract.id)
    result = paginate(session, query, page, per_page)
    result["items"] = [_ledger(session, contract) for contract in result["items"]]
    return result


def _ledger(session: Session, contract: Contract) -> dict:
    totals = session.execute(_TOTALS, {"c": contract.id}).one()._asdict()
    by_kind = {row.kind: int(row.amount_rp) for row in session.execute(_BY_KIND, {"c": contract.id})}
    return {
        "contract_id": contract.id,
        "number": contract.number,
        "status": contract.status,
        "value_rp": contract.value_rp,
        "cap_rp": contract.cap_rp,
        "performance_bond_rp": contract.performance_bond_rp,
        "cap_reached_at": contract.cap_reached_at,
        **{name: int(value) for name, value in totals.items()},
        "deductions_by_kind": by_kind,
        "cap_used_ratio": ratio(int(totals["cap_used_rp"]), contract.cap_rp),
        "ceiling_used_ratio": ratio(int(totals["tonnage_rp"]), contract.value_rp),
    }
