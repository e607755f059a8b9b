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


def test_the_events_process_reprices_a_draft_when_evidence_arrives_without_anyone_asking(billing, billing_db,
                                                                                        amqp_url):
    import uuid
    from datetime import date, datetime, timezone

    from tests.integration.billing.conftest import AUDITOR
    from tests.support.processes import start_eventsd, terminate
    from tests.support.system import free_ports

    world = World()
    (port,) = free_ports(1)
    process = start_eventsd("billing", {"KAWAL_BILLING_DATABASE_URL": billing_db, "KAWAL_AMQP_URL": amqp_url,
                                        "KAWAL_BILLING_EVENTS_METRICS_PORT": str(port), "KAWAL_LOG_FORMAT": "text"})
    try:
        publish(amqp_url, [world.activated(), world.weighed(str(uuid.uuid4()), 100_000,
                                                            datetime(2025, 3, 10, 3, tzinfo=timezone.utc))])
        wait_until(lambda: applied(billing_db) == 2, timeout=60, message="the contract and the weighing applied")
        invoice = draft(billing, world, "2025-03")
        assert invoice["total_rp"] == 26_085_000  # 100,000 kg x 235,000 = 23,500,000 + 11% PPN
        publish(amqp_url, [world.missed(str(uuid.uuid4()), date(2025, 3, 11))])

        def repriced():
            read = billing.get(f"/api/v1/invoices/{invoice['id']}", headers=AUDITOR).get_json()
            return read if read["total_rp"] != invoice["total_rp"] else None

        # the miss deducted Rp500,000: DPP 23,000,000, PPN 2,530,000, by the events process alone
        read = wait_until(repriced, timeout=60, message="the draft repriced by the events process")
        assert (read["deductions_rp"], read["total_rp"]) == (500_000, 25_530_000)
        assert read["computed_at"] > invoice["computed_at"]
    finally:
        code = terminate(process)
    assert code == 0, process.stderr.read().decode()[-2000:]
