"""The routes service's copy of a contract as shared.contract_terms sees it: base terms, amendments, days in force."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Iterable

from sqlalchemy import delete, select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from services.routes.models import Contract, ContractAmendment, ContractDayOut, ContractStatusChange
from shared.contract_terms import Amendment, Life, StatusChange, Terms, latest_terms, terms_on

SLA_FIELDS = (
    "grace_minutes",
    "geofence_m",
    "sync_allowance_hours",
    "min_on_time_ratio",
    "complaint_hours_priority",
    "complaint_hours_normal",
    "shortfall_ratio",
    "shortfall_days_allowed",
)
LATEST_COLUMNS = ("value_rp", "start_date", "end_date", "unit_price_rp_per_ton", "daily_target_kg")


def jsonable(value):
    """Dates and Decimals as strings, recursively: how terms are kept in JSONB."""
    if isinstance(value, dict):
        return {key: jsonable(item) for key, item in value.items()}
    if isinstance(value, (date, Decimal)):
        return value.isoformat() if isinstance(value, date) else str(value)
    return value


def _dates(values: dict) -> dict:
    return {
        key: date.fromisoformat(item) if key in ("start_date", "end_date") and isinstance(item, str) else item
        for key, item in values.items()
    }


def base_terms(contract: Contract) -> Terms:
    """The activation's terms; a row replicated before the second edition has only its columns."""
    if contract.base_terms:
        return Terms.from_event(_dates(contract.base_terms))
    return Terms(
        value_rp=contract.value_rp,
        start_date=contract.start_date,
        end_date=contract.end_date,
        unit_price_rp_per_ton=contract.unit_price_rp_per_ton,
        daily_target_kg=contract.daily_target_kg,
        ppn_rate=Decimal("0.11"),
        sla={name: getattr(contract, name) for name in SLA_FIELDS},
    )


def amendments(session: Session, contract_id: str) -> list[Amendment]:
    rows = session.execute(select(ContractAmendment).where(ContractAmendment.contract_id == contract_id)).scalars()
    return [Amendment(row.amendment_no, row.effective_from, _dates(row.changes)) for row in rows]


class Copy:
    """One contract's terms and life, loaded once, asked per day."""

    def __init__(self, session: Session, contract: Contract):
        self.contract = contract
        self.base = base_terms(contract)
        self.amendments = amendments(session, contract.id)
        changes = session.execute(
            select(ContractStatusChange).where(ContractStatusChange.contract_id == contract.id)
        ).scalars()
        self.life = Life(
            contract.start_date,
            contract.end_date,
            contract.activated_on or contract.start_date,
            tuple(StatusChange(row.status, row.at) for row in changes),
        )

    def terms_on(self, day: date) -> Terms:
        return terms_on(self.base, self.amendments, day)

    def sla_on(self, day: date, name: str):
        return self.terms_on(day).sla.get(name, getattr(self.contract, name))


def load(session: Session, contract_ids: Iterable[str]) -> dict[str, Copy]:
    ids = sorted({str(contract_id) for contract_id in contract_ids})
    if not ids:
        return {}
    contracts = session.execute(select(Contract).where(Contract.id.in_(ids))).scalars()
    return {contract.id: Copy(session, contract) for contract in contracts}


def apply_latest(session: Session, contract: Contract) -> None:
    """Set the contract's columns to every known amendment applied by number (whatever their arrival order)."""
    known = amendments(session, contract.id)
    latest = latest_terms(base_terms(contract), known)
    for column in LATEST_COLUMNS:
        setattr(contract, column, getattr(latest, column))
    for name in SLA_FIELDS:
        if name in latest.sla:
            setattr(contract, name, latest.sla[name])
    contract.amendment_no = max((a.amendment_no for a in known), default=0)


def record_status_change(session: Session, contract_id: str, status: str, at) -> None:
    session.execute(
        insert(ContractStatusChange).values(contract_id=contract_id, status=status, at=at).on_conflict_do_nothing()
    )


def refresh_days_out(session: Session, contract: Contract) -> list[date]:
    """Re-derive the contract's days not in force within its period; answers the days newly out."""
    session.flush()
    copy = Copy(session, contract)
    before = set(
        session.execute(select(ContractDayOut.date).where(ContractDayOut.contract_id == contract.id)).scalars()
    )
    out, day = [], contract.start_date
    while day <= contract.end_date:
        if not copy.life.in_force(day):
            out.append(day)
        day += timedelta(days=1)
    session.execute(delete(ContractDayOut).where(ContractDayOut.contract_id == contract.id))
    if out:
        session.execute(insert(ContractDayOut), [{"contract_id": contract.id, "date": day} for day in out])
    return sorted(set(out) - before)


# SQL fragment: the WIB day `day_sql` of contract alias `c` is in force (its period, from activation, not out).
def in_force_sql(c: str, day_sql: str) -> str:
    return (
        f"({day_sql} BETWEEN {c}.start_date AND {c}.end_date"
        f" AND {day_sql} >= COALESCE({c}.activated_on, {c}.start_date)"
        f" AND NOT EXISTS (SELECT 1 FROM contract_days_out o WHERE o.contract_id = {c}.id AND o.date = {day_sql}))"
    )


def day_in_force(session: Session, contract_id: str, day: date) -> bool:
    return bool(
        session.execute(
            text(f"SELECT {in_force_sql('c', 'CAST(:day AS date)')} FROM contracts c WHERE c.id = CAST(:id AS uuid)"),
            {"day": day, "id": contract_id},
        ).scalar()
    )


# SQL fragment: the minutes of grace in force on WIB day `day_sql` for contract alias `c` (DOMAIN: a fact is judged
# by the terms in force on its own WIB date), as shared.contract_terms.terms_on folds it: of the amendments
# effective by that day, the highest-numbered one that names grace_minutes; else the activation's terms; else the
# column (a row replicated before the second edition). A correlated lookup on contract_amendments' primary key:
# for set-based statements over few rows (scheduling). The sweep uses GRACE_RANGES instead.
def grace_on_sql(c: str, day_sql: str) -> str:
    return (
        f"COALESCE((SELECT CAST(a.changes -> 'sla' ->> 'grace_minutes' AS integer) FROM contract_amendments a"
        f" WHERE a.contract_id = {c}.id AND a.effective_from <= {day_sql}"
        f" AND a.changes -> 'sla' ->> 'grace_minutes' IS NOT NULL ORDER BY a.amendment_no DESC LIMIT 1),"
        f" CAST({c}.base_terms -> 'sla' ->> 'grace_minutes' AS integer), {c}.grace_minutes)"
    )


# CTE body: per contract, the grace in force over WIB days [from_day, to_day), the same fold as grace_on_sql but
# computed once per contract and amendment (a handful of rows), so a statement over a million pickups joins it
# by range instead of looking up amendments per pickup. A contract without grace amendments has one range.
GRACE_RANGES = """
SELECT d.contract_id, d.from_day,
       lead(d.from_day, 1, DATE 'infinity') OVER (PARTITION BY d.contract_id ORDER BY d.from_day) AS to_day,
       COALESCE((SELECT CAST(a.changes -> 'sla' ->> 'grace_minutes' AS integer) FROM contract_amendments a
                  WHERE a.contract_id = d.contract_id AND a.effective_from <= d.from_day
                    AND a.changes -> 'sla' ->> 'grace_minutes' IS NOT NULL
                  ORDER BY a.amendment_no DESC LIMIT 1),
                CAST(k.base_terms -> 'sla' ->> 'grace_minutes' AS integer), k.grace_minutes) AS grace_minutes
  FROM (SELECT id AS contract_id, DATE '-infinity' AS from_day FROM contracts
        UNION
        SELECT contract_id, effective_from FROM contract_amendments
         WHERE changes -> 'sla' ->> 'grace_minutes' IS NOT NULL) d
  JOIN contracts k ON k.id = d.contract_id
"""
