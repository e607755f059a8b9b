"""What the chaos run checks afterwards, from the databases and the broker: lost, doubled, parked, invoices."""
from __future__ import annotations

import time

import pika
from sqlalchemy import create_engine, text

from shared import config, topology
from tests.support.chaos.city import DAY, MONTH, Contract
from tests.support.system import System

SETTLE_S = 300.0
INVOICE_FIELDS = ("tonnage_rp", "deductions_rp", "capped_rp", "dpp_rp", "ppn_rp", "total_rp")


def _scalar(url: str, query: str, **params):
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return connection.execute(text(query), params).scalar_one()
    finally:
        engine.dispose()


def broker_counts(system: System) -> dict[str, int]:
    """Messages still on every service queue, and parked ones, summed over the services."""
    connection = pika.BlockingConnection(pika.URLParameters(system.amqp_url))
    try:
        channel = connection.channel()
        depth = sum(topology.message_count(channel, topology.service_queue(s)) for s in config.SERVICES)
        parked = sum(topology.message_count(channel, topology.parked_queue(s)) for s in config.SERVICES)
        return {"queued": depth, "parked": parked}
    finally:
        connection.close()


def unsent(system: System) -> int:
    return sum(_scalar(url, "SELECT count(*) FROM outbox WHERE sent_at IS NULL") for url in system.database_urls.values())


def settle(system: System, contracts: list[Contract]) -> float:
    """Wait until every outbox is sent, every queue is empty and billing's read model stops changing."""
    began, last, stable_since = time.monotonic(), None, None
    while time.monotonic() - began < SETTLE_S:
        try:
            snapshot = (unsent(system), broker_counts(system)["queued"],
                        tuple(billing_known(system, c) for c in contracts))
        except Exception:  # noqa: BLE001 - a server still coming back: look again
            snapshot = None
        if snapshot and snapshot[0] == 0 and snapshot[1] == 0 and snapshot == last:
            stable_since = stable_since or time.monotonic()
            if time.monotonic() - stable_since >= 3.0:
                return time.monotonic() - began
        else:
            stable_since = None
        last = snapshot
        time.sleep(0.5)
    raise AssertionError(f"the system did not settle within {SETTLE_S:.0f} s: {last}")


def billing_known(system: System, contract: Contract) -> tuple[int, int]:
    """(pickups billing knows confirmed, pickups billing still counts missed) on the day."""
    url = system.database_urls["billing"]
    confirmed = _scalar(url, "SELECT count(*) FROM pickups WHERE contract_id = CAST(:c AS uuid) AND date = :d "
                             "AND confirmed", c=contract.contract_id, d=DAY)
    missed = _scalar(url, "SELECT count(*) FROM pickups WHERE contract_id = CAST(:c AS uuid) AND date = :d "
                          "AND missed AND NOT confirmed", c=contract.contract_id, d=DAY)
    return confirmed, missed


def facts(system: System, contract: Contract, answered: set[str]) -> dict:
    """Lost and doubled, each counted where it could happen."""
    routes, billing = system.database_urls["routes"], system.database_urls["billing"]
    ids = "ARRAY[" + ",".join(f"'{p}'" for p in contract.pickups) + "]::uuid[]" if contract.pickups else "ARRAY[]::uuid[]"
    confirmed_in_routes = _scalar(routes, f"SELECT count(*) FROM pickups WHERE id = ANY({ids}) AND status = 'confirmed'")
    confirmation_rows = _scalar(routes, f"SELECT count(*) FROM confirmations WHERE pickup_id = ANY({ids})")
    events = _scalar(routes, "SELECT count(*) FROM outbox WHERE type = 'routes.pickup.confirmed' "
                             "AND envelope->'data'->>'contract_id' = :c", c=contract.contract_id)
    event_pickups = _scalar(routes, "SELECT count(DISTINCT envelope->'data'->>'pickup_id') FROM outbox "
                                    "WHERE type = 'routes.pickup.confirmed' AND envelope->'data'->>'contract_id' = :c",
                            c=contract.contract_id)
    known_confirmed, still_missed = billing_known(system, contract)
    billing_unexpected = _scalar(billing, f"SELECT count(*) FROM pickups WHERE contract_id = CAST(:c AS uuid) "
                                          f"AND confirmed AND NOT pickup_id = ANY({ids})", c=contract.contract_id)
    sent = len(contract.pickups)
    return {"sent": sent, "answered_2xx": len(answered), "confirmed_in_routes": confirmed_in_routes,
            "confirmation_rows": confirmation_rows, "confirmed_events": events,
            "billing_confirmed": known_confirmed, "billing_missed": still_missed,
            "lost": (sent - len(answered)) + (len(answered) - confirmed_in_routes) + (confirmed_in_routes - known_confirmed),
            "doubled": (confirmation_rows - confirmed_in_routes) + (events - event_pickups) + billing_unexpected,
            "expected_missed": 0}  # the window is open all day: nothing is swept during the run


def invoice(kawal, contract: Contract) -> dict:
    body = kawal.must_post("billing", "/invoices", {"contract_id": contract.contract_id, "month": MONTH})
    return {name: body[name] for name in INVOICE_FIELDS}
