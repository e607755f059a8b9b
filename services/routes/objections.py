"""An accepted objection (billing.objection.decided) is evidence for routes, which owns the facts it disputes.

A missed pickup is excused (or an off-site one verified), a shortfall day or a complaint's overdue day is excused;
each through routes' usual events, so billing's credit follows like any late evidence. A rejected one changes
nothing, and so does an accepted one whose fact has since changed anyway (already excused, superseded)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from services.routes import confirmation, pickups
from services.routes.models import Complaint, ExcusedDay, Pickup
from shared import audit, clock, outbox
from shared.auth import Principal
from shared.inbox import NotYetKnown


def reason_of(data: dict) -> str:
    return f"Keberatan diterima / objection accepted ({data['objection_id']}): {data['reason']}"


def pickup_action(status: str, off_site: bool | None, verified: bool) -> str | None:
    """What an accepted objection does to a pickup: excuse a miss, verify an off-site confirmation, or nothing."""
    if confirmation.can_excuse(status):
        return "excuse"
    if confirmation.can_verify(status, off_site, verified):
        return "verify"
    return None


def complaint_day(ref: str) -> tuple[str, int]:
    """'<complaint id>/<n>' as billing lists a complaint's n-th started overdue day."""
    complaint_id, _, day_no = ref.rpartition("/")
    return complaint_id, int(day_no)


def objection_decided(session: Session, envelope) -> None:
    data = envelope.data
    if not data["accepted"]:
        return
    # the agency's decision, carried out here: the audit names the officer who decided
    principal = Principal(sub=str(data.get("decided_by") or "billing"), role="dinas")
    {"missed_pickup": _pickup, "shortfall_day": _shortfall_day, "complaint_day": _complaint_day}[data["kind"]](
        session, principal, data
    )


def _pickup(session: Session, principal: Principal, data: dict) -> None:
    pickup = session.execute(select(Pickup).where(Pickup.id == data["ref"]).with_for_update()).scalar()
    if pickup is None:
        raise NotYetKnown(f"pickup {data['ref']} not known to routes yet")
    action = pickup_action(pickup.status, pickup.off_site, pickup.verified_at is not None)
    if action == "excuse":
        pickups.excuse(session, principal, pickup.id, reason_of(data))
    elif action == "verify":
        pickups.verify(session, principal, pickup.id, reason_of(data))


def _excuse_day(session: Session, principal: Principal, data: dict, measure: str, day: date | None) -> bool:
    """Record the excused day once, audited; True when it is new (a redelivered decision changes nothing)."""
    inserted = session.execute(
        insert(ExcusedDay)
        .values(
            contract_id=str(data["contract_id"]),
            measure=measure,
            ref=data["ref"],
            date=day,
            reason=reason_of(data),
            objection_id=str(data["objection_id"]),
            excused_at=clock.now(),
        )
        .on_conflict_do_nothing()
        .returning(ExcusedDay.ref)
    ).first()
    if inserted is not None:
        audit.append(
            session,
            principal,
            f"{measure}.excuse",
            measure,
            data["ref"],
            {
                "contract_id": str(data["contract_id"]),
                "objection_id": str(data["objection_id"]),
                "reason": reason_of(data),
            },
        )
    return inserted is not None


def _shortfall_day(session: Session, principal: Principal, data: dict) -> None:
    # the daily evaluation re-evaluates the day: no longer a shortfall, a new revision of
    # routes.compliance.evaluated goes out, and billing credits it
    _excuse_day(session, principal, data, "shortfall_day", date.fromisoformat(data["ref"]))


def _complaint_day(session: Session, principal: Principal, data: dict) -> None:
    complaint_id, day_no = complaint_day(data["ref"])
    if session.get(Complaint, complaint_id) is None:
        raise NotYetKnown(f"complaint {complaint_id} not known to routes yet")
    if _excuse_day(session, principal, data, "complaint_day", data.get("fact_date")):
        outbox.record(
            session,
            "routes.complaint.day_excused",
            {
                "complaint_id": complaint_id,
                "contract_id": data["contract_id"],
                "day_no": day_no,
                "date": data.get("fact_date"),
                "reason": reason_of(data),
            },
            producer="routes",
        )
