"""A test service for the platform tests: its own event types, effects table and handlers driven by database rows."""
from __future__ import annotations

import time

from marshmallow import Schema, fields
from sqlalchemy import Column, Integer, MetaData, String, Table, Text, insert, select, text
from sqlalchemy.dialects.postgresql import UUID

from shared.events.registry import event
from shared.inbox import NotYetKnown

HAPPENED = "platformtest.thing.happened"
REFERRED = "platformtest.thing.referred"



@event(HAPPENED)
class ThingHappened(Schema):
    thing_id = fields.UUID(required=True)
    note = fields.String(required=True)
    pad = fields.String(load_default="")


@event(REFERRED)
class ThingReferred(Schema):
    thing_id = fields.UUID(required=True)
    refers_to = fields.UUID(required=True)


metadata = MetaData()
effects = Table("effects", metadata, Column("n", Integer, primary_key=True, autoincrement=True),
                Column("event_id", UUID(as_uuid=False), nullable=False),
                Column("thing_id", UUID(as_uuid=False), nullable=False), Column("note", Text, nullable=False))
things = Table("things", metadata, Column("id", UUID(as_uuid=False), primary_key=True))
# A thing id listed here makes its handler fail (until the row is deleted: the handler is "fixed").
failing = Table("failing", metadata, Column("thing_id", UUID(as_uuid=False), primary_key=True))
# A handler seeing note "stall" records the stall here (outside its transaction) and then blocks, once.
stalls = Table("stalls", metadata, Column("thing_id", UUID(as_uuid=False), primary_key=True),
               Column("state", String(20), nullable=False))


def on_happened(session, envelope) -> None:
    thing_id = str(envelope.data["thing_id"])
    if session.execute(select(failing.c.thing_id).where(failing.c.thing_id == thing_id)).first():
        raise RuntimeError(f"thing {thing_id} is broken")
    if envelope.data["note"] == "stall":
        _stall_once(session, thing_id)
    session.execute(insert(effects).values(event_id=envelope.id, thing_id=thing_id, note=envelope.data["note"]))


def on_referred(session, envelope) -> None:
    refers_to = str(envelope.data["refers_to"])
    if not session.execute(select(things.c.id).where(things.c.id == refers_to)).first():
        raise NotYetKnown(f"thing {refers_to}")
    session.execute(insert(effects).values(event_id=envelope.id, thing_id=str(envelope.data["thing_id"]),
                                           note=f"refers to {refers_to}"))


def _stall_once(session, thing_id: str) -> None:
    with session.get_bind().connect() as other:  # autocommit-like: its own short transaction
        first = other.execute(text("INSERT INTO stalls VALUES (:id, 'stalled') ON CONFLICT DO NOTHING RETURNING 1"),
                              {"id": thing_id}).first()
        other.commit()
    if first:
        time.sleep(600)  # the test SIGKILLs the process while it waits here


HANDLERS = {HAPPENED: on_happened, REFERRED: on_referred}
