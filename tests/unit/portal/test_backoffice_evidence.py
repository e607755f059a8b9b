"""An invoice line's evidence named as people name it (pickup, complaint, shortfall day, weighing ticket)."""
from __future__ import annotations

from services.portal.backoffice import evidence

POINT = {"id": "p1", "code": "TPS-RMB-001", "name": "TPS Jl. Yos Sudarso 1"}
PICKUP = {"id": "k1", "date": "2026-10-14", "window_start_at": "2026-10-13T22:00:00+00:00",
          "window_end_at": "2026-10-14T00:00:00+00:00", "route_id": "r1", "stop_seq": 2, "point_id": "p1"}
COMPLAINT = {"id": "1a2b3c4d-0000-4000-8000-000000000000", "reported_at": "2026-10-02T20:30:00+00:00",
             "channel": "whatsapp", "point_id": "p1"}
FOUND = {"points": {"p1": POINT}, "routes": {"r1": "R3-001"}, "pickups": {"k1": PICKUP},
         "complaints": {COMPLAINT["id"]: COMPLAINT}, "daily": {"2026-10-05": {"net_kg": 12_345, "target_kg": 20_000}},
         "weighings": {"w1": {"ticket_no": "JT-0301", "plate": "BM 8123 RU", "weighed_at": "2026-10-02T01:00:00+00:00",
                              "net_kg": 8_000}}}


def test_a_missed_pickup_is_named_by_its_day_window_route_and_point_in_wib():
    assert evidence.label("missed_pickup", "k1", FOUND) == (
        "Penjemputan 14 Okt 2026 05.00–07.00, Rute R3-001 (ke-2), titik TPS-RMB-001 · TPS Jl. Yos Sudarso 1")
    assert evidence.label("adjustment_missed_pickup", "k1", FOUND).startswith("Penjemputan 14 Okt 2026")


def test_a_complaint_day_is_named_by_the_complaints_number_date_place_and_which_day_overdue():
    # reported 20:30 UTC on 2 October is 03:30 WIB on 3 October
    assert evidence.label("complaint_day", f"{COMPLAINT['id']}/2", FOUND) == (
        "Pengaduan no. 1A2B3C4D (3 Okt 2026, WhatsApp), titik TPS-RMB-001 · TPS Jl. Yos Sudarso 1: "
        "hari ke-2 lewat tenggat")


def test_a_shortfall_day_and_a_weighing_ticket_are_named_with_their_figures():
    assert evidence.label("shortfall_day", "2026-10-05", FOUND) == (
        "Hari kurang tonase 5 Okt 2026: 12,3 t dari target 20,0 t")
    assert evidence.label("tonnage", "w1", FOUND) == "Tiket timbang JT-0301, BM 8123 RU, 2 Okt 2026 08.00, neto 8.000 kg"


def test_a_ref_the_api_did_not_answer_for_stays_readable():
    assert evidence.label("missed_pickup", "9f8e7d6c-aaaa", {}) == "Penjemputan 9F8E7D6C"
    assert evidence.label("complaint_day", "abcdef12-3456/4", {}) == "Pengaduan no. ABCDEF12: hari ke-4 lewat tenggat"
    assert evidence.label("adjustment_shortfall_day", "2026-10-06", {}) == "Hari kurang tonase 6 Okt 2026"


def test_a_breachs_evidence_has_a_short_name_without_asking_an_api():
    assert evidence.short("9f8e7d6c-aaaa", "on_time_ratio") == "Penjemputan 9F8E7D6C"
    assert evidence.short("2026-10-06", "shortfall_days") == "Hari kurang tonase 6 Okt 2026"
