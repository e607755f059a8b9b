"""The transactional outbox: events are rows written in the same transaction as the change they announce."""
from __future__ import annotations

from typing import Any

from sqlalchemy import BigInteger, Column, DateTime, Identity, Index, Integer, String, Table, Text, func, select, text
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
