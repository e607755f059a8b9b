"""Failing handlers: retried with delay, parked with the error after the last attempt, replayed once fixed."""
import uuid
from dataclasses import replace

import pika
from sqlalchemy import insert

from shared import db, outbox, parked, topology
from shared.inbox import inbox
from tests.integration.platform import things
from tests.integration.platform.conftest import count, metric, queue_depth, record
from tests.support.broker import wait_until
from tests.support.processes import events_running


def test_a_handler_that_always_fails_is_parked_with_its_error_and_the_queue_keeps_flowing(
        database_url, amqp_url, service, settings):
    bad_id = str(uuid.uuid4())
    with db.unit_of_work(database_url) as session:
        session.execute(insert(things.failing).values(thing_id=bad_id))
    with events_running(service, things.HANDLERS, database_url, amqp_url, settings=settings):
        ids = _record_with_id(database_url, bad_id) + record(database_url, "behind-1", "behind-2")
        wait_until(lambda: count(database_url, things.effects) == 2, message="the events behind it applied")
        wait_until(lambda: len(parked.browse(amqp_url, service)) == 1, message="the failing event parked")
        [message] = parked.browse(amqp_url, service)  # browsing twice loses nothing
        assert (message.type, message.attempts) == (things.HAPPENED, 3)
        assert message.error == f"RuntimeError: thing {bad_id} is broken"
        assert message.routing_key == things.HAPPENED
        assert metric(f"kawal_{service}_events_failed_total", type=things.HAPPENED) == 3
        assert metric(f"kawal_{service}_events_parked_total", type=things.HAPPENED) == 1
        assert count(database_url, things.effects, things.effects.c.thing_id == ids[0]) == 0

        with db.unit_of_work(database_url) as session:  # the handler is fixed
            session.execute(things.failing.delete())
        [replayed] = parked.replay(amqp_url, service, event_id=message.id)
        assert replayed.id == message.id
        wait_until(lambda: count(database_url, things.effects, things.effects.c.thing_id == bad_id) == 1,
                   message="the replayed event applied")
        assert parked.browse(amqp_url, service) == []
    assert count(database_url, inbox) == 3


def test_replaying_one_id_leaves_the_other_parked_messages_in_place(amqp_url, service):
    declare_parked = pika.BlockingConnection(pika.URLParameters(amqp_url))
    channel = declare_parked.channel()
    channel.queue_declare(topology.parked_queue(service), durable=True)
    channel.queue_declare(service, durable=True, arguments={"x-queue-type": "quorum"})
    for n in range(3):
        channel.basic_publish("", topology.parked_queue(service), b"{}", pika.BasicProperties(
            message_id=f"m{n}", headers={topology.ERROR: "boom", topology.ATTEMPT: 3}))
    declare_parked.close()
    assert [m.id for m in parked.replay(amqp_url, service, event_id="m1")] == ["m1"]
    assert [m.id for m in parked.browse(amqp_url, service)] == ["m0", "m2"]
    assert queue_depth(amqp_url, service) == 1


def test_an_event_about_something_not_yet_known_is_retried_until_it_is_applied(database_url, amqp_url, service, settings):
    patient = replace(settings, retry_delays_seconds=(0.2, 0.5, 1.0, 5.0, 5.0))
    thing_id, missing = str(uuid.uuid4()), str(uuid.uuid4())
    with events_running(service, things.HANDLERS, database_url, amqp_url, settings=patient):
        with db.unit_of_work(database_url) as session:
            outbox.record(session, things.REFERRED, {"thing_id": thing_id, "refers_to": missing}, producer="platformtest")
        wait_until(lambda: metric(f"kawal_{service}_events_failed_total", type=things.REFERRED) >= 1,
                   message="a first NotYetKnown failure")
        with db.unit_of_work(database_url) as session:
            session.execute(insert(things.things).values(id=missing))
        wait_until(lambda: count(database_url, things.effects) == 1, timeout=20, message="the event applied")
    assert parked.browse(amqp_url, service) == []
    assert count(database_url, things.effects, things.effects.c.thing_id == thing_id) == 1


def _record_with_id(url: str, thing_id: str) -> list[str]:
    with db.unit_of_work(url) as session:
        outbox.record(session, things.HAPPENED, {"thing_id": thing_id, "note": "bad"}, producer="platformtest")
    return [thing_id]
