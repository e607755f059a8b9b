"""The back office's rules without a database: the Beranda's arithmetic, formats, exports, OIDC claim mapping."""
from __future__ import annotations

import csv
import io
from datetime import datetime, timezone
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from services.portal.apiclient import ApiProblem
from services.portal.backoffice import common, figures, forms, oidc

UTC = timezone.utc
CONTRACT = {"id": "k1", "number": "KTR-01/2026", "kawasan": "Kawasan 3", "status": "active",
            "sla": {"min_on_time_ratio": 0.95, "sync_allowance_hours": 24}, "penalties": {"cap_rp": 10_000_000},
            "warnings": []}


def day(scheduled, on_time, missed=0, excused=0, net_kg=0, target_kg=100_000):
    return {"scheduled": scheduled, "on_time": on_time, "missed": missed, "excused": excused, "net_kg": net_kg,
            "target_kg": target_kg}


def test_the_on_time_ratio_leaves_excused_pickups_out_and_is_compared_exactly():
    # 19 on time of 20 due (21 scheduled, one excused) is exactly 0.95: not below the minimum
    month = figures.contract_month(CONTRACT, [day(11, 10, missed=1, excused=1), day(10, 9, missed=1)], [], None, None)
    assert (month.on_time_ratio, month.below_minimum, month.missed) == (Decimal(19) / Decimal(20), False, 2)
    worse = figures.contract_month(CONTRACT, [day(20, 18, missed=2)], [], None, None)
    assert (worse.on_time_ratio, worse.below_minimum) == (Decimal("0.9"), True)


def test_a_month_with_nothing_due_has_no_ratio_and_is_not_below_the_minimum():
    month = figures.contract_month(CONTRACT, [], [], None, None)
    assert (month.on_time_ratio, month.below_minimum, month.tonnage_ratio) == (None, False, None)


def test_tonnage_complaints_deductions_and_cap_come_from_their_sources():
    complaints = [{"status": "open"}, {"status": "overdue"}, {"status": "overdue"}, {"status": "resolved"}]
    month = figures.contract_month(CONTRACT, [day(1, 1, net_kg=60_000), day(1, 1, net_kg=30_000)], complaints,
                                   {"deductions_rp": 1_500_000}, {"cap_rp": 8_000_000, "cap_used_rp": 2_000_000})
    assert (month.net_kg, month.target_kg, month.tonnage_ratio) == (90_000, 200_000, Decimal("0.45"))
    assert (month.complaints_open, month.complaints_overdue) == (3, 2)
    assert (month.deductions_rp, month.cap_rp, month.cap_used_rp, month.cap_used_ratio) == (
        1_500_000, 8_000_000, 2_000_000, Decimal("0.25"))


def test_the_warning_level_is_the_highest_letter_still_resting_on_a_breach():
    letters = [{"level": "SP1"}, {"level": "SP2", "rests_only_on_withdrawn": True}]
    assert figures.warning_level(letters) == "SP1"
    assert figures.warning_level(letters + [{"level": "SP3"}]) == "SP3"
    assert figures.warning_level([]) is None


def test_a_draft_is_ready_to_issue_once_its_month_and_the_sync_allowance_have_passed():
    draft = {"status": "draft", "month": "2026-03"}
    # March ends at 1 April 00:00 WIB = 31 March 17:00 UTC; 24 h later is 1 April 17:00 UTC
    assert not figures.ready_to_issue(draft, 24, datetime(2026, 4, 1, 16, 59, tzinfo=UTC))
    assert figures.ready_to_issue(draft, 24, datetime(2026, 4, 1, 17, 0, tzinfo=UTC))
    assert not figures.ready_to_issue({**draft, "status": "issued"}, 24, datetime(2026, 5, 1, tzinfo=UTC))


def test_only_flagged_tickets_not_yet_cleared_wait_at_the_desk():
    tickets = [{"id": 1, "flags": ["overload"], "cleared": False}, {"id": 2, "flags": ["overload"], "cleared": True},
               {"id": 3, "flags": [], "cleared": True}]
    assert [t["id"] for t in figures.open_flags(tickets)] == [1]


def test_amounts_ratios_and_times_are_written_the_indonesian_way():
    assert (common.rupiah(2_752_800), common.rupiah(-500_000), common.rupiah(None)) == ("Rp2.752.800", "-Rp500.000", "–")
    assert common.percent(Decimal(19) / Decimal(20)) == "95,0 %"
    assert common.percent(0.95, 0) == "95 %"
    assert common.tons(1_234_567) == "1.234,6 t"
    assert common.wib("2026-03-01T22:30:00+00:00") == "02-03-2026 05:30"
    assert (common.kind("adjustment_missed_pickup"), common.unit("day")) == (
        "Penyesuaian Tidak diangkut (missed pickup) (adjustment)", "hari")


def test_a_list_exports_as_csv_with_a_bom_and_as_xlsx_with_numbers_kept_numbers():
    columns = [("number", "Kontrak"), ("total_rp", "Total (Rp)"), ("kecamatan", "Kecamatan")]
    rows = [{"number": "KTR-01/2026", "total_rp": 255_855_000, "kecamatan": ["Rumbai", "Sail"]}]
    text = common.export("tagihan", columns, rows, "csv").get_data(as_text=True)
    assert text.startswith("\ufeff")
    assert list(csv.reader(io.StringIO(text.lstrip("\ufeff")))) == [
        ["Kontrak", "Total (Rp)", "Kecamatan"], ["KTR-01/2026", "255855000", "Rumbai, Sail"]]
    book = load_workbook(io.BytesIO(common.export("tagihan", columns, rows, "xlsx").get_data()))
    assert [list(r) for r in book["tagihan"].iter_rows(values_only=True)] == [
        ["Kontrak", "Total (Rp)", "Kecamatan"], ["KTR-01/2026", 255_855_000, "Rumbai, Sail"]]


def test_an_export_column_may_name_its_codes_as_the_pages_do():
    columns = [("kind", "Jenis", common.kind), ("status", "Status", common.status), ("ref", "Bukti")]
    rows = [{"kind": "complaint_day", "status": "accepted", "ref": "k1/2"}, {"kind": "tonnage", "status": None}]
    text = common.export("keberatan", columns, rows, "csv").get_data(as_text=True)
    assert list(csv.reader(io.StringIO(text.lstrip("\ufeff")))) == [
        ["Jenis", "Status", "Bukti"], ["Hari pengaduan lewat tenggat (complaint day)", "diterima", "k1/2"],
        ["Tonase (tonnage)", "", ""]]
    assert [common.invoice_kind("final"), common.point_kind("pasar"), common.channel("walk_in")] == [
        "Termin akhir (final)", "Pasar (market)", "Datang langsung (walk-in)"]


def test_oidc_claims_name_the_role_and_a_contractor_accounts_contractor():
    claims = {"iss": "https://sso.pekanbaru.go.id", "sub": "u-17", "name": "Siti Rahma", "kawal_role": "dinas"}
    mapped = oidc.map_claims(claims, "kawal_role", "kawal_contractor_id")
    assert (mapped.role, mapped.contractor_id, mapped.display_name) == ("dinas", None, "Siti Rahma")
    assert mapped.username.startswith("oidc-") and mapped.username == oidc.map_claims(
        claims, "kawal_role", "kawal_contractor_id").username
    crew = oidc.map_claims({**claims, "kawal_role": ["staff", "contractor"], "kawal_contractor_id": "c-9"},
                           "kawal_role", "kawal_contractor_id")
    assert (crew.role, crew.contractor_id) == ("contractor", "c-9")
    # only a contractor carries a contractor id: an agency account's stray claim is dropped
    assert oidc.map_claims({**claims, "kawal_contractor_id": "c-9"}, "kawal_role", "kawal_contractor_id").contractor_id is None


@pytest.mark.parametrize("claims", [{"sub": "u-1"}, {"sub": "u-1", "kawal_role": "admin"},
                                    {"sub": "u-1", "kawal_role": "contractor"}])
def test_oidc_claims_without_a_kawal_role_or_a_contractors_id_are_refused(claims):
    with pytest.raises(oidc.Refused):
        oidc.map_claims(claims, "kawal_role", "kawal_contractor_id")


def test_the_beranda_shows_the_month_asked_for_else_this_or_the_previous_month_a_truck_was_weighed_in():
    weighed_october = [{"date": "2026-10-30", "net_kg": 12_000}, {"date": "2026-11-01", "net_kg": 0}]
    assert figures.month_shown("2026-08", weighed_october, "2026-11", "2026-10") == ("2026-08", False)
    # after make demo: November has days evaluated (pickups swept as missed) but no truck weighed
    assert figures.month_shown(None, weighed_october, "2026-11", "2026-10") == ("2026-10", True)
    weighed_november = weighed_october + [{"date": "2026-11-02", "net_kg": 8_000}]
    assert figures.month_shown(None, weighed_november, "2026-11", "2026-10") == ("2026-11", True)
    assert figures.month_shown(None, [], "2026-11", "2026-10") == ("2026-11", True)


def test_months_are_named_as_people_write_them():
    assert [common.month_name(m) for m in ("2026-01", "2026-10", None)] == ["Januari 2026", "Oktober 2026", "–"]


def test_an_api_refusal_reads_in_indonesian_with_each_field_at_fault():
    npwp = ApiProblem(422, "invalid_npwp", "An NPWP has 15 or 16 digits, e.g. 01.234.567.8-901.000.",
                      {"npwp": ["Must be 15 or 16 digits (dots, dashes and spaces are ignored)."]})
    assert forms.refusal(npwp) == ("NPWP terdiri atas 15 atau 16 digit, mis. 01.234.567.8-901.000.",
                                   {"npwp": "Harus 15 atau 16 digit (titik, strip dan spasi diabaikan)."})
    bad = ApiProblem(422, "invalid", "Invalid request", {
        "gross_kg": ["Must be greater than or equal to 1 and less than or equal to 200000."],
        "sla": {"grace_minutes": ["Not a valid integer."]}, "note": ["Something only this API says."]})
    assert forms.refusal(bad) == ("Periksa isian yang ditandai (check the marked fields).", {
        "gross_kg": "Harus antara 1 dan 200000.", "sla.grace_minutes": "Harus bilangan bulat.",
        "note": "Something only this API says."})
    assert forms.refusal(ApiProblem(409, "month_not_ended", "Month not ended"))[0].startswith("Bulan ini belum")


def test_a_breach_reads_as_a_percentage_or_a_count():
    assert [common.measure_value(0.95, "on_time_ratio"), common.measure_value(31.0, "shortfall_days"),
            common.measure_value(None, "complaints_overdue")] == ["95,0 %", "31", "–"]
