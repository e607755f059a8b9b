"""What the deploy files are checked against: the Procfile's commands, the documented metric names, the dashboards."""
from __future__ import annotations

import glob
import json
import os
import re
import shlex
import shutil
import subprocess

import yaml

from shared import config

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
DEPLOY = os.path.join(ROOT, "deploy")
DASHBOARD_DIR = os.path.join(DEPLOY, "grafana", "dashboards")
RULE_FILES = sorted(glob.glob(os.path.join(DEPLOY, "prometheus", "rules", "*.yml")))
DATASOURCE_UID = "kawal-prometheus"

# Metrics that dashboards and rules may name beyond the documented ones: Prometheus's own `up`.
PROMETHEUS_BUILTINS = {"up"}
_DEFAULT = re.compile(r"\$\{[A-Z0-9_]+:-([^}]*)\}")
_HISTOGRAM_SERIES = re.compile(r"_(bucket|sum|count|created)$")


def path(*parts: str) -> str:
    return os.path.join(ROOT, *parts)


def load_yaml(*parts: str):
    with open(path(*parts), encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def procfile() -> dict[str, tuple[dict[str, str], list[str]]]:
    """Process name -> (env set by `env K=V` in the line, argv), with ${VAR:-default} at its default."""
    processes = {}
    with open(path("Procfile"), encoding="utf-8") as handle:
        for line in handle:
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            name, command = line.split(":", 1)
            argv = shlex.split(_DEFAULT.sub(r"\1", command.strip()))
            env: dict[str, str] = {}
            if argv and argv[0] == "env":
                argv = argv[1:]
                while argv and "=" in argv[0] and not argv[0].startswith("-"):
                    key, value = argv.pop(0).split("=", 1)
                    if not re.fullmatch(r"\$\{" + key + r":\?.*\}", value):  # ${K:?why} guards, sets nothing
                        env[key] = value
            processes[name.strip()] = (env, argv)
    return processes


def bound_to_all_interfaces(argv: list[str]) -> list[str]:
    """The Procfile binds to localhost; containers bind to every interface. Nothing else may differ."""
    return [arg.replace("127.0.0.1:", "0.0.0.0:") for arg in argv]


def compose_name(process: str) -> str:
    return process.replace("_", "-")


def process_ports() -> dict[str, int]:
    """Where each Procfile process serves /metrics."""
    ports = {f"{s}_api": config.DEFAULT_PORTS[s] for s in config.SERVICES}
    ports.update(config.DEFAULT_METRICS_PORTS)
    return ports


def documented_metrics() -> set[str]:
    """Every metric name of docs/DEVELOPING.md's Metrics table, `<s>` expanded to each service."""
    with open(path("docs", "DEVELOPING.md"), encoding="utf-8") as handle:
        text = handle.read()
    section = text.split("## Metrics", 1)[1]
    names: set[str] = set()
    for line in section.splitlines():
        if not line.startswith("| `"):
            continue
        first_cell = line.split("|")[1]
        prefix = ""
        for token in re.findall(r"`([a-z_<>]+)`", first_cell):
            if token.startswith("kawal_"):
                prefix = re.match(r"(kawal_(<s>|[a-z]+))_", token).group(1)
                full = token
            else:  # `_events_consumed_total`: the same prefix as the cell's first name
                full = prefix + token
            names.update(full.replace("<s>", s) for s in config.SERVICES) if "<s>" in full else names.add(full)
    return names


def scrape_time_gauges() -> set[str]:
    """Documented gauges: computed at scrape time by every replica of a process alike."""
    with open(path("docs", "DEVELOPING.md"), encoding="utf-8") as handle:
        section = handle.read().split("## Metrics", 1)[1]
    gauges: set[str] = set()
    for line in section.splitlines():
        cells = line.split("|")
        if line.startswith("| `") and "gauge" in cells[2]:
            for token in re.findall(r"`(kawal_[a-z_<>]+)`", cells[1]):
                gauges.update(token.replace("<s>", s) for s in config.SERVICES)
    return gauges


def platform_metrics() -> set[str]:
    """Metric names the platform (shared/metrics.py) defines for every service."""
    with open(path("shared", "metrics.py"), encoding="utf-8") as handle:
        templates = re.findall(r'f"(kawal_\{service\}_[a-z_]+)"', handle.read())
    return {t.replace("{service}", s) for t in templates for s in config.SERVICES}


def known_metrics() -> set[str]:
    return documented_metrics() | platform_metrics() | PROMETHEUS_BUILTINS


def metric_names(expr: str) -> set[str]:
    """Metric names an expression selects (histogram series reduced to the histogram's name)."""
    without_strings = re.sub(r'"[^"]*"', '""', expr)
    without_labels = re.sub(r"\{[^}]*\}", "", without_strings)
    without_ranges = re.sub(r"\[[^\]]*\]", "", without_labels)
    names = set(re.findall(r"\b(kawal_[a-z0-9_]+)", without_ranges))
    if re.search(r"\bup\b", without_ranges):
        names.add("up")
    return {_HISTOGRAM_SERIES.sub("", n) if _HISTOGRAM_SERIES.search(n) else n for n in names}


def dashboards() -> dict[str, dict]:
    found = {}
    for file in sorted(glob.glob(os.path.join(DASHBOARD_DIR, "*.json"))):
        with open(file, encoding="utf-8") as handle:
            found[os.path.basename(file)] = json.load(handle)
    return found


def panels(board: dict) -> list[dict]:
    """Every panel that shows data (rows are only headings)."""
    return [p for p in board["panels"] if p["type"] != "row"]


def dashboard_queries() -> list[tuple[str, str, str, str]]:
    """(dashboard uid, panel title, refId, expr) of every query of every dashboard."""
    return [(board["uid"], p["title"], t["refId"], t["expr"])
            for board in dashboards().values() for p in panels(board) for t in p["targets"]]


def concrete(expr: str, rate_interval: str = "5m") -> str:
    """A dashboard expression as Prometheus would receive it from Grafana with every variable at All."""
    return (expr.replace("$__rate_interval", rate_interval)
            .replace("$contract", ".*").replace("$kecamatan", ".*"))


def alert_rules() -> list[dict]:
    rules = []
    for file in RULE_FILES:
        with open(file, encoding="utf-8") as handle:
            for group in yaml.safe_load(handle)["groups"]:
                rules.extend(group["rules"])
    return rules


def tool(name: str) -> str:
    """A binary from Debian's prometheus package; scripts/ensure-tools.sh installs it (`make test` calls it)."""
    found = shutil.which(name)
    assert found, f"{name} is missing: run scripts/ensure-tools.sh"
    return found


def run(*argv: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(list(argv), capture_output=True, text=True, timeout=120, **kwargs)
