"""A contract's life through HTTP: activation with everything routes and billing need, overlap, suspension,
termination for fault, and expiry once the end date has passed, each announced on the exchange."""
from tests.integration.contracts.conftest import API, AUDITOR, DINAS, published, utc


def test_activation_publishes_the_full_terms_in_the_catalogue_shape(api, contracts_events, tap):
    contractor = api.contractor()
    draft = api.contract(contractor["id"], number="600/K3/2031", sla={"grace_minutes": 45})
    active = api.act(draft["id"], "activate")
    assert active["status"] == "active" and active["activated_at"]
    [message] = published(tap, "contracts.contract.activated", contract_id=draft["id"])
    # second edition: the activation day, the performance bond (5% of the value) and ratios as exact decimals
    assert message["data"]["activated_on"] == active["activated_on"]
    assert message["data"]["activated_at"]
    assert message["data"]["performance_bond_rp"] == 236_500_000 == active["performance_bond_rp"]
    assert {k: v for k, v in message["data"].items()
            if k not in ("activated_on", "activated_at", "performance_bond_rp")} == {
        "contract_id": draft["id"], "number": "600/K3/2031", "contractor_id": contractor["id"],
        "kawasan": "Kawasan 3", "kecamatan": ["Rumbai", "Rumbai Barat", "Rumbai Timur"],
        "start_date": "2031-01-01", "end_date": "2031-06-30", "value_rp": 4_730_000_000,
        "unit_price_rp_per_ton": 235_000, "daily_target_kg": 110_000, "ppn_rate": "0.11",
        "sla": {"grace_minutes": 45, "geofence_m": 150, "sync_allowance_hours": 24, "min_on_time_ratio": "0.95",
                "complaint_hours_priority": 24, "complaint_hours_normal": 72, "shortfall_ratio": "0.5",
                "shortfall_days_allowed": 3},
        "penalties": {"missed_pickup_rp": 783_978, "complaint_day_rp": 783_978, "shortfall_day_rp": 783_978,
                      "cap_ratio": "0.05", "cap_rp": 236_500_000}}


def test_a_kecamatan_takes_one_live_contract_at_a_time(client, api):
    contractor = api.contractor()
    live = api.active_contract(contractor["id"], number="OLD", kecamatan=["Rumbai", "Sail"])
    clash = api.contract(contractor["id"], number="NEW", kecamatan=["Sail"], start_date="2031-06-01",
                         end_date="2031-12-31")
    refused = client.post(f"{API}/contracts/{clash['id']}/activate", json={}, headers=DINAS)
    assert refused.status_code == 409 and refused.get_json()["error"]["code"] == "kecamatan_taken"
    assert "OLD" in refused.get_json()["error"]["message"]
    # suspended still holds the kecamatan; terminated releases it
    api.act(live["id"], "suspend")
    assert client.post(f"{API}/contracts/{clash['id']}/activate", json={}, headers=DINAS).status_code == 409
    later = api.contract(contractor["id"], number="LATER", kecamatan=["Sail"], start_date="2031-07-01",
                         end_date="2031-12-31")
    assert api.act(later["id"], "activate")["status"] == "active"


def test_suspending_and_resuming_publish_their_reason_and_time(api, contracts_events, tap, frozen_clock):
    frozen_clock(utc(2031, 2, 1, 3, 0))
    contract = api.active_contract(api.contractor()["id"])
    assert api.act(contract["id"], "suspend", reason="armada tidak beroperasi")["status"] == "suspended"
    assert api.act(contract["id"], "resume", reason=None)["status"] == "active"
    [suspended] = published(tap, "contracts.contract.suspended", contract_id=contract["id"])
    [resumed] = published(tap, "contracts.contract.resumed", contract_id=contract["id"])
    assert suspended["data"] == {"contract_id": contract["id"], "reason": "armada tidak beroperasi",
                                 "at": "2031-02-01T03:00:00+00:00"}
    assert resumed["data"]["reason"] is None


def test_a_transition_from_the_wrong_state_is_a_conflict_and_changes_nothing(client, api, sql):
    contract = api.contract(api.contractor()["id"])
    for action in ("suspend", "resume", "terminate"):
        response = client.post(f"{API}/contracts/{contract['id']}/{action}", json={"reason": "x"}, headers=DINAS)
        assert response.status_code == 409 and response.get_json()["error"]["code"] == "invalid_transition"
    api.act(contract["id"], "activate")
    assert client.post(f"{API}/contracts/{contract['id']}/activate", json={}, headers=DINAS).status_code == 409
    assert sql("SELECT status FROM contracts") == [("active",)]
    assert sql("SELECT type FROM outbox WHERE type LIKE 'contracts.contract.%'") == [("contracts.contract.activated",)]


def test_suspend_and_terminate_need_a_reason(client, api):
    contract = api.active_contract(api.contractor()["id"])
    for action in ("suspend", "terminate"):
        response = client.post(f"{API}/contracts/{contract['id']}/{action}", json={}, headers=DINAS)
        assert response.status_code == 422 and "reason" in response.get_json()["error"]["fields"]


def test_termination_for_fault_waits_for_sp3(client, api, sql, contracts_events, tap):
    contract = api.active_contract(api.contractor()["id"])
    for level in ("SP1", "SP2"):
        api.warn(contract["id"], level)
    early = client.post(f"{API}/contracts/{contract['id']}/terminate", json={"reason": "wanprestasi"}, headers=DINAS)
    assert early.status_code == 409 and early.get_json()["error"]["code"] == "termination_not_allowed"
    api.warn(contract["id"], "SP3")
    shown = client.get(f"{API}/contracts/{contract['id']}", headers=AUDITOR).get_json()
    assert shown["termination_eligible"] and shown["termination_grounds"] == ["SP3"]
    terminated = api.act(contract["id"], "terminate", reason="wanprestasi setelah SP3")
    assert terminated["status"] == "terminated" and terminated["status_reason"] == "wanprestasi setelah SP3"
    [message] = published(tap, "contracts.contract.terminated", contract_id=contract["id"])
    assert message["data"]["reason"] == "wanprestasi setelah SP3"
    assert sql("SELECT detail->'grounds' FROM audit_log WHERE action = 'contract.terminate'") == [(["SP3"],)]


def test_a_contract_past_its_end_date_reads_expired_and_the_expiry_is_announced_once(
        client, api, sql, contracts_events, tap, frozen_clock):
    frozen_clock(utc(2031, 6, 30, 16, 59))  # 23:59 WIB on the last day
    contract = api.active_contract(api.contractor()["id"])
    assert client.get(f"{API}/contracts/{contract['id']}", headers=AUDITOR).get_json()["status"] == "active"
    frozen_clock(utc(2031, 6, 30, 17, 0))  # 00:00 WIB the next day
    listed = client.get(f"{API}/contracts?status=expired", headers=AUDITOR).get_json()
    assert [c["id"] for c in listed["items"]] == [contract["id"]]
    client.get(f"{API}/contracts/{contract['id']}", headers=AUDITOR)
    assert sql("SELECT status, expired_at FROM contracts") == [("expired", utc(2031, 6, 30, 17, 0))]
    [message] = published(tap, "contracts.contract.expired", contract_id=contract["id"])
    assert message["data"] == {"contract_id": contract["id"], "reason": "end date 2031-06-30 passed",
                               "at": "2031-06-30T17:00:00+00:00"}
    assert sql("SELECT count(*) FROM outbox WHERE type = 'contracts.contract.expired'") == [(1,)]
    refused = client.post(f"{API}/contracts/{contract['id']}/suspend", json={"reason": "x"}, headers=DINAS)
    assert refused.status_code == 409


def test_a_draft_whose_period_has_ended_cannot_be_activated(client, api, frozen_clock):
    frozen_clock(utc(2031, 8, 1))
    contract = api.contract(api.contractor()["id"])
    response = client.post(f"{API}/contracts/{contract['id']}/activate", json={}, headers=DINAS)
    assert response.status_code == 409 and response.get_json()["error"]["code"] == "period_ended"
