"""Finding 2 and 8 in the deploy configurations: metrics never on API ports, only Prometheus reaches them,
Prometheus' lifecycle API is off."""
from __future__ import annotations

from shared import config
from tests.unit.deploy import catalogue

COMPOSE = catalogue.load_yaml("docker-compose.yml")


def test_prometheus_runs_without_its_lifecycle_api():
    assert not any("lifecycle" in arg for arg in COMPOSE["services"]["prometheus"]["command"])


def test_compose_publishes_no_metrics_port_on_the_host():
    metrics_ports = {str(p) for p in config.DEFAULT_METRICS_PORTS.values()}
    for name, service in COMPOSE["services"].items():
        for mapping in service.get("ports", []):
            assert mapping.rsplit(":", 1)[-1] not in metrics_ports, (name, mapping)


def test_prometheus_never_scrapes_an_api_port():
    scrape = catalogue.load_yaml("deploy", "prometheus", "prometheus.yml")["scrape_configs"]
    ports = {sd["port"] for job in scrape for sd in job.get("dns_sd_configs", [])}
    assert not ports & set(config.DEFAULT_PORTS.values())


def test_a_network_policy_lets_only_prometheus_reach_the_metrics_ports():
    policy = catalogue.load_yaml("deploy", "k8s", "networkpolicy.yaml")
    rules = policy["spec"]["ingress"]
    metrics_ports = set(config.DEFAULT_METRICS_PORTS.values())
    open_rules = [rule for rule in rules if "from" not in rule]
    assert not {p["port"] for rule in open_rules for p in rule["ports"]} & metrics_ports
    guarded = [rule for rule in rules if "from" in rule]
    assert {p["port"] for rule in guarded for p in rule["ports"]} == metrics_ports
    assert "networkpolicy.yaml" in catalogue.load_yaml("deploy", "k8s", "kustomization.yaml")["resources"]
