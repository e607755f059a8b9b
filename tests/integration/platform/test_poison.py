"""Poison messages: whatever is wrong with a message (body of any depth, headers, types, version, encoding), it is
parked with the reason and the next good message is consumed; a message that keeps killing its consumer is parked
by the quorum queue's delivery limit."""
import json
import subprocess
import uuid

import pika
import pytest

from shared import brokerusers, parked, topology
from tests.integration.platform import things
from tests.integration.platform.conftest import count, declare, metric, queue_depth
from tests.support import broker
from tests.support.broker import wait_until
from tests.support.processes import events_running


def _envelope(**changes) -> dict:
    good = {"id": str(uuid.uuid4()), "type": things.HAPPENED, "version": 1, "occurred_at": "2025-01-01T00:00:00+00:00",
            "producer": "platformtest", "data": {"thing_id": str(uuid.uuid4()), "note": "x"}}
    return {**good, **changes}


def _json(**changes) -> bytes:
    return json.dumps(_envelope(**changes)).encode()


DEEP = b"[" * 100_000
POISONS = {
    # name: (body, headers, AMQP type property, what the parked error says)
    "a body of 100,000 [": (DEEP, None, None, "malformed envelope"),
    "deeply nested data in a valid envelope": (
        _json(data="@").replace(b'"@"', b"[" * 50_000 + b"]" * 50_000), None, None, "malformed envelope"),
    "a body that is not UTF-8": (b"\xff\xfe{\"id\": 1}", None, None, "malformed envelope"),
    "a JSON body that is not an object": (b"[1, 2, 3]", None, None, "malformed envelope"),
    "an attempt header that is not a number": (_json(), {topology.ATTEMPT: "x"}, None, "BadHeaders"),
    "an attempt header out of range": (_json(), {topology.ATTEMPT: 10**12}, None, "BadHeaders"),
    "a routing-key header that is not a string": (_json(), {topology.ROUTING_KEY: 7}, None, "BadHeaders"),
    "a version that is a string": (_json(version="1"), None, None, "malformed envelope"),
    "a version that is a boolean": (_json(version=True), None, None, "malformed envelope"),
    "an unknown version": (_json(version=2), None, None, "UnknownEventType"),
    "an id that is a number": (_json(id=5), None, None, "malformed envelope"),
    "data that is a list": (_json(data=[1]), None, None, "malformed envelope"),
    "a producer that is null": (_json(producer=None), None, None, "malformed envelope"),
    "data of the wrong types": (_json(data={"thing_id": 5, "note": ["x"]}), None, None, "InvalidEvent"),
    "a made-up AMQP type": (b"{not json", None, "x" * 200, "malformed envelope"),
}


def _publish(amqp_url: str, body: bytes, headers: dict | None = None, type_: str | None = None,
             message_id: str = "poison") -> None:
    connection = pika.BlockingConnection(pika.URLParameters(amqp_url))
    try:
        channel = connection.channel()
        channel.confirm_delivery()
        channel.basic_publish("kawal.events", things.HAPPENED, body, pika.BasicProperties(
            message_id=message_id, delivery_mode=2, headers=headers, type=type_,
            user_id=topology.user_of(amqp_url)), mandatory=True)
    finally:
        connection.close()


@pytest.mark.parametrize("kind", list(POISONS))
def test_a_poison_message_is_parked_with_its_reason_and_the_next_good_message_is_consumed(
        kind, database_url, amqp_url, service, settings):
    body, headers, type_, reason = POISONS[kind]
    with events_running(service, things.HANDLERS, database_url, amqp_url, relay=False,
                        settings=settings) as (_, consumer):
        _publish(amqp_url, body, headers, type_)
        good = _envelope()
        _publish(amqp_url, json.dumps(good).encode(), message_id=good["id"])
        wait_until(lambda: count(database_url, things.effects, things.effects.c.event_id == good["id"]) == 1,
                   timeout=60, message="the good message after the poison applied")
        wait_until(lambda: len(parked.browse(amqp_url, service)) == 1, timeout=60, message="the poison parked")
        assert consumer.failures == 0  # the consumer never fell over
    [message] = parked.browse(amqp_url, service)
    assert message.id == "poison" and reason in message.error
    assert queue_depth(amqp_url, service) == 0  # nothing left to redeliver
    # metric labels only take known types, whatever the AMQP type property said
    assert metric(f"kawal_{service}_events_parked_total", type="x" * 200) == 0
    assert metric(f"kawal_{service}_events_parked_total", type=things.HAPPENED) + metric(
        f"kawal_{service}_events_parked_total", type="unknown") == 1


def _nack_until_gone(amqp_url: str, queue: str, limit: int = 100) -> int:
    """Take the queue's message and give it back (as a consumer that dies on it would) until the broker stops
    delivering it; returns how many deliveries there were."""
    connection = pika.BlockingConnection(pika.URLParameters(amqp_url))
    try:
        channel = connection.channel()
        for delivered in range(limit):
            method, _props, _body = channel.basic_get(queue, auto_ack=False)
            if method is None:
                return delivered
            channel.basic_nack(method.delivery_tag, requeue=True)
        return limit
    finally:
        connection.close()


def _publish_to_queue(amqp_url: str, service: str) -> None:
    connection = pika.BlockingConnection(pika.URLParameters(amqp_url))
    try:
        channel = connection.channel()
        channel.confirm_delivery()
        channel.basic_publish(topology.settle_exchange(service), topology.service_queue(service), _json(),
                              pika.BasicProperties(message_id="killer", delivery_mode=2), mandatory=True)
    finally:
        connection.close()


def test_a_message_that_keeps_killing_its_consumer_is_parked_by_the_queues_delivery_limit(amqp_url, service, settings):
    declare(amqp_url, service, settings)
    _publish_to_queue(amqp_url, service)
    deliveries = _nack_until_gone(amqp_url, topology.service_queue(service))
    assert deliveries == topology.DELIVERY_LIMIT + 1  # the first delivery and its 20 redeliveries: then parked
    [message] = parked.browse(amqp_url, service)
    assert message.id == "killer" and message.error.startswith("dead-lettered by the broker: delivery_limit")


def test_a_queue_declared_before_the_delivery_limit_gets_it_from_the_policy_kawal_events_declare_sets(
        service, settings):
    vhost = broker.create_vhost("kawal_policy")
    url = broker.amqp_url(vhost)
    try:
        connection = pika.BlockingConnection(pika.URLParameters(url))
        connection.channel().queue_declare(service, durable=True, arguments={"x-queue-type": "quorum"})  # an old one
        connection.close()
        declare(url, service, settings)  # the consumer's declaration accepts the old queue as it is
        brokerusers.declare_policies(url, [service])
        wait_until(lambda: service in subprocess.run(["rabbitmqctl", "-q", "list_policies", "-p", vhost],
                                                      capture_output=True, text=True).stdout,
                   timeout=60, interval=0.5, message="the policy applied (imports are asynchronous)")
        _publish_to_queue(url, service)
        deliveries = _nack_until_gone(url, topology.service_queue(service))
        assert deliveries == topology.DELIVERY_LIMIT + 1
        assert [m.id for m in parked.browse(url, service)] == ["killer"]
    finally:
        broker.delete_vhost(vhost)
