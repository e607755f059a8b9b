"""Complaint evidence times as pure rules: which resolution time counts, what the desk may date a report."""
from datetime import datetime, timedelta, timezone

import pytest

from services.routes.complaints import check_reported_at, resolution_time
from shared.errors import ApiError

REPORTED = datetime(2026, 3, 1, 0, 0, tzinfo=timezone.utc)
RECEIVED = datetime(2026, 3, 10, 3, 0, tzinfo=timezone.utc)
DAY = timedelta(hours=24)


def code_of(call) -> str:
    with pytest.raises(ApiError) as raised:
        call()
    return raised.value.code


def test_a_resolution_within_the_sync_allowance_counts_at_its_device_time():
    claimed = RECEIVED - timedelta(hours=23)
    assert resolution_time(claimed, RECEIVED, REPORTED, DAY) == (claimed, "device")


def test_a_resolution_dated_back_beyond_the_sync_allowance_counts_at_its_receipt():
    assert resolution_time(RECEIVED - timedelta(days=8), RECEIVED, REPORTED, DAY) == (RECEIVED, "received")


def test_a_resolution_before_the_report_or_ahead_of_its_receipt_is_refused():
    assert code_of(lambda: resolution_time(REPORTED - timedelta(minutes=1), RECEIVED, REPORTED, DAY)) == \
        "before_report"
    assert code_of(lambda: resolution_time(RECEIVED + timedelta(minutes=2, seconds=1), RECEIVED, REPORTED, DAY)) == \
        "future"
    assert resolution_time(RECEIVED + timedelta(minutes=2), RECEIVED, REPORTED, DAY)[1] == "device"


def test_the_desk_dates_a_report_neither_ahead_nor_beyond_the_sync_allowance():
    check_reported_at(RECEIVED - DAY, RECEIVED, DAY)
    assert code_of(lambda: check_reported_at(RECEIVED - DAY - timedelta(seconds=1), RECEIVED, DAY)) == "stale"
    assert code_of(lambda: check_reported_at(RECEIVED + timedelta(minutes=3), RECEIVED, DAY)) == "future"
