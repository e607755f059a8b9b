"""Every Procfile process scraped by a real Prometheus while a small month runs: every dashboard query has data,
every alert rule evaluates, the auditors' alerts fire on the evidence, and every /metrics is lint-clean."""
from __future__ import annotations

import pytest

from tests.integration.deploy import scenario
from tests.integration.deploy.prometheus import RATE_INTERVAL, prometheus_scraping
from tests.support.broker import wait_until
from tests.support.system import running_system
from tests.unit.deploy import catalogue

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def live():
    catalogue.tool("prometheus")
    with running_system(suffix="deploy", clock_start=scenario.CLOCK_START, extra_env=scenario.FAST_BEAT) as system:
        scenario.seed(system)
        evidence = scenario.evidence(system)
        with prometheus_scraping(system) as prometheus:
            yield system, prometheus, evidence


def test_prometheus_scrapes_every_procfile_process_that_serves_metrics(live):
    system, prometheus, _ = live
    expected = set(catalogue.process_ports())

    def all_up() -> bool:
        return {t["labels"]["job"] for t in prometheus.targets() if t["health"] == "up"} == expected

    wait_until(all_up, timeout=30, interval=0.5, message="every process scraped")
    assert {s["metric"]["job"] for s in prometheus.series("up == 1")} == expected


def test_every_query_of_every_dashboard_returns_at_least_one_series(live):
    _, prometheus, _ = live
    queries = catalogue.dashboard_queries()
    failing: list[tuple] = []

    def every_query_has_data() -> bool:
        failing.clear()
        for uid, title, ref, expr in queries:
            answer = prometheus.answer(catalogue.concrete(expr, RATE_INTERVAL))
            if answer["status"] != "success" or not answer["data"]["result"]:
                present = {name: len(prometheus.series(name)) for name in catalogue.metric_names(expr)}
                failing.append((uid, title, ref, answer.get("error", "no series"), present))
        return not failing

    try:
        wait_until(every_query_has_data, timeout=90, interval=1.0, message="every dashboard query answered")
    except AssertionError:
        pytest.fail(f"queries without a series: {failing}")
    assert len(queries) > 40


def test_every_alert_rule_evaluates_without_error(live):
    _, prometheus, _ = live
    rules = catalogue.alert_rules()

    def all_evaluated() -> bool:
        return all(r["lastEvaluation"] > "2000" for r in prometheus.rules())

    wait_until(all_evaluated, timeout=30, interval=0.5, message="every rule evaluated")
    loaded = prometheus.rules()
    assert len(loaded) == len(rules)
    assert [(r["name"], r["health"], r.get("lastError", "")) for r in loaded if r["health"] != "ok"] == []
    for rule in rules:
        assert prometheus.query(rule["expr"])["resultType"] == "vector"


def test_the_auditors_alerts_fire_on_the_months_evidence(live):
    _, prometheus, evidence = live
    number = evidence["contract"]["number"]

    def active(alert: str) -> set[str]:
        return {a["labels"].get("contract") for r in prometheus.rules() if r["name"] == alert
                for a in r.get("alerts", [])}

    # the complaint was reported five days ago: past every SLA deadline, so overdue once the sweep ran
    wait_until(lambda: number in active("KawalComplaintsOverdue"), timeout=60, interval=0.5,
               message="the overdue complaint alerts the auditor")
    # every past pickup went unconfirmed: the month's on-time ratio is 0, under any minimum
    wait_until(lambda: number in active("KawalOnTimeRatioUnderMinimum"), timeout=60, interval=0.5,
               message="the on-time ratio under the minimum alerts the auditor")
    # the issued invoice's deduction lines are the auditors' Rupiah
    lines = sum(line["amount_rp"] for line in evidence["invoice"]["lines"] if line["category"] == "deduction")
    deductions = prometheus.series(f'sum(kawal_billing_deductions_rp{{contract="{number}"}})')
    assert float(deductions[0]["value"][1]) == lines != 0


def test_every_process_serves_metrics_that_promtool_finds_lint_clean(live):
    system, _, _ = live
    promtool = catalogue.tool("promtool")
    for process in catalogue.process_ports():
        text = scenario.scrape_text(system.metrics_url(process.removesuffix("_api")
                                                       if process.endswith("_api") else process))
        assert "# HELP" in text, process
        result = scenario.promtool_check_metrics(promtool, text)
        assert result.returncode == 0, (process, result.stdout + result.stderr)
