"""The audit log beyond its hash chain: append-only in the database, its head published, heads checked.

A chain alone proves nothing against someone who can write the table: they recompute every hash after the
entry they changed. So (1) the table is append-only for everyone (a trigger refuses UPDATE, DELETE and
TRUNCATE) and the application connects as a role that may only INSERT and read it and owns nothing, so it
cannot even disable the trigger; (2) every few minutes each events process publishes the chain's head
(`<service>.audit.head_published`) and the broker keeps the recent heads in the `kawal.audit-heads` queue;
(3) `kawal audit verify` checks every kept head against the table: a recomputed chain no longer matches."""

from __future__ import annotations

import json
from typing import Any, Callable

import pika
from sqlalchemy import text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.orm import Session

from shared import config, outbox, topology

HEADS_QUEUE = "kawal.audit-heads"
HEADS_KEPT = 10_000  # per queue, oldest dropped first: weeks of heads at one per service every five minutes


def head_type(service: str) -> str:
    return f"{service}.audit.head_published"


def app_role(service: str) -> str:
    """The database role the service's processes connect as (created by `kawal db upgrade`)."""
    return f"kawal_{service}_app"


_APPEND_ONLY = """
CREATE OR REPLACE FUNCTION kawal_audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END $$;
DROP TRIGGER IF EXISTS audit_log_append_only ON audit_log;
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
  FOR EACH ROW EXECUTE FUNCTION kawal_audit_log_append_only();
DROP TRIGGER IF EXISTS audit_log_no_truncate ON audit_log;
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
  FOR EACH STATEMENT EXECUTE FUNCTION kawal_audit_log_append_only();
"""

# {role} is app_role(service): a fixed identifier built from config.SERVICES, never from input
_APP_ROLE = """
DO $$ BEGIN
  CREATE ROLE {role} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS;
EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;  -- another database's migration made it
END $$;
DO $$ BEGIN
  EXECUTE format('GRANT CONNECT, TEMPORARY ON DATABASE %I TO {role}', current_database());
END $$;
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO {role};
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role};
GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO {role};
REVOKE UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER ON audit_log FROM {role};
REVOKE INSERT, UPDATE, DELETE ON alembic_version FROM {role};
"""


def protect(connection: Connection, service: str) -> None:
    """Make the audit log append-only and (re)grant the application role; idempotent, run after every migration
    so tables a migration added are granted too."""
    role = app_role(service)
    raw = connection.connection.driver_connection  # psycopg without parameters: '%' in PL/pgSQL stays as written
    assert raw is not None, "an open connection has its driver's connection"
    raw.execute(_APPEND_ONLY)
    raw.execute(_APP_ROLE.format(role=role))
    app_url = make_url(config.database_url(service))
    if app_url.username == role and app_url.password:  # the deployment chose the password (its secret)
        connection.execute(text(f"ALTER ROLE {role} PASSWORD :password"), {"password": app_url.password})


def current_head(session: Session) -> dict[str, Any] | None:
    row = session.execute(text("SELECT seq, hash, at FROM audit_log ORDER BY seq DESC LIMIT 1")).first()
    return {"seq": row.seq, "hash": row.hash, "at": row.at} if row else None


def record_head(session: Session, service: str) -> dict[str, Any] | None:
    """Record the chain's head as an event (through the outbox) unless it was the last one recorded."""
    head = current_head(session)
    if head is None:
        return None
    last = session.execute(
        text("SELECT envelope -> 'data' ->> 'hash' FROM outbox WHERE type = :type ORDER BY seq DESC LIMIT 1"),
        {"type": head_type(service)},
    ).scalar()
    if last == head["hash"]:
        return None
    outbox.record(session, head_type(service), head, producer=service)
    return head


def publisher(service: str) -> Callable[[Session], None]:
    """The events process's periodic job (shared.eventsd)."""

    def publish_audit_head(session: Session) -> None:
        record_head(session, service)

    return publish_audit_head


def declare(channel, exchange: str) -> None:
    """The queue that keeps the recent heads (declared with the exchange)."""
    channel.queue_declare(HEADS_QUEUE, durable=True, arguments={"x-max-length": HEADS_KEPT, "x-overflow": "drop-head"})
    channel.queue_bind(HEADS_QUEUE, exchange, routing_key="*.audit.head_published")


def published_heads(amqp_url: str) -> list[dict[str, Any]]:
    """Every head the broker keeps, oldest first, as {service, seq, hash}; read without consuming them
    (got unacknowledged, requeued when the connection closes)."""
    connection = pika.BlockingConnection(topology.parameters(amqp_url, "kawal.audit-verify"))
    heads = []
    try:
        channel = connection.channel()
        for _ in range(HEADS_KEPT):
            method, properties, body = channel.basic_get(HEADS_QUEUE, auto_ack=False)
            if method is None:
                break
            try:
                envelope = json.loads(body)
                service = envelope["type"].removesuffix(".audit.head_published")
                heads.append(
                    {"service": service, "seq": int(envelope["data"]["seq"]), "hash": str(envelope["data"]["hash"])}
                )
            except (ValueError, KeyError, TypeError, AttributeError):
                continue  # not a head: nothing to compare
    finally:
        topology.close_quietly(connection)
    return heads


def last_heads(amqp_url: str) -> dict[str, dict[str, Any]]:
    """The latest kept head of each service."""
    latest: dict[str, dict[str, Any]] = {}
    for head in published_heads(amqp_url):
        if head["seq"] >= latest.get(head["service"], {"seq": -1})["seq"]:
            latest[head["service"]] = head
    return latest


def mismatches(session: Session, heads: list[dict[str, Any]]) -> list[int]:
    """Seqs of published heads the table no longer matches (entry missing or hash changed)."""
    if not heads:
        return []
    stored: dict[int, str] = dict(
        session.execute(
            text("SELECT seq, hash FROM audit_log WHERE seq = ANY(:seqs)"), {"seqs": sorted({h["seq"] for h in heads})}
        ).all()
    )
    return sorted({h["seq"] for h in heads if stored.get(h["seq"]) != h["hash"]})
