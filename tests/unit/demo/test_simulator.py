"""The simulation's bookkeeping: which day it starts on, what it counts as refused, what it would skip."""
from datetime import date, datetime

from kawal.demo.behaviour import Action
from kawal.demo.client import Answer
from kawal.demo.seeder import digits, normalise_plate, until_accepted
from kawal.demo.simulator import Network, Tally, first_day
from shared import clock


def wib(*parts):
    return datetime(*parts, tzinfo=clock.WIB)


def test_a_run_starts_today_before_the_morning_window_and_tomorrow_after_it():
    assert first_day(wib(2026, 10, 5, 2, 0), [date(2026, 10, 1)]) == date(2026, 10, 5)
    assert first_day(wib(2026, 10, 5, 9, 0), [date(2026, 10, 1)]) == date(2026, 10, 6)


def test_a_run_never_starts_before_the_contracts_do():
    assert first_day(wib(2026, 9, 28, 22, 0), [date(2026, 10, 1), date(2026, 11, 1)]) == date(2026, 10, 1)


def test_refusals_are_counted_by_status_and_accepted_calls_are_not():
    tally = Tally()
    action = Action(wib(2026, 10, 5, 9), "confirm", "/pickups/x/confirmation", {})
    for outcome in ("accepted", "422 window_closed", "422 stale", "409 already_confirmed", "error ConnectionError",
                    "skipped (simulator behind)"):
        tally.add(action, outcome, 0.0)
    tally.count("confirm", "missed", "not sent")
    assert tally.refusals() == {"422": 2, "409": 1, "error": 1}
    assert tally.outcomes[("confirm", "", "422 stale")] == 1


def test_an_answer_names_its_refusal_by_status_and_code():
    assert Answer(201, {"id": "x"}).outcome == "accepted"
    assert Answer(422, {"error": {"code": "before_window", "message": "", "fields": {}}}).outcome == \
        "422 before_window"
    assert Answer(500, {"items": []}).outcome == "500"


def test_only_vehicles_on_routes_of_active_contracts_are_weighed():
    network = Network(contracts={"c1": {}}, contract_index={"c1": 0},
                      routes={"r1": {"vehicle_id": "v1", "contract_id": "c1"},
                              "r2": {"vehicle_id": "v2", "contract_id": "gone"},
                              "r3": {"vehicle_id": "v1", "contract_id": "c1"}},
                      points={}, vehicles={"v1": {"plate": "BM 8001 AA"}, "v2": {"plate": "BM 8002 AA"},
                                           "v3": {"plate": "BM 8003 AA"}})
    assert network.routed_vehicles() == [{"plate": "BM 8001 AA"}]


def test_seed_lookups_match_the_services_normal_forms():
    assert digits("81.402.117.3-216.000") == "814021173216000"
    assert normalise_plate(" bm  8123 ka ") == "BM 8123 KA"


def test_a_write_waiting_for_replication_is_retried_until_accepted():
    answers = iter([Answer(422, {}), Answer(404, {}), Answer(201, {"id": "v"})])
    assert until_accepted(lambda: next(answers), wait_seconds=5).body == {"id": "v"}
    assert until_accepted(lambda: Answer(403, {}), wait_seconds=5).status == 403
