"""Prometheus scrapes every process and the broker; the alert rules are valid, documented, and fire on their evidence."""
from __future__ import annotations

import pytest

from tests.unit.deploy import catalogue

CONFIG = catalogue.load_yaml("deploy", "prometheus", "prometheus.yml")
JOBS = {job["job_name"]: job for job in CONFIG["scrape_configs"]}
RULES = {rule["alert"]: rule for rule in catalogue.alert_rules()}
# Not in docs/DEVELOPING.md yet: a contract's own minimum on-time ratio (asked of the routes service).
PROPOSED_METRICS = {"kawal_routes_min_on_time_ratio"}


@pytest.mark.parametrize("process,port", sorted(catalogue.process_ports().items()))
def test_every_process_is_scraped_on_its_metrics_port_under_its_procfile_name(process, port):
    assert process in catalogue.procfile()
    (target,) = JOBS[process]["dns_sd_configs"]
    assert target == {"names": [catalogue.compose_name(process)], "type": "A", "port": port, "refresh_interval": "30s"}


def test_rabbitmq_is_scraped_on_its_prometheus_plugin_port():
    assert JOBS["rabbitmq"]["static_configs"] == [{"targets": ["rabbitmq:15692"]}]


def test_the_beat_is_not_scraped_because_it_serves_no_metrics():
    assert "routes_beat" not in JOBS


@pytest.mark.parametrize("alert,expected", [
    ("KawalProcessDown", "== 0"),
    ("KawalOutboxStuck", "_outbox_oldest_age_seconds) > 300"),
    ("KawalMessagesParked", "_parked_messages) > 0"),
    ("KawalOnTimeRatioUnderMinimum", "(kawal_routes_on_time_ratio) < 0.95"),
    ("KawalComplaintsOverdue", 'kawal_routes_complaints{status="overdue"}) > 0'),
    ("KawalPenaltyCapReached", "(kawal_billing_cap_used_ratio) >= 1"),
])
def test_the_alerts_operators_and_auditors_need_exist(alert, expected):
    assert expected in RULES[alert]["expr"]
    assert RULES[alert]["annotations"]["summary"] and RULES[alert]["annotations"]["description"]


def test_outbox_and_parked_alerts_cover_every_service():
    exprs = [rule["expr"] for rule in catalogue.alert_rules()]
    for service in ("contracts", "routes", "billing"):
        assert f"max(kawal_{service}_outbox_oldest_age_seconds) > 300" in exprs
        assert f"max(kawal_{service}_parked_messages) > 0" in exprs


def test_every_alert_names_only_documented_metrics():
    known = catalogue.known_metrics() | PROPOSED_METRICS
    for rule in catalogue.alert_rules():
        assert catalogue.metric_names(rule["expr"]) <= known, rule["alert"]


def test_every_alert_says_who_it_is_for_and_reads_in_both_languages():
    for rule in catalogue.alert_rules():
        assert rule["labels"]["audience"] in ("operator", "auditor")
        assert rule["labels"]["severity"] in ("info", "warning", "critical")
        assert " / " in rule["annotations"]["summary"], rule["alert"]
