"""The demo's billing step (`kawal report --issue`): a month's invoice is issued once the month and its sync
allowance have passed on the shared clock, not before; the report then reads the frozen invoice."""
from __future__ import annotations

import uuid
from datetime import datetime, timezone

from kawal.demo.client import Answer
from kawal.demo.report import issue_when_due
from tests.integration.billing.conftest import DINAS, World, deliver

UTC = timezone.utc


class ThroughTheApp:
    """The CLI's client, answered by billing's Flask app in process."""

    def __init__(self, client):
        self.client = client

    def post(self, service: str, path: str, body: dict | None = None, **_) -> Answer:
        assert service == "billing"
        response = self.client.post(f"/api/v1{path}", json=body, headers=DINAS)
        return Answer(response.status_code, response.get_json() or {})


def test_the_demo_issues_a_month_only_once_its_sync_allowance_has_passed(billing, billing_db, frozen_clock):
    world = World()
    deliver(billing_db, [world.activated(), world.weighed(str(uuid.uuid4()), 100_000,
                                                          datetime(2025, 3, 10, 3, tzinfo=UTC))])
    contract = {"id": world.contract_id, "sla": {"sync_allowance_hours": 24}}
    kawal = ThroughTheApp(billing)
    frozen_clock(datetime(2025, 4, 1, 16, 0, tzinfo=UTC))  # March ended 23 h ago
    assert issue_when_due(kawal, contract, "2025-03", wait_seconds=0.3) == "not yet issuable"
    frozen_clock(datetime(2025, 4, 1, 17, 0, tzinfo=UTC))
    assert issue_when_due(kawal, contract, "2025-03", wait_seconds=5) == "issued"
    listed = billing.get(f"/api/v1/invoices?contract_id={world.contract_id}", headers=DINAS).get_json()["items"]
    assert [(i["month"], i["status"], i["total_rp"]) for i in listed] == [("2025-03", "issued", 26_085_000)]
    assert issue_when_due(kawal, contract, "2025-03", wait_seconds=5) == "already issued"
