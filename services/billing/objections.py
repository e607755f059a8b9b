"""Objections (keberatan): a contractor disputes evidence items of an issued invoice; the agency decides each once.

An accepted objection changes no invoice here: billing.objection.decided tells routes, which owns the evidence, to
excuse or verify it; its usual events come back and the credit follows on the next draft like any late evidence."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from services.billing.models import Invoice, Objection
from shared import audit, auth, clock, outbox
from shared.errors import conflict, invalid, not_found
from shared.pagination import paginate

KINDS = ("missed_pickup", "complaint_day", "shortfall_day")
WINDOW = timedelta(days=10)  # DOMAIN: within 10 days of an invoice's issue
OPEN, ACCEPTED, REJECTED = "open", "accepted", "rejected"
STATUSES = (OPEN, ACCEPTED, REJECTED)
PRODUCER = "billing"


# --- rules (plain values) ---------------------------------------------------------------------------------------


def deadline(issued_at: datetime) -> datetime:
    """The last instant an objection to an invoice issued at `issued_at` is accepted."""
    return issued_at + WINDOW


def window_refusal(status: str, issued_at: datetime | None, now: datetime) -> tuple[str, str] | None:
    """Why no objection can be filed now, as (code, message), or None when it can."""
    if status == "draft" or issued_at is None:
        return "invoice_not_issued", "Only an issued invoice can be objected to; a draft still changes."
    if now > deadline(issued_at):
        return ("objection_window_closed", f"Objections close 10 days after issue ({clock.iso(deadline(issued_at))}).")
    return None


def repeated_items(items: list[dict]) -> list[int]:
    """Positions of items naming an evidence item already named earlier in the same request."""
    seen, repeated = set(), []
    for position, item in enumerate(items):
        key = (item["kind"], item["ref"])
        if key in seen:
            repeated.append(position)
        seen.add(key)
    return repeated


@dataclass(frozen=True)
class Listed:
    """An evidence item billed as a deduction on the invoice: the only thing an objection may name."""

    kind: str
    ref: str
    fact_month: str
    fact_date: date


# --- use cases ---------------------------------------------------------------------------------------------------

_LISTED = text("""
SELECT DISTINCT fact AS kind, ref, fact_month, fact_date FROM invoice_evidence
WHERE invoice_id = CAST(:invoice_id AS uuid) AND fact = ANY(CAST(:kinds AS text[])) AND quantity > 0
  AND ref = ANY(CAST(:refs AS text[]))""")


def _load_invoice(session: Session, invoice_id) -> Invoice:
    query = auth.scope(select(Invoice).where(Invoice.id == str(invoice_id)), Invoice.contractor_id)
    invoice = session.execute(query.with_for_update()).scalar_one_or_none()
    if invoice is None:
        raise not_found("Invoice")
    return invoice


def file(
    session: Session, principal: auth.Principal, invoice_id, body: dict, idempotency_key: str | None = None
) -> list[Objection]:
    """One objection per item, all or none; a retry with the same Idempotency-Key answers the first objections."""
    invoice = _load_invoice(session, invoice_id)  # a contractor's own only: another's is not found
    if idempotency_key:
        first = _by_key(session, invoice.id, idempotency_key)
        if first:
            if sorted((o.kind, o.ref) for o in first) != sorted((i["kind"], i["ref"]) for i in body["items"]):
                raise conflict(
                    "idempotency_key_reused",
                    "This Idempotency-Key was used for other items.",
                    {"items": ["not the items first filed with this key"]},
                )
            return first
    now = clock.now()
    refusal = window_refusal(invoice.status, invoice.issued_at, now)
    if refusal:
        raise conflict(*refusal, {"invoice_id": [refusal[1]]})
    items = body["items"]
    repeated = repeated_items(items)
    if repeated:
        raise invalid(
            "duplicate_item",
            "An evidence item is named twice.",
            {"items": {str(i): ["Named twice in this objection."] for i in repeated}},
        )
    listed = _listed(session, invoice.id, items)
    missing = [i for i, item in enumerate(items) if (item["kind"], item["ref"]) not in listed]
    if missing:
        raise invalid(
            "not_on_invoice",
            "Only evidence listed on this invoice's deduction lines can be objected to.",
            {"items": {str(i): [f"{items[i]['kind']} {items[i]['ref']} is not on this invoice."] for i in missing}},
        )
    objections = [
        Objection(
            invoice_id=invoice.id,
            contract_id=invoice.contract_id,
            contractor_id=invoice.contractor_id,
            month=invoice.month,
            kind=item["kind"],
            ref=item["ref"],
            fact_month=listed[(item["kind"], item["ref"])].fact_month,
            fact_date=listed[(item["kind"], item["ref"])].fact_date,
            reason=body["reason"],
            photo_sha256=list(body.get("photo_sha256") or []),
            status=OPEN,
            filed_by=principal.sub,
            filed_at=now,
            idempotency_key=idempotency_key,
        )
        for item in items
    ]
    _insert(session, objections)
    for objection in objections:
        outbox.record(session, "billing.objection.filed", filed_event(objection, invoice), producer=PRODUCER)
        audit.append(
            session,
            principal,
            "objection.file",
            "objection",
            objection.id,
            {"invoice_id": invoice.id, "kind": objection.kind, "ref": objection.ref},
        )
    return objections


def _by_key(session: Session, invoice_id: str, key: str) -> list[Objection]:
    return list(
        session.execute(
            select(Objection)
            .where(Objection.invoice_id == invoice_id, Objection.idempotency_key == key)
            .order_by(Objection.filed_at, Objection.id)
        ).scalars()
    )


def _listed(session: Session, invoice_id: str, items: list[dict]) -> dict[tuple[str, str], Listed]:
    rows = session.execute(
        _LISTED,
        {
            "invoice_id": invoice_id,
            "kinds": sorted({i["kind"] for i in items}),
            "refs": sorted({i["ref"] for i in items}),
        },
    ).all()
    return {(row.kind, row.ref): Listed(row.kind, row.ref, row.fact_month, row.fact_date) for row in rows}


def _insert(session: Session, objections: list[Objection]) -> None:
    already = session.execute(
        select(Objection.kind, Objection.ref).where(
            Objection.contract_id == objections[0].contract_id, Objection.ref.in_([o.ref for o in objections])
        )
    ).all()
    taken = {(row.kind, row.ref) for row in already} & {(o.kind, o.ref) for o in objections}
    if taken:
        raise _already_objected(taken)
    try:
        with session.begin_nested():
            session.add_all(objections)
            session.flush()
    except IntegrityError:  # a concurrent objection to the same item won the race
        raise _already_objected({(o.kind, o.ref) for o in objections}) from None


def _already_objected(taken: set[tuple[str, str]]):
    return conflict(
        "already_objected",
        "Each evidence item can be objected to once.",
        {"items": [f"{kind} {ref}" for kind, ref in sorted(taken)]},
    )


def filed_event(objection: Objection, invoice: Invoice) -> dict:
    assert invoice.issued_at is not None, "file() refuses an objection to an invoice not issued"
    return {
        "objection_id": objection.id,
        "invoice_id": invoice.id,
        "contract_id": objection.contract_id,
        "contractor_id": objection.contractor_id,
        "month": objection.month,
        "kind": objection.kind,
        "ref": objection.ref,
        "fact_month": objection.fact_month,
        "fact_date": objection.fact_date,
        "reason": objection.reason,
        "photo_sha256": objection.photo_sha256,
        "filed_at": objection.filed_at,
        "deadline": deadline(invoice.issued_at),
    }


def decide(session: Session, principal: auth.Principal, objection_id, accept: bool, reason: str) -> Objection:
    """Accept or reject once (dinas); an accepted one asks routes, through the event, to excuse the evidence."""
    objection = session.execute(
        select(Objection).where(Objection.id == str(objection_id)).with_for_update()
    ).scalar_one_or_none()
    if objection is None:
        raise not_found("Objection")
    if objection.status != OPEN:
        raise conflict(
            "objection_decided", f"This objection was already {objection.status}.", {"status": [objection.status]}
        )
    objection.status = ACCEPTED if accept else REJECTED
    objection.decision_reason, objection.decided_by, objection.decided_at = reason, principal.sub, clock.now()
    outbox.record(session, "billing.objection.decided", decided_event(objection), producer=PRODUCER)
    audit.append(
        session,
        principal,
        f"objection.{'accept' if accept else 'reject'}",
        "objection",
        objection.id,
        {"invoice_id": objection.invoice_id, "kind": objection.kind, "ref": objection.ref, "reason": reason},
    )
    return objection


def decided_event(objection: Objection) -> dict:
    return {
        "objection_id": objection.id,
        "invoice_id": objection.invoice_id,
        "contract_id": objection.contract_id,
        "contractor_id": objection.contractor_id,
        "month": objection.month,
        "kind": objection.kind,
        "ref": objection.ref,
        "fact_date": objection.fact_date,
        "accepted": objection.status == ACCEPTED,
        "reason": objection.decision_reason,
        "decided_by": objection.decided_by,
        "decided_at": objection.decided_at,
    }


def get(session: Session, objection_id) -> Objection:
    query = auth.scope(select(Objection).where(Objection.id == str(objection_id)), Objection.contractor_id)
    objection = session.execute(query).scalar_one_or_none()
    if objection is None:
        raise not_found("Objection")
    return objection


def listing(
    session: Session, invoice_id=None, contract_id=None, status=None, kind=None, page: int = 1, per_page: int = 50
) -> dict:
    query = auth.scope(select(Objection), Objection.contractor_id)
    for column, value in (
        (Objection.invoice_id, invoice_id),
        (Objection.contract_id, contract_id),
        (Objection.status, status),
        (Objection.kind, kind),
    ):
        if value:
            query = query.where(column == str(value))
    return paginate(session, query.order_by(Objection.filed_at.desc(), Objection.id), page, per_page)


def of_invoice(session: Session, invoice_id: str) -> list[Objection]:
    """Every objection filed on an invoice, oldest first (the invoice and its berita acara list them)."""
    return list(
        session.execute(
            select(Objection)
            .where(Objection.invoice_id == invoice_id)
            .order_by(Objection.filed_at, Objection.kind, Objection.ref)
        ).scalars()
    )
