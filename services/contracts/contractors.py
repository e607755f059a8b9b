"""Contractors (penyedia): registration and reads."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from services.contracts.models import Contractor
from services.contracts.rules import normalise_npwp
from shared import audit, auth, clock, outbox
from shared.errors import conflict, not_found
from shared.pagination import paginate


def register(session: Session, principal: auth.Principal, data: dict) -> Contractor:
    npwp = normalise_npwp(data["npwp"])
    if session.execute(select(Contractor.id).where(Contractor.npwp == npwp)).first():
        raise _duplicate(npwp)
    contractor = Contractor(
        name=data["name"].strip(),
        npwp=npwp,
        address=data.get("address"),
        phone=data.get("phone"),
        email=data.get("email"),
        registered_at=clock.now(),
    )
    session.add(contractor)
    try:
        session.flush()
    except IntegrityError:  # a concurrent registration of the same NPWP won the race
        raise _duplicate(npwp)
    audit.append(
        session, principal, "contractor.register", "contractor", contractor.id, {"name": contractor.name, "npwp": npwp}
    )
    outbox.record(
        session,
        "contracts.contractor.registered",
        {"contractor_id": contractor.id, "name": contractor.name, "npwp": npwp},
        producer="contracts",
    )
    return contractor


def _duplicate(npwp: str):
    return conflict("npwp_taken", f"A contractor with NPWP {npwp} is already registered.", {"npwp": [npwp]})


def list_(session: Session, args: dict) -> dict:
    query = auth.scope(select(Contractor), Contractor.id).order_by(Contractor.name, Contractor.id)
    if args.get("name"):
        query = query.where(Contractor.name.icontains(args["name"], autoescape=True))
    return paginate(session, query, args["page"], args["per_page"])


def get(session: Session, contractor_id: str) -> Contractor:
    query = auth.scope(select(Contractor).where(Contractor.id == str(contractor_id)), Contractor.id)
    contractor = session.execute(query).scalar_one_or_none()
    if contractor is None:  # another contractor's is simply not there
        raise not_found("Contractor")
    return contractor
