"""The transactional outbox: events are rows written in the same transaction as the change they announce."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Column, DateTime, Identity, Index, Integer, String, Table, Text, func, select, text, update
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Session

from shared import clock, events, logs
from shared.db import platform_metadata

outbox = Table(
    "outbox",
    platform_metadata,
    Column("seq", BigInteger, Identity(), primary_key=True),
    Column("id", UUID(as_uuid=False), nullable=False, unique=True),
    Column("type", String(120), nullable=False),
    Column("envelope", JSONB, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("sent_at", DateTime(timezone=True)),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("last_error", Text),
    Index("ix_outbox_unsent", "seq", postgresql_where=text("sent_at IS NULL")),
)


def record(session: Session, type_: str, data: dict[str, Any], producer: str, correlation_id: str | None = None) -> events.Envelope:
    """Validate an event and add it to the caller's transaction; it leaves only if that commits."""
    envelope = events.make(type_, data, producer=producer, correlation_id=correlation_id or logs.correlation_id.get())
    record_many(session, [envelope])
    return envelope


def record_many(session: Session, envelopes: list[events.Envelope]) -> None:
    """Add already-built envelopes in one statement (set-based producers such as the sweep)."""
    if not envelopes:
        return
    created = clock.now()
    session.execute(
        outbox.insert(),
        [{"id": e.id, "type": e.type, "envelope": e.to_dict(), "created_at": created} for e in envelopes],
    )


def backlog(session: Session) -> tuple[int, float]:
    """Unsent rows and the age in seconds of the oldest one."""
    count, oldest = session.execute(
        select(func.count(), func.min(outbox.c.created_at)).where(outbox.c.sent_at.is_(None))
    ).one()
    age = (clock.now() - oldest).total_seconds() if oldest is not None else 0.0
    return count, max(age, 0.0)



def republish(session: Session, since_seq: int | None = None, since: datetime | None = None,
              types: tuple[str, ...] = ()) -> tuple[int, int | None, int | None]:
    """Mark kept, already sent rows from a position (seq) or an instant (created_at) unsent again, so the relay
    sends them once more, in order, with confirms (consumers are idempotent: their inbox drops what they applied).
    Returns (rows, first seq, last seq)."""
    marked = (update(outbox)
              .where(outbox.c.sent_at.is_not(None),
                     outbox.c.seq >= since_seq if since_seq is not None else text("true"),
                     outbox.c.created_at >= since if since is not None else text("true"),
                     outbox.c.type.in_(types) if types else text("true"))
              .values(sent_at=None, attempts=0, last_error=None).returning(outbox.c.seq).cte("marked"))
    count, first, last = session.execute(
        select(func.count(), func.min(marked.c.seq), func.max(marked.c.seq)).select_from(marked)).one()
    return count, first, last
