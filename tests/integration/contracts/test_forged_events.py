"""Forged events: each service connects as its own broker user with the least permissions; an event whose producer
is not the user that published it is parked, counted and logged, and changes nothing."""
import logging
import subprocess

import pika
import pytest
from click.testing import CliRunner
from sqlalchemy import select

from kawal.cli import main as kawal
from services.contracts.handlers import HANDLERS
from shared import brokerusers, db, events, parked, topology
from shared.inbox import inbox
from tests.integration.contracts.conftest import API, AUDITOR
from tests.support import broker
from tests.support.broker import wait_until
from tests.support.processes import events_running

CAP = "billing.penalty.cap_reached"


@pytest.fixture(scope="module")
def users(tmp_path_factory):
    """A vhost declared by `kawal events declare --users`, as `make db` does; {service: its AMQP URL}."""
    vhost = broker.create_vhost("kawal_users")
    admin_url = broker.amqp_url(vhost)
    env_file = tmp_path_factory.mktemp("broker") / "broker.env"
    result = CliRunner().invoke(kawal, ["events", "declare", "--users", "--user-prefix", f"{vhost}-",
                                        "--env-file", str(env_file)], env={"KAWAL_AMQP_URL": admin_url})
    try:
        assert result.exit_code == 0, result.output
        urls = brokerusers.read_env_file(str(env_file))
        yield admin_url, {s: urls[f"KAWAL_{s.upper()}_AMQP_URL"] for s in ("contracts", "routes", "billing")}
    finally:
        broker.delete_users(f"{vhost}-{service}" for service in ("contracts", "routes", "billing"))
        broker.delete_vhost(vhost)


def _publish(url: str, data: dict, producer: str = "billing", user_id: str | None = "as connected") -> str:
    envelope = events.make(CAP, data, producer=producer)
    connection = pika.BlockingConnection(pika.URLParameters(url))
    try:
        channel = connection.channel()
        channel.confirm_delivery()
        channel.basic_publish("kawal.events", CAP, envelope.to_json(), pika.BasicProperties(
            message_id=envelope.id, type=CAP, delivery_mode=2, content_type="application/json",
            user_id=topology.user_of(url) if user_id == "as connected" else user_id), mandatory=True)
    finally:
        connection.close()
    return envelope.id


def _metric(type_: str) -> float:
    from prometheus_client import REGISTRY
    return REGISTRY.get_sample_value("kawal_contracts_events_forged_total", {"type": type_}) or 0.0


def test_a_cap_reached_forged_by_the_routes_user_or_the_administrator_is_parked_and_changes_nothing(
        users, api, sql, db_url, monkeypatch, caplog):
    admin_url, urls = users
    for service, url in urls.items():  # every process of the city sees the others' user names (not passwords)
        monkeypatch.setenv(f"KAWAL_{service.upper()}_AMQP_URL", url)
    contract = api.active_contract(api.contractor()["id"])
    forged_before = _metric(CAP)
    genuine = {"contract_id": contract["id"], "cap_rp": 236_500_000, "at": "2031-04-30T17:00:00+00:00"}
    forged = {"contract_id": contract["id"], "cap_rp": 1, "at": "2031-02-01T00:00:00+00:00"}
    # the contracts relay and consumer connect as the contracts user (no configure right on the exchange)
    with events_running("contracts", HANDLERS, db_url, urls["contracts"]):
        _publish(urls["billing"], genuine)
        wait_until(lambda: sql("SELECT cap_reached_rp FROM contracts") == [(236_500_000,)], timeout=60,
                   message="genuine applied")
        with caplog.at_level(logging.ERROR, logger="shared.consumer"):
            forged_ids = [_publish(urls["routes"], forged),  # the routes user claiming to be billing
                          _publish(admin_url, forged),  # even the administrator (guest) is not billing
                          _publish(urls["routes"], forged, user_id=None)]  # no user_id at all
            wait_until(lambda: len(parked.browse(urls["contracts"], "contracts")) == 3, timeout=60,
                       message="three parked")
    assert sql("SELECT cap_reached_rp FROM contracts") == [(236_500_000,)]
    shown = api.client.get(f"{API}/contracts/{contract['id']}", headers=AUDITOR).get_json()
    assert shown["cap_reached_at"] == "2031-04-30T17:00:00+00:00"
    with db.unit_of_work(db_url) as session:
        assert not session.execute(select(inbox.c.event_id).where(inbox.c.event_id.in_(forged_ids))).all()
    messages = parked.browse(urls["contracts"], "contracts")
    assert sorted(m.id for m in messages) == sorted(forged_ids)
    assert all(m.error.startswith("ForgedProducer: producer billing but published by broker user") for m in messages)
    assert _metric(CAP) - forged_before == 3
    assert sum("claims producer billing" in r.getMessage() for r in caplog.records) == 3


def test_a_replayed_forged_event_is_parked_again(users, db_url, monkeypatch):
    admin_url, urls = users
    for service, url in urls.items():
        monkeypatch.setenv(f"KAWAL_{service.upper()}_AMQP_URL", url)
    for message in parked.browse(urls["contracts"], "contracts"):  # left by the test above, if it ran
        parked.replay(urls["contracts"], "contracts", event_id=message.id)
    forged_id = _publish(urls["routes"], {"contract_id": "6f1c2a7e-0000-4000-8000-000000000001", "cap_rp": 1,
                                          "at": "2031-02-01T00:00:00+00:00"})
    with events_running("contracts", HANDLERS, db_url, urls["contracts"], relay=False):
        wait_until(lambda: forged_id in [m.id for m in parked.browse(urls["contracts"], "contracts")],
                   timeout=60, message="forged event parked")
        assert [m.id for m in parked.replay(urls["contracts"], "contracts", event_id=forged_id)] == [forged_id]
        wait_until(lambda: forged_id in [m.id for m in parked.browse(urls["contracts"], "contracts")],
                   timeout=60, message="replayed forged event parked again")
    [again] = [m for m in parked.browse(urls["contracts"], "contracts") if m.id == forged_id]
    assert again.error.startswith("ForgedProducer")


def _refused(url: str, act) -> int:
    connection = pika.BlockingConnection(pika.URLParameters(url))
    try:
        channel = connection.channel()
        channel.confirm_delivery()
        act(channel)
    except pika.exceptions.ChannelClosedByBroker as error:
        return error.reply_code
    finally:
        if connection.is_open:
            connection.close()
    return 0


def test_a_service_user_writes_only_to_the_events_exchange_and_reads_only_its_own_queues(users):
    _admin_url, urls = users
    routes = urls["routes"]
    body, props = b"{}", pika.BasicProperties(user_id=topology.user_of(routes))
    assert _refused(routes, lambda ch: ch.basic_publish("contracts.settle", "contracts", body, props)) == 403
    assert _refused(routes, lambda ch: ch.basic_publish("", "contracts", body, props)) == 403  # default exchange
    assert _refused(routes, lambda ch: ch.basic_get("contracts")) == 403
    assert _refused(routes, lambda ch: ch.basic_get("billing.parked")) == 403
    assert _refused(routes, lambda ch: ch.queue_declare("contracts.mine", durable=True)) == 403
    assert _refused(routes, lambda ch: ch.queue_purge("billing")) == 403
    # RabbitMQ itself refuses a user_id that is not the connection's user
    billing_user = topology.user_of(urls["billing"])
    assert _refused(routes, lambda ch: ch.basic_publish("kawal.events", CAP, body,
                                                        pika.BasicProperties(user_id=billing_user))) == 406
    # what it needs is allowed: publish events, read its own queue
    assert _refused(routes, lambda ch: ch.basic_publish("kawal.events", "routes.pickup.confirmed", body, props)) == 0
    assert _refused(routes, lambda ch: ch.basic_get("routes")) == 0
    listed = subprocess.run(["rabbitmqctl", "-q", "list_users"], capture_output=True, text=True, check=True).stdout
    for url in urls.values():
        [line] = [row for row in listed.splitlines() if row.split("\t")[0] == topology.user_of(url)]
        assert line.split("\t")[1] == "[]"  # no tags: not an administrator, not even the management UI
