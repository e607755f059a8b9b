"""DOMAIN second edition through the routes API: scheduling from today, evidence times, force majeure, weighings.

Each test names what the first edition would have cost. Rates: the 2025 kawasan 1 contract (Rp16.84bn over the
181 days of January-June 2025) has a per-mille rate of 16,840,000,000 x 30 / 181 / 1000 = Rp2,791,160."""
from datetime import date, datetime, timedelta

from shared import db
from services.routes.compliance.daily import evaluate_days
from tests.integration.routes.conftest import NOW, bearer, deliver, register_contractor, wib

TODAY = date(2026, 3, 10)  # NOW is 10:00 WIB
KAWASAN_1_DAY_RATE_RP = round(16_840_000_000 * 30 / 181 / 1000)  # 1 per mille of a 30-day month: Rp2,791,160


def route(world, code: str, stops: list[str], start: str, end: str) -> dict:
    return world.post("/routes", {"code": code, "contract_id": world.contract_id, "vehicle_id": world.vehicle["id"],
                                  "stops": stops, "weekdays": [1, 2, 3, 4, 5, 6, 7], "window_start": start,
                                  "window_end": end}, expect=201).json


def test_a_schedule_reaching_into_the_past_is_refused_with_past(world):
    # First edition: 14 days back created pickups missed at birth (140 of them on a 10-stop route: Rp390m at
    # the 2025 rates, 46% of the cap). Now nothing is created.
    response = world.post(f"/routes/{world.route['id']}/schedule", {"from": "2026-02-24", "to": "2026-03-12"})
    assert (response.status_code, response.json["error"]["code"]) == (422, "past")
    assert response.json["error"]["fields"] == {"from": ["Before today (2026-03-10)."]}
    assert world.sql("SELECT count(*) FROM pickups")[0][0] == 0


def test_today_only_windows_that_can_still_be_confirmed_are_scheduled(world):
    morning = route(world, "R3-PAGI", [world.point_id], "04:00", "07:00")  # with 60 min grace, over at 08:00
    assert world.post(f"/routes/{morning['id']}/schedule", {"from": "2026-03-10", "to": "2026-03-11"},
                      expect=200).json == {"scheduled": 1}
    assert [row.date for row in world.sql("SELECT date FROM pickups WHERE route_id = :r", r=morning["id"])] == [
        date(2026, 3, 11)]
    assert world.schedule(TODAY) == 1  # the 13:00-17:00 window of today is still ahead


def test_a_resolution_dated_back_beyond_the_sync_allowance_stands_at_its_receipt_time(world, frozen_clock):
    # First edition: resolving on 10 March with a time of 2 March 07:00 left 1 overdue day instead of 10, erasing
    # nine days: 9 x Rp2,791,160 = Rp25,120,440 at the 2025 kawasan 1 rates.
    market = world.point("PSR-RMB-09", kind="pasar")["id"]
    frozen_clock(wib(date(2026, 2, 28), 7))
    complaint = world.post("/complaints", {"point_id": market, "description": "Sampah pasar", "channel": "lapor"},
                           expect=201).json
    assert complaint["due_at"] == wib(date(2026, 3, 1), 7).isoformat()
    frozen_clock(NOW)
    path = f"/complaints/{complaint['id']}/resolution"
    claimed = wib(date(2026, 3, 2), 7)
    body = world.post(path, {"note": "diangkut", "resolved_at": claimed.isoformat()}, headers=world.contractor,
                      expect=200).json
    assert (body["resolved_at"], body["resolved_at_claimed"], body["resolved_at_counts"]) == (
        NOW.isoformat(), claimed.isoformat(), "received")
    assert body["overdue_days"] == 10  # days starting 1, 2, ..., 10 March at 07:00
    erased_by_the_first_edition = (10 - 1) * KAWASAN_1_DAY_RATE_RP
    assert erased_by_the_first_edition == 25_120_440
    [event] = world.outbox("routes.complaint.resolved")
    assert event["data"]["overdue_days_by_month"] == {"2026-03": 10}
    assert event["data"]["resolved_at"] == NOW.isoformat()


def test_a_resolution_within_the_sync_allowance_counts_its_device_time(world):
    complaint = world.post("/complaints", {"point_id": world.point_id, "description": "x", "channel": "web",
                                           "reported_at": (NOW - timedelta(hours=20)).isoformat()}, expect=201).json
    resolved_at = NOW - timedelta(hours=3)
    body = world.post(f"/complaints/{complaint['id']}/resolution", {"note": "ok", "resolved_at": resolved_at.isoformat()},
                      headers=world.contractor, expect=200).json
    assert (body["resolved_at"], body["resolved_at_counts"], body["overdue_days"]) == (
        resolved_at.isoformat(), "device", 0)


def test_a_resolution_before_the_report_or_in_the_future_is_refused(world):
    complaint = world.post("/complaints", {"point_id": world.point_id, "description": "x", "channel": "web",
                                           "reported_at": (NOW - timedelta(hours=5)).isoformat()}, expect=201).json
    path = f"/complaints/{complaint['id']}/resolution"
    before = world.post(path, {"note": "x", "resolved_at": (NOW - timedelta(hours=6)).isoformat()},
                        headers=world.contractor)
    assert (before.status_code, before.json["error"]["code"]) == (422, "before_report")
    future = world.post(path, {"note": "x", "resolved_at": (NOW + timedelta(minutes=3)).isoformat()},
                        headers=world.contractor)
    assert (future.status_code, future.json["error"]["code"]) == (422, "future")
    assert world.get(f"/complaints/{complaint['id']}").json["status"] == "open"


def test_the_desk_cannot_date_a_report_in_the_future_or_beyond_the_sync_allowance(world):
    def report(at: datetime):
        return world.post("/complaints", {"point_id": world.point_id, "description": "x", "channel": "phone",
                                          "reported_at": at.isoformat()})
    assert (report(NOW + timedelta(minutes=3)).json["error"]["code"]) == "future"
    stale = report(NOW - timedelta(hours=24, minutes=1))
    assert (stale.status_code, stale.json["error"]["code"], list(stale.json["error"]["fields"])) == (
        422, "stale", ["reported_at"])
    assert report(NOW - timedelta(hours=23, minutes=59)).status_code == 201


def test_a_ticket_weighed_on_the_last_day_and_keyed_after_expiry_counts_for_that_contract_and_month(world,
                                                                                                  frozen_clock):
    # First edition: keyed at 00:05 after expiry it was `unassigned` and never billed: 5,500 kg x Rp235,000/t
    # = Rp1,292,500 lost to the contractor.
    deliver(world.db, "contracts.contract.expired", {"contract_id": world.contract_id, "reason": "selesai",
                                                    "at": wib(date(2026, 7, 1), 0)})
    frozen_clock(wib(date(2026, 7, 1), 0, 5))
    body = world.post("/weighings", {"ticket_no": "TPA-LAST", "plate": "BM 8123 RU", "gross_kg": 11_500,
                                     "weighed_at": wib(date(2026, 6, 30), 23, 40).isoformat()}, expect=201).json
    assert (body["contract_id"], body["flags"], body["cleared"]) == (world.contract_id, [], True)
    [event] = world.outbox("routes.weighing.recorded")
    assert (event["data"]["month"], event["data"]["contract_id"]) == ("2026-06", world.contract_id)
    assert 5_500 * 235_000 // 1000 == 1_292_500


def test_of_two_weighings_under_twenty_minutes_apart_the_later_is_flagged_whichever_was_keyed_first(world):
    # First edition: the earlier one, keyed second, was flagged while the later stayed billed.
    later = world.post("/weighings", {"ticket_no": "TPA-B", "plate": "BM 8123 RU", "gross_kg": 11_000,
                                      "weighed_at": wib(TODAY, 9, 15).isoformat()}, expect=201).json
    assert later["flags"] == [] and later["cleared"]
    earlier = world.post("/weighings", {"ticket_no": "TPA-A", "plate": "BM 8123 RU", "gross_kg": 11_200,
                                        "weighed_at": wib(TODAY, 9, 0).isoformat()}, expect=201).json
    assert earlier["flags"] == [] and earlier["cleared"]
    flagged = world.sql("SELECT flags, cleared FROM weighings WHERE id = :w", w=later["id"])[0]
    assert (flagged.flags, flagged.cleared) == (["double_weighing"], False)
    [event] = world.outbox("routes.weighing.flagged")
    assert (event["data"]["weighing_id"], event["data"]["flags"]) == (later["id"], ["double_weighing"])


def test_a_weighing_on_a_day_under_suspension_is_unassigned(world):
    day = date(2026, 3, 9)
    deliver(world.db, "contracts.contract.suspended", {"contract_id": world.contract_id, "reason": "SP",
                                                      "at": wib(day, 8)})
    deliver(world.db, "contracts.contract.resumed", {"contract_id": world.contract_id, "reason": "ok",
                                                    "at": wib(day, 20)})
    body = world.post("/weighings", {"ticket_no": "TPA-S", "plate": "BM 8123 RU", "gross_kg": 11_000,
                                     "weighed_at": wib(day, 12).isoformat()}, expect=201).json
    assert (body["contract_id"], body["flags"], body["cleared"]) == (None, ["unassigned"], False)


def test_a_force_majeure_day_excuses_its_kecamatans_pickups_and_is_no_shortfall_day(world, routes_db, frozen_clock):
    barat = world.point("TPS-RMB-B01", kecamatan="Rumbai Barat")["id"]
    both = route(world, "R3-BANJIR", [world.point_id, barat], "13:00", "17:00")
    world.post(f"/routes/{both['id']}/schedule", {"from": "2026-03-10", "to": "2026-03-10"}, expect=200)
    stranger = bearer("contractor", register_contractor(world.db, "PT Lain"))
    body = {"contract_id": world.contract_id, "date": "2026-03-10", "reason": "banjir", "kecamatan": ["rumbai"]}
    assert world.post("/force-majeure", body, headers=world.auditor).status_code == 403
    assert world.post("/force-majeure", body, headers=world.contractor).status_code == 403
    outside = world.post("/force-majeure", {**body, "kecamatan": ["Sail"]})
    assert (outside.status_code, outside.json["error"]["code"]) == (422, "outside_contract")
    declared = world.post("/force-majeure", body, expect=201).json
    assert (declared["kecamatan"], declared["whole_contract"], declared["pickups_excused"]) == (["Rumbai"], False, 1)
    assert world.post("/force-majeure", body, expect=201).json["id"] == declared["id"]  # a retry: the same one
    statuses = {str(point): status for point, status in world.sql("SELECT point_id, status FROM pickups "
                                                                  "WHERE route_id = :r", r=both["id"])}
    assert statuses == {world.point_id: "excused", barat: "scheduled"}
    [excused] = world.outbox("routes.pickup.excused")
    assert excused["data"]["reason"] == "keadaan kahar (force majeure): banjir"
    [event] = world.outbox("routes.force_majeure.declared")
    assert (event["data"]["date"], event["data"]["kecamatan"], event["data"]["pickups_excused"]) == (
        "2026-03-10", ["Rumbai"], 1)
    assert world.sql("SELECT action FROM audit_log WHERE action = 'force_majeure.declare'") == [
        ("force_majeure.declare",)]
    assert world.get("/force-majeure", headers=world.contractor).json["page"]["total"] == 1
    assert world.get("/force-majeure", headers=stranger).json["page"]["total"] == 0
    # no tonnage at all that day, yet no shortfall day (first edition: one shortfall-day deduction)
    with db.unit_of_work(routes_db) as session:
        evaluate_days(session, wib(date(2026, 3, 11), 1))
    [(shortfall, force_majeure)] = world.sql("SELECT shortfall, force_majeure FROM daily_evaluations "
                                             "WHERE date = '2026-03-10'")
    assert (shortfall, force_majeure) == (False, True)
    assert world.sql("SELECT shortfall FROM daily_evaluations WHERE date = '2026-03-09'") == [(True,)]


def confirm(world, pickup: dict, collected_at: datetime, key: str):
    return world.client.post(f"/api/v1/pickups/{pickup['id']}/confirmation", headers={
        **world.contractor, "Idempotency-Key": key}, json={"collected_at": collected_at.isoformat(),
                                                           "lat": 0.6120, "lon": 101.4380})


def test_the_last_days_pickup_synced_after_expiry_is_still_confirmed(world, frozen_clock):
    # First edition: refused 409 (contract not active) and then never counted on time.
    last_day = date(2026, 6, 30)
    frozen_clock(wib(last_day, 9))
    pickup = world.pickup_on(last_day)
    deliver(world.db, "contracts.contract.expired", {"contract_id": world.contract_id, "reason": "selesai",
                                                    "at": wib(date(2026, 7, 1), 0)})
    frozen_clock(wib(date(2026, 7, 1), 0, 30))
    response = confirm(world, pickup, wib(last_day, 16), "last-day")
    assert response.status_code == 201, response.json
    assert (response.json["status"], response.json["late"]) == ("confirmed", True)  # synced after window + grace


def test_a_pickup_is_judged_by_the_grace_in_force_on_its_own_day(world, frozen_clock):
    # an amendment recorded today shortens the grace from the 12th on: the 11th keeps its 60 minutes
    deliver(world.db, "contracts.contract.amended", {
        "contract_id": world.contract_id, "amendment_no": 1, "effective_from": date(2026, 3, 12),
        "sla": {"grace_minutes": 10, "geofence_m": 150, "sync_allowance_hours": 24, "min_on_time_ratio": "0.95",
                "complaint_hours_priority": 24, "complaint_hours_normal": 72, "shortfall_ratio": "0.5",
                "shortfall_days_allowed": 3}})
    eleventh, twelfth = world.pickup_on(date(2026, 3, 11)), world.pickup_on(date(2026, 3, 12))
    frozen_clock(wib(date(2026, 3, 11), 17, 40))
    assert confirm(world, eleventh, wib(date(2026, 3, 11), 16, 50), "d11").json["on_time"] is True
    frozen_clock(wib(date(2026, 3, 12), 17, 40))
    assert confirm(world, twelfth, wib(date(2026, 3, 12), 16, 50), "d12").json["on_time"] is False
