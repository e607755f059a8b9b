"""Who and where, for the berita acara: contractor names and contract areas, kept from contracts' events."""
from __future__ import annotations

from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from services.billing.models import ContractArea, Contractor


def contractor_registered(session: Session, data: dict) -> None:
    statement = insert(Contractor).values(id=str(data["contractor_id"]), name=data["name"], npwp=data["npwp"])
    session.execute(statement.on_conflict_do_update(
        index_elements=["id"], set_={"name": statement.excluded.name, "npwp": statement.excluded.npwp}))


def contract_area(session: Session, data: dict) -> None:
    """The area of an activated contract (activation is the only event that names it)."""
    statement = insert(ContractArea).values(contract_id=str(data["contract_id"]), kawasan=data["kawasan"],
                                            kecamatan=list(data["kecamatan"]))
    session.execute(statement.on_conflict_do_update(
        index_elements=["contract_id"], set_={"kawasan": statement.excluded.kawasan,
                                              "kecamatan": statement.excluded.kecamatan}))
