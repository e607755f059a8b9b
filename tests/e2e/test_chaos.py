"""Chaos, small: every process supervised, crews confirming 300 pickups while processes are SIGKILLed and the network
to the broker is cut; nothing lost, nothing doubled, the same invoice as a quiet twin, everything back in a minute.
(`make chaos` is the full run: 6,000 confirmations, 23 faults, RabbitMQ and PostgreSQL restarted.)"""
from __future__ import annotations

import pytest
from rich.console import Console

from tests.support.chaos import faults, run

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def report():
    console = Console(width=120)
    result = run.run(run.SMALL, console)
    run.print_report(result, console)
    return result


def test_every_confirmation_is_answered_and_reaches_routes_and_billing_exactly_once(report):
    for figures in (report.quiet, report.chaotic):
        sent = figures["sent"]
        assert sent == run.SMALL.confirmations
        assert figures["answered_2xx"] == figures["confirmed_in_routes"] == figures["confirmation_rows"] == sent
        assert figures["confirmed_events"] == figures["billing_confirmed"] == sent
        assert figures["billing_missed"] == figures["expected_missed"] == 0
        assert figures["lost"] == figures["doubled"] == 0


def test_the_faults_made_the_crews_retry_and_the_supervisor_restart_each_killed_process(report):
    assert report.sync["chaotic"].errors > 0  # the faults were felt: without retries some would have been lost
    killed = [f.split()[1] for f in run.SMALL.faults if f.startswith("kill ")]
    for process in killed:
        assert report.restarts[process] >= killed.count(process)
    assert report.restarts["contracts_api"] == 0  # the others were left alone


def test_the_chaotic_invoice_is_the_quiet_one_to_the_rupiah(report):
    assert report.invoices["chaotic"] == report.invoices["quiet"]
    assert report.invoices["quiet"]["deductions_rp"] > 0 and report.invoices["quiet"]["dpp_rp"] > 0


def test_nothing_is_parked_and_every_process_was_back_within_a_minute(report):
    assert report.broker["parked"] == 0
    assert [o.fault for o in report.outcomes] == run.SMALL.faults
    assert all(o.back_s is not None and o.back_s <= faults.BACK_WITHIN_S for o in report.outcomes), report.outcomes
    assert report.failures == []


def test_the_verdict_names_a_lost_confirmation_a_double_and_a_different_invoice():
    """The report's own judgement can fail: fed one lost, one doubled and a Rupiah apart, it says so."""
    clean = {"lost": 0, "doubled": 0, "billing_missed": 3, "expected_missed": 3}
    bad = run.Report(run.SMALL, quiet=clean, chaotic={**clean, "lost": 1, "doubled": 1},
                     invoices={"quiet": {"total_rp": 100}, "chaotic": {"total_rp": 101}},
                     outcomes=[faults.Outcome("kill routes_api", 1.0, 0.0, None)], restarts={}, broker={"parked": 2})
    problems = " ".join(bad.failures)
    for expected in ("chaotic: lost 1, doubled 1", "invoices differ", "2 events parked", "kill routes_api"):
        assert expected in problems
