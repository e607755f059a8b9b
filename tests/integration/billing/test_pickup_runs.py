"""A run of pickup events (what the consumer hands a batch handler) written in one upsert: the same rows as the
events applied one at a time, a pickup named twice in a run folded into one, an unknown contract retried whole."""
from __future__ import annotations

import uuid
from datetime import date

import pytest
from sqlalchemy import text

from services.billing.handlers import HANDLERS
from shared import db
from shared.inbox import NotYetKnown
from tests.integration.billing.conftest import World, deliver

DAY = date(2025, 3, 3)


def pickups(url: str) -> dict[str, tuple]:
    with db.unit_of_work(url) as session:
        rows = session.execute(text("SELECT pickup_id::text, date, missed, confirmed, off_site, verified, excused "
                                    "FROM pickups")).all()
    return {row[0]: tuple(row[1:]) for row in rows}


def stale(url: str) -> set[str]:
    with db.unit_of_work(url) as session:
        return set(session.execute(text("SELECT contract_id::text FROM stale_drafts")).scalars())


def run(url: str, envelopes) -> None:
    with db.unit_of_work(url) as session:
        HANDLERS[envelopes[0].type].many(session, envelopes)


def test_a_run_writes_what_the_events_one_by_one_write(billing, billing_db):
    world = World()
    deliver(billing_db, [world.activated()])
    a, b, c = (str(uuid.uuid4()) for _ in range(3))
    confirmations = [world.confirmed(a, DAY), world.confirmed(b, DAY, off_site=True), world.confirmed(a, DAY)]
    run(billing_db, [world.missed(a, DAY), world.missed(c, DAY)])
    run(billing_db, confirmations)
    run(billing_db, [world.decided("verified", b, DAY)])

    batched = pickups(billing_db)
    assert batched == {
        #    date  missed  confirmed  off_site  verified  excused
        a: (DAY, True, True, False, False, False),
        b: (DAY, False, True, True, True, False),
        c: (DAY, True, False, False, False, False),
    }
    assert stale(billing_db) == {world.contract_id}


def test_a_pickup_twice_in_one_run_keeps_every_flag_either_event_set(billing, billing_db):
    world = World()
    deliver(billing_db, [world.activated()])
    a = str(uuid.uuid4())
    run(billing_db, [world.confirmed(a, DAY), world.confirmed(a, DAY, off_site=True)])
    assert pickups(billing_db)[a] == (DAY, False, True, True, False, False)
    run(billing_db, [world.confirmed(a, DAY)])  # off_site stays set: flags only ever get set
    assert pickups(billing_db)[a] == (DAY, False, True, True, False, False)


def test_a_run_naming_a_contract_not_replicated_yet_writes_nothing_and_is_retried(billing, billing_db):
    known, unknown = World(), World()
    deliver(billing_db, [known.activated()])
    with pytest.raises(NotYetKnown, match=unknown.contract_id):
        run(billing_db, [known.confirmed(str(uuid.uuid4()), DAY), unknown.confirmed(str(uuid.uuid4()), DAY)])
    assert pickups(billing_db) == {}
