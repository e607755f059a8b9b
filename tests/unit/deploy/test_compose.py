"""docker-compose.yml runs the Procfile's processes, in order, healthy, with secrets from .env; the broker's definitions."""
from __future__ import annotations

import json
import os
import re
import stat

import pytest

from shared import config
from tests.unit.deploy import catalogue

COMPOSE = catalogue.load_yaml("docker-compose.yml")
SERVICES = COMPOSE["services"]
PROCESSES = catalogue.procfile()


@pytest.mark.parametrize("process", sorted(PROCESSES))
def test_every_procfile_process_runs_in_compose_with_the_procfile_command(process):
    env, argv = PROCESSES[process]
    service = SERVICES[catalogue.compose_name(process)]
    assert service["command"] == catalogue.bound_to_all_interfaces(argv)
    for key, value in env.items():
        assert service["environment"][key] == value


def test_compose_runs_no_kawal_process_the_procfile_does_not_name():
    kawal = {name for name, s in SERVICES.items() if s.get("image", "").startswith("${KAWAL_IMAGE")}
    assert kawal == {catalogue.compose_name(p) for p in PROCESSES} | {"migrate", "declare"}


def test_every_kawal_process_uses_the_one_image_and_waits_for_migrate_and_healthy_servers():
    for process in PROCESSES:
        service = SERVICES[catalogue.compose_name(process)]
        assert service["image"] == SERVICES["migrate"]["image"]
        assert service["depends_on"] == {
            "migrate": {"condition": "service_completed_successfully"},
            "declare": {"condition": "service_completed_successfully"},
            "postgres": {"condition": "service_healthy"},
            "rabbitmq": {"condition": "service_healthy"},
        }
    assert SERVICES["migrate"]["command"] == ["kawal", "db", "upgrade"]
    assert SERVICES["migrate"]["restart"] == "no"
    assert SERVICES["migrate"]["build"] == "."
    assert SERVICES["declare"]["command"] == ["kawal", "events", "declare"]


def test_exactly_one_beat_runs_and_it_is_never_replicated():
    beats = [name for name, s in SERVICES.items() if "beat" in s.get("command", [])]
    assert beats == ["routes-beat"]
    assert SERVICES["routes-beat"].get("deploy", {}).get("replicas", 1) == 1


def test_apis_are_healthy_only_when_readyz_answers_and_other_processes_when_metrics_answer():
    for process, port in catalogue.process_ports().items():
        probe = " ".join(SERVICES[catalogue.compose_name(process)]["healthcheck"]["test"])
        expected = "/readyz" if process.endswith("_api") or process == config.PORTAL else "/metrics"
        if expected == "/readyz":  # readiness on the public port; /metrics is on the metrics port
            port = config.DEFAULT_PORTS[process.removesuffix("_api")]
        assert f"http://127.0.0.1:{port}{expected}" in probe


def test_infrastructure_health_is_pg_isready_and_rabbitmq_diagnostics_ping():
    assert "pg_isready" in " ".join(SERVICES["postgres"]["healthcheck"]["test"])
    assert SERVICES["rabbitmq"]["healthcheck"]["test"][:2] == ["CMD", "rabbitmq-diagnostics"]
    assert "ping" in SERVICES["rabbitmq"]["healthcheck"]["test"]


def test_data_lives_in_named_volumes():
    assert set(COMPOSE["volumes"]) >= {"postgres-data", "rabbitmq-data", "prometheus-data", "grafana-data"}
    assert "postgres-data:/var/lib/postgresql/data" in SERVICES["postgres"]["volumes"]
    assert "rabbitmq-data:/var/lib/rabbitmq" in SERVICES["rabbitmq"]["volumes"]


def test_every_required_secret_is_read_from_env_and_named_in_env_example():
    with open(catalogue.path("docker-compose.yml"), encoding="utf-8") as handle:
        required = set(re.findall(r"\$\{([A-Z0-9_]+):\?", handle.read()))
    with open(catalogue.path(".env.example"), encoding="utf-8") as handle:
        example = {line.split("=", 1)[0] for line in handle if re.match(r"^[A-Z0-9_]+=", line)}
    assert required >= {"KAWAL_JWT_SECRET", "POSTGRES_PASSWORD", "RABBITMQ_DEFAULT_USER", "RABBITMQ_DEFAULT_PASS",
                        "GF_SECURITY_ADMIN_PASSWORD"}
    assert required <= example


def test_every_kawal_process_reaches_its_own_database_and_the_kawal_vhost():
    env = SERVICES["contracts-api"]["environment"]
    for service in config.SERVICES:
        assert env[f"KAWAL_{service.upper()}_DATABASE_URL"].endswith(f"@postgres:5432/kawal_{service}")
    assert env["KAWAL_AMQP_URL"].endswith("@rabbitmq:5672/kawal")
    for service in config.SERVICES:  # each service's processes connect as its own broker user
        assert env[f"KAWAL_{service.upper()}_AMQP_URL"].startswith(f"amqp://kawal-{service}:")
        assert env[f"KAWAL_{service.upper()}_AMQP_URL"].endswith("@rabbitmq:5672/kawal")


def test_the_broker_definitions_give_each_service_user_exactly_the_least_permissions_kawal_declares():
    from services.routes.celery_app import BROKER_RESOURCES
    from shared import topology
    with open(catalogue.path("deploy", "rabbitmq", "definitions.json"), encoding="utf-8") as handle:
        definitions = json.load(handle)
    users = {u["name"]: u for u in definitions["users"]}
    permissions = {p["user"]: p for p in definitions["permissions"]}
    policies = {p["name"]: p for p in definitions["policies"]}
    for service in config.SERVICES:
        assert users[f"kawal-{service}"]["tags"] == []  # never an administrator
        granted = {k: permissions[f"kawal-{service}"][k] for k in ("configure", "write", "read")}
        assert granted == topology.permissions(service, BROKER_RESOURCES if service == "routes" else None)
        policy = topology.delivery_limit_policy(service)
        assert {permissions["kawal-portal"][k] for k in ("configure", "write", "read")} == {"^$"}  # connect only
        assert policies[policy["name"]]["definition"] == policy["definition"]
        assert policies[policy["name"]]["pattern"] == policy["pattern"]


def test_postgres_init_creates_one_database_per_service():
    script = catalogue.path("deploy", "postgres", "init-databases.sh")
    assert os.stat(script).st_mode & stat.S_IXUSR
    with open(script, encoding="utf-8") as handle:
        text = handle.read()
    assert re.search(r"for service in (.*); do", text).group(1).split() == list(config.DATABASES)
    assert "CREATE DATABASE kawal_${service}" in text


def test_rabbitmq_enables_management_and_prometheus_and_defines_the_vhost_and_topic_exchange():
    with open(catalogue.path("deploy", "rabbitmq", "enabled_plugins"), encoding="utf-8") as handle:
        assert handle.read().strip() == "[rabbitmq_management,rabbitmq_prometheus]."
    with open(catalogue.path("deploy", "rabbitmq", "definitions.json"), encoding="utf-8") as handle:
        definitions = json.load(handle)
    assert definitions["vhosts"] == [{"name": "kawal"}]
    events = {e["name"]: e for e in definitions["exchanges"]}[config.events().exchange]
    assert (events["vhost"], events["type"], events["durable"]) == ("kawal", "topic", True)
    assert definitions["permissions"][0]["vhost"] == "kawal"


def test_rabbitmq_entrypoint_renders_any_password_into_valid_definitions(tmp_path):
    # the stock entrypoint is replaced by one that prints what it would start
    (tmp_path / "docker-entrypoint.sh").write_text('#!/bin/sh\necho "started $*"\n')
    (tmp_path / "docker-entrypoint.sh").chmod(0o755)
    password = 'p&a|s/s"w\\0rd$'
    result = catalogue.run("sh", catalogue.path("deploy", "rabbitmq", "entrypoint.sh"), "rabbitmq-server", env={
        "PATH": f"{tmp_path}:{os.environ['PATH']}", "RABBITMQ_DEFAULT_USER": "kawal", "RABBITMQ_DEFAULT_PASS": password,
        "KAWAL_CONTRACTS_BROKER_PASSWORD": "contracts-pw", "KAWAL_ROUTES_BROKER_PASSWORD": "routes-pw",
        "KAWAL_BILLING_BROKER_PASSWORD": "billing-pw", "KAWAL_PORTAL_BROKER_PASSWORD": "portal-pw",
        "KAWAL_DEFINITIONS_TEMPLATE": catalogue.path("deploy", "rabbitmq", "definitions.json"),
        "KAWAL_DEFINITIONS_FILE": str(tmp_path / "definitions.json")})
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "started rabbitmq-server"
    rendered = json.loads((tmp_path / "definitions.json").read_text())
    assert rendered["users"][0] == {"name": "kawal", "password": password, "tags": ["administrator"]}
    assert rendered["permissions"][0]["user"] == "kawal"
    services = {u["name"]: u for u in rendered["users"][1:]}
    assert services["kawal-routes"] == {"name": "kawal-routes", "password": "routes-pw", "tags": []}


def test_grafana_gives_everyone_but_the_admin_the_viewer_role():
    env = SERVICES["grafana"]["environment"]
    assert env["GF_USERS_AUTO_ASSIGN_ORG_ROLE"] == "Viewer"
    assert env["GF_AUTH_ANONYMOUS_ORG_ROLE"] == "Viewer"
    assert env["GF_USERS_ALLOW_SIGN_UP"] == "false"
    assert env["GF_USERS_VIEWERS_CAN_EDIT"] == "false"
    assert env["GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH"].endswith("/compliance.json")


def test_dockerfile_builds_one_slim_python_image_that_installs_the_project():
    with open(catalogue.path("Dockerfile"), encoding="utf-8") as handle:
        text = handle.read()
    assert text.count("FROM ") == 1 and "FROM python:3.11-slim" in text
    assert "pip install --no-deps -e ." in text
    assert "USER kawal" in text
