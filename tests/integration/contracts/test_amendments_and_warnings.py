"""Amendments, warning letters, and the events contracts consumes (breaches, penalty cap), through HTTP and the broker."""
import uuid

from services.contracts.handlers import HANDLERS
from shared import db, events
from shared.inbox import NotYetKnown
from tests.integration.contracts.conftest import API, AUDITOR, DINAS, breach_data, published, publish, utc
from tests.support.broker import wait_until


def test_amendments_are_numbered_kept_and_announced_with_only_what_changed(client, api, contracts_events, tap):
    contract = api.active_contract(api.contractor()["id"])
    first = api.ok(client.post(f"{API}/contracts/{contract['id']}/amendments", headers=DINAS, json={
        "end_date": "2031-09-30", "daily_target_kg": 110_000, "reason": "perpanjangan 3 bulan"}))
    second = api.ok(client.post(f"{API}/contracts/{contract['id']}/amendments", headers=DINAS, json={
        "unit_price_rp_per_ton": 240_000, "sla": {"geofence_m": 200}}))
    assert (first["amendment_no"], second["amendment_no"]) == (1, 2)
    assert first["changes"] == {"end_date": "2031-09-30"} and first["previous"] == {"end_date": "2031-06-30"}
    history = client.get(f"{API}/contracts/{contract['id']}/amendments", headers=AUDITOR).get_json()
    assert [a["amendment_no"] for a in history["items"]] == [1, 2]
    shown = client.get(f"{API}/contracts/{contract['id']}", headers=AUDITOR).get_json()
    assert shown["amendment_no"] == 2 and shown["end_date"] == "2031-09-30"
    assert shown["unit_price_rp_per_ton"] == 240_000 and shown["sla"]["geofence_m"] == 200
    assert [a["reason"] for a in shown["amendments"]] == ["perpanjangan 3 bulan", None]
    # the penalty rates stay as fixed at creation although the period grew
    assert shown["penalties"]["missed_pickup_rp"] == contract["penalties"]["missed_pickup_rp"]
    messages = published(tap, "contracts.contract.amended", count=2, contract_id=contract["id"])
    today = first["effective_from"]  # second edition: each takes effect from its own date, default today (WIB)
    sla = {**contract["sla"], "geofence_m": 200}
    sla.update({name: str(sla[name]) for name in ("min_on_time_ratio", "shortfall_ratio")})  # exact decimals
    assert [m["data"] for m in sorted(messages, key=lambda m: m["data"]["amendment_no"])] == [
        {"contract_id": contract["id"], "amendment_no": 1, "end_date": "2031-09-30", "effective_from": today,
         "reason": "perpanjangan 3 bulan"},
        {"contract_id": contract["id"], "amendment_no": 2, "unit_price_rp_per_ton": 240_000, "sla": sla,
         "effective_from": today, "reason": None}]


def test_an_amended_value_moves_the_cap_with_it_but_not_the_rates(client, api):
    contract = api.active_contract(api.contractor()["id"])
    amendment = api.ok(client.post(f"{API}/contracts/{contract['id']}/amendments", headers=DINAS,
                                   json={"value_rp": 5_000_000_000}))
    assert amendment["changes"]["value_rp"] == 5_000_000_000
    assert amendment["changes"]["penalties"] == {**contract["penalties"], "cap_rp": 250_000_000}


def test_amendments_that_change_nothing_or_touch_a_draft_or_clash_are_refused(client, api):
    contractor = api.contractor()
    draft = api.contract(contractor["id"], kecamatan=["Sail"])
    assert client.post(f"{API}/contracts/{draft['id']}/amendments", headers=DINAS,
                       json={"value_rp": 1}).status_code == 409
    contract = api.active_contract(contractor["id"], kecamatan=["Kulim"])
    unchanged = client.post(f"{API}/contracts/{contract['id']}/amendments", headers=DINAS, json={"ppn_rate": 0.11})
    assert unchanged.status_code == 422 and unchanged.get_json()["error"]["code"] == "no_change"
    api.active_contract(contractor["id"], kecamatan=["Kulim"], start_date="2031-07-01", end_date="2031-12-31")
    overlapping = client.post(f"{API}/contracts/{contract['id']}/amendments", headers=DINAS,
                              json={"end_date": "2031-07-15"})
    assert overlapping.status_code == 409 and overlapping.get_json()["error"]["code"] == "kecamatan_taken"


def test_warning_letters_go_in_order_and_name_breaches_of_that_contract(client, api, sql, amqp_url, contracts_events,
                                                                       tap):
    contractor = api.contractor()
    contract = api.active_contract(contractor["id"], kecamatan=["Sail"])
    other = api.active_contract(contractor["id"], kecamatan=["Kulim"])
    breach = breach_data(contract["id"])
    foreign = breach_data(other["id"])
    publish(amqp_url, "routes.sla.breached", breach, producer="routes")
    publish(amqp_url, "routes.sla.breached", foreign, producer="routes")
    wait_until(lambda: sql("SELECT count(*) FROM breaches") == [(2,)], message="breaches recorded")

    assert client.post(f"{API}/contracts/{contract['id']}/warnings", headers=DINAS,
                       json={"level": "SP2", "reason": "x", "breach_ids": [breach["breach_id"]]}).status_code == 409
    misplaced = client.post(f"{API}/contracts/{contract['id']}/warnings", headers=DINAS,
                            json={"level": "SP1", "reason": "x", "breach_ids": [foreign["breach_id"]]})
    assert misplaced.status_code == 422 and misplaced.get_json()["error"]["fields"] == {
        "breach_ids": [foreign["breach_id"]]}
    sp1 = api.warn(contract["id"], "SP1", breach_ids=[breach["breach_id"]])
    assert sp1["breach_ids"] == [breach["breach_id"]]
    assert client.post(f"{API}/contracts/{contract['id']}/warnings", headers=DINAS,
                       json={"level": "SP1", "reason": "again", "breach_ids": [breach["breach_id"]]}).status_code == 409
    [message] = published(tap, "contracts.warning.issued", contract_id=contract["id"])
    assert message["data"] == {"contract_id": contract["id"], "warning_id": sp1["id"], "level": "SP1",
                               "reason": "pengangkutan terlambat", "breach_ids": [breach["breach_id"]],
                               "issued_at": message["data"]["issued_at"]}
    assert sql("SELECT level FROM warning_letters") == [("SP1",)]


def test_a_breach_is_kept_as_the_contracts_record_once_however_often_it_arrives(client, api, sql, amqp_url,
                                                                                contracts_events):
    contract = api.active_contract(api.contractor()["id"])
    breach = breach_data(contract["id"], measure="shortfall_days")
    event_id = str(uuid.uuid4())
    publish(amqp_url, "routes.sla.breached", breach, producer="routes", event_id=event_id)
    publish(amqp_url, "routes.sla.breached", breach, producer="routes", event_id=event_id)  # a redelivery
    publish(amqp_url, "routes.sla.breached", {**breach, "value": 6.0}, producer="routes")  # a re-evaluation
    wait_until(lambda: sql("SELECT count(*) FROM inbox") == [(2,)], message="both events applied")
    listed = client.get(f"{API}/contracts/{contract['id']}/breaches", headers=AUDITOR).get_json()
    assert [(b["id"], b["measure"], b["value"]) for b in listed["items"]] == [
        (breach["breach_id"], "shortfall_days", 6.0)]
    assert listed["items"][0]["evidence"] == ["2031-02-03", "2031-02-17"]


def test_the_penalty_cap_reached_makes_the_contract_terminable(client, api, sql, amqp_url, contracts_events):
    contract = api.active_contract(api.contractor()["id"])
    publish(amqp_url, "billing.penalty.cap_reached",
            {"contract_id": contract["id"], "cap_rp": 236_500_000, "at": "2031-04-30T17:00:00+00:00"},
            producer="billing")
    wait_until(lambda: sql("SELECT cap_reached_rp FROM contracts") == [(236_500_000,)], message="cap recorded")
    shown = client.get(f"{API}/contracts/{contract['id']}", headers=AUDITOR).get_json()
    assert shown["cap_reached_at"] == "2031-04-30T17:00:00+00:00"
    assert shown["termination_grounds"] == ["penalty_cap_reached"] and shown["termination_eligible"]
    assert api.act(contract["id"], "terminate", reason="denda mencapai batas 5%")["status"] == "terminated"


def test_an_event_about_an_unknown_contract_is_retried_not_dropped(db_url):
    envelope = events.parse(events.make("routes.sla.breached", breach_data(str(uuid.uuid4())),
                                        producer="routes").to_json())
    cap = events.parse(events.make("billing.penalty.cap_reached", {
        "contract_id": str(uuid.uuid4()), "cap_rp": 1, "at": utc(2031, 5, 1)}, producer="billing").to_json())
    for event in (envelope, cap):
        try:
            with db.unit_of_work(db_url) as session:
                HANDLERS[event.type](session, event)
        except NotYetKnown:
            continue
        raise AssertionError(f"{event.type} about an unknown contract was accepted")


def test_the_handler_table_names_what_contracts_consumes():
    assert sorted(HANDLERS) == ["billing.invoice.issued", "billing.penalty.cap_reached", "routes.sla.breach_withdrawn",
                                "routes.sla.breached"]
    assert all(callable(handler) for handler in HANDLERS.values())
