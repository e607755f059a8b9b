"""DOMAIN second edition on the contracts service: the bond, amendments with effective_from, letters on breaches."""
import uuid

from tests.integration.contracts.conftest import API, AUDITOR, DINAS, breach_data, published, publish
from tests.support.broker import wait_until


def test_the_contract_records_its_performance_bond_five_percent_of_the_value_by_default(api):
    contractor = api.contractor()
    default = api.contract(contractor["id"], kecamatan=["Sail"])
    agreed = api.contract(contractor["id"], kecamatan=["Kulim"], performance_bond_rp=300_000_000)
    assert default["performance_bond_rp"] == 236_500_000  # 5% x Rp4,730,000,000
    assert agreed["performance_bond_rp"] == 300_000_000


def test_an_amendment_takes_effect_from_its_own_date_default_the_day_recorded(client, api):
    contract = api.active_contract(api.contractor()["id"])
    today = api.ok(client.post(f"{API}/contracts/{contract['id']}/amendments", headers=DINAS,
                               json={"unit_price_rp_per_ton": 250_000}))
    later = api.ok(client.post(f"{API}/contracts/{contract['id']}/amendments", headers=DINAS,
                               json={"unit_price_rp_per_ton": 260_000, "effective_from": "2031-03-03"}))
    shown = client.get(f"{API}/contracts/{contract['id']}", headers=AUDITOR).get_json()
    assert today["effective_from"] == contract["activated_on"]  # both recorded today (WIB)
    assert (later["amendment_no"], later["effective_from"]) == (2, "2031-03-03")
    assert [a["effective_from"] for a in shown["amendments"]] == [today["effective_from"], "2031-03-03"]


def test_an_amendment_into_an_issued_month_is_refused(client, api, sql, amqp_url, contracts_events):
    # First edition: an amendment raising the unit price on 3 March repriced February's issued invoice too.
    contract = api.active_contract(api.contractor()["id"])
    publish(amqp_url, "billing.invoice.issued", {"invoice_id": str(uuid.uuid4()), "contract_id": contract["id"],
                                                 "month": "2031-02", "dpp_rp": 1, "ppn_rp": 0, "total_rp": 1},
            producer="billing")
    wait_until(lambda: sql("SELECT month FROM issued_months") == [("2031-02",)], message="issued month learnt")
    for day in ("2031-02-15", "2031-01-20"):  # inside the issued month, or before it (it would reprice it)
        refused = client.post(f"{API}/contracts/{contract['id']}/amendments", headers=DINAS,
                              json={"unit_price_rp_per_ton": 250_000, "effective_from": day})
        assert refused.status_code == 409 and refused.get_json()["error"]["code"] == "month_issued"
        assert refused.get_json()["error"]["fields"] == {"effective_from": ["The invoice of 2031-02 is issued."]}
    accepted = client.post(f"{API}/contracts/{contract['id']}/amendments", headers=DINAS,
                           json={"unit_price_rp_per_ton": 250_000, "effective_from": "2031-03-03"})
    assert accepted.status_code == 201 and accepted.get_json()["amendment_no"] == 1


def test_a_warning_letter_naming_no_breach_is_refused(client, api):
    # First edition: an SP1 naming no breach at all was issued (and counted towards termination).
    contract = api.active_contract(api.contractor()["id"])
    for body in ({"level": "SP1", "reason": "x"}, {"level": "SP1", "reason": "x", "breach_ids": []}):
        refused = client.post(f"{API}/contracts/{contract['id']}/warnings", headers=DINAS, json=body)
        assert refused.status_code == 422 and "breach_ids" in refused.get_json()["error"]["fields"]
    assert client.get(f"{API}/contracts/{contract['id']}/warnings", headers=AUDITOR).get_json()["items"] == []


def test_a_letter_resting_only_on_withdrawn_breaches_shows_it_and_none_rests_on_one_anew(client, api, sql, amqp_url,
                                                                                        contracts_events, tap):
    contract = api.active_contract(api.contractor()["id"])
    held, dropped = breach_data(contract["id"]), breach_data(contract["id"], measure="shortfall_days")
    for breach in (held, dropped):
        publish(amqp_url, "routes.sla.breached", breach, producer="routes")
    wait_until(lambda: sql("SELECT count(*) FROM breaches") == [(2,)], message="breaches recorded")
    sp1 = api.warn(contract["id"], "SP1", breach_ids=[dropped["breach_id"]])
    api.warn(contract["id"], "SP2", breach_ids=[held["breach_id"], dropped["breach_id"]])
    assert not sp1["rests_only_on_withdrawn"]
    publish(amqp_url, "routes.sla.breach_withdrawn",
            {"breach_id": dropped["breach_id"], "contract_id": contract["id"], "month": "2031-02",
             "measure": "shortfall_days", "reason": "hari kekurangan dibatalkan: timbangan disetujui"},
            producer="routes")
    wait_until(lambda: sql("SELECT count(*) FROM breaches WHERE withdrawn_at IS NOT NULL") == [(1,)],
               message="breach withdrawn")
    letters = {w["level"]: w for w in client.get(f"{API}/contracts/{contract['id']}/warnings",
                                                 headers=AUDITOR).get_json()["items"]}
    assert letters["SP1"]["rests_only_on_withdrawn"] and letters["SP1"]["withdrawn_breach_ids"] == [
        dropped["breach_id"]]
    assert not letters["SP2"]["rests_only_on_withdrawn"]
    shown = client.get(f"{API}/contracts/{contract['id']}", headers=AUDITOR).get_json()
    assert [w["rests_only_on_withdrawn"] for w in shown["warnings"]] == [True, False]
    breaches = client.get(f"{API}/contracts/{contract['id']}/breaches", headers=AUDITOR).get_json()["items"]
    assert {b["id"]: b["withdrawn_reason"] for b in breaches}[dropped["breach_id"]].startswith("hari kekurangan")
    refused = client.post(f"{API}/contracts/{contract['id']}/warnings", headers=DINAS,
                          json={"level": "SP3", "reason": "x", "breach_ids": [dropped["breach_id"]]})
    assert refused.status_code == 422 and refused.get_json()["error"]["code"] == "breach_withdrawn"


def test_a_withdrawal_arriving_before_its_breach_waits_for_it(client, api, sql, amqp_url, contracts_events):
    contract = api.active_contract(api.contractor()["id"])
    breach = breach_data(contract["id"])
    publish(amqp_url, "routes.sla.breach_withdrawn",
            {"breach_id": breach["breach_id"], "contract_id": contract["id"], "month": "2031-02",
             "reason": "ditarik"}, producer="routes")
    publish(amqp_url, "routes.sla.breached", breach, producer="routes")
    wait_until(lambda: sql("SELECT withdrawn_reason FROM breaches") == [("ditarik",)], timeout=30,
               message="the withdrawal, retried, applied after the breach")


def test_a_contract_keyed_in_after_it_started_records_the_day_it_took_effect_never_a_day_to_come(client, api,
                                                                                                 contracts_events,
                                                                                                 tap):
    contract = api.contract(api.contractor()["id"], start_date="2026-01-01", end_date="2031-06-30")
    future = client.post(f"{API}/contracts/{contract['id']}/activate", headers=DINAS, json={"activated_on": "2099-01-01"})
    assert (future.status_code, future.get_json()["error"]["code"]) == (422, "future")
    active = api.ok(client.post(f"{API}/contracts/{contract['id']}/activate", headers=DINAS,
                                json={"activated_on": "2026-01-05"}))
    assert active["activated_on"] == "2026-01-05"
    [message] = published(tap, "contracts.contract.activated", contract_id=contract["id"])
    assert message["data"]["activated_on"] == "2026-01-05"
