"""The reference city: the figures DOMAIN.md states, built the same way from the same seed."""
from collections import Counter
from datetime import date

from kawal.demo import names
from kawal.demo.city import CONTRACT_VALUES_RP, apportion, build_city
from shared.city import KECAMATAN

START = date(2026, 10, 1)


def test_there_are_83_kelurahan_in_the_15_kecamatan():
    assert set(names.KELURAHAN) == set(KECAMATAN)
    assert sum(len(k) for k in names.KELURAHAN.values()) == 83
    assert set(names.CENTROIDS) == set(KECAMATAN)


def test_the_city_has_three_kawasan_contracts_with_the_2025_values_and_about_780_tons_a_day():
    city = build_city(START)
    assert [c.value_rp for c in city.contracts] == [16_840_000_000, 11_800_000_000, 4_730_000_000]
    assert sum(c.daily_target_kg for c in city.contracts) == 780_000
    assert all(c.unit_price_rp_per_ton == 235_000 for c in city.contracts)
    assert all((c.start_date, c.end_date) == (START, date(2027, 3, 31)) for c in city.contracts)
    assert len({c.contractor_npwp for c in city.contracts}) == 3


def test_the_fleet_of_105_is_split_by_contract_value():
    city = build_city(START)
    assert Counter(v.type for v in city.vehicles) == {"pikap": 35, "dump_truck": 55, "fuso": 15}
    per_contract = Counter(v.contract_number for v in city.vehicles)
    assert [per_contract[c.number] for c in city.contracts] == [54, 36, 15]
    assert all(v.plate.startswith("BM ") for v in city.vehicles)
    assert len({v.plate for v in city.vehicles}) == 105


def test_points_are_about_190_inside_pekanbaru_and_include_the_three_depots():
    city = build_city(START)
    kinds = Counter(p.kind for p in city.points)
    assert kinds["tps"] == 48 and kinds["jalan_protokol"] == 32 and kinds["depo"] == 3 and kinds["tps_liar"] >= 100
    assert 185 <= len(city.points) <= 200
    assert {p.name for p in city.points if p.kind == "depo"} == {"Depo Harapan Jaya", "Depo Air Hitam", "Depo Palas"}
    assert all(0.45 <= p.lat <= 0.62 and 101.38 <= p.lon <= 101.53 for p in city.points)
    assert all(p.kelurahan in names.KELURAHAN[p.kecamatan] for p in city.points)
    assert len({p.code for p in city.points}) == len(city.points)


def test_every_vehicle_has_one_route_of_6_to_15_stops_in_its_own_kawasan():
    city = build_city(START)
    contracts = {c.number: c for c in city.contracts}
    points = {p.code: p for p in city.points}
    assert sorted(r.plate for r in city.routes) == sorted(v.plate for v in city.vehicles)
    for route in city.routes:
        assert 6 <= len(route.stops) <= 15 and len(set(route.stops)) == len(route.stops)
        assert all(points[s].kecamatan in contracts[route.contract_number].kecamatan for s in route.stops)
        assert (route.window_start, route.window_end) in {("04:00", "07:00"), ("13:00", "17:00")}
    served = {s for r in city.routes for s in r.stops}
    assert served == set(points)


def test_the_same_seed_builds_the_same_city_and_another_seed_another():
    assert build_city(START, seed=1) == build_city(START, seed=1)
    assert build_city(START, seed=1).vehicles != build_city(START, seed=2).vehicles


def test_the_small_city_is_one_kawasan_with_two_vehicles():
    city = build_city(START, small=True)
    assert [c.kawasan for c in city.contracts] == ["Kawasan 3"]
    assert len(city.vehicles) == 2 and len(city.routes) == 2 and len(city.points) <= 15


def test_apportioning_keeps_the_total_exactly():
    assert apportion(35, CONTRACT_VALUES_RP) == [18, 12, 5]
    assert sum(apportion(780_000, CONTRACT_VALUES_RP)) == 780_000
