"""Debian's promtool accepts the Prometheus configuration, the alert rules (and their unit tests) and every
dashboard query. Integration, not unit: it runs a binary that `make test` installs (scripts/ensure-tools.sh)."""
from __future__ import annotations

import yaml

from tests.unit.deploy import catalogue


def test_promtool_accepts_the_configuration_and_its_rule_files():
    result = catalogue.run(catalogue.tool("promtool"), "check", "config", catalogue.path("deploy", "prometheus", "prometheus.yml"))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 rule files found" in result.stdout


def test_promtool_accepts_every_rule_file():
    result = catalogue.run(catalogue.tool("promtool"), "check", "rules", *catalogue.RULE_FILES)
    assert result.returncode == 0, result.stdout + result.stderr


def test_each_alert_fires_on_its_evidence_and_not_otherwise():
    result = catalogue.run(catalogue.tool("promtool"), "test", "rules",
                           catalogue.path("deploy", "prometheus", "tests", "alerts.test.yml"))
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_query_is_valid_promql(tmp_path):
    # promtool parses recording rules' expressions: each dashboard query becomes one
    rules = [{"record": f"dashboard:query_{n}", "expr": catalogue.concrete(expr)}
             for n, (_, _, _, expr) in enumerate(catalogue.dashboard_queries())]
    file = tmp_path / "queries.yml"
    file.write_text(yaml.safe_dump({"groups": [{"name": "dashboards", "rules": rules}]}))
    result = catalogue.run(catalogue.tool("promtool"), "check", "rules", str(file))
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"SUCCESS: {len(rules)} rules found" in result.stdout
