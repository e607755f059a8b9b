"""The inbox: the ids of events a service has applied, written in the same transaction as their effects."""
from __future__ import annotations

from sqlalchemy import Column, DateTime, String, Table
from sqlalchemy.dialects.postgresql import UUID, insert
from sqlalchemy.orm import Session

from shared import clock
from shared.db import platform_metadata

inbox = Table(
    "inbox",
    platform_metadata,
    Column("event_id", UUID(as_uuid=False), primary_key=True),
    Column("type", String(120), nullable=False),
    Column("applied_at", DateTime(timezone=True), nullable=False),
)


class NotYetKnown(Exception):
    """The event refers to something this service has not heard of yet: retry later, never drop."""


def claim(session: Session, event_id: str, type_: str) -> bool:
    """Record the event as applied in this transaction; False when it already was (a redelivery)."""
    inserted = session.execute(
        insert(inbox).values(event_id=event_id, type=type_, applied_at=clock.now())
        .on_conflict_do_nothing(index_elements=["event_id"]).returning(inbox.c.event_id)
    ).first()
    return inserted is not None


def claim_many(session: Session, claims: list[tuple[str, str]]) -> set[str]:
    """Set-based claim of (event id, type) pairs in one statement; returns the ids newly claimed."""
    if not claims:
        return set()
    applied_at = clock.now()
    rows = [{"event_id": event_id, "type": type_, "applied_at": applied_at} for event_id, type_ in claims]
    inserted = session.execute(
        insert(inbox).values(rows).on_conflict_do_nothing(index_elements=["event_id"]).returning(inbox.c.event_id)
    ).scalars()
    return {str(event_id) for event_id in inserted}
