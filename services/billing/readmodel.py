"""Billing's read model, written from events: contractors, contract terms and areas, and the facts (pickups,
weighings, complaints, days). Each event handler takes (session, envelope); handlers.py is the table.

Every write is an idempotent upsert of facts that only accumulate (a flag once set stays set, the highest
revision or amendment wins), so the same events in any order and any number of times leave the same rows."""

from __future__ import annotations

from datetime import date
from typing import Any, Sequence, cast

from sqlalchemy import Table, func, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import DeclarativeBase, Session

from services.billing.models import (
    Amendment,
    Complaint,
    Contract,
    ContractArea,
    Contractor,
    DailyEvaluation,
    ExcusedComplaintDay,
    LifecycleChange,
    StaleDraft,
    Weighing,
)
from services.billing.timeline import Timeline, stored
from shared import clock
from shared.consumer import batch_handler
from shared.events import Envelope
from shared.inbox import NotYetKnown

TERMINAL = ("terminated", "expired")


def _table_of(model: type[DeclarativeBase]) -> Table:
    """A mapped class's Table, for the dialect's insert ... on conflict (declarative types __table__ as a
    FromClause, which that insert does not take)."""
    return cast(Table, model.__table__)


def require_contract(session: Session, contract_id, lock: bool = True) -> Contract:
    """The contract's row (locked when its terms change); an unknown contract is retried, never dropped."""
    contract = session.get(Contract, str(contract_id), with_for_update=lock)
    if contract is None:
        raise NotYetKnown(f"contract {contract_id} not replicated yet")
    return contract


def _occurred(envelope: Envelope):
    """When the event happened, as an instant (the envelope carries it as ISO text)."""
    return clock.parse_instant(envelope.occurred_at)


def mark_stale(session: Session, contract_id) -> None:
    """The contract's drafts no longer match the evidence: the events process reprices them (handlers.PERIODIC)."""
    session.execute(insert(StaleDraft).values(contract_id=str(contract_id)).on_conflict_do_nothing())


def timeline_of(session: Session, contract: Contract) -> Timeline:
    """The contract's terms by date and days in force, from its activation, amendments and lifecycle changes."""
    rows = session.connection().exec_driver_sql(TIMELINE, {"c": contract.id}).all()  # no autoflush: a handler's
    return timeline_from(contract.base_terms, contract.activated_on, rows)  # pending rows are not the terms yet


def timeline_from(base_terms: dict, activated_on: date | None, rows: Sequence[Any]) -> Timeline:
    """The timeline from the contract's activation data and day, and the rows of TIMELINE."""
    amendments = [(row.amendment_no, row.effective_from, row.changes) for row in rows if row.amendment_no is not None]
    changes = [(row.at, row.status) for row in rows if row.amendment_no is None]
    return Timeline.of(base_terms, amendments, activated_on, changes)


# The amendments and the lifecycle changes in one round trip (every draft and every terms event reads both), in
# psycopg's SQL: a draft sends it in its pipeline of reads.
TIMELINE = """
SELECT amendment_no, effective_from, changes, NULL::timestamptz AS at, NULL::varchar AS status
FROM amendments WHERE contract_id = CAST(%(c)s AS uuid)
UNION ALL
SELECT NULL, NULL, NULL, at, status FROM lifecycle_changes WHERE contract_id = CAST(%(c)s AS uuid)
"""


def _refold(session: Session, contract: Contract) -> None:
    """The contract row's figures as the contract now reads (every amendment), for the ledger and the gauges."""
    timeline = timeline_of(session, contract)
    latest, terms = timeline.latest(), timeline.on(date.max)
    contract.start_date, contract.end_date = latest.start_date, latest.end_date
    contract.ppn_rate = terms.ppn_rate
    for name in (
        "value_rp",
        "unit_price_rp_per_ton",
        "missed_pickup_rp",
        "complaint_day_rp",
        "shortfall_day_rp",
        "cap_rp",
        "shortfall_days_allowed",
        "performance_bond_rp",
    ):
        setattr(contract, name, getattr(terms, name))
    contract.amendment_no = max((a.amendment_no for a in timeline.amendments), default=0)
    contract.updated_at = clock.now()


def contractor_registered(session: Session, envelope: Envelope) -> None:
    """Who the contractor is, for the berita acara."""
    data = envelope.data
    statement = insert(Contractor).values(id=str(data["contractor_id"]), name=data["name"], npwp=data["npwp"])
    session.execute(
        statement.on_conflict_do_update(
            index_elements=["id"], set_={"name": statement.excluded.name, "npwp": statement.excluded.npwp}
        )
    )


def contract_activated(session: Session, envelope: Envelope) -> None:
    """The contract's base terms, and its area for the berita acara (activation is the only event naming it)."""
    data = envelope.data
    contract = session.get(Contract, str(data["contract_id"]), with_for_update=True)
    if contract is None:
        contract = Contract(id=str(data["contract_id"]), status="active", amendment_no=0)
        session.add(contract)
    contract.number = data["number"]
    contract.contractor_id = str(data["contractor_id"])
    contract.base_terms = stored(data)
    # an older producer's activation has no day: the WIB day it was announced
    contract.activated_on = data.get("activated_on") or clock.wib_date(_occurred(envelope))
    _refold(session, contract)
    session.flush()
    mark_stale(session, contract.id)
    area = insert(ContractArea).values(
        contract_id=contract.id, kawasan=data["kawasan"], kecamatan=list(data["kecamatan"])
    )
    session.execute(
        area.on_conflict_do_update(
            index_elements=["contract_id"],
            set_={"kawasan": area.excluded.kawasan, "kecamatan": area.excluded.kecamatan},
        )
    )


def contract_amended(session: Session, envelope: Envelope) -> None:
    data = envelope.data
    contract = require_contract(session, data["contract_id"])
    session.execute(
        insert(Amendment)
        .values(
            contract_id=contract.id,
            amendment_no=data["amendment_no"],
            effective_from=data.get("effective_from") or clock.wib_date(_occurred(envelope)),
            changes=stored({k: v for k, v in data.items() if k not in ("contract_id", "amendment_no")}),
        )
        .on_conflict_do_nothing()
    )
    _refold(session, contract)
    session.flush()
    mark_stale(session, contract.id)


def contract_suspended(session: Session, envelope: Envelope) -> None:
    _status_changed(session, envelope.data, "suspended")


def contract_resumed(session: Session, envelope: Envelope) -> None:
    _status_changed(session, envelope.data, "active")


def contract_terminated(session: Session, envelope: Envelope) -> None:
    _status_changed(session, envelope.data, "terminated")


def contract_expired(session: Session, envelope: Envelope) -> None:
    _status_changed(session, envelope.data, "expired")


def _status_changed(session: Session, data: dict, status: str) -> None:
    """Lifecycle events by their own instant: a terminal status sticks, otherwise the latest instant wins; each
    change is kept, so the days in force come out the same whatever order they arrive in."""
    contract = require_contract(session, data["contract_id"])
    session.execute(
        insert(LifecycleChange).values(contract_id=contract.id, at=data["at"], status=status).on_conflict_do_nothing()
    )
    mark_stale(session, contract.id)
    if contract.status in TERMINAL:
        return
    if status in TERMINAL or contract.status_at is None or data["at"] >= contract.status_at:
        contract.status, contract.status_at = status, data["at"]
        contract.updated_at = clock.now()


# A run of pickup events in three statements whatever its length (the consumer hands a batch handler each run of
# consecutive same-type events; a failing run is redone one event at a time): the contracts known, the pickups
# upserted from arrays, the contracts' drafts marked stale. A pickup's flags only ever get set, so two events of a
# run for one pickup fold into one row first (ON CONFLICT cannot touch a row twice in one statement).
_KNOWN_CONTRACTS = text("SELECT id::text FROM contracts WHERE id = ANY(CAST(:ids AS uuid[]))")
_UPSERT_PICKUPS = """
INSERT INTO pickups (pickup_id, contract_id, date, missed, confirmed, off_site, verified, excused)
SELECT * FROM unnest(CAST(:pickup_id AS uuid[]), CAST(:contract_id AS uuid[]), CAST(:date AS date[]),
                     CAST(:missed AS boolean[]), CAST(:confirmed AS boolean[]), CAST(:off_site AS boolean[]),
                     CAST(:verified AS boolean[]), CAST(:excused AS boolean[]))
ON CONFLICT (pickup_id) DO UPDATE SET date = COALESCE(excluded.date, pickups.date), {flags}
"""
_PICKUP_FLAGS = ("missed", "confirmed", "off_site", "verified", "excused")
_MARK_STALE = text(
    "INSERT INTO stale_drafts (contract_id) SELECT DISTINCT unnest(CAST(:ids AS uuid[])) ON CONFLICT DO NOTHING"
)


def _pickup_handler(*set_flags: str, from_data: tuple[str, ...] = ()):
    """The batch handler of a pickup event type: it sets `set_flags`, and the flags `from_data` as the event's data
    says (an OR with what the row has: confirmed wins over a miss that arrives later, and so on)."""
    flags = set_flags + from_data
    upsert = text(_UPSERT_PICKUPS.format(flags=", ".join(f"{f} = pickups.{f} OR excluded.{f}" for f in flags)))

    @batch_handler
    def handle(session: Session, envelopes: list[Envelope]) -> None:
        rows: dict[str, dict[str, Any]] = {}
        for envelope in envelopes:
            data = envelope.data
            row = rows.setdefault(
                str(data["pickup_id"]),
                {"contract_id": str(data["contract_id"]), "date": None, **dict.fromkeys(_PICKUP_FLAGS, False)},
            )
            row["date"] = data.get("date") or row["date"]
            for flag in set_flags:
                row[flag] = True
            for flag in from_data:
                row[flag] = row[flag] or bool(data[flag])
        contracts = sorted({row["contract_id"] for row in rows.values()})
        known: set[str] = set(session.execute(_KNOWN_CONTRACTS, {"ids": contracts}).scalars())
        if unknown := [c for c in contracts if c not in known]:
            raise NotYetKnown(f"contract {unknown[0]} not replicated yet")
        columns = {name: [row[name] for row in rows.values()] for name in ("contract_id", "date", *_PICKUP_FLAGS)}
        session.execute(upsert, {"pickup_id": list(rows), **columns})
        session.execute(_MARK_STALE, {"ids": contracts})

    return handle


pickup_missed = _pickup_handler("missed")
# a confirmation that supersedes a miss, arriving before the miss, still ends confirmed: confirmed wins
pickup_confirmed = _pickup_handler("confirmed", from_data=("off_site",))
pickup_excused = _pickup_handler("excused")
pickup_verified = _pickup_handler("verified")


def _billable(cleared_at, held_at):
    """Cleared, and not held out again since: the latest of a clearance and a re-judgement wins, by the instants
    their events happened, so their arrival order does not matter."""
    return cleared_at.isnot(None) & (held_at.is_(None) | (cleared_at > held_at))


def _upsert_weighing(session: Session, envelope: Envelope, cleared: bool, held: bool, flags: list[str] | None) -> None:
    data = envelope.data
    if data.get("contract_id") is None:
        return  # an unassigned vehicle's weighing bills no contract
    require_contract(session, data["contract_id"], lock=False)
    table = _table_of(Weighing)
    cleared_at = _occurred(envelope) if cleared else None
    held_at = _occurred(envelope) if held else None
    statement = insert(table).values(
        weighing_id=str(data["weighing_id"]),
        contract_id=str(data["contract_id"]),
        net_kg=int(data["net_kg"]),
        weighed_at=data.get("weighed_at"),
        flags=flags or [],
        cleared=cleared and not held,
        cleared_at=cleared_at,
        held_at=held_at,
    )
    merged_cleared = func.greatest(table.c.cleared_at, statement.excluded.cleared_at)
    merged_held = func.greatest(table.c.held_at, statement.excluded.held_at)
    session.execute(
        statement.on_conflict_do_update(
            index_elements=["weighing_id"],
            set_={
                "cleared_at": merged_cleared,
                "held_at": merged_held,
                "cleared": _billable(merged_cleared, merged_held),
                "weighed_at": func.coalesce(table.c.weighed_at, statement.excluded.weighed_at),
                "net_kg": statement.excluded.net_kg if cleared else table.c.net_kg,
                "flags": table.c.flags if flags is None else statement.excluded.flags,
            },
        )
    )
    mark_stale(session, data["contract_id"])


def weighing_recorded(session: Session, envelope: Envelope) -> None:
    data = envelope.data
    _upsert_weighing(session, envelope, bool(data["cleared"]), False, list(data["flags"]))


def weighing_cleared(session: Session, envelope: Envelope) -> None:
    _upsert_weighing(session, envelope, True, False, None)


def weighing_flagged(session: Session, envelope: Envelope) -> None:
    """Re-judged (the later of two weighings < 20 min apart, its partner keyed later): out of billing until
    cleared again; when its month is issued, the next draft credits it."""
    _upsert_weighing(session, envelope, False, True, list(envelope.data["flags"]))


def complaint_changed(session: Session, envelope: Envelope) -> None:
    """opened, overdue and resolved all carry the deadline; the first resolution fixes when it ended (as it
    counts: routes bounds a back-dated resolution by the sync allowance). Billing counts the started days itself."""
    data = envelope.data
    require_contract(session, data["contract_id"], lock=False)
    table = _table_of(Complaint)
    statement = insert(table).values(
        complaint_id=str(data["complaint_id"]),
        contract_id=str(data["contract_id"]),
        due_at=data["due_at"],
        resolved_at=data.get("resolved_at"),
    )
    session.execute(
        statement.on_conflict_do_update(
            index_elements=["complaint_id"],
            set_={
                "resolved_at": func.coalesce(table.c.resolved_at, statement.excluded.resolved_at),
                "due_at": statement.excluded.due_at,
            },
        )
    )
    mark_stale(session, data["contract_id"])


def compliance_evaluated(session: Session, envelope: Envelope) -> None:
    data = envelope.data
    require_contract(session, data["contract_id"], lock=False)
    table = _table_of(DailyEvaluation)
    statement = insert(table).values(
        contract_id=str(data["contract_id"]),
        date=data["date"],
        revision=int(data.get("revision") or 1),
        shortfall=bool(data["shortfall"]),
        net_kg=int(data["net_kg"]),
        target_kg=int(data["target_kg"]),
    )
    session.execute(
        statement.on_conflict_do_update(
            index_elements=["contract_id", "date"],
            set_={name: statement.excluded[name] for name in ("revision", "shortfall", "net_kg", "target_kg")},
            where=statement.excluded.revision >= table.c.revision,
        )
    )
    mark_stale(session, data["contract_id"])


def complaint_day_excused(session: Session, envelope: Envelope) -> None:
    """routes.complaint.day_excused (an accepted objection): that started overdue day is no longer a fact to
    charge (a credit if billed)."""
    data = envelope.data
    session.execute(
        insert(ExcusedComplaintDay)
        .values(
            complaint_id=str(data["complaint_id"]), day_no=int(data["day_no"]), contract_id=str(data["contract_id"])
        )
        .on_conflict_do_nothing()
    )
    mark_stale(session, data["contract_id"])
