"""Contracts integration fixtures: the app on a real database, its events process on a real broker, and helpers."""
from __future__ import annotations

import json
import time
import uuid
from datetime import datetime, timezone

import pika
import pytest
from sqlalchemy import create_engine, text

from services.contracts.app import create_app
from services.contracts.handlers import HANDLERS
from shared import auth, events, topology
from tests.support import databases
from tests.support.processes import events_running

API = "/api/v1"


@pytest.fixture(scope="module")
def contracts_events(contracts_db, amqp_url):
    """The contracts relay and consumer for a test module (per test would cost seconds; per session would
    leave them running into other suites that share the database)."""
    with events_running("contracts", HANDLERS, contracts_db, amqp_url) as running:
        yield running


@pytest.fixture
def db_url(contracts_db):
    databases.truncate_all(contracts_db)
    return contracts_db


@pytest.fixture
def client(db_url, amqp_url):
    return create_app({"TESTING": True}).test_client()


@pytest.fixture
def sql(db_url):
    engine = create_engine(db_url)

    def run(statement: str, **params):
        with engine.begin() as connection:
            return connection.execute(text(statement), params).all()

    yield run
    engine.dispose()


def headers(role: str, contractor_id: str | None = None) -> dict:
    return {"Authorization": f"Bearer {auth.mint(role, contractor_id=contractor_id)}"}


DINAS = headers("dinas")
AUDITOR = headers("auditor")


def contractor_body(**overrides) -> dict:
    digits = f"{uuid.uuid4().int % 10**15:015d}"
    return {"name": "PT Bersih Lestari", "npwp": digits, "address": "Jl. Sudirman 1, Pekanbaru",
            "phone": "+62 761 123456", "email": "kantor@bersih.example", **overrides}


def contract_body(contractor_id: str, **overrides) -> dict:
    return {"number": f"600/DLHK-K1/{uuid.uuid4().hex[:6]}", "contractor_id": contractor_id,
            "kawasan": "Kawasan 3", "kecamatan": ["Rumbai", "Rumbai Barat", "Rumbai Timur"],
            "start_date": "2031-01-01", "end_date": "2031-06-30", "value_rp": 4_730_000_000,
            "unit_price_rp_per_ton": 235_000, "daily_target_kg": 110_000, **overrides}


class Api:
    """Shortcuts over the test client for arranging a scene as the agency would."""

    def __init__(self, client, db_url: str | None = None):
        self.client = client
        self.db_url = db_url

    def ok(self, response, status=(200, 201)):
        assert response.status_code in ((status,) if isinstance(status, int) else status), response.get_json()
        return response.get_json()

    def contractor(self, **overrides) -> dict:
        return self.ok(self.client.post(f"{API}/contractors", json=contractor_body(**overrides), headers=DINAS))

    def contract(self, contractor_id: str, **overrides) -> dict:
        return self.ok(self.client.post(f"{API}/contracts", json=contract_body(contractor_id, **overrides),
                                        headers=DINAS))

    def act(self, contract_id: str, action: str, reason: str | None = "ditetapkan PPK") -> dict:
        return self.ok(self.client.post(f"{API}/contracts/{contract_id}/{action}", json={"reason": reason},
                                        headers=DINAS))

    def active_contract(self, contractor_id: str, **overrides) -> dict:
        return self.act(self.contract(contractor_id, **overrides)["id"], "activate")

    def breach(self, contract_id: str, **overrides) -> str:
        """A breach of the contract as routes.sla.breached would record it (a letter must name one)."""
        from services.contracts import warning_letters
        from shared import db
        data = {**breach_data(contract_id), **overrides}
        with db.unit_of_work(self.db_url) as session:
            warning_letters.record_breach(session, data)
        return data["breach_id"]

    def warn(self, contract_id: str, level: str, breach_ids=()) -> dict:
        breach_ids = list(breach_ids) or [self.breach(contract_id)]
        return self.ok(self.client.post(f"{API}/contracts/{contract_id}/warnings", headers=DINAS,
                                        json={"level": level, "reason": "pengangkutan terlambat",
                                              "breach_ids": list(breach_ids)}))


@pytest.fixture
def api(client, db_url):
    return Api(client, db_url)


def publish(amqp_url: str, type_: str, data: dict, producer: str, event_id: str | None = None) -> str:
    """Publish an event as another service's relay would: persistent, routing key = type."""
    envelope = events.make(type_, data, producer=producer)
    body = envelope.to_dict()
    if event_id:
        body["id"] = event_id
    connection = pika.BlockingConnection(pika.URLParameters(amqp_url))
    try:
        channel = connection.channel()
        channel.confirm_delivery()
        channel.basic_publish("kawal.events", type_, json.dumps(body).encode(), pika.BasicProperties(
            message_id=body["id"], type=type_, delivery_mode=2, content_type="application/json",
            user_id=topology.user_of(amqp_url)), mandatory=True)  # user_id: as a relay sets it
    finally:
        connection.close()
    return body["id"]


def breach_data(contract_id: str, breach_id: str | None = None, measure: str = "on_time_ratio") -> dict:
    return {"breach_id": breach_id or str(uuid.uuid4()), "contract_id": contract_id, "month": "2031-02",
            "measure": measure, "threshold": 0.95, "value": 0.81, "evidence": ["2031-02-03", "2031-02-17"]}


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)


def of_type(messages: list[dict], type_: str, **data) -> list[dict]:
    return [m for m in messages if m["type"] == type_ and all(m["data"].get(k) == v for k, v in data.items())]


def published(tap, type_: str, count: int = 1, timeout: float = 15.0, **data) -> list[dict]:
    """The messages of a type (and data) that reached the exchange, waiting until `count` of them arrived."""
    seen = getattr(tap, "seen", [])
    tap.seen = seen
    deadline = time.monotonic() + timeout
    while True:
        seen.extend(tap.drain(timeout=0.2))
        found = of_type(seen, type_, **data)
        if len(found) >= count or time.monotonic() > deadline:
            return found
