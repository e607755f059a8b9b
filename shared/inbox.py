"""The inbox: the ids of events a service has applied, written in the same transaction as their effects."""

from __future__ import annotations

from sqlalchemy import Column, DateTime, ScalarResult, String, Table, text
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
        insert(inbox)
        .values(event_id=event_id, type=type_, applied_at=clock.now())
        .on_conflict_do_nothing(index_elements=["event_id"])
        .returning(inbox.c.event_id)
    ).first()
    return inserted is not None


def claim_many(session: Session, claims: list[tuple[str, str]]) -> set[str]:
    """Set-based claim of (event id, type) pairs in one statement; returns the ids newly claimed."""
    if not claims:
        return set()
    ids, types = zip(*claims, strict=True)
    inserted: ScalarResult[str] = session.execute(
        _CLAIM_MANY, {"ids": list(ids), "types": list(types), "at": clock.now()}
    ).scalars()
    return set(inserted)


# Two arrays unnested in one statement whose text never changes: no per-batch compilation, one round trip. The ids
# come back as text (the canonical form str(uuid.UUID) gives), not as uuid objects to turn into strings again.
_CLAIM_MANY = text("""
INSERT INTO inbox (event_id, type, applied_at)
SELECT e.id, e.type, :at FROM unnest(CAST(:ids AS uuid[]), CAST(:types AS varchar[])) AS e(id, type)
ON CONFLICT (event_id) DO NOTHING
RETURNING event_id::text
""")
