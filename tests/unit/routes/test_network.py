"""Network rules: kecamatan names, coordinates inside Pekanbaru, plates, route plans."""
from datetime import time

import pytest

from services.routes.network import (RuleError, canonical_kecamatan, check_coordinates, check_route_plan,
                                     normalise_plate, stops_outside)


@pytest.mark.parametrize("given, plate", [("bm 1234 ab", "BM 1234 AB"), ("BM1234AB", "BM 1234 AB"),
                                          ("  bm   8  ", "BM 8"), ("B 1 X", "B 1 X")])
def test_plates_are_normalised_to_upper_case_single_spaced(given, plate):
    assert normalise_plate(given) == plate


@pytest.mark.parametrize("given", ["", "1234", "BMX 1 A", "BM 12345 A", "BM-1234"])
def test_a_string_that_is_no_plate_is_refused_on_the_plate_field(given):
    with pytest.raises(RuleError) as caught:
        normalise_plate(given)
    assert caught.value.field == "plate"


def test_kecamatan_are_matched_whatever_the_case_and_spacing():
    assert canonical_kecamatan("  rumbai   barat ") == "Rumbai Barat"
    with pytest.raises(RuleError):
        canonical_kecamatan("Rumbai Pesisir")  # split into Rumbai Barat and Rumbai Timur in 2021


def test_coordinates_outside_the_globe_or_the_city_are_refused_with_the_field():
    check_coordinates(0.5071, 101.4478)
    for lat, lon, field in ((91, 101.4, "lat"), (0.5, 181, "lon"), (-6.2, 101.45, "lat"), (0.5, 106.8, "lon")):
        with pytest.raises(RuleError) as caught:
            check_coordinates(lat, lon)
        assert caught.value.field == field


def test_a_route_plan_sorts_weekdays_and_parses_the_wib_window():
    plan = check_route_plan(["a", "b"], [5, 1], "04:00", "07:00")
    assert (plan.weekdays, plan.window_start, plan.window_end) == ([1, 5], time(4), time(7))


@pytest.mark.parametrize("stops, weekdays, start, end, field", [
    ([], [1], "04:00", "07:00", "stops"), (["a", "a"], [1], "04:00", "07:00", "stops"),
    (["a"], [0], "04:00", "07:00", "weekdays"), (["a"], [8], "04:00", "07:00", "weekdays"),
    (["a"], [1, 1], "04:00", "07:00", "weekdays"), (["a"], [], "04:00", "07:00", "weekdays"),
    (["a"], [1], "4:00", "07:00", "window_start"), (["a"], [1], "04:00", "24:00", "window_end"),
    (["a"], [1], "07:00", "07:00", "window_end"), (["a"], [1], "17:00", "04:00", "window_end")])
def test_bad_route_plans_name_the_field_at_fault(stops, weekdays, start, end, field):
    with pytest.raises(RuleError) as caught:
        check_route_plan(stops, weekdays, start, end)
    assert caught.value.field == field


def test_stops_outside_the_contracts_kecamatan_are_listed():
    assert stops_outside({"p1": "Rumbai", "p2": "Sail"}, ["Rumbai", "Rumbai Timur"]) == ["p2"]
