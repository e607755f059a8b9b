"""The broker definitions compose loads at boot agree with what Kawal's processes declare, on the real RabbitMQ."""
from __future__ import annotations

import json

import pika
import pytest

from shared import topology
from tests.support import broker
from tests.unit.deploy import catalogue


@pytest.fixture
def channel():
    vhost = broker.create_vhost("kawal_deploy")
    connection = pika.BlockingConnection(pika.URLParameters(broker.amqp_url(vhost)))
    yield connection
    if connection.is_open:
        connection.close()
    broker.delete_vhost(vhost)


def _definitions() -> dict:
    with open(catalogue.path("deploy", "rabbitmq", "definitions.json"), encoding="utf-8") as handle:
        return json.load(handle)


def test_the_processes_accept_the_exchanges_and_queues_the_broker_was_booted_with(channel):
    definitions = _definitions()
    ch = channel.channel()
    # what the broker creates from the definitions file at boot ...
    for exchange in definitions["exchanges"]:
        ch.exchange_declare(exchange["name"], exchange["type"], durable=exchange["durable"],
                            auto_delete=exchange["auto_delete"], internal=exchange["internal"],
                            arguments=exchange["arguments"])
    for queue in definitions["queues"]:
        ch.queue_declare(queue["name"], durable=queue["durable"], auto_delete=queue["auto_delete"],
                         arguments=queue["arguments"])
    for binding in definitions["bindings"]:
        ch.queue_bind(binding["destination"], binding["source"], routing_key=binding["routing_key"])
    # ... and then what every relay and consumer declares at start: a difference would close the channel (406)
    topology.declare_exchange(ch)
    topology.declare_service(ch, "billing", ["contracts.contract.activated"])
    assert ch.is_open


def test_an_event_nobody_subscribes_to_rests_in_the_unrouted_queue_of_the_definitions(channel):
    definitions = _definitions()
    ch = channel.channel()
    for exchange in definitions["exchanges"]:
        ch.exchange_declare(exchange["name"], exchange["type"], durable=True, arguments=exchange["arguments"])
    for queue in definitions["queues"]:
        ch.queue_declare(queue["name"], durable=True, arguments=queue["arguments"])
    for binding in definitions["bindings"]:
        ch.queue_bind(binding["destination"], binding["source"], routing_key=binding["routing_key"])
    ch.confirm_delivery()
    ch.basic_publish("kawal.events", "billing.invoice.paid", b"{}", mandatory=True)
    broker.wait_until(lambda: topology.message_count(ch, "kawal.unrouted") == 1, message="unrouted event kept")
