"""The demo's keberatan and berita acara steps over real HTTP: billing served on a free port, the CLI's client on it."""
from __future__ import annotations

import threading

import pytest
from click.testing import CliRunner
from werkzeug.serving import make_server

from kawal.cli import main
from kawal.demo import disputes
from kawal.demo.client import Kawal
from services.billing.app import create_app
from tests.integration.billing.conftest import DINAS
from tests.integration.billing.test_berita_acara import Issued
from tests.support.system import free_ports


@pytest.fixture
def served(billing, billing_db):
    """The billing API on a real socket (the CLI talks HTTP), over the test's database and frozen clock."""
    port = free_ports(1)[0]
    server = make_server("127.0.0.1", port, create_app({"KAWAL_DATABASE_URL": billing_db, "TESTING": True}),
                         threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{port}"
    server.shutdown()
    thread.join()


def test_the_simulated_contractor_disputes_deductions_and_the_agency_decides_each(billing, billing_db, served):
    issued = Issued(billing, billing_db)  # one objection already accepted and one open on March's invoice
    kawal = Kawal(urls={"billing": served, "contracts": served, "routes": served})
    found = disputes.simulate(kawal, "2025-03", seed=7, per_invoice=3, accept_ratio=1.0)
    # the accepted pickup and the open shortfall day are already objected to (409), the rest are filed and accepted
    assert {(d.kind, d.outcome) for d in found} <= {("missed_pickup", "accepted"), ("complaint_day", "accepted"),
                                                     ("missed_pickup", "409 already_objected"),
                                                     ("shortfall_day", "409 already_objected")}
    assert len(found) == 3 and all(d.number == "KTR/2025/001" for d in found)
    accepted = {d.ref for d in found if d.outcome == "accepted"}
    listed = billing.get("/api/v1/objections", headers=DINAS, query_string={"status": "accepted"}).get_json()
    assert accepted <= {o["ref"] for o in listed["items"]}
    assert listed["page"]["total"] == 1 + len(accepted)


def test_the_demo_writes_a_berita_acara_per_issued_invoice_that_verifies(billing, billing_db, served, tmp_path):
    Issued(billing, billing_db)
    env = {"KAWAL_BILLING_URL": served, "KAWAL_CONTRACTS_URL": served, "KAWAL_ROUTES_URL": served}
    written = CliRunner().invoke(main, ["invoice", "berita-acara", "--month", "2025-03", "--dir", str(tmp_path)],
                                 env=env, catch_exceptions=False)
    assert written.exit_code == 0, written.output
    pdf = tmp_path / "berita-acara-KTR-2025-001-2025-03.pdf"
    assert written.output.strip() == f"berita acara: {pdf}"
    checked = CliRunner().invoke(main, ["invoice", "verify", str(pdf)], env=env, catch_exceptions=False)
    assert checked.exit_code == 0, checked.output
    assert "COCOK / MATCH" in checked.output and "KTR/2025/001 2025-03" in checked.output
    assert "total Rp256.410.000" in checked.output
    rejected = CliRunner().invoke(main, ["invoice", "verify", "--sha256", "0" * 64], env=env)
    assert rejected.exit_code == 1 and "TIDAK COCOK / NO MATCH" in rejected.output
