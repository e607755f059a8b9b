"""Billing's HTTP API: who may do what, invoice states, bad input, the audit trail and the gauges."""
from __future__ import annotations

import uuid
from datetime import datetime, timezone

import pytest
from sqlalchemy import create_engine, text

from tests.integration.billing.conftest import AUDITOR, DINAS, World, deliver, draft, post, token
from tests.support.scrape import scrape

UTC = timezone.utc


@pytest.fixture
def issued(billing, billing_db):
    """A contract with an issued March invoice and a draft April one."""
    world = World()
    deliver(billing_db, [world.activated(), world.weighed(str(uuid.uuid4()), 1_000,
                                                          datetime(2025, 3, 2, 3, 0, tzinfo=UTC)),
                         world.missed(str(uuid.uuid4()), datetime(2025, 3, 3).date())])
    march = post(billing, draft(billing, world, "2025-03")["id"], "issue")
    april = draft(billing, world, "2025-04")
    return world, march, april


def test_every_endpoint_answers_each_role_as_declared(billing, issued):
    world, march, april = issued
    own, other = token("contractor", world.contractor_id), token("contractor", str(uuid.uuid4()))
    reads = [f"/api/v1/invoices/{march['id']}", f"/api/v1/invoices/{march['id']}/evidence",
             f"/api/v1/contracts/{world.contract_id}/ledger"]
    for path in reads:
        assert [billing.get(path, headers=h).status_code for h in (DINAS, AUDITOR, own, other, {})] == [
            200, 200, 200, 404, 401], path
    listed = {name: billing.get("/api/v1/invoices", headers=h).get_json()["page"]["total"]
              for name, h in (("dinas", DINAS), ("auditor", AUDITOR), ("own", own), ("other", other))}
    assert listed == {"dinas": 2, "auditor": 2, "own": 2, "other": 0}
    writes = [("/api/v1/invoices", {"contract_id": world.contract_id, "month": "2025-04"}),
              (f"/api/v1/invoices/{april['id']}/issue", None), (f"/api/v1/invoices/{march['id']}/approve", None),
              (f"/api/v1/invoices/{march['id']}/pay", None)]
    for path, body in writes:
        assert [billing.post(path, json=body, headers=h).status_code for h in (AUDITOR, own, other, {})] == [
            403, 403, 403, 401], path


def test_an_invoice_moves_draft_issued_approved_paid_and_never_back(billing, issued):
    world, march, april = issued
    assert billing.post(f"/api/v1/invoices/{march['id']}/issue", headers=DINAS).status_code == 409
    assert billing.post(f"/api/v1/invoices/{march['id']}/pay", headers=DINAS).status_code == 409
    assert post(billing, march["id"], "approve")["status"] == "approved"
    assert post(billing, march["id"], "pay")["status"] == "paid"
    refused = billing.post("/api/v1/invoices", json={"contract_id": world.contract_id, "month": "2025-03"},
                           headers=DINAS)
    assert (refused.status_code, refused.get_json()["error"]["code"]) == (409, "invoice_frozen")


def test_a_month_that_has_not_ended_cannot_be_issued(billing, issued):
    _, _, april = issued
    refused = billing.post(f"/api/v1/invoices/{april['id']}/issue", headers=DINAS)
    assert (refused.status_code, refused.get_json()["error"]["code"]) == (409, "month_not_ended")


@pytest.mark.parametrize("body, field", [
    ({"month": "2025-03"}, "contract_id"), ({"contract_id": "nope", "month": "2025-03"}, "contract_id"),
    ({"contract_id": str(uuid.uuid4()), "month": "2025-03"}, "contract_id"),
    ("world", "month"), ({"contract_id": "world", "month": "2025-13"}, "month"),
    ({"contract_id": "world", "month": "2024-12"}, "month"),
])
def test_bad_drafts_are_refused_with_the_field_at_fault(billing, issued, body, field):
    world = issued[0]
    if body == "world":
        body = {"contract_id": world.contract_id, "month": "March"}
    elif body.get("contract_id") == "world":
        body = {**body, "contract_id": world.contract_id}
    refused = billing.post("/api/v1/invoices", json=body, headers=DINAS)
    assert refused.status_code == 422
    assert field in refused.get_json()["error"]["fields"]


def test_unknown_invoices_are_not_found(billing, issued):
    assert billing.get(f"/api/v1/invoices/{uuid.uuid4()}", headers=DINAS).status_code == 404
    assert billing.post(f"/api/v1/invoices/{uuid.uuid4()}/issue", headers=DINAS).status_code == 404


def test_evidence_is_listed_page_by_page(billing, issued):
    _, march, _ = issued
    page = billing.get(f"/api/v1/invoices/{march['id']}/evidence?kind=missed_pickup&per_page=1",
                       headers=AUDITOR).get_json()
    assert page["page"]["total"] == 1 and page["items"][0]["kind"] == "missed_pickup"
    assert page["items"][0]["fact_month"] == "2025-03"


def test_the_summary_list_has_the_stored_totals_without_lines_or_evidence(billing, issued):
    world, march, april = issued
    full = billing.get("/api/v1/invoices", headers=DINAS).get_json()["items"]
    brief = billing.get("/api/v1/invoices?summary=true", headers=DINAS).get_json()["items"]
    assert [i["id"] for i in brief] == [i["id"] for i in full] == [april["id"], march["id"]]
    for short, whole in zip(brief, full):
        assert "lines" not in short and "objections" not in short
        assert {k: v for k, v in whole.items() if k not in ("lines", "objections", "sha256")} == short
    drafts = billing.get("/api/v1/invoices?summary=true&status=draft", headers=DINAS).get_json()
    assert [(i["month"], i["deductions_rp"]) for i in drafts["items"]] == [("2025-04", april["deductions_rp"])]
    refused = billing.get("/api/v1/invoices?summary=maybe", headers=DINAS)
    assert (refused.status_code, list(refused.get_json()["error"]["fields"])) == (422, ["summary"])


def test_every_contracts_ledger_in_one_read_as_each_alone_and_scoped_to_the_contractor(billing, issued):
    world, march, _ = issued
    alone = billing.get(f"/api/v1/contracts/{world.contract_id}/ledger", headers=DINAS).get_json()
    listed = billing.get("/api/v1/contracts/ledgers", headers=DINAS).get_json()
    assert (listed["items"], listed["page"]["total"]) == ([alone], 1)
    assert alone["invoices"] == 1 and alone["deductions_rp"] == march["deductions_rp"]
    own, other = token("contractor", world.contractor_id), token("contractor", str(uuid.uuid4()))
    assert [billing.get("/api/v1/contracts/ledgers", headers=h).get_json()["page"]["total"] for h in (own, other)] == [
        1, 0]
    assert billing.get("/api/v1/contracts/ledgers").status_code == 401


def test_every_write_is_in_the_audit_log(billing, billing_db, issued):
    _, march, _ = issued
    post(billing, march["id"], "approve")
    engine = create_engine(billing_db)
    with engine.connect() as connection:
        actions = connection.execute(text("SELECT action FROM audit_log ORDER BY seq")).scalars().all()
    engine.dispose()
    assert actions == ["invoice.drafted", "invoice.issued", "invoice.drafted", "invoice.approved"]


def test_the_domain_gauges_read_the_ledger(billing, issued):
    body = scrape(billing)
    assert 'kawal_billing_invoices{status="issued"} 1.0' in body
    assert 'kawal_billing_deductions_rp{contract="KTR/2025/001",kind="missed_pickup"} 500000.0' in body
    assert 'kawal_billing_cap_used_ratio{contract="KTR/2025/001"} 0.01' in body
    assert 'kawal_billing_invoiced_rp{contract="KTR/2025/001",status="draft"}' in body
