"""What operators and integrators read: domain gauges on /metrics, the OpenAPI document, the audit chain."""
from shared import audit, db
from tests.integration.contracts.conftest import API, DINAS
from tests.support.scrape import scrape


def _samples(client) -> dict[str, float]:
    lines = scrape(client).splitlines()
    return {line.rsplit(" ", 1)[0]: float(line.rsplit(" ", 1)[1]) for line in lines
            if line.startswith(("kawal_contracts_contracts{", "kawal_contracts_warning_letters{"))}


def test_gauges_count_contracts_by_status_and_warning_letters_by_contract(client, api):
    contractor = api.contractor()
    api.contract(contractor["id"], kecamatan=["Sail"])
    active = api.active_contract(contractor["id"], number="600/K2/2031", kecamatan=["Kulim"])
    api.warn(active["id"], "SP1")
    api.warn(active["id"], "SP2")
    samples = _samples(client)
    assert samples['kawal_contracts_contracts{status="draft"}'] == 1
    assert samples['kawal_contracts_contracts{status="active"}'] == 1
    assert samples['kawal_contracts_warning_letters{contract="600/K2/2031",level="SP1"}'] == 1
    assert samples['kawal_contracts_warning_letters{contract="600/K2/2031",level="SP2"}'] == 1


def test_the_openapi_document_lists_every_endpoint_with_a_summary(client):
    document = client.get("/openapi.json").get_json()
    paths = document["paths"]
    assert set(paths) == {f"{API}{p}" for p in (
        "/contractors", "/contractors/{contractor_id}", "/contracts", "/contracts/{contract_id}",
        "/contracts/{contract_id}/activate", "/contracts/{contract_id}/suspend", "/contracts/{contract_id}/resume",
        "/contracts/{contract_id}/terminate", "/contracts/{contract_id}/amendments",
        "/contracts/{contract_id}/warnings", "/contracts/{contract_id}/breaches")}
    operations = [op for path in paths.values() for op in path.values() if isinstance(op, dict) and "responses" in op]
    assert all(op.get("summary") for op in operations)
    assert client.get("/docs").status_code == 200


def test_every_write_leaves_an_intact_audit_chain_naming_who_did_what(client, api, db_url):
    contractor = api.contractor()
    contract = api.active_contract(contractor["id"])
    api.ok(client.post(f"{API}/contracts/{contract['id']}/amendments", headers=DINAS, json={"value_rp": 5_000_000_000}))
    with db.unit_of_work(db_url) as session:
        assert audit.verify(session).intact
        rows = session.execute(audit.audit_log.select().order_by(audit.audit_log.c.seq)).all()
    assert [(r.action, r.actor, r.role) for r in rows] == [
        ("contractor.register", "dev-dinas", "dinas"), ("contract.create", "dev-dinas", "dinas"),
        ("contract.activate", "dev-dinas", "dinas"), ("contract.amend", "dev-dinas", "dinas")]
