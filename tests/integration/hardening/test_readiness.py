"""Finding 8: /readyz opens no connection per call, and tells an unauthenticated caller only its status."""
from __future__ import annotations

import pika
import pytest
from sqlalchemy import event

from shared import auth, db, web


@pytest.fixture
def client(contracts_db, amqp_url):
    from services.contracts.app import create_app

    web._ready.clear()
    return create_app({"TESTING": True}).test_client()


def test_an_unauthenticated_caller_gets_only_the_status(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ready"}


def test_an_authenticated_caller_also_sees_each_check(client):
    response = client.get("/readyz", headers={"Authorization": f"Bearer {auth.mint('auditor')}"})
    assert response.get_json() == {"status": "ready", "checks": {"database": True, "broker": True}}


def test_a_burst_of_readiness_calls_opens_at_most_one_connection_each(client, contracts_db, monkeypatch):
    opened = {"broker": 0, "database": 0}
    real = pika.BlockingConnection

    def counting(*args, **kwargs):
        opened["broker"] += 1
        return real(*args, **kwargs)

    monkeypatch.setattr(pika, "BlockingConnection", counting)
    engine = db.engine(contracts_db)
    engine.dispose()

    def on_connect(*_):
        opened["database"] += 1

    event.listen(engine, "connect", on_connect)
    try:
        for _ in range(30):
            assert client.get("/readyz").status_code == 200
    finally:
        event.remove(engine, "connect", on_connect)
    assert opened["broker"] <= 1 and opened["database"] <= 1, opened
