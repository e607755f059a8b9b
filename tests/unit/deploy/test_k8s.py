"""deploy/k8s: the compose file's image, commands and env names, scaled out; one beat; probes and resources."""
from __future__ import annotations

import glob
import os

import pytest
import yaml

from tests.unit.deploy import catalogue

K8S = catalogue.path("deploy", "k8s")
DOCS = [doc for file in sorted(glob.glob(os.path.join(K8S, "*.yaml")))
        for doc in yaml.safe_load_all(open(file, encoding="utf-8")) if doc]
BY_KIND: dict[str, dict[str, dict]] = {}
for _doc in DOCS:
    if "metadata" in _doc:
        BY_KIND.setdefault(_doc["kind"], {})[_doc["metadata"]["name"]] = _doc
DEPLOYMENTS = BY_KIND["Deployment"]
COMPOSE = catalogue.load_yaml("docker-compose.yml")["services"]


def _container(name: str) -> dict:
    (container,) = DEPLOYMENTS[name]["spec"]["template"]["spec"]["containers"]
    return container


def test_every_manifest_parses_and_lives_in_the_kawal_namespace():
    assert BY_KIND["Namespace"] == {"kawal": BY_KIND["Namespace"]["kawal"]}
    for doc in DOCS:
        if "metadata" in doc and doc["kind"] != "Namespace":
            assert doc["metadata"]["namespace"] == "kawal", doc["metadata"]["name"]


@pytest.mark.parametrize("process", sorted(catalogue.procfile()))
def test_every_procfile_process_is_a_deployment_running_the_compose_command(process):
    name = catalogue.compose_name(process)
    container = _container(name)
    assert container["command"] == COMPOSE[name]["command"]
    env = {e["name"]: e["value"] for e in container.get("env", [])}
    for key, value in catalogue.procfile()[process][0].items():
        assert env[key] == value


def test_every_kawal_container_runs_the_one_image_with_resources_and_without_root():
    images = {_container(name)["image"] for name in DEPLOYMENTS}
    images.add(BY_KIND["Job"]["kawal-migrate"]["spec"]["template"]["spec"]["containers"][0]["image"])
    assert images == {"kawal:latest"}
    for name in DEPLOYMENTS:
        container = _container(name)
        assert container["resources"]["requests"] and container["resources"]["limits"], name
        assert DEPLOYMENTS[name]["spec"]["template"]["spec"]["securityContext"]["runAsNonRoot"] is True


def test_the_secret_template_and_configmap_carry_the_compose_environment_names():
    compose_env = set(COMPOSE["contracts-api"]["environment"]) - {"PROMETHEUS_MULTIPROC_DIR"}
    secret = set(BY_KIND["Secret"]["kawal-secrets"]["stringData"])
    settings = set(BY_KIND["ConfigMap"]["kawal-config"]["data"])
    assert secret == {"KAWAL_JWT_SECRET", "KAWAL_AMQP_URL", "KAWAL_CONTRACTS_DATABASE_URL",
                      "KAWAL_ROUTES_DATABASE_URL", "KAWAL_BILLING_DATABASE_URL", "KAWAL_PORTAL_DATABASE_URL",
                      "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "KAWAL_CONTRACTS_AMQP_URL",
                      "KAWAL_ROUTES_AMQP_URL", "KAWAL_BILLING_AMQP_URL", "KAWAL_PORTAL_AMQP_URL"}
    assert secret <= compose_env
    assert settings - compose_env <= {"KAWAL_EVENTS_EXCHANGE"}
    for name in DEPLOYMENTS:
        assert _container(name)["envFrom"] == [{"configMapRef": {"name": "kawal-config"}},
                                               {"secretRef": {"name": "kawal-secrets"}}]


@pytest.mark.parametrize("service,port", [("contracts", 8001), ("routes", 8002), ("billing", 8003)])
def test_each_api_runs_two_replicas_behind_a_service_with_readyz_and_healthz_probes(service, port):
    deployment = DEPLOYMENTS[f"{service}-api"]
    container = _container(f"{service}-api")
    assert deployment["spec"]["replicas"] >= 2
    assert container["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": port}
    assert container["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": port}
    selector = BY_KIND["Service"][f"{service}-api"]["spec"]["selector"]
    assert selector.items() <= deployment["spec"]["template"]["metadata"]["labels"].items()
    assert BY_KIND["Service"][f"{service}-api"]["spec"]["ports"][0]["port"] == port


def test_events_run_two_replicas_and_the_worker_at_least_two():
    for service in ("contracts", "routes", "billing"):
        assert DEPLOYMENTS[f"{service}-events"]["spec"]["replicas"] == 2
    assert DEPLOYMENTS["routes-worker"]["spec"]["replicas"] >= 2


def test_exactly_one_beat_runs_even_during_a_rollout():
    beats = [name for name in DEPLOYMENTS if "beat" in _container(name)["command"]]
    assert beats == ["routes-beat"]
    assert DEPLOYMENTS["routes-beat"]["spec"]["replicas"] == 1
    assert DEPLOYMENTS["routes-beat"]["spec"]["strategy"] == {"type": "Recreate"}


def test_every_process_with_metrics_is_annotated_for_scraping_on_its_port():
    for process, port in catalogue.process_ports().items():
        annotations = DEPLOYMENTS[catalogue.compose_name(process)]["spec"]["template"]["metadata"]["annotations"]
        assert annotations == {"prometheus.io/scrape": "true", "prometheus.io/port": str(port),
                               "prometheus.io/path": "/metrics"}


def test_the_migrate_job_runs_kawal_db_upgrade():
    job = BY_KIND["Job"]["kawal-migrate"]["spec"]["template"]["spec"]
    assert job["containers"][0]["command"] == COMPOSE["migrate"]["command"] == ["kawal", "db", "upgrade"]
    assert job["restartPolicy"] == "OnFailure"


def test_the_declare_job_runs_kawal_events_declare_like_compose():
    job = BY_KIND["Job"]["kawal-declare"]["spec"]["template"]["spec"]
    assert job["containers"][0]["command"] == COMPOSE["declare"]["command"] == ["kawal", "events", "declare"]


def test_the_kustomization_lists_files_that_exist():
    kustomization = catalogue.load_yaml("deploy", "k8s", "kustomization.yaml")
    for resource in kustomization["resources"]:
        assert os.path.exists(os.path.join(K8S, resource)), resource
    assert "secret.example.yaml" not in kustomization["resources"]
