"""The simulation's draws: stated rates, seeded so a run repeats, each action inside the rules it means to test."""
import math
from collections import Counter
from datetime import date, timedelta

from kawal.demo import behaviour
from kawal.demo.behaviour import Rates
from shared import clock

DAY = date(2026, 10, 5)
WINDOW = behaviour.window_of(DAY, "13:00", "17:00")
POINT = (0.53, 101.45)


def distance_m(a, b):
    d_lat = (a[0] - b[0]) * behaviour.METRES_PER_DEGREE
    d_lon = (a[1] - b[1]) * behaviour.METRES_PER_DEGREE * math.cos(math.radians(a[0]))
    return math.hypot(d_lat, d_lon)


def draws(rates, n=4000):
    return [behaviour.plan_confirmation(behaviour.rng_for(1, "confirm", DAY, "R1", i), rates, f"p{i}", "c1",
                                        WINDOW, POINT) for i in range(n)]


def test_the_window_is_read_in_wib():
    assert WINDOW[0].isoformat() == "2026-10-05T06:00:00+00:00"
    assert WINDOW[1] - WINDOW[0] == timedelta(hours=4)


def test_missed_is_what_the_stated_rates_leave():
    assert math.isclose(Rates(on_time=0.9, late=0.03, off_site=0.02, offline_sync=0.01).missed, 0.04)


def test_setting_missed_leaves_the_rest_on_time():
    rates = Rates(late=0.05, off_site=0.05, offline_sync=0.05).with_missed(0.1)
    assert math.isclose(rates.on_time, 0.75) and math.isclose(rates.missed, 0.1)


def test_outcomes_come_out_near_their_rates():
    actions = draws(Rates())
    labels = Counter(a.label if a else "missed" for a in actions)
    assert abs(labels["on_time"] / len(actions) - Rates().on_time) < 0.02
    assert 0 < labels["missed"] < 0.05 * len(actions)


def test_on_time_confirmations_are_collected_in_the_window_on_site_and_sent_before_the_grace_ends():
    for action in (a for a in draws(Rates()) if a and a.label == "on_time"):
        collected = clock.parse_instant(action.body["collected_at"])
        assert WINDOW[0] <= collected <= WINDOW[1] and collected <= action.at
        assert action.at <= WINDOW[1] + timedelta(minutes=60)
        assert distance_m((action.body["lat"], action.body["lon"]), POINT) < 150
        assert action.path == f"/pickups/{action.idempotency_key.removeprefix('demo-confirm-')}/confirmation"


def test_late_off_site_and_offline_draws_break_exactly_one_rule_each():
    rates = Rates(on_time=0.25, late=0.25, off_site=0.25, offline_sync=0.25)
    grace = timedelta(minutes=rates.grace_minutes)
    for action in draws(rates, 400):
        collected = clock.parse_instant(action.body["collected_at"])
        far = distance_m((action.body["lat"], action.body["lon"]), POINT) > rates.geofence_m
        if action.label == "late":
            assert WINDOW[1] < collected < WINDOW[1] + grace and not far
        elif action.label == "off_site":
            assert WINDOW[0] <= collected <= WINDOW[1] and far
        elif action.label == "offline_sync":
            assert WINDOW[1] + grace < action.at < collected + timedelta(hours=24) and not far


def test_a_poor_contractor_slips_more_than_a_good_one():
    rates = Rates()
    good, poor = rates.for_contract(0), rates.for_contract(2)
    assert good.missed < rates.missed < poor.missed
    assert math.isclose(poor.on_time + poor.late + poor.off_site + poor.offline_sync + poor.missed, 1.0)


def test_the_same_seed_draws_the_same_actions():
    assert draws(Rates(), 50) == draws(Rates(), 50)


def test_weighings_are_inside_the_tpa_hours_and_normal_loads_stay_under_capacity():
    rates = Rates(overloaded=0, double_weighing=0)
    for day in range(30):
        actions = behaviour.plan_weighings(3, rates, DAY + timedelta(days=day), "BM 8001 AB", "dump_truck", 12.0, 5900)
        assert len(actions) == 2
        for action in actions:
            local = clock.to_wib(action.at)
            assert 8 <= local.hour < 24
            net = action.body["gross_kg"] - 5900
            assert 4000 <= net <= 12 * 600


def test_overloaded_trips_exceed_capacity_and_double_weighings_follow_within_20_minutes():
    rates = Rates(overloaded=1.0, double_weighing=1.0)
    actions = behaviour.plan_weighings(3, rates, DAY, "BM 8001 AB", "fuso", 16.0, 7800)
    first, twin = actions[0], actions[1]
    assert first.label == "overloaded" and first.body["gross_kg"] - 7800 > 16 * 600
    assert twin.label == "double" and timedelta(0) < twin.at - first.at < timedelta(minutes=20)
    assert twin.body["ticket_no"] != first.body["ticket_no"]


def test_complaints_follow_their_rate_and_late_resolutions_come_after_the_deadline():
    points = [(f"id{i}", f"TPS-{i:03d}") for i in range(1000)]
    complaints = behaviour.plan_complaints(5, Rates(complaints_per_point_day=0.1), DAY, points)
    assert 60 < len(complaints) < 140
    renamed = behaviour.plan_complaints(5, Rates(complaints_per_point_day=0.1), DAY,
                                        [(f"other{i}", code) for i, (_, code) in enumerate(points)])
    assert [a.at for a in renamed] == [a.at for a in complaints]  # drawn by code: new ids, same complaints
    reported = clock.wib_instant(DAY, behaviour.time(9, 0))
    due = reported + timedelta(hours=72)
    late = behaviour.plan_resolution(5, Rates(resolution_late=1.0), "c1", "k1", reported, due, "key")
    in_time = behaviour.plan_resolution(5, Rates(resolution_late=0.0), "c1", "k1", reported, due, "key")
    assert late.at > due and reported < in_time.at < due
    assert late.path == "/complaints/c1/resolution" and late.contractor_id == "k1"
