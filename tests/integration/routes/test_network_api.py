"""Points, vehicles and routes through HTTP: validation with the field at fault, uniqueness, the vehicle rule."""
from tests.integration.routes.conftest import activate, bearer


def test_a_point_gets_its_kecamatan_canonically_spelled_and_bad_input_names_the_field(world):
    point = world.point("TPS-RMB-009", kecamatan="rumbai timur")
    assert point["kecamatan"] == "Rumbai Timur"
    base = {"code": "X-1", "name": "x", "kind": "tps", "lat": 0.6, "lon": 101.44, "kecamatan": "Rumbai",
            "kelurahan": "Umban Sari"}
    for change, field in (({"kind": "kantor"}, "kind"), ({"lat": 95}, "lat"), ({"lon": 106.8}, "lon"),
                          ({"kecamatan": "Menteng"}, "kecamatan"), ({"code": ""}, "code")):
        response = world.post("/points", {**base, **change})
        assert response.status_code == 422 and field in response.json["error"]["fields"], (change, response.json)
    duplicate = world.post("/points", {**base, "code": "TPS-RMB-009"})
    assert duplicate.status_code == 409


def test_a_vehicle_plate_is_normalised_unique_and_its_capacity_and_tare_positive(world):
    assert world.vehicle["plate"] == "BM 8123 RU"
    base = {"plate": "BM 8123 RU", "contractor_id": world.contractor_id, "type": "fuso", "capacity_m3": 14,
            "tare_kg": 8_000}
    assert world.post("/vehicles", {**base, "plate": "bm8123ru"}).status_code == 409
    for change, field in (({"capacity_m3": 0}, "capacity_m3"), ({"tare_kg": 0}, "tare_kg"),
                          ({"type": "becak"}, "type"), ({"plate": "??"}, "plate"),
                          ({"contractor_id": "00000000-0000-0000-0000-000000000000"}, "contractor_id")):
        response = world.post("/vehicles", {**base, "plate": "BM 1 ZZ", **change})
        assert response.status_code == 422 and field in response.json["error"]["fields"], (change, response.json)


def route_body(world, **change):
    return {"code": "R3-09", "contract_id": world.contract_id, "vehicle_id": world.vehicle["id"],
            "stops": [world.point_id], "weekdays": [1, 3, 5], "window_start": "04:00", "window_end": "07:00", **change}


def test_a_route_with_a_stop_outside_the_contracts_kecamatan_is_refused_with_the_stop(world):
    sail = world.point("TPS-SAIL-02", kecamatan="Sail", lat=0.515, lon=101.455)["id"]
    response = world.post("/routes", route_body(world, stops=[world.point_id, sail]))
    assert response.status_code == 422
    assert response.json["error"]["fields"] == {"stops": [sail]}


def test_bad_route_plans_are_refused_with_the_field(world):
    for change, field in (({"stops": [world.point_id, world.point_id]}, "stops"), ({"weekdays": [0]}, "weekdays"),
                          ({"window_start": "07:00", "window_end": "04:00"}, "window_end"),
                          ({"window_start": "7"}, "window_start")):
        response = world.post("/routes", route_body(world, **change))
        assert response.status_code == 422 and field in response.json["error"]["fields"], (change, response.json)


def test_a_vehicle_already_serving_one_contract_cannot_be_put_on_a_second(world):
    second = activate(world.db, world.contractor_id, ["Rumbai"], number="KTR-4/2026")
    response = world.post("/routes", route_body(world, contract_id=second))
    assert (response.status_code, response.json["error"]["code"]) == (409, "vehicle_on_other_contract")
    assert world.post("/routes", route_body(world)).status_code == 201  # more routes on the same contract are fine


def test_a_vehicle_of_another_contractor_is_refused(world):
    from tests.integration.routes.conftest import register_contractor

    other = register_contractor(world.db, "PT Lain")
    truck = world.post("/vehicles", {"plate": "BM 77 OT", "contractor_id": other, "type": "pikap",
                                     "capacity_m3": 3, "tare_kg": 1_500}, expect=201).json
    response = world.post("/routes", route_body(world, vehicle_id=truck["id"]))
    assert response.status_code == 422 and "vehicle_id" in response.json["error"]["fields"]


def test_routes_and_vehicles_are_listed_to_their_contractor_only(world):
    from tests.integration.routes.conftest import register_contractor

    stranger = bearer("contractor", register_contractor(world.db, "PT Lain"))
    assert world.get("/routes", headers=world.contractor).json["items"][0]["stops"] == [world.point_id]
    assert world.get("/routes", headers=stranger).json["items"] == []
    assert world.get("/vehicles", headers=stranger).json["items"] == []
    assert world.get("/points", headers=stranger).json["page"]["total"] == 1
