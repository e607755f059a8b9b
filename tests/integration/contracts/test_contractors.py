"""Registering and reading contractors through HTTP, with the registration on the exchange."""
from tests.integration.contracts.conftest import API, AUDITOR, DINAS, contractor_body, headers, published


def test_registering_a_contractor_stores_the_npwp_digits_and_announces_it(client, sql, contracts_events, tap):
    response = client.post(f"{API}/contractors", headers=DINAS,
                           json=contractor_body(name="PT Riau Bersih", npwp="01.234.567.8-901.000"))
    assert response.status_code == 201
    contractor = response.get_json()
    assert contractor["npwp"] == "012345678901000"
    assert sql("SELECT name, npwp, email FROM contractors") == [
        ("PT Riau Bersih", "012345678901000", "kantor@bersih.example")]
    messages = published(tap, "contracts.contractor.registered", contractor_id=contractor["id"])
    assert [m["data"] for m in messages] == [
        {"contractor_id": contractor["id"], "name": "PT Riau Bersih", "npwp": "012345678901000"}]
    assert messages[0]["producer"] == "contracts"


def test_a_second_contractor_with_the_same_npwp_is_a_conflict(client, api):
    api.contractor(npwp="012345678901000")
    response = client.post(f"{API}/contractors", headers=DINAS, json=contractor_body(npwp="01.234.567.8-901.000"))
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "npwp_taken"


def test_a_malformed_npwp_or_email_is_refused_naming_the_field(client, sql):
    bad_npwp = client.post(f"{API}/contractors", headers=DINAS, json=contractor_body(npwp="01.234.567"))
    bad_email = client.post(f"{API}/contractors", headers=DINAS, json=contractor_body(email="not-an-email"))
    assert (bad_npwp.status_code, list(bad_npwp.get_json()["error"]["fields"])) == (422, ["npwp"])
    assert (bad_email.status_code, list(bad_email.get_json()["error"]["fields"])) == (422, ["email"])
    assert sql("SELECT count(*) FROM contractors") == [(0,)]


def test_a_contractor_lists_and_reads_only_itself(client, api):
    own, other = api.contractor(name="PT Satu"), api.contractor(name="PT Dua")
    token = headers("contractor", own["id"])
    listed = client.get(f"{API}/contractors", headers=token).get_json()
    assert [c["name"] for c in listed["items"]] == ["PT Satu"] and listed["page"]["total"] == 1
    assert client.get(f"{API}/contractors/{other['id']}", headers=token).status_code == 404
    assert client.get(f"{API}/contractors/{own['id']}", headers=token).get_json()["name"] == "PT Satu"


def test_the_agency_and_auditors_list_every_contractor_by_page_and_name(client, api):
    for name in ("PT Alpha", "PT Beta", "CV Gamma"):
        api.contractor(name=name)
    first = client.get(f"{API}/contractors?per_page=2", headers=AUDITOR).get_json()
    assert [c["name"] for c in first["items"]] == ["CV Gamma", "PT Alpha"]
    assert first["page"] == {"page": 1, "per_page": 2, "total": 3, "pages": 2}
    found = client.get(f"{API}/contractors?name=bet", headers=DINAS).get_json()
    assert [c["name"] for c in found["items"]] == ["PT Beta"]
