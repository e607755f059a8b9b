"""Through the real broker: contracts.* events consumed into the read model, routes.* events published by the relay."""
import uuid
from datetime import date

import pika

from shared import events, topology
from services.routes.handlers import HANDLERS
from tests.integration.routes.conftest import DEFAULT_SLA, PENALTIES, POINT_LAT, POINT_LON, World, wib
from tests.support.broker import wait_until
from tests.support.processes import events_running

DAY = date(2026, 3, 10)


def publish(amqp_url: str, type_: str, data: dict) -> None:
    envelope = events.make(type_, data, producer="contracts")
    connection = pika.BlockingConnection(pika.URLParameters(amqp_url))
    channel = connection.channel()
    channel.basic_publish("kawal.events", type_, envelope.to_json(),
                          pika.BasicProperties(message_id=envelope.id, delivery_mode=2,
                                               content_type="application/json",
                                               user_id=topology.user_of(amqp_url)))  # as a relay sets it
    connection.close()


def test_contract_events_from_the_broker_build_the_read_model_and_pickup_events_reach_the_exchange(
        client, routes_db, amqp_url, tap, frozen_clock):
    with events_running("routes", HANDLERS, routes_db, amqp_url):
        contractor_id, contract_id = str(uuid.uuid4()), str(uuid.uuid4())
        publish(amqp_url, "contracts.contractor.registered",
                {"contractor_id": contractor_id, "name": "PT Siak Lestari", "npwp": "01.234.567.8-216.000"})
        publish(amqp_url, "contracts.contract.activated", {
            "contract_id": contract_id, "number": "KTR-1/2026", "contractor_id": contractor_id,
            "kawasan": "Kawasan 3", "kecamatan": ["Rumbai"], "start_date": date(2026, 1, 1),
            "end_date": date(2026, 6, 30), "value_rp": 4_730_000_000, "unit_price_rp_per_ton": 235_000,
            "daily_target_kg": 110_000, "ppn_rate": 0.11, "sla": DEFAULT_SLA, "penalties": PENALTIES})
        world = _World(client, routes_db, contractor_id, contract_id)
        wait_until(lambda: world.sql("SELECT 1 FROM contracts WHERE id = :c AND status = 'active'", c=contract_id),
                   message="the contract replicated")
        world.build()
        pickup = world.pickup_on(DAY)
        frozen_clock(wib(DAY, 14, 5))
        world.client.post(f"/api/v1/pickups/{pickup['id']}/confirmation", headers=world.contractor,
                          json={"collected_at": wib(DAY, 14).isoformat(), "lat": POINT_LAT, "lon": POINT_LON})
        world.post("/weighings", {"ticket_no": "T-9", "plate": "BM 8123 RU", "gross_kg": 11_000,
                                  "weighed_at": wib(DAY, 10).isoformat()}, expect=201)
        by_type: dict[str, dict] = {}
        wanted = {"routes.pickup.confirmed", "routes.weighing.recorded"}
        wait_until(lambda: by_type.update({m["type"]: m for m in tap.drain(timeout=0.5)}) or wanted <= set(by_type),
                   timeout=30, message="the pickup and weighing events on the exchange")
    confirmed = by_type["routes.pickup.confirmed"]
    assert (confirmed["producer"], confirmed["data"]["pickup_id"], confirmed["data"]["on_time"]) == (
        "routes", pickup["id"], True)
    assert by_type["routes.weighing.recorded"]["data"]["net_kg"] == 5_000
    assert by_type["routes.weighing.recorded"]["data"]["contract_id"] == contract_id


class _World(World):
    """The World of conftest, over a contract that arrived through the broker."""

    def __init__(self, client, routes_db, contractor_id, contract_id):
        from tests.integration.routes.conftest import bearer

        self.client, self.db = client, routes_db
        self.dinas, self.auditor = bearer("dinas"), bearer("auditor")
        self.contractor_id, self.contract_id = contractor_id, contract_id
        self.contractor = bearer("contractor", contractor_id)

    def build(self):
        self.point_id = self.point("TPS-RMB-001")["id"]
        self.vehicle = self.post("/vehicles", {"plate": "BM 8123 RU", "contractor_id": self.contractor_id,
                                               "type": "dump_truck", "capacity_m3": 10, "tare_kg": 6000}).json
        self.route = self.post("/routes", {"code": "R1", "contract_id": self.contract_id,
                                           "vehicle_id": self.vehicle["id"], "stops": [self.point_id],
                                           "weekdays": [2], "window_start": "13:00", "window_end": "17:00"},
                               expect=201).json
