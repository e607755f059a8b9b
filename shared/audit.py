"""The append-only, hash-chained audit log of every write, kept in each service's database."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any, Iterable

from sqlalchemy import BigInteger, Column, DateTime, Identity, String, Table, select
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Session

from shared import clock, db
from shared.db import platform_metadata

GENESIS = "0" * 64
_LOCK_KEY = 0x6B6177616C  # 'kawal': serialises appends so the chain has one order

audit_log = Table(
    "audit_log",
    platform_metadata,
    Column("seq", BigInteger, Identity(), primary_key=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("actor", String(200), nullable=False),
    Column("role", String(20), nullable=False),
    Column("action", String(80), nullable=False),
    Column("object_type", String(60), nullable=False),
    Column("object_id", String(80), nullable=False),
    Column("detail", JSONB, nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
)


# The database chains the entry: it reads the last hash and hashes it with the entry's canonical text in the
# INSERT, so Python never waits for the last hash. The lock must be held before the snapshot that reads the last
# hash is taken (READ COMMITTED: each statement its own snapshot), so it is a statement of its own; the two go to
# the server together in one psycopg pipeline (shared.db.pipeline): one round trip per append, or none of its own
# when a caller sends them with its own writes (statements), the server running them in order.
_LOCK = "SELECT pg_advisory_xact_lock(%(key)s)"
# A caller whose last write is a statement of its own may take the lock there instead, as that statement's main query
# (TAKE_LOCK, written for text(), bound with LOCK_PARAMS), and queue only the INSERT after it (statements with
# locked=True): one statement fewer, the INSERT's snapshot still after the lock.
TAKE_LOCK = "SELECT pg_advisory_xact_lock(:audit_chain_lock)"
LOCK_PARAMS = {"audit_chain_lock": _LOCK_KEY}
_INSERT = """
INSERT INTO audit_log (at, actor, role, action, object_type, object_id, detail, prev_hash, hash)
SELECT %(at)s, %(actor)s, %(role)s, %(action)s, %(object_type)s, %(object_id)s, CAST(%(detail)s AS jsonb), last.hash,
       encode(sha256(convert_to(last.hash || %(canonical)s, 'UTF8')), 'hex')
FROM (SELECT coalesce((SELECT hash FROM audit_log ORDER BY seq DESC LIMIT 1), %(genesis)s) AS hash) AS last
"""


def canonical(
    at: str, actor: str, role: str, action: str, object_type: str, object_id: str, detail: dict[str, Any]
) -> str:
    return json.dumps(
        [at, actor, role, action, object_type, object_id, detail], sort_keys=True, separators=(",", ":"), default=str
    )


def entry_hash(prev_hash: str, entry_canonical: str) -> str:
    """sha256 of the previous entry's hash followed by this entry's canonical text (what the INSERT computes)."""
    return hashlib.sha256((prev_hash + entry_canonical).encode()).hexdigest()


def statements(
    principal,
    action: str,
    object_type: str,
    object_id: Any,
    detail: dict[str, Any] | None = None,
    locked: bool = False,
) -> list[db.Statement]:
    """The statements that add one entry chained to the last one, for db.pipeline: in their own pipeline (append)
    or after a change's own writes in the same one (the chain's lock is then taken after them, so it is held only
    until the commit). locked: the caller's statement just before took the lock (TAKE_LOCK): the INSERT alone."""
    at = clock.now()
    # round-trip the detail through JSON so the hash sees what the database stores
    stored_detail = json.loads(json.dumps(detail or {}, default=str))
    params = {
        "at": at,
        "actor": principal.sub,
        "role": principal.role,
        "action": action,
        "object_type": object_type,
        "object_id": str(object_id),
        "detail": json.dumps(stored_detail),
        "genesis": GENESIS,
        "canonical": canonical(
            at.isoformat(), principal.sub, principal.role, action, object_type, str(object_id), stored_detail
        ),
    }
    return ([] if locked else [(_LOCK, {"key": _LOCK_KEY})]) + [(_INSERT, params)]


def append(
    session: Session, principal, action: str, object_type: str, object_id: Any, detail: dict[str, Any] | None = None
) -> None:
    """Add one entry in the caller's transaction, chained to the last one."""
    db.pipeline(session, statements(principal, action, object_type, object_id, detail))


@dataclass(frozen=True)
class Verdict:
    entries: int
    broken_at: int | None  # seq of the first entry that does not match its chain

    @property
    def intact(self) -> bool:
        return self.broken_at is None


def verify_rows(rows: Iterable) -> Verdict:
    prev, count = GENESIS, 0
    for row in rows:
        count += 1
        expected = entry_hash(
            prev,
            canonical(
                row.at.astimezone(clock.UTC).isoformat(),
                row.actor,
                row.role,
                row.action,
                row.object_type,
                row.object_id,
                row.detail,
            ),
        )
        if row.prev_hash != prev or row.hash != expected:
            return Verdict(entries=count, broken_at=row.seq)
        prev = row.hash
    return Verdict(entries=count, broken_at=None)


def verify(session: Session) -> Verdict:
    """Walk the chain in order, streaming, and report the first entry that was changed."""
    rows = session.execute(select(audit_log).order_by(audit_log.c.seq).execution_options(yield_per=2000))
    return verify_rows(rows)
