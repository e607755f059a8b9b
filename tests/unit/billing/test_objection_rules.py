"""Objection rules, terbilang and the berita acara's number formats, as plain functions."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from services.billing import objections, terbilang
from services.billing.berita_acara_pdf import bulan, kind_label, rupiah, tanggal
from services.routes.objections import complaint_day, pickup_action

UTC = timezone.utc
ISSUED = datetime(2025, 4, 2, 3, 0, tzinfo=UTC)


def test_objections_are_open_for_exactly_ten_days_after_issue():
    assert objections.window_refusal("issued", ISSUED, ISSUED + timedelta(days=10)) is None
    assert objections.window_refusal("paid", ISSUED, ISSUED + timedelta(days=1)) is None
    assert objections.window_refusal("issued", ISSUED, ISSUED + timedelta(days=10, microseconds=1))[0] == (
        "objection_window_closed")


def test_a_draft_has_no_objection_window():
    assert objections.window_refusal("draft", None, ISSUED)[0] == "invoice_not_issued"


def test_an_item_named_twice_in_one_objection_is_found_by_its_position():
    items = [{"kind": "missed_pickup", "ref": "a"}, {"kind": "shortfall_day", "ref": "a"},
             {"kind": "missed_pickup", "ref": "a"}]
    assert objections.repeated_items(items) == [2]


@pytest.mark.parametrize("amount, words", [
    (0, "nol"), (11, "sebelas"), (15, "lima belas"), (100, "seratus"), (1_000, "seribu"), (1_001, "seribu satu"),
    (21_000, "dua puluh satu ribu"), (100_000, "seratus ribu"), (1_000_000, "satu juta"),
    (2_752_800, "dua juta tujuh ratus lima puluh dua ribu delapan ratus"),
    (104_895_000, "seratus empat juta delapan ratus sembilan puluh lima ribu"),
    (16_840_000_000, "enam belas miliar delapan ratus empat puluh juta"),
    (1_000_000_000_000, "satu triliun"),
])
def test_terbilang_writes_rupiah_as_an_indonesian_berita_acara_does(amount, words):
    assert terbilang.words(amount) == words


def test_amounts_dates_and_lines_read_the_indonesian_way():
    assert (rupiah(2_752_800), rupiah(-500_000), rupiah(0)) == ("Rp2.752.800", "-Rp500.000", "Rp0")
    assert (tanggal(ISSUED.date()), bulan("2025-03")) == ("2 April 2025", "Maret 2025")
    assert kind_label("adjustment_missed_pickup") == (
        "Penyesuaian / adjustment: Pengangkutan terlewat / missed pickups")


def test_an_accepted_objection_excuses_a_miss_verifies_an_off_site_confirmation_and_leaves_the_rest():
    assert pickup_action("missed", None, False) == "excuse"
    assert pickup_action("confirmed", True, False) == "verify"
    assert pickup_action("confirmed", True, True) is None
    assert pickup_action("excused", None, False) is None
    assert pickup_action("confirmed", False, False) is None


def test_a_complaint_day_ref_names_the_complaint_and_its_started_day():
    assert complaint_day("0b7d3c1e-0000-4000-8000-000000000001/3") == ("0b7d3c1e-0000-4000-8000-000000000001", 3)
