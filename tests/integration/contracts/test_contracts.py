"""Creating contracts as drafts with the handbook's default terms, validation, and filtered, paginated lists."""
import pytest

from tests.integration.contracts.conftest import API, AUDITOR, DINAS, contract_body, headers


def test_a_new_contract_is_a_draft_with_default_sla_and_penalties_computed_once(client, api, sql):
    contractor = api.contractor()
    response = client.post(f"{API}/contracts", headers=DINAS, json=contract_body(
        contractor["id"], value_rp=4_730_000_000, start_date="2031-01-01", end_date="2031-06-30"))
    assert response.status_code == 201
    contract = response.get_json()
    assert contract["status"] == "draft" and contract["ppn_rate"] == 0.11
    assert contract["sla"] == {"grace_minutes": 60, "geofence_m": 150, "sync_allowance_hours": 24,
                               "min_on_time_ratio": 0.95, "complaint_hours_priority": 24,
                               "complaint_hours_normal": 72, "shortfall_ratio": 0.5, "shortfall_days_allowed": 3}
    # 4,730,000,000 x 30 / 181 days / 1000 = 783,977.9 -> Rp783,978; cap 5% = Rp236,500,000
    assert contract["penalties"] == {"missed_pickup_rp": 783_978, "complaint_day_rp": 783_978,
                                     "shortfall_day_rp": 783_978, "cap_ratio": 0.05, "cap_rp": 236_500_000}
    assert sql("SELECT status, missed_pickup_rp, cap_rp FROM contracts") == [("draft", 783_978, 236_500_000)]


def test_terms_given_at_creation_override_the_defaults(api):
    contract = api.contract(api.contractor()["id"], ppn_rate=0.12, sla={"geofence_m": 100},
                            penalties={"missed_pickup_rp": 250_000, "cap_ratio": 0.1})
    assert contract["ppn_rate"] == 0.12 and contract["sla"]["geofence_m"] == 100
    assert contract["sla"]["grace_minutes"] == 60
    assert contract["penalties"]["missed_pickup_rp"] == 250_000
    assert contract["penalties"]["complaint_day_rp"] == 783_978
    assert contract["penalties"]["cap_rp"] == 473_000_000


@pytest.mark.parametrize("overrides, field", [
    ({"end_date": "2030-12-31"}, "end_date"),
    ({"kecamatan": ["Rumbai", "Menteng"]}, "kecamatan"),
    ({"kecamatan": []}, "kecamatan"),
    ({"value_rp": 0}, "value_rp"),
    ({"unit_price_rp_per_ton": -235_000}, "unit_price_rp_per_ton"),
    ({"value_rp": 1.5}, "value_rp"),
    ({"ppn_rate": 1.1}, "ppn_rate"),
    ({"sla": {"min_on_time_ratio": 1.2}}, "sla"),
    ({"penalties": {"cap_ratio": 0}}, "penalties"),
    ({"penalties": {"missed_pickup_rp": -1}}, "penalties"),
    ({"start_date": "1 Januari 2031"}, "start_date"),
    ({"contractor_id": "00000000-0000-0000-0000-000000000000"}, "contractor_id"),
    ({"surprise": True}, "surprise"),
    ({"number": "   "}, "number"),
])
def test_invalid_contracts_are_refused_with_the_field_at_fault(client, api, sql, overrides, field):
    body = {**contract_body(api.contractor()["id"]), **overrides}
    response = client.post(f"{API}/contracts", headers=DINAS, json=body)
    assert response.status_code == 422
    assert field in response.get_json()["error"]["fields"]
    assert sql("SELECT count(*) FROM contracts") == [(0,)]


def test_kecamatan_are_stored_in_the_citys_spelling(api):
    contract = api.contract(api.contractor()["id"], kecamatan=["rumbai barat", " Rumbai"])
    assert contract["kecamatan"] == ["Rumbai Barat", "Rumbai"]


def test_a_contract_number_is_used_once(client, api):
    contractor = api.contractor()
    api.contract(contractor["id"], number="600/DLHK/2031")
    again = client.post(f"{API}/contracts", headers=DINAS, json=contract_body(contractor["id"], number="600/DLHK/2031"))
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "number_taken"


def test_lists_filter_by_status_contractor_and_kecamatan(client, api):
    first, second = api.contractor(), api.contractor()
    api.active_contract(first["id"], number="K3", kecamatan=["Rumbai"])
    api.contract(first["id"], number="K1", kecamatan=["Sail"])
    api.contract(second["id"], number="K2", kecamatan=["Kulim", "Sail"])

    def numbers(query):
        body = client.get(f"{API}/contracts?{query}", headers=AUDITOR).get_json()
        return sorted(c["number"] for c in body["items"])

    assert numbers("status=draft") == ["K1", "K2"]
    assert numbers("status=active") == ["K3"]
    assert numbers(f"contractor_id={first['id']}") == ["K1", "K3"]
    assert numbers("kecamatan=sail") == ["K1", "K2"]
    assert numbers("kecamatan=Menteng") == []
    assert client.get(f"{API}/contracts?status=signed", headers=AUDITOR).status_code == 422
    paged = client.get(f"{API}/contracts?per_page=2&page=2", headers=AUDITOR).get_json()
    assert len(paged["items"]) == 1 and paged["page"]["total"] == 3


def test_a_contractor_sees_only_its_own_contracts_even_when_filtering_for_another(client, api):
    own, other = api.contractor(), api.contractor()
    mine = api.contract(own["id"], number="MINE")
    theirs = api.contract(other["id"], number="THEIRS")
    token = headers("contractor", own["id"])
    assert [c["number"] for c in client.get(f"{API}/contracts", headers=token).get_json()["items"]] == ["MINE"]
    assert client.get(f"{API}/contracts?contractor_id={other['id']}", headers=token).get_json()["items"] == []
    assert client.get(f"{API}/contracts/{theirs['id']}", headers=token).status_code == 404
    assert client.get(f"{API}/contracts/{mine['id']}", headers=token).status_code == 200


def test_an_unknown_or_malformed_contract_id_is_not_found(client):
    assert client.get(f"{API}/contracts/00000000-0000-0000-0000-000000000000", headers=DINAS).status_code == 404
    assert client.get(f"{API}/contracts/not-a-uuid", headers=DINAS).status_code == 404
