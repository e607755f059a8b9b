"""Two relays share one outbox without publishing a row twice; bad messages are parked and the consumer lives on."""
import json
import threading
import uuid
from dataclasses import replace

import pika
from click.testing import CliRunner

from kawal.cli import main as kawal
from shared import outbox, parked, topology
from shared.relay import Relay
from tests.integration.platform import things
from tests.integration.platform.conftest import count, record
from tests.support.broker import wait_until
from tests.support.processes import events_running


def test_two_relays_at_once_never_publish_a_row_twice(database_url, amqp_url, service, settings, tap):
    ids = record(database_url, *[f"e{i}" for i in range(600)])
    # One batch in flight a relay, so the first one holds exactly its first batch (with a window of several,
    # how many it has published when the first confirm arrives depends on timing; none is published twice either way).
    small_batches = replace(settings, relay_batch_size=25, relay_inflight_batches=1)
    first, second = (Relay(service, database_url, amqp_url, settings=small_batches) for _ in range(2))
    # The first relay holds its first batch locked (confirmed, not yet marked) until the second has done the rest.
    holding, rest_done = threading.Event(), threading.Event()
    first.after_confirm = lambda _confirmed: (holding.set(), rest_done.wait(30))
    threads = [threading.Thread(target=r.run, daemon=True) for r in (first, second)]
    threads[0].start()
    wait_until(holding.is_set, message="the first relay holding its batch")
    threads[1].start()
    try:
        wait_until(lambda: second.published == 575, timeout=30, message="the second relay skipping the locked batch")
        first.after_confirm = None
        rest_done.set()
        wait_until(lambda: count(database_url, outbox.outbox, outbox.outbox.c.sent_at.is_(None)) == 0,
                   timeout=30, message="every row sent")
    finally:
        rest_done.set()
        for relay in (first, second):
            relay.stop()
        for thread in threads:
            thread.join(timeout=10)
    assert (first.published, second.published) == (25, 575)
    published = [m["data"]["thing_id"] for m in tap.drain(expect=600, timeout=5)]
    assert sorted(published) == sorted(ids)  # each once: no duplicates, none missing


def test_a_malformed_body_an_unknown_type_and_invalid_data_are_parked_and_the_consumer_lives_on(
        database_url, amqp_url, service, settings):
    with events_running(service, things.HANDLERS, database_url, amqp_url, settings=settings):
        good = {"id": str(uuid.uuid4()), "type": things.HAPPENED, "version": 1, "occurred_at": "2025-01-01T00:00:00+00:00",
                "producer": "platformtest", "data": {"thing_id": str(uuid.uuid4()), "note": "x"}}
        unknown = {**good, "id": str(uuid.uuid4()), "type": "platformtest.thing.vanished"}
        invalid = {**good, "id": str(uuid.uuid4()), "data": {"thing_id": "not-a-uuid", "note": "x"}}
        _publish(amqp_url, [(b"{not json", "m-malformed"), (json.dumps(unknown).encode(), unknown["id"]),
                            (json.dumps(invalid).encode(), invalid["id"])])
        wait_until(lambda: len(parked.browse(amqp_url, service)) == 3, message="three parked")
        [thing_id] = record(database_url, "after the bad ones")
        wait_until(lambda: count(database_url, things.effects, things.effects.c.thing_id == thing_id) == 1,
                   message="the consumer still applying events")
    errors = {m.id: m.error for m in parked.browse(amqp_url, service)}
    assert errors["m-malformed"].startswith("ValueError: malformed envelope")
    assert errors[unknown["id"]].startswith("UnknownEventType: platformtest.thing.vanished")
    assert errors[invalid["id"]].startswith("InvalidEvent: invalid platformtest.thing.happened event")
    assert "thing_id" in errors[invalid["id"]]


def test_the_cli_lists_parked_messages_without_removing_them(amqp_url):
    message_id = str(uuid.uuid4())
    connection = pika.BlockingConnection(pika.URLParameters(amqp_url))
    channel = connection.channel()
    channel.queue_declare(topology.parked_queue("billing"), durable=True)
    channel.basic_publish("", topology.parked_queue("billing"), b"{}", pika.BasicProperties(
        message_id=message_id, type="routes.pickup.confirmed",
        headers={topology.ERROR: "NotYetKnown: contract", topology.ATTEMPT: 6, topology.PARKED_AT: "2025-01-01"}))
    try:
        result = CliRunner().invoke(kawal, ["events", "parked", "list", "--service", "billing"], env={"COLUMNS": "300"})
        assert result.exit_code == 0, result.output
        assert message_id in result.output and "NotYetKnown: contract" in result.output
        assert [m.id for m in parked.browse(amqp_url, "billing")] == [message_id]
        refused = CliRunner().invoke(kawal, ["events", "parked", "replay", "--service", "billing"])
        assert refused.exit_code == 2 and "--all" in refused.output
    finally:
        channel.queue_purge(topology.parked_queue("billing"))
        connection.close()


def _publish(amqp_url: str, bodies: list[tuple[bytes, str]]) -> None:
    connection = pika.BlockingConnection(pika.URLParameters(amqp_url))
    channel = connection.channel()
    channel.confirm_delivery()
    for body, message_id in bodies:
        channel.basic_publish("kawal.events", things.HAPPENED, body,
                              pika.BasicProperties(message_id=message_id, delivery_mode=2), mandatory=True)
    connection.close()
