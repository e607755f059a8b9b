"""The ledger through the real database: any order, any repetition, the same invoice; frozen invoices stay frozen."""
from __future__ import annotations

import random
from datetime import datetime, timezone

from sqlalchemy import create_engine, text

from tests.integration.billing.conftest import AUDITOR, World, deliver, draft, figures, post
from tests.integration.billing.scenario import March, ids
from tests.support.databases import truncate_all

UTC = timezone.utc


def test_a_month_of_evidence_is_priced_to_the_rupiah(billing, billing_db):
    march = March(World())
    deliver(billing_db, march.events())
    invoice = draft(billing, march.world, "2025-03")
    assert {k: invoice[k] for k in March.EXPECTED} == March.EXPECTED
    assert figures(invoice)["lines"] == march.expected_lines()


def test_the_same_events_twice_and_shuffled_give_the_identical_invoice(billing, billing_db):
    march = March(World())
    deliver(billing_db, march.events())
    in_order = figures(draft(billing, march.world, "2025-03"))
    for seed in (1, 2, 3):
        truncate_all(billing_db)
        shuffled = march.events() * 2
        random.Random(seed).shuffle(shuffled)
        deliver(billing_db, shuffled)
        assert figures(draft(billing, march.world, "2025-03")) == in_order


def test_evidence_after_issue_lands_on_the_next_month_as_adjustments(billing, billing_db):
    march = March(World())
    world, p, w = march.world, march.p, march.w
    deliver(billing_db, march.events())
    issued = post(billing, draft(billing, world, "2025-03")["id"], "issue")
    deliver(billing_db, [world.confirmed(p[0], datetime(2025, 3, 10).date(), supersedes_missed=True),
                         world.decided("verified", p[3], datetime(2025, 3, 13).date()),
                         world.cleared(w[2], 50_000, datetime(2025, 3, 7, 3, 0, tzinfo=UTC))])
    frozen = billing.get(f"/api/v1/invoices/{issued['id']}", headers=AUDITOR).get_json()
    assert figures(frozen) == figures(issued)
    april = draft(billing, world, "2025-04")
    lines = {l["kind"]: (l["quantity"], l["amount_rp"], sorted(l["evidence"])) for l in april["lines"]}
    assert lines == {
        "tonnage": (70_000, 16_450_000, [w[3]]),
        "complaint_day": (1, 250_000, [f"{march.c[1]}/3"]),  # its third started day, 1 April
        "adjustment_tonnage": (50_000, 11_750_000, [w[2]]),
        "adjustment_missed_pickup": (-2, -1_000_000, sorted([p[0], p[3]])),
    }
    assert (april["tonnage_rp"], april["deductions_rp"], april["dpp_rp"], april["ppn_rp"], april["total_rp"]) == (
        28_200_000, -750_000, 28_950_000, 3_184_500, 32_134_500)


def _outbox(url: str, type_: str) -> list[dict]:
    engine = create_engine(url)
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT envelope FROM outbox WHERE type = :t ORDER BY seq"), {"t": type_})
        found = [row.envelope["data"] for row in rows]
    engine.dispose()
    return found


def test_the_cap_stops_deductions_and_is_announced_once(billing, billing_db, frozen_clock):
    march = March(World(cap_rp=1_000_000))
    deliver(billing_db, march.events())
    invoice = post(billing, draft(billing, march.world, "2025-03")["id"], "issue")
    assert (invoice["deductions_gross_rp"], invoice["capped_rp"], invoice["deductions_rp"]) == (
        4_500_000, 3_500_000, 1_000_000)
    frozen_clock(datetime(2025, 5, 2, 3, 0, tzinfo=UTC))
    april = post(billing, draft(billing, march.world, "2025-04")["id"], "issue")
    assert (april["capped_rp"], april["deductions_rp"]) == (250_000, 0)
    assert [event["cap_rp"] for event in _outbox(billing_db, "billing.penalty.cap_reached")] == [1_000_000]
    assessed = {e["kind"]: (e["amount_rp"], len(e["evidence"])) for e in _outbox(billing_db, "billing.penalty.assessed")
                if e["month"] == "2025-03"}
    assert assessed == {"missed_pickup": (1_500_000, 3), "complaint_day": (1_000_000, 4),
                        "shortfall_day": (2_000_000, 2)}
    ledger = billing.get(f"/api/v1/contracts/{march.world.contract_id}/ledger", headers=AUDITOR).get_json()
    assert (ledger["cap_used_rp"], ledger["cap_used_ratio"], ledger["capped_rp"]) == (1_000_000, 1.0, 3_750_000)


def test_deductions_above_the_tonnage_are_carried_to_the_next_draft(billing, billing_db):
    world = World()
    misses = [world.missed(f"00000000-0000-0000-0000-00000000000{n}", datetime(2025, 3, n + 1).date())
              for n in range(6)]
    deliver(billing_db, [world.activated(), world.weighed("10000000-0000-0000-0000-000000000000", 10_000,
                                                          datetime(2025, 3, 2, 3, 0, tzinfo=UTC)), *misses])
    march = post(billing, draft(billing, world, "2025-03")["id"], "issue")
    assert (march["deductions_rp"], march["carried_out_rp"], march["dpp_rp"], march["total_rp"]) == (
        2_350_000, 650_000, 0, 0)
    deliver(billing_db, [world.weighed("20000000-0000-0000-0000-000000000000", 1_000_000,
                                       datetime(2025, 4, 2, 3, 0, tzinfo=UTC))])
    april = draft(billing, world, "2025-04")
    assert [(l["kind"], l["amount_rp"]) for l in april["lines"]] == [("tonnage", 235_000_000),
                                                                      ("carried_deduction", 650_000)]
    assert (april["deductions_rp"], april["dpp_rp"], april["ppn_rp"], april["total_rp"]) == (
        650_000, 234_350_000, 25_778_500, 260_128_500)


def test_the_ceiling_keeps_tonnage_within_the_contract_value(billing, billing_db):
    world = World(value_rp=200_000_000)
    deliver(billing_db, [world.activated(), world.weighed("30000000-0000-0000-0000-000000000000", 1_000_000,
                                                          datetime(2025, 3, 2, 3, 0, tzinfo=UTC))])
    march = post(billing, draft(billing, world, "2025-03")["id"], "issue")
    assert (march["tonnage_gross_rp"], march["tonnage_rp"], march["ceiling_excess_rp"]) == (
        235_000_000, 200_000_000, 35_000_000)
    ledger = billing.get(f"/api/v1/contracts/{world.contract_id}/ledger", headers=AUDITOR).get_json()
    assert ledger["ceiling_used_ratio"] == 1.0


def test_amendments_price_the_draft_and_a_late_older_one_changes_nothing(billing, billing_db):
    world = World()
    amended = lambda no, price: world.amended(no, datetime(2025, 3, 1).date(),  # noqa: E731
                                              unit_price_rp_per_ton=price)
    deliver(billing_db, [world.activated(), amended(2, 250_000), amended(1, 240_000),
                         world.weighed("40000000-0000-0000-0000-000000000000", 1_000_000,
                                       datetime(2025, 3, 2, 3, 0, tzinfo=UTC))])
    assert draft(billing, world, "2025-03")["tonnage_rp"] == 250_000_000


def test_an_event_about_an_unknown_contract_is_retried_not_dropped(billing_db):
    import pytest
    from services.billing.handlers import HANDLERS
    from shared import db
    from shared.inbox import NotYetKnown
    world = World()
    event = world.missed("50000000-0000-0000-0000-000000000000", datetime(2025, 3, 2).date())
    with pytest.raises(NotYetKnown):
        with db.unit_of_work(billing_db) as session:
            HANDLERS[event.type](session, event)


def _general(session, scope) -> list:
    """The month's quantities by the general per-ref diff of every fact against what frozen invoices billed."""
    from services.billing import facts

    rows = session.execute(text("WITH " + facts._FACTS + " SELECT kind, fact_date, sum(quantity) AS quantity, "
                                "count(*) AS evidence FROM due WHERE quantity <> 0 GROUP BY kind, fact_date"),
                           scope.params()).all()
    return sorted((row.kind, row.fact_date, int(row.quantity), int(row.evidence)) for row in rows)


def test_the_months_own_facts_summed_straight_equal_the_general_diff_and_a_frozen_month_not_before_falls_back(
        billing, billing_db):
    import dataclasses

    from services.billing import facts, invoices
    from services.billing.models import Contract
    from services.billing.readmodel import timeline_of
    from shared import clock, db

    march = March(World())
    world, p, w = march.world, march.p, march.w
    deliver(billing_db, march.events())
    issued = post(billing, draft(billing, world, "2025-03")["id"], "issue")
    last, first = ids(2)  # April's: the last microsecond of the 1st (WIB) and the first of the 2nd
    deliver(billing_db, [world.confirmed(p[0], datetime(2025, 3, 10).date(), supersedes_missed=True),
                         world.cleared(w[2], 50_000, datetime(2025, 3, 7, 3, 0, tzinfo=UTC)),
                         world.weighed(last, 1_000, datetime(2025, 4, 1, 16, 59, 59, 999_999, tzinfo=UTC)),
                         world.weighed(first, 2_000, datetime(2025, 4, 1, 17, 0, tzinfo=UTC))])
    draft(billing, world, "2025-04")
    with db.unit_of_work(billing_db) as session:
        contract = session.get(Contract, world.contract_id)

        def scope_of(month):
            return invoices.facts_query(session, contract, timeline_of(session, contract), month, clock.now())

        def fast(scope) -> list:
            return sorted((g.kind, g.day, g.quantity, g.evidence) for g in facts.quantities(session, scope))

        april = scope_of("2025-04")
        assert april.straight and april.months == ("2025-03", "2025-04")
        assert any(kind.startswith("adjustment_") for kind, *_ in fast(april))  # earlier months' diff included
        assert fast(april) == _general(session, april) == fast(dataclasses.replace(april, straight=False))
        tonnage = {day.day: kg for kind, day, kg, _ in fast(april) if kind == "tonnage"}
        assert (tonnage[1], tonnage[2]) == (70_000 + 1_000, 2_000)  # each on its WIB day
        only_april = dataclasses.replace(april, months=("2025-04",))  # the month alone: its sums, no diff
        assert fast(only_april) == _general(session, only_april)
        # a frozen invoice bills facts of its own month and earlier ones only, so one of the month drafted or later
        # is the only place evidence of it could be: then the general diff answers (March is frozen itself)
        assert not scope_of("2025-03").straight
        assert session.execute(text(
            "SELECT count(*) FROM invoice_evidence e JOIN invoices i ON i.id = e.invoice_id "
            "WHERE e.fact_month > i.month")).scalar_one() == 0
        assert session.execute(text("SELECT count(*) FROM invoice_evidence WHERE invoice_id = CAST(:i AS uuid)"),
                               {"i": issued["id"]}).scalar_one() > 0
