"""The transactional outbox: events are rows written in the same transaction as the change they announce.

record / record_many add envelopes built in Python. Where one statement must do the write and its events (the
confirmation's single round trip, the sweep's set-based miss of thousands of pickups), the statement embeds the
outbox's own SQL from here as a data-modifying CTE: INSERT_ONE (one envelope built by events.make, bound with
one_params) or insert_from_rows (one event per row of an earlier CTE, the envelope built in SQL, bound with
rows_params). The column list, the envelope's shape and the rows' order (seq) are written only in this module."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any, Sequence

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Identity,
    Index,
    Integer,
    String,
    Table,
    Text,
    func,
    select,
    text,
    update,
)
from sqlalchemy.dialects.postgresql import JSON, UUID
from sqlalchemy.orm import Session

from shared import clock, events, logs
from shared.db import platform_metadata

outbox = Table(
    "outbox",
    platform_metadata,
    Column("seq", BigInteger, Identity(), primary_key=True),
    Column("id", UUID(as_uuid=False), nullable=False, unique=True),
    Column("type", String(120), nullable=False),
    Column("envelope", JSON, nullable=False),  # the text the relay publishes, as written (platform_0002)
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("sent_at", DateTime(timezone=True)),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("last_error", Text),
    Index("ix_outbox_unsent", "seq", postgresql_where=text("sent_at IS NULL")),
)


def record(
    session: Session, type_: str, data: dict[str, Any], producer: str, correlation_id: str | None = None
) -> events.Envelope:
    """Validate an event and add it to the caller's transaction; it leaves only if that commits."""
    envelope = events.make(type_, data, producer=producer, correlation_id=correlation_id or logs.correlation_id.get())
    record_many(session, [envelope])
    return envelope


def record_many(session: Session, envelopes: list[events.Envelope]) -> None:
    """Add already-built envelopes in one statement, in their order (the daily evaluation, a month's breaches)."""
    if not envelopes:
        return
    created = clock.now()
    session.execute(
        outbox.insert(),
        [{"id": e.id, "type": e.type, "envelope": e.to_dict(), "created_at": created} for e in envelopes],
    )


_NAME = re.compile(r"[a-z][a-z0-9_.]*")  # written into SQL: event types, producers, field and column names

# What a producer writes: the server fills seq (the relay's order), sent_at, attempts and last_error.
_WRITTEN = ", ".join(column.name for column in (outbox.c.id, outbox.c.type, outbox.c.envelope, outbox.c.created_at))

# One envelope built in Python, as a data-modifying CTE of the caller's statement:
#   WITH change AS (...), event AS ({outbox.INSERT_ONE}) UPDATE ...   bound with {**values, **one_params(envelope)}
INSERT_ONE = (
    f"INSERT INTO {outbox.name} ({_WRITTEN}) "
    "VALUES (:outbox_id, :outbox_type, CAST(:outbox_envelope AS json), :outbox_created_at)"
)


def one_params(envelope: events.Envelope, created_at: datetime | None = None) -> dict[str, Any]:
    """The binds of INSERT_ONE for an envelope from events.make (so it is validated like record's)."""
    return {
        "outbox_id": envelope.id,
        "outbox_type": envelope.type,
        "outbox_envelope": envelope.to_json().decode(),
        "outbox_created_at": created_at or clock.now(),
    }


def insert_from_rows(
    type_: str, rows: str, data: dict[str, str], producer: str, order_by: tuple[str, ...], version: int = 1
) -> str:
    """SQL of an INSERT of one `type_` event for each row of `rows` (an earlier CTE of the caller's statement), as a
    data-modifying CTE of that statement: set-based producers write thousands of events without a Python object
    each. The envelope is built in SQL exactly as Envelope.to_dict() writes it (a fresh id per event, the
    correlation id the run's or else the event's own); `data` maps each field of the type's schema to an SQL
    expression over the row `r` giving the JSON text of its value as the schema dumps it (dumped_uuid, dumped_date,
    dumped_instant, or dumped_value for any other typed value; SQL NULL is written null);
    events take seq in the order of the rows' columns `order_by`. Bind it with rows_params(now).

    Checked here, once, when the caller's module builds its statement: an unknown type, a field the schema does
    not have or a required field left out fails at import, not in production."""
    if not (_NAME.fullmatch(type_) and _NAME.fullmatch(producer) and all(map(_NAME.fullmatch, (*data, *order_by)))):
        raise ValueError(f"not a plain name among {type_!r}, {producer!r}, {list(data)}, {list(order_by)}")
    schema = events.schema_for(type_, version)
    unknown = sorted(set(data) - set(schema.fields))
    missing = sorted(name for name, field in schema.fields.items() if field.required and name not in data)
    if unknown or missing:
        raise ValueError(f"{type_} v{version}: unknown fields {unknown}, missing fields {missing}")
    # The envelope is written as JSON text by concatenation, in the order Envelope.to_dict() writes it: a
    # jsonb_build_object per row cost the sweep about as much as its UPDATE. (The version is written after ": " so
    # that SQLAlchemy's text() sees no bind in it.)
    fields_sql = " || ','\n               || ".join(
        f"'\"{name}\":' || COALESCE({expression}, 'null')" for name, expression in data.items()
    )
    # The rows are put in order while they are narrow (the caller's columns), and only then get their envelopes: a
    # sort of 300,000 built envelopes spilled some 170 MB to disk. The id is drawn in a subquery of its own (a volatile
    # target list is never flattened), so the outer SELECT keeps the sorted order that seq is assigned in.
    order_sql = f" ORDER BY {', '.join(order_by)}" if order_by else ""
    return f"""INSERT INTO {outbox.name} ({_WRITTEN})
    SELECT r.outbox_event_id, '{type_}',
           CAST('{{"id":"' || r.outbox_event_id::text
               || '","type":"{type_}","version": {int(version)},"occurred_at":'
               || to_json(CAST(:outbox_occurred_at AS text))::text
               || ',"producer":"{producer}","correlation_id":'
               || to_json(COALESCE(CAST(:outbox_correlation_id AS text), r.outbox_event_id::text))::text
               || ',"data":{{' || {fields_sql or "''"} || '}}}}' AS json),
           CAST(:outbox_created_at AS timestamptz)
      FROM (SELECT gen_random_uuid() AS outbox_event_id, r.* FROM (SELECT * FROM {rows}{order_sql}) r) r"""


def rows_params(now: datetime, correlation_id: str | None = None) -> dict[str, Any]:
    """The binds of insert_from_rows: the events' occurred_at and the rows' created_at (now), and the correlation
    id (by default the request's or task run's, else each event's own id, as make() does)."""
    return {
        "outbox_occurred_at": now.isoformat(),
        "outbox_created_at": now,
        "outbox_correlation_id": correlation_id or logs.correlation_id.get(),
    }


def dumped_uuid(expression: str) -> str:
    """A uuid column as the events' schemas dump one, as JSON: its canonical text, quoted."""
    return f"'\"' || CAST({expression} AS text) || '\"'"


def dumped_date(expression: str) -> str:
    """A date column as the events' schemas dump one, as JSON: "YYYY-MM-DD"."""
    return f"'\"' || to_char({expression}, 'YYYY-MM-DD') || '\"'"


def dumped_instant(expression: str) -> str:
    """A timestamptz column as the events' schemas dump an aware instant (Python's isoformat() of a UTC value), as
    JSON: microseconds only when there are some, and the offset as +00:00."""
    return (
        f"'\"' || replace(to_char({expression} AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US'), '.000000', '')"
        " || '+00:00\"'"
    )


def dumped_value(expression: str) -> str:
    """Any other typed value (text, a number, a boolean) as JSON, quoted and escaped by PostgreSQL's to_json; a
    literal needs a CAST to its type."""
    return f"to_json({expression})::text"


def backlog(session: Session) -> tuple[int, float]:
    """Unsent rows and the age in seconds of the oldest one."""
    row: Sequence[Any] = session.execute(  # a Row unpacks as objects to mypy; its values are an int and a datetime
        select(func.count(), func.min(outbox.c.created_at)).where(outbox.c.sent_at.is_(None))
    ).one()
    count, oldest = row
    age = (clock.now() - oldest).total_seconds() if oldest is not None else 0.0
    return count, max(age, 0.0)


def republish(
    session: Session, since_seq: int | None = None, since: datetime | None = None, types: tuple[str, ...] = ()
) -> tuple[int, int | None, int | None]:
    """Mark kept, already sent rows from a position (seq) or an instant (created_at) unsent again, so the relay
    sends them once more, in order, with confirms (consumers are idempotent: their inbox drops what they applied).
    Returns (rows, first seq, last seq)."""
    marked = (
        update(outbox)
        .where(
            outbox.c.sent_at.is_not(None),
            outbox.c.seq >= since_seq if since_seq is not None else text("true"),
            outbox.c.created_at >= since if since is not None else text("true"),
            outbox.c.type.in_(types) if types else text("true"),
        )
        .values(sent_at=None, attempts=0, last_error=None)
        .returning(outbox.c.seq)
        .cte("marked")
    )
    row: Sequence[Any] = session.execute(  # ints, None for min and max of no rows
        select(func.count(), func.min(marked.c.seq), func.max(marked.c.seq)).select_from(marked)
    ).one()
    count, first, last = row
    return count, first, last
