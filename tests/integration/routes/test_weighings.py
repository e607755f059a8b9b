"""Weighbridge tickets through HTTP: net, flags, contract attribution, idempotency, clearing, scoped lists."""
from datetime import date, timedelta

import pytest

from shared.clock import WIB
from tests.integration.routes.conftest import bearer, register_contractor, wib

DAY = date(2026, 3, 10)
LATER = wib(DAY + timedelta(days=2), 12)


@pytest.fixture
def world(world, frozen_clock):
    """The conftest world, two days on: every ticket below is in the past."""
    frozen_clock(LATER)
    return world


def ticket(world, no, gross, at, plate="BM 8123 RU", key=None, **extra):
    headers = {**world.dinas, **({"Idempotency-Key": key} if key else {})}
    return world.client.post("/api/v1/weighings", headers=headers, json={
        "ticket_no": no, "plate": plate, "gross_kg": gross, "weighed_at": at.isoformat(), **extra})


def test_a_clean_load_is_netted_with_the_registered_tare_cleared_and_counted_for_the_routes_contract(world):
    response = ticket(world, "TPA-0001", 11_500, wib(DAY, 10), plate="bm8123ru")
    assert response.status_code == 201, response.json
    body = response.json
    assert (body["net_kg"], body["tare_kg"], body["flags"], body["cleared"]) == (5_500, 6_000, [], True)
    assert (body["contract_id"], body["plate"]) == (world.contract_id, "BM 8123 RU")
    [event] = world.outbox("routes.weighing.recorded")
    assert event["data"] == {"weighing_id": body["id"], "contract_id": world.contract_id, "plate": "BM 8123 RU",
                             "net_kg": 5_500, "weighed_at": wib(DAY, 10).isoformat(), "flags": [], "cleared": True,
                             "month": "2026-03", "recorded_at": event["data"]["recorded_at"]}  # second edition


def test_a_load_heavier_than_600_kg_per_m3_is_flagged_overload_and_held_until_cleared(world):
    body = ticket(world, "TPA-0002", 12_001, wib(DAY, 10)).json
    assert (body["flags"], body["cleared"]) == (["overload"], False)
    assert world.get("/weighings", flagged="true").json["page"]["total"] == 1
    cleared = world.post(f"/weighings/{body['id']}/clear", {"reason": "wet season: checked on site, no soil"})
    assert (cleared.status_code, cleared.json["cleared"]) == (200, True)
    [event] = world.outbox("routes.weighing.cleared")
    assert (event["data"]["net_kg"], event["data"]["contract_id"]) == (6_001, world.contract_id)
    again = world.post(f"/weighings/{body['id']}/clear", {"reason": "again"})
    assert (again.status_code, again.json["error"]["code"]) == (409, "already_cleared")


def test_a_tare_more_than_ten_percent_off_and_a_second_weighing_within_twenty_minutes_are_flagged(world):
    assert ticket(world, "TPA-0003", 11_000, wib(DAY, 10), tare_kg=6_700).json["flags"] == ["tare_mismatch"]
    assert ticket(world, "TPA-0004", 11_000, wib(DAY, 10, 19, 59)).json["flags"] == ["double_weighing"]
    assert ticket(world, "TPA-0005", 11_000, wib(DAY, 10, 40)).json["flags"] == []


def test_an_unknown_plate_or_a_vehicle_on_no_route_is_unassigned(world):
    unknown = ticket(world, "TPA-0006", 9_000, wib(DAY, 11), plate="BA 1 XYZ", tare_kg=4_000).json
    assert (unknown["flags"], unknown["contract_id"]) == (["unassigned"], None)
    world.post("/vehicles", {"plate": "BM 9000 XX", "contractor_id": world.contractor_id, "type": "fuso",
                             "capacity_m3": 14, "tare_kg": 8_000}, expect=201)
    idle = ticket(world, "TPA-0007", 12_000, wib(DAY, 11), plate="BM 9000 XX").json
    assert idle["flags"] == ["unassigned"]
    missing_tare = ticket(world, "TPA-0008", 9_000, wib(DAY, 11), plate="BA 2 XYZ")
    assert missing_tare.status_code == 422 and "tare_kg" in missing_tare.json["error"]["fields"]


def test_the_same_ticket_again_gets_the_first_answer_and_with_other_data_a_conflict(world):
    first = ticket(world, "TPA-0009", 11_000, wib(DAY, 12).astimezone(WIB), key="w-1")  # sent with +07:00
    again = ticket(world, "TPA-0009", 11_000, wib(DAY, 12), key="w-1")
    assert (again.status_code, again.json) == (first.status_code, first.json)
    changed = ticket(world, "TPA-0009", 11_200, wib(DAY, 12), key="w-1")
    assert (changed.status_code, changed.json["error"]["code"]) == (409, "ticket_conflict")
    reused = ticket(world, "TPA-0010", 11_200, wib(DAY, 13), key="w-1")
    assert (reused.status_code, reused.json["error"]["code"]) == (409, "idempotency_key_reused")
    assert len(world.outbox("routes.weighing.recorded")) == 1


def test_gross_not_above_tare_or_a_ticket_from_the_future_is_refused_on_the_field(world):
    response = ticket(world, "TPA-0011", 6_000, wib(DAY, 8))
    assert response.status_code == 422 and "gross_kg" in response.json["error"]["fields"]
    future = ticket(world, "TPA-0012", 11_000, LATER + timedelta(minutes=2, seconds=1))
    assert (future.status_code, future.json["error"]["code"]) == (422, "future")
    assert "weighed_at" in future.json["error"]["fields"]


def test_a_contractor_lists_only_its_own_contracts_weighings_and_filters_apply(world):
    ticket(world, "TPA-0012", 11_000, wib(DAY, 9))
    ticket(world, "TPA-0013", 9_000, wib(DAY, 9), plate="BA 3 Q", tare_kg=4_000)
    ticket(world, "TPA-0014", 11_000, wib(DAY + timedelta(days=1), 9))
    assert world.get("/weighings").json["page"]["total"] == 3
    assert world.get("/weighings", headers=world.contractor).json["page"]["total"] == 2
    stranger = bearer("contractor", register_contractor(world.db, "PT Lain"))
    assert world.get("/weighings", headers=stranger).json["page"]["total"] == 0
    assert world.get("/weighings", **{"from": "2026-03-11", "to": "2026-03-11"}).json["page"]["total"] == 1
    assert world.get("/weighings", plate="ba 3 q").json["page"]["total"] == 1
    assert world.get("/weighings", contract_id=world.contract_id).json["page"]["total"] == 2
