"""Weighbridge flags at their thresholds, and complaint deadlines and days overdue."""
from datetime import datetime, timedelta, timezone
from decimal import Decimal

from services.routes.complaints import due_at, overdue_days
from services.routes.weighbridge import RegisteredVehicle, flags, net_kg, same_ticket

TRUCK = RegisteredVehicle(capacity_m3=Decimal("10.00"), tare_kg=6000)
T0 = datetime(2026, 3, 10, 5, 0, tzinfo=timezone.utc)


def test_net_is_gross_minus_tare():
    assert net_kg(13_500, 6_000) == 7_500


def test_a_clean_load_has_no_flags():
    assert flags(5_000, 6_000, TRUCK, True, None) == []


def test_overload_is_more_than_600_kg_per_cubic_metre_of_capacity():
    assert flags(6_000, 6_000, TRUCK, True, None) == []
    assert flags(6_001, 6_000, TRUCK, True, None) == ["overload"]


def test_tare_mismatch_is_more_than_ten_percent_off_the_registered_tare():
    assert flags(5_000, 6_600, TRUCK, True, None) == []
    assert flags(5_000, 5_400, TRUCK, True, None) == []
    assert flags(5_000, 6_601, TRUCK, True, None) == ["tare_mismatch"]
    assert flags(5_000, 5_399, TRUCK, True, None) == ["tare_mismatch"]


def test_double_weighing_is_the_same_plate_less_than_twenty_minutes_apart():
    assert flags(5_000, 6_000, TRUCK, True, timedelta(minutes=20)) == []
    assert flags(5_000, 6_000, TRUCK, True, timedelta(minutes=19, seconds=59)) == ["double_weighing"]


def test_a_vehicle_on_no_route_or_an_unknown_plate_is_unassigned():
    assert flags(5_000, 6_000, TRUCK, False, None) == ["unassigned"]
    assert flags(5_000, 6_000, None, False, None) == ["unassigned"]


def test_flags_combine_in_a_stable_order():
    assert flags(9_000, 4_000, TRUCK, False, timedelta(minutes=1)) == [
        "overload", "tare_mismatch", "double_weighing", "unassigned"]


def test_a_resent_ticket_is_the_same_when_its_data_match_and_an_omitted_tare_matches_any():
    first = {"plate": "BM 1 A", "gross_kg": 10, "tare_kg": 5, "weighed_at": T0}
    assert same_ticket(first, {**first})
    assert same_ticket(first, {**first, "tare_kg": None})
    assert not same_ticket(first, {**first, "gross_kg": 11})
    assert not same_ticket(first, {**first, "tare_kg": 6})


def test_complaints_at_priority_points_are_due_sooner():
    assert due_at(T0, True, 24, 72) == T0 + timedelta(hours=24)
    assert due_at(T0, False, 24, 72) == T0 + timedelta(hours=72)


def test_overdue_days_count_each_started_day_past_the_deadline():
    assert overdue_days(T0, T0) == 0
    assert overdue_days(T0 - timedelta(hours=5), T0) == 0
    assert overdue_days(T0 + timedelta(seconds=1), T0) == 1
    assert overdue_days(T0 + timedelta(hours=24), T0) == 1
    assert overdue_days(T0 + timedelta(hours=24, seconds=1), T0) == 2
