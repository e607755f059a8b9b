"""Through the broker: events published to the exchange, twice and shuffled, reach the same invoice."""
from __future__ import annotations

import random
from dataclasses import replace

import pika
from sqlalchemy import create_engine, text

from services.billing.handlers import HANDLERS
from shared import config, topology
from shared.events import schema_for
from tests.integration.billing.conftest import World, draft, figures, post
from tests.integration.billing.scenario import March
from tests.support.broker import wait_until
from tests.support.processes import events_running


def publish(url: str, envelopes) -> None:
    connection = pika.BlockingConnection(pika.URLParameters(url))
    channel = connection.channel()
    channel.confirm_delivery()
    for envelope in envelopes:
        wire = replace(envelope, data=schema_for(envelope.type).dump(envelope.data)).to_json()
        channel.basic_publish(config.events().exchange, envelope.type, wire,
                              pika.BasicProperties(message_id=envelope.id, delivery_mode=2,
                                                   content_type="application/json",
                                                   user_id=topology.user_of(url)))  # as a relay sets it
    connection.close()


def applied(url: str) -> int:
    engine = create_engine(url)
    with engine.connect() as connection:
        count = connection.execute(text("SELECT count(*) FROM inbox")).scalar_one()
    engine.dispose()
    return count


def test_events_from_the_exchange_in_any_order_give_the_hand_computed_invoice(billing, billing_db, amqp_url, tap):
    march = March(World())
    envelopes = march.events()
    shuffled = envelopes * 2
    random.Random(7).shuffle(shuffled)
    with events_running("billing", HANDLERS, billing_db, amqp_url):
        publish(amqp_url, shuffled)
        wait_until(lambda: applied(billing_db) == len(envelopes), timeout=60, message="every event applied once")
        invoice = draft(billing, march.world, "2025-03")
        assert {k: invoice[k] for k in March.EXPECTED} == March.EXPECTED
        assert figures(invoice)["lines"] == march.expected_lines()
        post(billing, invoice["id"], "issue")
        # the tap also sees the routes and contracts events this test published: wait for billing's own
        seen = tap.collect_until(lambda got: sum(m["producer"] == "billing" for m in got) >= 4, timeout=20)
    published = sorted(message["type"] for message in seen if message["producer"] == "billing")
    assert published == ["billing.invoice.issued"] + ["billing.penalty.assessed"] * 3
