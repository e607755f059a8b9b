"""A real Prometheus (Debian's binary) on a free port, scraping a running Kawal with deploy/'s jobs and rules."""
from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from contextlib import contextmanager
from typing import Iterator

import requests
import yaml

from tests.support.broker import wait_until
from tests.support.system import System, free_ports, stop
from tests.unit.deploy import catalogue

SCRAPE_INTERVAL = "1s"
RATE_INTERVAL = "15s"  # several scrapes at 1s, like Grafana's $__rate_interval at four scrape intervals


def config_for(system: System) -> dict:
    """deploy/prometheus/prometheus.yml with each job's DNS target replaced by the running process's port."""
    deployed = catalogue.load_yaml("deploy", "prometheus", "prometheus.yml")
    jobs = []
    for job in deployed["scrape_configs"]:
        name = job["job_name"]
        if name in system.metrics_ports:  # every process, the APIs included, on its own metrics port
            port = system.metrics_ports[name]
        else:
            continue  # the broker's plugin and Prometheus itself are not part of this machine's run
        jobs.append({"job_name": name, "static_configs": [{"targets": [f"127.0.0.1:{port}"]}]})
    return {
        "global": {"scrape_interval": SCRAPE_INTERVAL, "scrape_timeout": SCRAPE_INTERVAL,
                   "evaluation_interval": SCRAPE_INTERVAL},
        "rule_files": catalogue.RULE_FILES,
        "scrape_configs": jobs,
    }


class Prometheus:
    def __init__(self, url: str):
        self.url = url

    def answer(self, expr: str) -> dict:
        """The query API's whole answer: status, data or error."""
        return requests.get(f"{self.url}/api/v1/query", params={"query": expr}, timeout=10).json()

    def query(self, expr: str) -> dict:
        body = self.answer(expr)
        assert body["status"] == "success", (expr, body)
        return body["data"]

    def series(self, expr: str) -> list[dict]:
        return self.query(expr)["result"]

    def targets(self) -> list[dict]:
        return requests.get(f"{self.url}/api/v1/targets", timeout=10).json()["data"]["activeTargets"]

    def rules(self) -> list[dict]:
        groups = requests.get(f"{self.url}/api/v1/rules", timeout=10).json()["data"]["groups"]
        return [rule for group in groups for rule in group["rules"]]


@contextmanager
def prometheus_scraping(system: System) -> Iterator[Prometheus]:
    binary = catalogue.tool("prometheus")
    workdir = tempfile.mkdtemp(prefix="kawal-prometheus-")
    config_path = os.path.join(workdir, "prometheus.yml")
    with open(config_path, "w", encoding="utf-8") as handle:
        yaml.safe_dump(config_for(system), handle)
    check = catalogue.run(catalogue.tool("promtool"), "check", "config", config_path)
    assert check.returncode == 0, check.stdout + check.stderr
    (port,) = free_ports(1)
    with open(os.path.join(workdir, "prometheus.log"), "wb") as log:
        process = subprocess.Popen([binary, f"--config.file={config_path}", f"--storage.tsdb.path={workdir}/data",
                                    f"--web.listen-address=127.0.0.1:{port}", "--log.level=warn"],
                                   stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    prometheus = Prometheus(f"http://127.0.0.1:{port}")
    try:
        def ready() -> bool:
            assert process.poll() is None, open(os.path.join(workdir, "prometheus.log")).read()[-3000:]
            try:
                return requests.get(f"{prometheus.url}/-/ready", timeout=1).status_code == 200
            except requests.RequestException:
                return False

        wait_until(ready, timeout=30, interval=0.2, message="Prometheus ready")
        yield prometheus
    finally:
        stop(process, timeout=10)
        shutil.rmtree(workdir, ignore_errors=True)
