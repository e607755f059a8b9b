"""The contract rules without a database: default terms, NPWP, kecamatan, life cycle, SP order, overlap."""
from datetime import date

import pytest

from services.contracts import rules
from shared.errors import ApiError

H1_2025 = (date(2025, 1, 1), date(2025, 6, 30))  # 181 days


def test_penalty_rates_default_to_one_per_mille_of_a_30_day_month_of_value():
    terms = rules.penalty_terms(None, 16_840_000_000, *H1_2025)
    # 16,840,000,000 x 30 / 181 / 1000 = 2,791,160.22 -> 2,791,160
    assert terms["missed_pickup_rp"] == terms["complaint_day_rp"] == terms["shortfall_day_rp"] == 2_791_160


def test_penalty_rate_rounds_half_up_to_whole_rupiah():
    # 15,000 x 30 / 36 / 1000 = 12.5 exactly -> 13 (banker's rounding would give 12)
    assert rules.monthly_per_mille_rp(15_000, date(2025, 1, 1), date(2025, 2, 5)) == 13


def test_penalty_cap_is_five_percent_of_value_rounded_half_up():
    terms = rules.penalty_terms(None, 4_730_000_010, *H1_2025)
    assert terms["cap_ratio"] == 0.05
    assert terms["cap_rp"] == 236_500_001  # 236,500,000.5 -> up


def test_given_penalty_terms_replace_defaults_and_the_cap_follows_the_given_ratio():
    terms = rules.penalty_terms({"missed_pickup_rp": 500_000, "cap_ratio": 0.1}, 1_000_000_000, *H1_2025)
    assert terms["missed_pickup_rp"] == 500_000
    assert terms["complaint_day_rp"] == 165_746  # default still computed for the rest
    assert terms["cap_rp"] == 100_000_000


def test_sla_terms_default_as_the_handbook_says():
    assert rules.sla_terms({"grace_minutes": 30}) == {
        "grace_minutes": 30, "geofence_m": 150, "sync_allowance_hours": 24, "min_on_time_ratio": 0.95,
        "complaint_hours_priority": 24, "complaint_hours_normal": 72, "shortfall_ratio": 0.5,
        "shortfall_days_allowed": 3}
    assert rules.PPN_RATE == 0.11


@pytest.mark.parametrize("raw, digits", [
    ("01.234.567.8-901.000", "012345678901000"),
    ("012345678901000", "012345678901000"),
    ("1234 5678 9012 3456", "1234567890123456"),
])
def test_npwp_in_the_common_formats_is_stored_as_digits(raw, digits):
    assert rules.normalise_npwp(raw) == digits


@pytest.mark.parametrize("raw", ["01.234.567.8-901.00", "12345678901234567", "01.234.567.8-901.00A", ""])
def test_npwp_of_the_wrong_length_or_with_letters_is_refused_on_its_field(raw):
    with pytest.raises(ApiError) as refused:
        rules.normalise_npwp(raw)
    assert refused.value.status == 422 and "npwp" in refused.value.fields


def test_kecamatan_are_spelled_the_citys_way_and_unknown_ones_refused():
    assert rules.canonical_kecamatan([" sail", "RUMBAI barat", "Sail"]) == ["Sail", "Rumbai Barat"]
    with pytest.raises(ApiError) as refused:
        rules.canonical_kecamatan(["Sail", "Menteng"])
    assert refused.value.status == 422 and "Menteng" in refused.value.message


def test_a_period_must_end_after_it_starts():
    with pytest.raises(ApiError) as refused:
        rules.check_period(date(2025, 6, 30), date(2025, 6, 30))
    assert refused.value.fields == {"end_date": ["Must be after start_date."]}


@pytest.mark.parametrize("action, status, target", [
    ("activate", "draft", "active"), ("suspend", "active", "suspended"), ("resume", "suspended", "active"),
    ("terminate", "active", "terminated"), ("terminate", "suspended", "terminated"),
])
def test_allowed_transitions_lead_where_the_life_cycle_says(action, status, target):
    assert rules.transition(action, status, "K-1") == target


@pytest.mark.parametrize("action, status", [
    ("activate", "active"), ("activate", "terminated"), ("suspend", "draft"), ("suspend", "suspended"),
    ("resume", "active"), ("terminate", "draft"), ("terminate", "expired"), ("activate", "expired"),
])
def test_other_transitions_are_state_conflicts(action, status):
    with pytest.raises(ApiError) as refused:
        rules.transition(action, status, "K-1")
    assert refused.value.status == 409 and "K-1" in refused.value.message


def test_a_live_contract_past_its_end_date_reads_as_expired():
    end = date(2025, 6, 30)
    assert rules.effective_status("active", end, date(2025, 7, 1)) == "expired"
    assert rules.effective_status("suspended", end, date(2025, 7, 1)) == "expired"
    assert rules.effective_status("active", end, end) == "active"  # the last day is still inside the period
    assert rules.effective_status("terminated", end, date(2025, 7, 1)) == "terminated"


def test_warning_letters_go_sp1_sp2_sp3_in_order():
    rules.check_warning_order([], "SP1", "K-1")
    rules.check_warning_order(["SP1"], "SP2", "K-1")
    rules.check_warning_order(["SP1", "SP2"], "SP3", "K-1")


@pytest.mark.parametrize("issued, requested", [([], "SP2"), ([], "SP3"), (["SP1"], "SP1"), (["SP1"], "SP3"),
                                               (["SP1", "SP2", "SP3"], "SP3")])
def test_a_warning_letter_out_of_order_or_repeated_is_a_conflict(issued, requested):
    with pytest.raises(ApiError) as refused:
        rules.check_warning_order(issued, requested, "K-1")
    assert refused.value.status == 409


def test_termination_for_fault_needs_an_sp3_or_the_penalty_cap_reached():
    assert rules.check_termination(["SP1", "SP2", "SP3"], False, "K-1") == ["SP3"]
    assert rules.check_termination(["SP1"], True, "K-1") == ["penalty_cap_reached"]
    with pytest.raises(ApiError) as refused:
        rules.check_termination(["SP1", "SP2"], False, "K-1")
    assert refused.value.status == 409


def _contract(id_, kecamatan, start, end, status="active"):
    return {"id": id_, "number": id_, "status": status, "kecamatan": kecamatan, "start_date": start, "end_date": end}


def test_a_contract_overlaps_a_live_one_sharing_a_kecamatan_in_an_overlapping_period():
    candidate = _contract("new", ["Sail", "Kulim"], date(2025, 6, 1), date(2025, 12, 31), status="draft")
    others = [
        _contract("same-area-overlapping", ["Kulim"], date(2025, 1, 1), date(2025, 6, 1)),
        _contract("same-area-suspended", ["Sail"], date(2025, 7, 1), date(2025, 7, 31), status="suspended"),
        _contract("same-area-before", ["Sail"], date(2024, 1, 1), date(2025, 5, 31)),
        _contract("other-area", ["Rumbai"], date(2025, 1, 1), date(2025, 12, 31)),
        _contract("same-area-terminated", ["Sail"], date(2025, 1, 1), date(2025, 12, 31), status="terminated"),
        _contract("same-area-draft", ["Sail"], date(2025, 1, 1), date(2025, 12, 31), status="draft"),
    ]
    assert [c["id"] for c in rules.overlapping(candidate, others)] == ["same-area-overlapping",
                                                                       "same-area-suspended"]


def _current():
    return {"value_rp": 1_000_000_000, "start_date": date(2025, 1, 1), "end_date": date(2025, 6, 30),
            "unit_price_rp_per_ton": 235_000, "daily_target_kg": 100_000, "ppn_rate": 0.11,
            "sla": rules.sla_terms(None), "penalties": rules.penalty_terms(None, 1_000_000_000, *H1_2025)}


def test_an_amendment_keeps_only_what_differs_and_keeps_penalty_rates_fixed_at_creation():
    current = _current()
    changes = rules.amendment_changes(current, {"value_rp": 2_000_000_000, "daily_target_kg": 100_000})
    assert changes["value_rp"] == 2_000_000_000 and "daily_target_kg" not in changes
    # the rates stay as created; the cap is a ratio of the value, so it follows the new value
    assert changes["penalties"] == {**current["penalties"], "cap_rp": 100_000_000}


def test_an_amendment_of_one_sla_term_carries_the_whole_sla():
    changes = rules.amendment_changes(_current(), {"sla": {"geofence_m": 200}})
    assert changes == {"sla": {**rules.sla_terms(None), "geofence_m": 200}}


def test_an_amendment_that_changes_nothing_or_inverts_the_period_is_refused():
    with pytest.raises(ApiError) as nothing:
        rules.amendment_changes(_current(), {"ppn_rate": 0.11})
    assert nothing.value.code == "no_change"
    with pytest.raises(ApiError) as inverted:
        rules.amendment_changes(_current(), {"end_date": date(2024, 12, 31)})
    assert inverted.value.status == 422 and "end_date" in inverted.value.fields


def test_an_amendment_cannot_take_effect_in_or_before_an_issued_month():
    from shared.errors import ApiError
    rules.check_effective_from(date(2031, 3, 1), ["2031-02"], "K-1")
    for day in (date(2031, 2, 28), date(2031, 1, 15)):
        try:
            rules.check_effective_from(day, ["2031-02"], "K-1")
        except ApiError as error:
            assert (error.status, error.code) == (409, "month_issued")
        else:
            raise AssertionError(f"an amendment from {day} into an issued February was accepted")


def test_the_performance_bond_is_five_percent_of_the_value_half_up_unless_agreed():
    assert rules.performance_bond_rp(4_730_000_010) == 236_500_001  # 236,500,000.5 rounds up
    assert rules.performance_bond_rp(4_730_000_000, 300_000_000) == 300_000_000


def test_a_letter_naming_no_breach_is_refused():
    from shared.errors import ApiError
    try:
        rules.check_warning_breaches([])
    except ApiError as error:
        assert (error.status, error.code) == (422, "no_breach")
    else:
        raise AssertionError("a letter naming no breach was accepted")
