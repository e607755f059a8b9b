"""The report's figures: outcomes counted as DOMAIN.md counts them, Rupiah and tons shown the Indonesian way."""
from datetime import date

from kawal.demo import figures
from kawal.demo.figures import PickupStats, Tonnage


def pickup(status, on_time=None, off_site=None, verified_at=None, point="p1"):
    return {"status": status, "on_time": on_time, "off_site": off_site, "verified_at": verified_at,
            "point_id": point}


def test_the_on_time_ratio_leaves_out_excused_and_not_yet_due_pickups():
    stats = PickupStats()
    for p in [pickup("confirmed", True)] * 8 + [pickup("confirmed", False), pickup("missed"), pickup("excused"),
                                                pickup("scheduled")]:
        stats.add(p)
    assert (stats.scheduled, stats.on_time, stats.late, stats.missed, stats.excused, stats.pending) == \
        (12, 8, 1, 1, 1, 1)
    assert stats.on_time_ratio == 8 / 10


def test_off_site_confirmations_count_as_misses_until_verified():
    stats = PickupStats()
    stats.add(pickup("confirmed", False, off_site=True))
    stats.add(pickup("confirmed", False, off_site=True, verified_at="2026-10-02T10:00:00+07:00"))
    stats.add(pickup("missed"))
    assert stats.misses_billed == 2


def test_pickups_are_grouped_by_the_kecamatan_of_their_point_and_totalled():
    by_kecamatan = figures.pickups_by_kecamatan(
        [pickup("missed", point="a"), pickup("confirmed", True, point="b"), pickup("confirmed", True, point="b")],
        {"a": "Sail", "b": "Rumbai"})
    assert list(by_kecamatan) == ["Rumbai", "Sail"]
    assert by_kecamatan["Rumbai"].on_time == 2 and by_kecamatan["Sail"].missed == 1
    assert figures.total(by_kecamatan).scheduled == 3


def test_tonnage_counts_only_cleared_weighings_and_lists_flags():
    tonnage = Tonnage.of([{"net_kg": 5000, "cleared": True, "flags": []},
                          {"net_kg": 9000, "cleared": False, "flags": ["overweight"]},
                          {"net_kg": 4000, "cleared": False, "flags": ["duplicate", "overweight"]}])
    assert (tonnage.cleared_kg, tonnage.flagged_kg, tonnage.weighings) == (5000, 13000, 3)
    assert tonnage.flagged == {"overweight": 2, "duplicate": 1}


def test_the_target_covers_only_contract_days_up_to_today():
    first, following = date(2026, 10, 1), date(2026, 11, 1)
    assert figures.target_kg(1000, first, following, date(2026, 10, 1), date(2027, 3, 31), date(2026, 10, 31)) == 31000
    assert figures.target_kg(1000, first, following, date(2026, 10, 11), date(2027, 3, 31), date(2026, 10, 20)) == 10000
    assert figures.target_kg(1000, first, following, date(2026, 12, 1), date(2027, 3, 31), date(2026, 10, 20)) == 0


def test_money_and_weights_are_shown_the_indonesian_way():
    assert figures.rupiah(16_840_000_000) == "Rp16.840.000.000"
    assert figures.rupiah(-779_670) == "-Rp779.670"
    assert figures.tons(24_417) == "24,4 t"
    assert figures.tons(780_000_000) == "780.000,0 t"
    assert figures.ratio(0.9512) == "95.1%" and figures.ratio(None) == "-"
