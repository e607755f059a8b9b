"""Compliance results as the workers left them, read scoped; the domain gauges on /metrics."""
from datetime import date, timedelta

from tests.integration.routes.conftest import NOW, POINT_LAT, POINT_LON, bearer, register_contractor, wib
from tests.support.scrape import scrape

DAY = date(2026, 3, 10)


def test_daily_evaluations_and_breaches_are_read_by_contract_and_scoped_to_the_contractor(world):
    for offset in range(3):
        world.sql("INSERT INTO daily_evaluations (contract_id, date, scheduled, on_time, late, missed, off_site, "
                  "excused, net_kg, target_kg, shortfall, complaints_overdue, evaluated_at) VALUES "
                  "(:c, :d, 10, 8, 1, 1, 0, 0, 40000, 110000, true, 0, :at)",
                  c=world.contract_id, d=DAY + timedelta(days=offset), at=NOW)
    world.sql("INSERT INTO breaches (id, contract_id, contractor_id, month, measure, threshold, value, evidence, "
              "created_at) VALUES (gen_random_uuid(), :c, :k, '2026-02', 'on_time_ratio', 0.95, 0.8, "
              "'[\"2026-02-03\"]', :at)", c=world.contract_id, k=world.contractor_id, at=NOW)
    daily = world.get("/compliance/daily", headers=world.contractor, contract_id=world.contract_id,
                      **{"from": "2026-03-11", "to": "2026-03-12"}).json
    assert [row["date"] for row in daily["items"]] == ["2026-03-11", "2026-03-12"]
    assert daily["items"][0]["shortfall"] is True
    breaches = world.get("/compliance/breaches", headers=world.auditor, month="2026-02").json["items"]
    assert [(b["measure"], b["value"], b["evidence"]) for b in breaches] == [("on_time_ratio", 0.8, ["2026-02-03"])]
    stranger = bearer("contractor", register_contractor(world.db, "PT Lain"))
    assert world.get("/compliance/daily", headers=stranger).json["items"] == []
    assert world.get("/compliance/breaches", headers=stranger).json["items"] == []
    assert world.get("/compliance/breaches", month="2026-13").status_code == 422


def test_the_domain_gauges_count_pickups_by_outcome_tonnage_complaints_and_flags(world, frozen_clock):
    world.schedule(DAY, DAY + timedelta(days=2))
    [first, second, _third] = world.get("/pickups").json["items"]
    frozen_clock(wib(DAY, 14, 5))
    world.client.post(f"/api/v1/pickups/{first['id']}/confirmation", headers=world.contractor,
                      json={"collected_at": wib(DAY, 14).isoformat(), "lat": POINT_LAT, "lon": POINT_LON})
    world.post(f"/pickups/{second['id']}/excuse", {"reason": "banjir"})
    world.post("/weighings", {"ticket_no": "T-1", "plate": "BM 8123 RU", "gross_kg": 11_000,
                              "weighed_at": wib(DAY, 10).isoformat()}, expect=201)
    world.post("/weighings", {"ticket_no": "T-2", "plate": "BM 8123 RU", "gross_kg": 20_000,
                              "weighed_at": wib(DAY, 12).isoformat()}, expect=201)
    world.post("/complaints", {"point_id": world.point_id, "description": "x", "channel": "web"}, expect=201)
    text = scrape(world.client)
    number = "KTR-3/2026"
    for line in (
        f'kawal_routes_pickups{{contract="{number}",kecamatan="Rumbai",outcome="on_time"}} 1.0',
        f'kawal_routes_pickups{{contract="{number}",kecamatan="Rumbai",outcome="excused"}} 1.0',
        f'kawal_routes_pickups{{contract="{number}",kecamatan="Rumbai",outcome="scheduled"}} 1.0',
        f'kawal_routes_on_time_ratio{{contract="{number}",kecamatan="Rumbai"}} 1.0',
        f'kawal_routes_min_on_time_ratio{{contract="{number}"}} 0.95',
        f'kawal_routes_net_tonnage_kg{{contract="{number}"}} 5000.0',
        f'kawal_routes_target_tonnage_kg{{contract="{number}"}} 1.1e+06',  # 10 days of March x 110 t
        f'kawal_routes_complaints{{contract="{number}",status="open"}} 1.0',
        f'kawal_routes_weighings_flagged{{contract="{number}",flag="overload"}} 1.0',
    ):
        assert line in text, line
