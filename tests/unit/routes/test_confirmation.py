"""The confirmation rules at every boundary: refusal codes, on time or late, geofence, WIB midnight, superseding."""
from datetime import date, datetime, time, timedelta, timezone

import pytest

from shared import clock
from services.routes.confirmation import (Claim, Refused, Terms, Window, can_excuse, can_verify, distance_m, judge)

DAY = date(2026, 3, 10)
WINDOW = Window(start=clock.wib_instant(DAY, time(13, 0)), end=clock.wib_instant(DAY, time(17, 0)))
TERMS = Terms(grace=timedelta(minutes=60), sync_allowance=timedelta(hours=24), geofence_m=150)
SECOND = timedelta(seconds=1)


def verdict(collected_at, received_at=None, distance=10.0, status="scheduled", contract="active", window=WINDOW,
            terms=TERMS):
    claim = Claim(collected_at=collected_at, received_at=received_at or collected_at, distance_m=distance)
    return judge(claim, window, terms, status, contract)


def refusal(**kwargs) -> Refused:
    with pytest.raises(Refused) as caught:
        verdict(**kwargs)
    return caught.value


def test_a_confirmation_inside_the_window_on_site_and_received_at_once_is_on_time():
    v = verdict(WINDOW.start + timedelta(hours=1))
    assert (v.on_time, v.late, v.off_site, v.supersedes_missed) == (True, False, False, False)


def test_the_window_edges_themselves_are_on_time():
    assert verdict(WINDOW.start).on_time
    assert verdict(WINDOW.end).on_time


def test_device_time_two_minutes_ahead_of_the_server_is_accepted_but_a_second_more_is_future():
    at = WINDOW.start + timedelta(hours=1)
    assert verdict(at, received_at=at - timedelta(minutes=2)).on_time
    error = refusal(collected_at=at, received_at=at - timedelta(minutes=2) - SECOND)
    assert (error.status, error.code, error.field) == (422, "future", "collected_at")


def test_a_second_before_the_window_opens_is_before_window():
    error = refusal(collected_at=WINDOW.start - SECOND, received_at=WINDOW.start)
    assert (error.status, error.code) == (422, "before_window")


def test_collected_after_the_window_but_within_grace_is_late():
    v = verdict(WINDOW.end + SECOND)
    assert (v.on_time, v.late) == (False, True)
    assert verdict(WINDOW.end + timedelta(minutes=60)).late


def test_a_second_after_window_end_plus_grace_is_window_closed():
    error = refusal(collected_at=WINDOW.end + timedelta(minutes=60) + SECOND)
    assert (error.status, error.code) == (422, "window_closed")


def test_received_after_window_end_plus_grace_is_late_even_when_collected_in_the_window():
    collected = WINDOW.end - timedelta(minutes=5)
    assert verdict(collected, received_at=WINDOW.end + timedelta(minutes=60)).on_time
    assert verdict(collected, received_at=WINDOW.end + timedelta(minutes=60) + SECOND).late


def test_synced_exactly_at_the_allowance_is_accepted_and_a_second_later_is_stale():
    collected = WINDOW.start + timedelta(minutes=30)
    assert verdict(collected, received_at=collected + timedelta(hours=24)).late
    error = refusal(collected_at=collected, received_at=collected + timedelta(hours=24) + SECOND)
    assert (error.status, error.code) == (422, "stale")


def test_exactly_at_the_geofence_radius_is_on_site_and_beyond_it_is_off_site_and_late():
    at = WINDOW.start + timedelta(hours=1)
    assert verdict(at, distance=150.0).on_time
    v = verdict(at, distance=150.01)
    assert (v.off_site, v.on_time) == (True, False)


def test_a_confirmation_after_the_sweep_missed_the_pickup_supersedes_the_miss_and_is_late():
    collected = WINDOW.start + timedelta(hours=1)
    v = verdict(collected, received_at=WINDOW.end + timedelta(hours=5), status="missed")
    assert (v.supersedes_missed, v.late, v.off_site) == (True, True, False)


@pytest.mark.parametrize("status, contract, code", [
    ("confirmed", "active", "already_confirmed"), ("excused", "active", "excused"),
    ("scheduled", "suspended", "contract_not_active"), ("scheduled", "terminated", "contract_not_active")])
def test_state_conflicts_are_409_with_their_code(status, contract, code):
    error = refusal(collected_at=WINDOW.start, status=status, contract=contract)
    assert (error.status, error.code) == (409, code)


def test_a_window_ending_at_wib_midnight_ends_at_17_utc():
    day = date(2026, 3, 10)
    window = Window(start=clock.wib_instant(day, time(20, 0)), end=clock.wib_instant(day, time(23, 59)))
    assert window.end == datetime(2026, 3, 10, 16, 59, tzinfo=timezone.utc)
    assert verdict(window.end, window=window).on_time
    after_midnight = clock.wib_instant(day + timedelta(days=1), time(0, 30))
    assert verdict(after_midnight, window=window).late  # the next WIB day, still inside the grace
    assert clock.wib_date(after_midnight) == day + timedelta(days=1)


def test_haversine_distance_of_one_thousandth_of_a_degree_of_latitude_is_about_111_metres():
    assert distance_m(0.5, 101.45, 0.501, 101.45) == pytest.approx(111.2, abs=0.2)
    assert distance_m(0.5, 101.45, 0.5, 101.45) == 0


def test_only_scheduled_or_missed_pickups_may_be_excused():
    assert can_excuse("scheduled") and can_excuse("missed")
    assert not can_excuse("confirmed") and not can_excuse("excused")


def test_only_an_unverified_off_site_confirmation_may_be_verified():
    assert can_verify("confirmed", True, False)
    assert not can_verify("confirmed", True, True)
    assert not can_verify("confirmed", False, False)
    assert not can_verify("scheduled", None, False)
