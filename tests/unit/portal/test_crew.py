"""What the crew's phone is given: the day's pickups in round order with WIB windows, complaints by urgency."""
from datetime import date

from services.portal import crew

DAY = date(2026, 3, 10)
POINTS = {"p1": {"code": "TPS-1", "name": "TPS Satu", "kelurahan": "Umban Sari", "kecamatan": "Rumbai",
                 "lat": 0.61, "lon": 101.43},
          "p2": {"code": "TPS-2", "name": "TPS Dua", "kelurahan": "Umban Sari", "kecamatan": "Rumbai",
                 "lat": 0.62, "lon": 101.44}}


def pickup(pid, route, seq, point, start, end, status="scheduled"):
    return {"id": pid, "route_id": route, "stop_seq": seq, "point_id": point, "window_start_at": start,
            "window_end_at": end, "status": status, "on_time": None, "off_site": None, "superseded_miss": False}


def test_the_day_is_in_round_order_earliest_window_first_then_route_then_stop_with_windows_in_wib():
    routes = [{"id": "r-late", "code": "R2"}, {"id": "r-early", "code": "R1"}]
    pickups = [pickup("c", "r-late", 1, "p1", "2026-03-10T06:00:00+00:00", "2026-03-10T10:00:00+00:00"),
               pickup("b", "r-early", 2, "p2", "2026-03-09T22:00:00+00:00", "2026-03-10T00:00:00+00:00"),
               pickup("a", "r-early", 1, "p1", "2026-03-09T22:00:00+00:00", "2026-03-10T00:00:00+00:00")]
    day = crew.day_list(DAY, {"id": "v1", "plate": "BM 8123 RU", "type": "dump_truck"}, routes, pickups, POINTS)
    assert [s["pickup_id"] for s in day["stops"]] == ["a", "b", "c"]
    assert [s["window"] for s in day["stops"]] == ["05:00–07:00", "05:00–07:00", "13:00–17:00"]
    assert day["stops"][1]["point"] == {"code": "TPS-2", "name": "TPS Dua", "kelurahan": "Umban Sari",
                                        "kecamatan": "Rumbai", "lat": 0.62, "lon": 101.44}
    assert (day["date"], day["vehicle"]) == ("2026-03-10", {"id": "v1", "plate": "BM 8123 RU"})


def test_complaints_come_most_urgent_first_with_their_deadline_in_wib():
    complaints = [{"id": "later", "status": "open", "description": "x", "priority": False, "point_id": "p1",
                   "due_at": "2026-03-12T03:00:00+00:00"},
                  {"id": "sooner", "status": "overdue", "description": "y", "priority": True, "point_id": "p2",
                   "due_at": "2026-03-10T03:00:00+00:00"}]
    items = crew.complaint_list(complaints, POINTS)
    assert [c["id"] for c in items] == ["sooner", "later"]
    assert items[0]["due"] == "10/03 10:00 WIB" and items[0]["point"]["name"] == "TPS Dua"
