"""The read model of contracts kept from contracts.* events: activation, amendments in order, status changes."""
import uuid
from datetime import date, datetime, timedelta, timezone

import pytest

from shared import db
from shared.inbox import NotYetKnown
from services.routes.models import Contract
from tests.integration.routes.conftest import activate, deliver, register_contractor

AT = datetime(2026, 3, 11, 1, 0, tzinfo=timezone.utc)  # after the activation (the frozen clock)


def contract(routes_db, contract_id) -> Contract:
    with db.unit_of_work(routes_db) as session:
        return session.get(Contract, contract_id)


@pytest.fixture
def contract_id(client, routes_db):
    return activate(routes_db, register_contractor(routes_db), ["Sail", "Limapuluh"], grace_minutes=45)


def test_an_activated_contract_is_kept_with_all_its_terms(routes_db, contract_id):
    kept = contract(routes_db, contract_id)
    assert (kept.status, kept.kecamatan, kept.grace_minutes, kept.geofence_m) == ("active", ["Sail", "Limapuluh"],
                                                                                  45, 150)
    assert (kept.start_date, kept.end_date, kept.unit_price_rp_per_ton) == (date(2026, 1, 1), date(2026, 6, 30),
                                                                            235_000)


def test_amendments_delivered_out_of_order_are_folded_by_number(routes_db, contract_id):
    # First edition: no. 1 arriving after no. 2 was dropped, so routes kept a target of 110,000 kg while billing
    # applied no. 1's; schedules and invoices disagreed.
    deliver(routes_db, "contracts.contract.amended", {"contract_id": contract_id, "amendment_no": 2,
                                                      "end_date": date(2026, 9, 30), "unit_price_rp_per_ton": 240_000})
    deliver(routes_db, "contracts.contract.amended", {"contract_id": contract_id, "amendment_no": 1,
                                                      "end_date": date(2026, 7, 31), "daily_target_kg": 1})
    kept = contract(routes_db, contract_id)
    assert (kept.amendment_no, kept.end_date, kept.unit_price_rp_per_ton, kept.daily_target_kg) == (
        2, date(2026, 9, 30), 240_000, 1)  # no. 2's end date wins over no. 1's; no. 1's target applies


def test_suspension_resumption_and_termination_set_the_status_and_termination_is_final(routes_db, contract_id):
    deliver(routes_db, "contracts.contract.suspended", {"contract_id": contract_id, "reason": "SP3", "at": AT})
    assert contract(routes_db, contract_id).status == "suspended"
    deliver(routes_db, "contracts.contract.resumed", {"contract_id": contract_id, "at": AT + timedelta(days=1)})
    assert contract(routes_db, contract_id).status == "active"
    deliver(routes_db, "contracts.contract.terminated", {"contract_id": contract_id, "reason": "putus kontrak",
                                                         "at": AT + timedelta(days=2)})
    deliver(routes_db, "contracts.contract.resumed", {"contract_id": contract_id, "at": AT + timedelta(days=3)})
    assert contract(routes_db, contract_id).status == "terminated"


def test_a_suspension_older_than_the_status_held_arriving_late_changes_nothing(routes_db, contract_id):
    deliver(routes_db, "contracts.contract.resumed", {"contract_id": contract_id, "at": AT + timedelta(days=1)})
    deliver(routes_db, "contracts.contract.suspended", {"contract_id": contract_id, "at": AT})
    assert contract(routes_db, contract_id).status == "active"


def test_expiry_sets_the_contract_expired(routes_db, contract_id):
    deliver(routes_db, "contracts.contract.expired", {"contract_id": contract_id, "at": AT})
    assert contract(routes_db, contract_id).status == "expired"


def test_an_event_about_an_unknown_contract_is_not_yet_known_so_it_is_retried(client, routes_db):
    with pytest.raises(NotYetKnown):
        deliver(routes_db, "contracts.contract.suspended", {"contract_id": str(uuid.uuid4()), "at": AT})
    with pytest.raises(NotYetKnown):
        deliver(routes_db, "contracts.contract.amended", {"contract_id": str(uuid.uuid4()), "amendment_no": 1})


def test_a_redelivered_activation_does_not_undo_an_amendment(routes_db, contract_id):
    from services.routes.handlers import HANDLERS
    from shared import events

    deliver(routes_db, "contracts.contract.amended", {"contract_id": contract_id, "amendment_no": 1,
                                                      "value_rp": 5_000_000_000})
    kept = contract(routes_db, contract_id)
    again = events.parse(events.make("contracts.contract.activated", {
        "contract_id": contract_id, "number": kept.number, "contractor_id": kept.contractor_id, "kawasan": "x",
        "kecamatan": ["Sail"], "start_date": kept.start_date, "end_date": kept.end_date, "value_rp": 1,
        "unit_price_rp_per_ton": 1, "daily_target_kg": 1, "ppn_rate": 0.11,
        "sla": {"grace_minutes": 1, "geofence_m": 1, "sync_allowance_hours": 1, "min_on_time_ratio": 0.5,
                "complaint_hours_priority": 1, "complaint_hours_normal": 1, "shortfall_ratio": 0.5,
                "shortfall_days_allowed": 1},
        "penalties": {"missed_pickup_rp": 1, "complaint_day_rp": 1, "shortfall_day_rp": 1, "cap_ratio": 0.05,
                      "cap_rp": 1}}, producer="contracts").to_json())
    with db.unit_of_work(routes_db) as session:
        HANDLERS["contracts.contract.activated"](session, again)
    assert contract(routes_db, contract_id).value_rp == 5_000_000_000


def test_an_amendment_shortening_the_period_withdraws_the_pickups_after_its_new_end(world):
    world.schedule(date(2026, 6, 25), date(2026, 6, 30))
    deliver(world.db, "contracts.contract.amended", {"contract_id": world.contract_id, "amendment_no": 1,
                                                     "end_date": date(2026, 6, 27)})
    assert [row.date for row in world.sql("SELECT date FROM pickups ORDER BY date")] == [
        date(2026, 6, 25), date(2026, 6, 26), date(2026, 6, 27)]
