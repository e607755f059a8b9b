"""The relay on pika's public API with several batches in flight: every row once, in order, bodies larger than a
frame intact."""
import uuid
from dataclasses import replace

from shared import db, outbox
from tests.integration.platform import things
from tests.integration.platform.conftest import count
from tests.support.broker import wait_until
from tests.support.processes import events_running


def test_the_relay_publishes_every_row_once_in_order_with_large_bodies_intact(
        database_url, amqp_url, service, settings, tap):
    settings = replace(settings, relay_batch_size=20)  # 15 batches, up to 4 of them in flight at once
    pads = ["", "p" * 5_000, "q" * 300_000]  # none, two body frames, more than the negotiated frame_max
    ids = [str(uuid.uuid4()) for _ in range(300)]
    with db.unit_of_work(database_url) as session:
        for n, thing_id in enumerate(ids):
            outbox.record(session, things.HAPPENED, {"thing_id": thing_id, "note": f"n{n}", "pad": pads[n % 3]},
                          producer="platformtest")
    with events_running(service, things.HANDLERS, database_url, amqp_url, consume=False, settings=settings):
        wait_until(lambda: count(database_url, outbox.outbox, outbox.outbox.c.sent_at.is_(None)) == 0,
                   timeout=60, message="every row sent")
    seen = tap.drain(expect=300, timeout=30)
    assert [m["data"]["thing_id"] for m in seen] == ids
    assert [len(m["data"]["pad"]) for m in seen] == [len(pads[n % 3]) for n in range(300)]
