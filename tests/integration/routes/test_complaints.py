"""Complaints through HTTP: assignment to the covering contract, deadlines by point kind, resolution, days overdue."""
from datetime import date, timedelta

from shared.clock import WIB
from tests.integration.routes.conftest import NOW, bearer, register_contractor

DAY = date(2026, 3, 10)


def open_at(world, point_id, key=None, **extra):
    headers = {**world.dinas, **({"Idempotency-Key": key} if key else {})}
    return world.client.post("/api/v1/complaints", headers=headers, json={
        "point_id": point_id, "description": "Sampah menumpuk tiga hari", "channel": "whatsapp", **extra})


def test_a_complaint_at_a_market_is_assigned_to_the_covering_contract_and_due_in_the_priority_time(world):
    market = world.point("PSR-RMB-01", kind="pasar", kecamatan="Rumbai")["id"]
    response = open_at(world, market)
    assert response.status_code == 201, response.json
    body = response.json
    assert (body["contract_id"], body["status"], body["priority"]) == (world.contract_id, "open", True)
    assert body["due_at"] == (NOW + timedelta(hours=24)).isoformat()
    [event] = world.outbox("routes.complaint.opened")
    assert (event["data"]["complaint_id"], event["data"]["due_at"]) == (body["id"], body["due_at"])


def test_a_complaint_at_an_ordinary_tps_is_due_in_the_normal_time(world):
    body = open_at(world, world.point_id, reported_at=(NOW - timedelta(hours=2)).isoformat()).json
    assert body["due_at"] == (NOW + timedelta(hours=70)).isoformat()


def test_a_complaint_where_no_active_contract_covers_the_kecamatan_is_refused(world):
    sail = world.point("TPS-SAIL-01", kecamatan="Sail", lat=0.515, lon=101.455)["id"]
    response = open_at(world, sail)
    assert (response.status_code, response.json["error"]["code"]) == (409, "no_active_contract")
    assert "point_id" in response.json["error"]["fields"]
    unknown = open_at(world, "00000000-0000-0000-0000-000000000000")
    assert unknown.status_code == 422 and "point_id" in unknown.json["error"]["fields"]


def test_the_same_idempotency_key_returns_the_first_complaint(world):
    reported = (NOW - timedelta(hours=1)).astimezone(WIB).isoformat()  # sent with +07:00
    first = open_at(world, world.point_id, key="c-1", reported_at=reported)
    again = open_at(world, world.point_id, key="c-1", reported_at=reported)
    assert (again.status_code, again.json) == (first.status_code, first.json)
    other = open_at(world, world.point_id, key="c-1", description="another matter")
    assert (other.status_code, other.json["error"]["code"]) == (409, "idempotency_key_reused")
    assert world.get("/complaints").json["page"]["total"] == 1


def test_resolving_26_hours_late_counts_two_started_days_overdue(world):
    market = world.point("PSR-RMB-02", kind="jalan_protokol")["id"]
    complaint = open_at(world, market).json
    resolved_at = NOW + timedelta(hours=24 + 26)
    world.sql("UPDATE complaints SET reported_at = reported_at - interval '3 days', "
              "due_at = due_at - interval '3 days' WHERE id = :c", c=complaint["id"])
    response = world.client.post(f"/api/v1/complaints/{complaint['id']}/resolution", headers=world.contractor,
                                 json={"note": "diangkut", "resolved_at": (resolved_at - timedelta(days=3)).isoformat()})
    assert response.status_code == 200, response.json
    assert (response.json["status"], response.json["overdue_days"]) == ("resolved", 2)
    [event] = world.outbox("routes.complaint.resolved")
    assert event["data"]["overdue_days"] == 2
    twice = world.client.post(f"/api/v1/complaints/{complaint['id']}/resolution", headers=world.contractor,
                              json={"note": "again"})
    assert (twice.status_code, twice.json["error"]["code"]) == (409, "already_resolved")


def test_resolved_on_time_is_zero_days_overdue_and_another_contractor_gets_404(world):
    complaint = open_at(world, world.point_id).json
    stranger = bearer("contractor", register_contractor(world.db, "PT Lain"))
    path = f"/api/v1/complaints/{complaint['id']}/resolution"
    assert world.client.post(path, headers=stranger, json={"note": "x"}).status_code == 404
    response = world.client.post(path, headers=world.contractor, json={"note": "diangkut"})
    assert (response.status_code, response.json["overdue_days"]) == (200, 0)
    future = world.client.post("/api/v1/complaints", headers=world.dinas, json={
        "point_id": world.point_id, "description": "x", "channel": "web",
        "reported_at": (NOW + timedelta(hours=1)).isoformat()})
    assert future.status_code == 422 and "reported_at" in future.json["error"]["fields"]
