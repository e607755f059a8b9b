"""DOMAIN.md second edition, billing: each rule priced to the Rupiah on the invoice through the real database.

Every amount is worked out by hand in the test from DOMAIN.md's arithmetic; `OLD_` names what the first edition
would have cost (or forgiven) the contractor for the same evidence."""
from __future__ import annotations

import uuid
from datetime import date, datetime, timezone

from sqlalchemy import create_engine, text

from tests.integration.billing.conftest import AUDITOR, DINAS, World, deliver, draft, post, token

UTC = timezone.utc
PENALTIES = {"missed_pickup_rp": 500_000, "complaint_day_rp": 250_000, "shortfall_day_rp": 1_000_000,
             "cap_ratio": "0.05", "cap_rp": 50_000_000}


def at(y, m, d, hh=3, mm=0):
    return datetime(y, m, d, hh, mm, tzinfo=UTC)


def new_id() -> str:
    return str(uuid.uuid4())


def lines_of(invoice: dict) -> list[tuple]:
    return [(l["kind"], l["quantity"], l["unit_rp"], l["amount_rp"]) for l in invoice["lines"]]


def totals(invoice: dict, *names) -> tuple:
    return tuple(invoice[name] for name in names)


def outbox(url: str, type_: str) -> list[dict]:
    engine = create_engine(url)
    with engine.connect() as connection:
        found = [row.envelope["data"] for row in connection.execute(
            text("SELECT envelope FROM outbox WHERE type = :t ORDER BY seq"), {"t": type_})]
    engine.dispose()
    return found


# -- days in force ------------------------------------------------------------------------------------------------

def test_only_days_in_force_are_billed_before_activation_and_under_suspension(billing, billing_db, frozen_clock):
    """Start 1 January, activated 20 January, suspended 5 Feb 10:00 WIB to 7 Feb 10:00 WIB (5, 6, 7 Feb out)."""
    world = World(start=date(2025, 1, 1), activated_on=date(2025, 1, 20))
    early_weighing, late_weighing, suspended_weighing = new_id(), new_id(), new_id()
    deliver(billing_db, [
        world.activated(),
        world.weighed(early_weighing, 100_000, at(2025, 1, 10)),  # before activation: unassigned, not billed
        world.weighed(late_weighing, 100_000, at(2025, 1, 25)),
        world.missed(new_id(), date(2025, 1, 15)),
        *[world.evaluated(date(2025, 1, n), shortfall=True) for n in range(1, 20)],  # 19 days before activation
        world.lifecycle("suspended", at(2025, 2, 5, 3)), world.lifecycle("resumed", at(2025, 2, 7, 3)),
        world.weighed(suspended_weighing, 100_000, at(2025, 2, 6)),
        world.missed(new_id(), date(2025, 2, 6)),
        world.weighed(new_id(), 100_000, at(2025, 2, 10)),
    ])
    frozen_clock(at(2025, 3, 2))
    january = draft(billing, world, "2025-01")
    # 100,000 kg x Rp235,000/t = Rp23,500,000; nothing else
    assert lines_of(january) == [("tonnage", 100_000, 235_000, 23_500_000)]
    assert totals(january, "deductions_rp", "dpp_rp", "ppn_rp", "total_rp") == (0, 23_500_000, 2_585_000, 26_085_000)
    # the first edition billed from 1 January: +Rp23,500,000 tonnage, 16 shortfall days past the allowance of 3
    # (Rp16,000,000) and the missed pickup (Rp500,000)
    OLD_JANUARY_DPP = 23_500_000 + 23_500_000 - 16_000_000 - 500_000
    assert january["dpp_rp"] != OLD_JANUARY_DPP
    february = draft(billing, world, "2025-02")
    assert lines_of(february) == [("tonnage", 100_000, 235_000, 23_500_000)]
    assert february["deductions_rp"] == 0  # the miss on 6 February, under suspension, is no miss


def test_a_complaint_is_not_overdue_on_days_the_contract_is_suspended(billing, billing_db, frozen_clock):
    world = World()
    complaint = new_id()
    deliver(billing_db, [world.activated(), world.weighed(new_id(), 100_000, at(2025, 2, 3)),
                         world.lifecycle("suspended", at(2025, 2, 5, 3)), world.lifecycle("resumed", at(2025, 2, 7, 3)),
                         world.complaint("opened", complaint, at(2025, 2, 4, 2))])
    frozen_clock(at(2025, 2, 9, 1))
    february = draft(billing, world, "2025-02")
    # overdue days start 4, 5, 6, 7 and 8 February at 09:00 WIB; 5 to 7 February are not in force: 2 x 250,000
    # (the first edition would have counted none while open, and five once resolved: Rp1,250,000)
    assert lines_of(february) == [("tonnage", 100_000, 235_000, 23_500_000), ("complaint_day", 2, 250_000, 500_000)]
    assert sorted(february["lines"][1]["evidence"]) == [f"{complaint}/1", f"{complaint}/5"]


# -- amendments by number and by date -----------------------------------------------------------------------------

def _priced_world(order):
    """Unit price 235,000 until 2 March, 250,000 from 3 March (adendum 1); missed pickups Rp600,000 from 20 March
    (adendum 2)."""
    world = World()
    first = world.amended(1, date(2025, 3, 3), unit_price_rp_per_ton=250_000)
    second = world.amended(2, date(2025, 3, 20), penalties={**PENALTIES, "missed_pickup_rp": 600_000})
    amendments = [first, second] if order == "in order" else [second, first]
    ids = {name: new_id() for name in ("feb", "mar2", "mar5", "miss10", "miss25")}
    events = [world.activated(), *amendments,
              world.weighed(ids["feb"], 100_000, at(2025, 2, 27)),
              world.weighed(ids["mar2"], 100_000, at(2025, 3, 2)),
              world.weighed(ids["mar5"], 100_000, at(2025, 3, 5)),
              world.missed(ids["miss10"], date(2025, 3, 10)), world.missed(ids["miss25"], date(2025, 3, 25))]
    return world, events


def test_each_fact_is_priced_by_the_amendments_in_force_on_its_date_whatever_their_arrival_order(billing, billing_db):
    invoices = {}
    for order in ("in order", "newest first"):
        world, events = _priced_world(order)
        deliver(billing_db, events)
        february, march = draft(billing, world, "2025-02"), draft(billing, world, "2025-03")
        invoices[order] = (lines_of(february), lines_of(march), february["total_rp"], march["total_rp"])
        # February keeps February's price: 100,000 kg x 235,000 = Rp23,500,000 (the raise would make it 25,000,000)
        OLD_FEBRUARY_TONNAGE = 25_000_000
        assert lines_of(february) == [("tonnage", 100_000, 235_000, 23_500_000)]
        assert february["tonnage_rp"] != OLD_FEBRUARY_TONNAGE
        # March: 2 March at 235,000, 5 March at 250,000; the miss of 10 March Rp500,000, of 25 March Rp600,000
        assert lines_of(march) == [("tonnage", 100_000, 235_000, 23_500_000), ("tonnage", 100_000, 250_000, 25_000_000),
                                   ("missed_pickup", 1, 500_000, 500_000), ("missed_pickup", 1, 600_000, 600_000)]
        # DPP 48,500,000 - 1,100,000 = 47,400,000; PPN 11% = 5,214,000
        assert totals(march, "tonnage_rp", "deductions_rp", "dpp_rp", "ppn_rp", "total_rp") == (
            48_500_000, 1_100_000, 47_400_000, 5_214_000, 52_614_000)
        assert [(l["first_date"], l["last_date"]) for l in march["lines"][:2]] == [
            ("2025-03-02", "2025-03-02"), ("2025-03-05", "2025-03-05")]
    assert invoices["in order"] == invoices["newest first"]


def test_an_adjustment_for_an_earlier_fact_keeps_the_price_of_its_date(billing, billing_db, frozen_clock):
    world, events = _priced_world("newest first")
    deliver(billing_db, events)
    frozen_clock(at(2025, 3, 2, 18))  # February ended and its 24 h sync allowance passed
    post(billing, draft(billing, world, "2025-02")["id"], "issue")
    late = new_id()
    deliver(billing_db, [world.weighed(late, 40_000, at(2025, 2, 28))])  # keyed after February was issued
    frozen_clock(at(2025, 4, 2))
    march = draft(billing, world, "2025-03")
    adjustment = [l for l in march["lines"] if l["kind"] == "adjustment_tonnage"]
    # 40,000 kg x 235,000 (February's price) = Rp9,400,000; at March's 250,000 it would have cost Rp10,000,000
    OLD_ADJUSTMENT = 10_000_000
    assert [(l["quantity"], l["unit_rp"], l["amount_rp"], l["evidence"]) for l in adjustment] == [
        (40_000, 235_000, 9_400_000, [late])]
    assert adjustment[0]["amount_rp"] != OLD_ADJUSTMENT
    assert march["tonnage_rp"] == 48_500_000 + 9_400_000


# -- complaint days ------------------------------------------------------------------------------------------------

def test_complaint_days_count_in_the_month_each_starts_and_an_open_complaint_keeps_costing(billing, billing_db,
                                                                                          frozen_clock):
    world = World()
    open_complaint = new_id()
    deliver(billing_db, [world.activated(), world.weighed(new_id(), 100_000, at(2025, 3, 5)),
                         world.weighed(new_id(), 100_000, at(2025, 4, 1)),
                         world.complaint("opened", open_complaint, at(2025, 3, 30, 2)),
                         world.complaint("overdue", open_complaint, at(2025, 3, 30, 2))])
    frozen_clock(at(2025, 4, 1, 18))
    march = post(billing, draft(billing, world, "2025-03")["id"], "issue")
    # overdue days start 30 March 09:00 WIB and 31 March 09:00 WIB: 2 x Rp250,000, though nobody resolved it
    OLD_MARCH_COMPLAINT_DAYS = 0  # the first edition deducted a complaint only once resolved
    assert lines_of(march) == [("tonnage", 100_000, 235_000, 23_500_000), ("complaint_day", 2, 250_000, 500_000)]
    assert march["deductions_rp"] != OLD_MARCH_COMPLAINT_DAYS
    assert sorted(march["lines"][1]["evidence"]) == [f"{open_complaint}/1", f"{open_complaint}/2"]
    frozen_clock(at(2025, 4, 5, 3))
    april = draft(billing, world, "2025-04")
    # still open: days 3 to 7 start 1, 2, 3, 4 and 5 April (02:00 UTC), all by now: 5 x Rp250,000
    assert lines_of(april) == [("tonnage", 100_000, 235_000, 23_500_000), ("complaint_day", 5, 250_000, 1_250_000)]
    # resolved on 6 April 10:00 UTC: day 8 started at 02:00 that day; the draft follows the event by itself
    frozen_clock(at(2025, 4, 10, 3))
    deliver(billing_db, [world.complaint("resolved", open_complaint, at(2025, 3, 30, 2), at(2025, 4, 6, 10))])
    april = billing.get(f"/api/v1/invoices/{april['id']}", headers=AUDITOR).get_json()
    assert lines_of(april) == [("tonnage", 100_000, 235_000, 23_500_000), ("complaint_day", 6, 250_000, 1_500_000)]
    # DPP 23,500,000 - 1,500,000 = 22,000,000; PPN 2,420,000
    assert totals(april, "dpp_rp", "ppn_rp", "total_rp") == (22_000_000, 2_420_000, 24_420_000)


# -- weighings by weighed_at, final and closing invoices, the bond ------------------------------------------------

def test_a_ticket_weighed_on_the_last_evening_and_keyed_after_the_final_invoice_goes_to_a_closing_invoice(
        billing, billing_db, frozen_clock):
    world = World(start=date(2025, 1, 1), end=date(2025, 3, 31), bond_rp=12_000_000)
    deliver(billing_db, [world.activated(), world.weighed(new_id(), 100_000, at(2025, 3, 10))])
    frozen_clock(at(2025, 4, 1, 18))
    final = post(billing, draft(billing, world, "2025-03")["id"], "issue")
    assert final["kind"] == "final" and final["tonnage_rp"] == 23_500_000
    late = new_id()
    # 23:40 WIB on 31 March (16:40 UTC), keyed at 00:05 WIB on 2 April, after expiry and after the final invoice
    frozen_clock(at(2025, 4, 1, 17, 5))
    deliver(billing_db, [world.lifecycle("expired", at(2025, 3, 31, 17)),
                         world.weighed(late, 30_000, at(2025, 3, 31, 16, 40))])
    closing = draft(billing, world, "2025-04")
    # 30,000 kg x Rp235,000/t = Rp7,050,000; PPN 775,500. The first edition never billed it (April was outside
    # the contract: 422), so the contractor lost Rp7,825,500
    OLD_BILLED = 0
    assert closing["kind"] == "closing"
    assert lines_of(closing) == [("adjustment_tonnage", 30_000, 235_000, 7_050_000)]
    assert totals(closing, "tonnage_rp", "dpp_rp", "ppn_rp", "total_rp") == (7_050_000, 7_050_000, 775_500,
                                                                            7_825_500)
    assert closing["total_rp"] != OLD_BILLED
    assert closing["lines"][0]["evidence"] == [late]
    issued = post(billing, closing["id"], "issue")  # a closing invoice needs no month end: its facts are past
    assert issued["status"] == "issued"


def test_a_closing_invoice_waits_for_the_final_one(billing, billing_db, frozen_clock):
    world = World(start=date(2025, 1, 1), end=date(2025, 3, 31))
    deliver(billing_db, [world.activated()])
    refused = billing.post("/api/v1/invoices", json={"contract_id": world.contract_id, "month": "2025-04"},
                           headers=DINAS)
    assert (refused.status_code, refused.get_json()["error"]["code"]) == (409, "final_not_issued")


def test_deductions_still_carried_at_the_end_are_claimed_on_the_performance_bond(billing, billing_db, frozen_clock):
    world = World(start=date(2025, 1, 1), end=date(2025, 3, 31), bond_rp=12_000_000)
    deliver(billing_db, [world.activated(), world.weighed(new_id(), 10_000, at(2025, 3, 2)),
                         *[world.missed(new_id(), date(2025, 3, n)) for n in range(3, 9)]])
    frozen_clock(at(2025, 4, 1, 18))
    final = post(billing, draft(billing, world, "2025-03")["id"], "issue")
    # tonnage 10,000 kg x 235,000 = Rp2,350,000; 6 misses x 500,000 = Rp3,000,000: DPP 0, Rp650,000 left over,
    # with no next month to carry it to: claimed on the bond
    assert totals(final, "tonnage_rp", "deductions_rp", "dpp_rp", "total_rp", "bond_claim_rp", "carried_out_rp") == (
        2_350_000, 2_350_000, 0, 0, 650_000, 0)
    assert ("bond_claim", 1, 650_000, 650_000) in lines_of(final)
    assert final["performance_bond_rp"] == 12_000_000


# -- the cap -------------------------------------------------------------------------------------------------------

def test_a_credit_while_over_the_cap_refunds_nothing_until_the_total_falls_below_it(billing, billing_db,
                                                                                    frozen_clock):
    world = World(cap_rp=1_000_000)
    misses = [new_id() for _ in range(3)]
    deliver(billing_db, [world.activated(), *[world.missed(m, date(2025, 1, 10 + n)) for n, m in enumerate(misses)],
                         *[world.weighed(new_id(), 10_000, at(2025, month, 5)) for month in (1, 2, 3)]])
    frozen_clock(at(2025, 2, 2))
    january = post(billing, draft(billing, world, "2025-01")["id"], "issue")
    # D(1) = 1,500,000: deducts min(1.5m, 1m) - 0 = Rp1,000,000, Rp500,000 shown as capped
    assert totals(january, "deductions_gross_rp", "deductions_rp", "capped_rp", "cap_used_rp") == (
        1_500_000, 1_000_000, 500_000, 1_000_000)
    # a late excuse (banjir) for one January miss: D(2) = 1,000,000: min(1m, 1m) - min(1.5m, 1m) = 0
    deliver(billing_db, [world.decided("excused", misses[0], date(2025, 1, 10))])
    frozen_clock(at(2025, 3, 2))
    february = post(billing, draft(billing, world, "2025-02")["id"], "issue")
    OLD_FEBRUARY_REFUND = -500_000  # the first edition let the credit through: money never deducted refunded
    assert totals(february, "deductions_gross_rp", "deductions_rp", "capped_rp") == (-500_000, 0, -500_000)
    assert february["deductions_rp"] != OLD_FEBRUARY_REFUND
    # a late confirmation supersedes a second one: D(3) = 500,000: min(0.5m, 1m) - min(1m, 1m) = -500,000, a real refund now; with 10,000 kg a
    # month (Rp2,350,000): DPP 2,850,000, PPN 313,500
    deliver(billing_db, [world.confirmed(misses[1], date(2025, 1, 11), supersedes_missed=True)])
    frozen_clock(at(2025, 4, 2))
    march = post(billing, draft(billing, world, "2025-03")["id"], "issue")
    assert totals(march, "deductions_rp", "dpp_rp", "ppn_rp", "total_rp", "cap_used_rp") == (
        -500_000, 2_850_000, 313_500, 3_163_500, 500_000)
    assert [e["cap_rp"] for e in outbox(billing_db, "billing.penalty.cap_reached")] == [1_000_000]


# -- when a month can be issued -------------------------------------------------------------------------------------

def test_a_month_is_issued_only_after_it_ended_and_its_sync_allowance_passed(billing, billing_db, frozen_clock):
    world = World()
    deliver(billing_db, [world.activated(), world.weighed(new_id(), 100_000, at(2025, 3, 10))])
    invoice = draft(billing, world, "2025-03")
    # March ends at 00:00 WIB on 1 April (17:00 UTC on 31 March); the 24 h allowance runs to 17:00 UTC on 1 April
    for instant in (at(2025, 3, 31, 17), at(2025, 4, 1, 16, 59)):  # the first edition issued from the first
        frozen_clock(instant)
        refused = billing.post(f"/api/v1/invoices/{invoice['id']}/issue", headers=DINAS)
        assert (refused.status_code, refused.get_json()["error"]["code"]) == (409, "month_not_ended")
    frozen_clock(at(2025, 4, 1, 17))
    assert post(billing, invoice["id"], "issue")["total_rp"] == 26_085_000  # 23,500,000 + 11% PPN


# -- reads never write ---------------------------------------------------------------------------------------------

def _rows(url: str, invoice_id: str) -> list:
    engine = create_engine(url)
    with engine.connect() as connection:
        found = [tuple(row) for row in connection.execute(text(
            "SELECT xmin::text, i.* FROM invoices i WHERE id = CAST(:i AS uuid)"), {"i": invoice_id})]
        found += [tuple(row) for row in connection.execute(text(
            "SELECT xmin::text, l.* FROM invoice_lines l WHERE invoice_id = CAST(:i AS uuid) ORDER BY position"),
            {"i": invoice_id})]
    engine.dispose()
    return found


def test_reading_a_draft_never_locks_nor_rewrites_it_and_evidence_reprices_it(billing, billing_db, frozen_clock):
    world = World()
    deliver(billing_db, [world.activated(), world.weighed(new_id(), 100_000, at(2025, 3, 10))])
    invoice = draft(billing, world, "2025-03")
    # evidence arrives, but the events process has not repriced the draft yet (no refresh): reads show it as it was
    from tests.integration.billing.conftest import HANDLERS, db, inbox  # noqa: F401 - the consumer's own path
    miss = world.missed(new_id(), date(2025, 3, 11))
    with db.unit_of_work(billing_db) as session:
        inbox.claim(session, miss.id, miss.type)
        HANDLERS[miss.type](session, miss)
    before = _rows(billing_db, invoice["id"])
    frozen_clock(at(2025, 4, 3))
    own = token("contractor", world.contractor_id)
    for headers in (AUDITOR, own, DINAS):
        read = billing.get(f"/api/v1/invoices/{invoice['id']}", headers=headers).get_json()
        assert (read["total_rp"], read["computed_at"]) == (invoice["total_rp"], invoice["computed_at"])
        billing.get(f"/api/v1/invoices?contract_id={world.contract_id}", headers=headers)
        billing.get(f"/api/v1/invoices/{invoice['id']}/evidence", headers=headers)
    assert _rows(billing_db, invoice["id"]) == before  # same rows, same xmin: nothing was written
    # the events process reprices it: the miss is deducted (Rp500,000) and computed_at moves
    from tests.integration.billing.conftest import refresh
    refresh(billing_db)
    read = billing.get(f"/api/v1/invoices/{invoice['id']}", headers=AUDITOR).get_json()
    assert (read["deductions_rp"], read["dpp_rp"], read["total_rp"]) == (500_000, 23_000_000, 25_530_000)
    assert read["computed_at"] > invoice["computed_at"]


# -- weighings re-judged -------------------------------------------------------------------------------------------

def test_a_weighing_held_out_after_issue_is_credited_next_month_whatever_order_the_events_come_in(
        billing, billing_db, frozen_clock):
    from tests.integration.billing.conftest import envelope
    world = World()
    ticket = new_id()
    deliver(billing_db, [world.activated(), world.weighed(ticket, 50_000, at(2025, 3, 10))])
    frozen_clock(at(2025, 4, 2))
    march = post(billing, draft(billing, world, "2025-03")["id"], "issue")
    assert march["tonnage_rp"] == 11_750_000
    flagged = envelope("routes.weighing.flagged", weighing_id=ticket, contract_id=world.contract_id, net_kg=50_000,
                       weighed_at=at(2025, 3, 10), flags=["double_weighing"], reason="later of two < 20 min")
    deliver(billing_db, [flagged])
    april = draft(billing, world, "2025-04")
    # 50,000 kg x 235,000 = Rp11,750,000 credited back, PPN -1,292,500
    assert lines_of(april) == [("adjustment_tonnage", -50_000, 235_000, -11_750_000)]
    assert totals(april, "tonnage_rp", "ppn_rp", "total_rp") == (-11_750_000, -1_292_500, -13_042_500)


# -- the ceiling -----------------------------------------------------------------------------------------------------

def test_all_invoices_tonnage_together_never_pass_the_contract_value(billing, billing_db, frozen_clock):
    world = World(value_rp=40_000_000)
    deliver(billing_db, [world.activated(), world.weighed(new_id(), 100_000, at(2025, 1, 10))])
    frozen_clock(at(2025, 2, 2))
    january = post(billing, draft(billing, world, "2025-01")["id"], "issue")
    assert january["tonnage_rp"] == 23_500_000  # 100,000 kg x 235,000
    late = new_id()
    deliver(billing_db, [world.weighed(new_id(), 50_000, at(2025, 2, 10)),
                         world.weighed(late, 30_000, at(2025, 1, 20))])  # keyed after January was issued
    february = draft(billing, world, "2025-02")
    # 50,000 kg (11,750,000) + January's late 30,000 kg (7,050,000) = 18,800,000, but only 40,000,000 - 23,500,000
    # = 16,500,000 of the value is left: 2,300,000 shown over the ceiling, not billed
    assert totals(february, "tonnage_gross_rp", "tonnage_rp", "ceiling_excess_rp", "dpp_rp", "ppn_rp") == (
        18_800_000, 16_500_000, 2_300_000, 16_500_000, 1_815_000)
    ledger = billing.get(f"/api/v1/contracts/{world.contract_id}/ledger", headers=AUDITOR).get_json()
    assert ledger["tonnage_rp"] == 23_500_000  # the draft is not billed yet


def test_months_are_issued_in_order(billing, billing_db, frozen_clock):
    world = World()
    deliver(billing_db, [world.activated()])
    frozen_clock(at(2025, 4, 2))
    february, march = draft(billing, world, "2025-02"), draft(billing, world, "2025-03")
    refused = billing.post(f"/api/v1/invoices/{march['id']}/issue", headers=DINAS)
    assert (refused.status_code, refused.get_json()["error"]["code"]) == (409, "earlier_month_open")
    post(billing, february["id"], "issue")
    assert post(billing, march["id"], "issue")["status"] == "issued"


def test_a_terminated_contracts_last_invoice_is_the_month_of_its_termination(billing, billing_db, frozen_clock):
    world = World(start=date(2025, 1, 1), end=date(2025, 12, 31))
    after = new_id()
    deliver(billing_db, [world.activated(), world.weighed(new_id(), 100_000, at(2025, 4, 9)),
                         world.lifecycle("terminated", at(2025, 4, 10, 8)),
                         world.weighed(after, 100_000, at(2025, 4, 12))])  # after the termination day: not billed
    frozen_clock(at(2025, 5, 2))
    april = draft(billing, world, "2025-04")
    assert april["kind"] == "final"
    assert lines_of(april) == [("tonnage", 100_000, 235_000, 23_500_000)]
    refused = billing.post("/api/v1/invoices", json={"contract_id": world.contract_id, "month": "2025-05"},
                           headers=DINAS)
    assert (refused.status_code, refused.get_json()["error"]["code"]) == (409, "final_not_issued")
