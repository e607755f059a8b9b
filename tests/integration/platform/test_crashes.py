"""Crashes: a relay killed between confirm and commit publishes twice, a consumer killed mid-batch is redelivered;
effects happen once either way, and nothing is lost while the broker is away."""
import uuid

from sqlalchemy import select

from shared import outbox
from shared.inbox import inbox
from shared.relay import Relay
from tests.integration.platform import things
from tests.integration.platform.conftest import count, declare, metric, queue_depth, record
from tests.support.broker import wait_until
from tests.support.processes import events_running, kill, start_eventsd, start_hanging_relay

unsent = outbox.outbox.c.sent_at.is_(None)


def test_a_relay_killed_after_the_confirm_and_before_marking_publishes_twice_and_the_effect_happens_once(
        database_url, amqp_url, service, settings):
    declare(amqp_url, service, settings)
    ids = record(database_url, "a", "b", "c")
    relay = start_hanging_relay(service, database_url, amqp_url)
    try:
        wait_until(lambda: queue_depth(amqp_url, service) == 3, message="the batch confirmed on the queue")
        assert count(database_url, outbox.outbox, unsent) == 3  # confirmed, but not marked
    finally:
        kill(relay)
    with events_running(service, things.HANDLERS, database_url, amqp_url, consume=False, settings=settings):
        wait_until(lambda: count(database_url, outbox.outbox, unsent) == 0, message="the rows published again")
    assert queue_depth(amqp_url, service) == 6  # every message twice
    with events_running(service, things.HANDLERS, database_url, amqp_url, relay=False, settings=settings):
        wait_until(lambda: metric(f"kawal_{service}_events_consumed_total", type=things.HAPPENED,
                                  outcome="duplicate") == 3, message="the duplicates seen")
    assert sorted(_effect_things(database_url)) == sorted(ids)
    assert metric(f"kawal_{service}_events_consumed_total", type=things.HAPPENED, outcome="applied") == 3


def test_a_consumer_killed_in_the_middle_of_a_batch_gets_it_redelivered_and_applies_each_effect_once(
        database_url, amqp_url, service, settings):
    consumer = start_eventsd(service, {
        f"KAWAL_{service.upper()}_DATABASE_URL": database_url, "KAWAL_AMQP_URL": amqp_url,
        "KAWAL_CONSUMER_BATCH_WAIT_SECONDS": "0.5", "KAWAL_LOG_FORMAT": "text",
        "KAWAL_RETRY_DELAYS_SECONDS": ",".join(str(d) for d in settings.retry_delays_seconds),
    }, handlers="tests.integration.platform.things:HANDLERS", extra_args=("--no-relay", "--no-metrics"))
    try:
        wait_until(lambda: _consumers(amqp_url, service) == 1, timeout=20, message="the consumer subscribed")
        ids = record(database_url, *[f"n{i}" for i in range(9)], "stall", *[f"m{i}" for i in range(10)])
        with events_running(service, things.HANDLERS, database_url, amqp_url, consume=False, settings=settings):
            wait_until(lambda: count(database_url, things.stalls) == 1, message="the consumer stalled mid-batch")
        assert count(database_url, things.effects) == 0  # the batch's transaction never committed
    finally:
        kill(consumer)
    with events_running(service, things.HANDLERS, database_url, amqp_url, relay=False, settings=settings):
        wait_until(lambda: count(database_url, things.effects) == 20, message="every effect after redelivery")
    assert sorted(_effect_things(database_url)) == sorted(ids)
    assert count(database_url, inbox) == 20


def test_events_written_while_the_broker_is_unreachable_are_all_delivered_once_it_is_back(
        database_url, amqp_url, service, settings):
    with events_running(service, things.HANDLERS, database_url, amqp_url, relay=False, settings=settings):
        relay = Relay(service, database_url, "amqp://guest:guest@127.0.0.1:1/", settings=settings)
        import threading
        thread = threading.Thread(target=relay.run, daemon=True)
        thread.start()
        try:
            ids = record(database_url, "while", "the", "broker", "is", "away")
            wait_until(lambda: relay.failures >= 2, message="the relay failing to connect")
            assert count(database_url, outbox.outbox, unsent) == 5
            relay.amqp_url = amqp_url  # the broker is back
            wait_until(lambda: count(database_url, things.effects) == 5, message="everything delivered")
        finally:
            relay.stop()
            thread.join(timeout=10)
    assert sorted(_effect_things(database_url)) == sorted(ids)
    assert count(database_url, outbox.outbox, unsent) == 0


def _effect_things(url: str) -> list[str]:
    from shared import db
    with db.unit_of_work(url) as session:
        return list(session.execute(select(things.effects.c.thing_id)).scalars())


def _consumers(amqp_url: str, queue: str) -> int:
    import pika
    connection = pika.BlockingConnection(pika.URLParameters(amqp_url))
    try:
        return connection.channel().queue_declare(queue, passive=True).method.consumer_count
    except pika.exceptions.ChannelClosedByBroker:
        return 0
    finally:
        if connection.is_open:
            connection.close()
