"""The provisioned dashboards: fixed uids, read only, every panel a valid query of documented metrics."""
from __future__ import annotations

import importlib.util
import re
import os


from tests.unit.deploy import catalogue

BOARDS = {board["uid"]: board for board in catalogue.dashboards().values()}


def _generator():
    spec = importlib.util.spec_from_file_location("kawal_grafana_generate",
                                                  catalogue.path("deploy", "grafana", "generate.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_two_dashboards_have_fixed_uids_and_titles():
    assert {uid: board["title"] for uid, board in BOARDS.items()} == {
        "kawal-compliance": "Kepatuhan kontrak / Contract compliance",
        "kawal-platform": "Platform",
    }


def test_the_committed_dashboards_are_what_the_generator_writes():
    generate = _generator()
    for name, build in generate.DASHBOARDS.items():
        with open(os.path.join(catalogue.DASHBOARD_DIR, name), encoding="utf-8") as handle:
            assert handle.read() == generate.render(build), f"run python deploy/grafana/generate.py ({name})"


def test_every_panel_queries_the_provisioned_datasource():
    datasources = catalogue.load_yaml("deploy", "grafana", "provisioning", "datasources", "prometheus.yml")
    (source,) = datasources["datasources"]
    assert source["uid"] == catalogue.DATASOURCE_UID and source["type"] == "prometheus" and not source["editable"]
    for board in BOARDS.values():
        for panel in catalogue.panels(board):
            assert panel["targets"], panel["title"]
            assert panel["datasource"]["uid"] == catalogue.DATASOURCE_UID
            for target in panel["targets"]:
                assert target["expr"].strip() and target["datasource"]["uid"] == catalogue.DATASOURCE_UID


def test_every_query_names_only_documented_or_platform_metrics():
    known = catalogue.known_metrics()
    for uid, title, ref, expr in catalogue.dashboard_queries():
        names = catalogue.metric_names(expr)
        assert names, (uid, title, ref)
        assert names <= known, (uid, title, ref, names - known)


def test_the_compliance_dashboard_shows_every_measure_an_auditor_asks_for():
    exprs = " ".join(t["expr"] for p in catalogue.panels(BOARDS["kawal-compliance"]) for t in p["targets"])
    for metric in ("kawal_routes_on_time_ratio", 'outcome="missed"', "kawal_routes_net_tonnage_kg",
                   "kawal_routes_target_tonnage_kg", "kawal_billing_deductions_rp", 'status="overdue"',
                   'status=~"open|overdue"', "kawal_contracts_warning_letters", "kawal_billing_invoices",
                   "kawal_billing_cap_used_ratio"):
        assert metric in exprs


def test_the_compliance_dashboard_opens_on_the_on_time_ratio_and_speaks_both_languages():
    board = BOARDS["kawal-compliance"]
    first = catalogue.panels(board)[0]
    assert first["title"].startswith("Tepat waktu / On time")
    assert first["gridPos"]["y"] == 1
    for item in board["panels"]:
        assert " / " in item["title"], item["title"]
    assert board["timezone"] == "Asia/Jakarta"


def test_the_platform_dashboard_covers_http_events_outbox_queues_and_celery():
    exprs = " ".join(t["expr"] for p in catalogue.panels(BOARDS["kawal-platform"]) for t in p["targets"])
    for service in ("contracts", "routes", "billing"):
        for metric in ("http_requests_total", "http_request_duration_seconds_bucket", "events_published_total",
                       "events_consumed_total", "events_failed_total", "events_parked_total", "outbox_backlog",
                       "outbox_oldest_age_seconds", "parked_messages", "consumer_queue_messages"):
            assert f"kawal_{service}_{metric}" in exprs
    assert "kawal_routes_tasks_total" in exprs and "kawal_routes_task_duration_seconds_bucket" in exprs
    assert "histogram_quantile(0.5," in exprs and "histogram_quantile(0.99," in exprs


def test_nobody_edits_the_dashboards_in_grafana():
    providers = catalogue.load_yaml("deploy", "grafana", "provisioning", "dashboards", "kawal.yml")["providers"]
    assert [(p["allowUiUpdates"], p["disableDeletion"], p["type"]) for p in providers] == [(False, True, "file")]
    compose_path = catalogue.load_yaml("docker-compose.yml")["services"]["grafana"]["volumes"]
    assert f"./deploy/grafana/dashboards:{providers[0]['options']['path']}:ro" in compose_path
    for board in BOARDS.values():
        assert board["editable"] is False


def test_panel_ids_are_unique_and_panels_do_not_overlap():
    for board in BOARDS.values():
        ids = [p["id"] for p in board["panels"]]
        assert len(ids) == len(set(ids))
        cells = set()
        for p in board["panels"]:
            pos = p["gridPos"]
            assert pos["x"] + pos["w"] <= 24
            mine = {(x, y) for x in range(pos["x"], pos["x"] + pos["w"]) for y in range(pos["y"], pos["y"] + pos["h"])}
            assert not cells & mine, p["title"]
            cells |= mine


def test_scrape_time_gauges_are_read_once_however_many_replicas_report_them():
    # every api replica (and the routes worker) computes the same gauge from the database: max first, then sum
    gauges = catalogue.scrape_time_gauges()
    exprs = [expr for *_, expr in catalogue.dashboard_queries()] + [r["expr"] for r in catalogue.alert_rules()]
    for expr in exprs:
        for name in catalogue.metric_names(expr) & gauges:
            bare = re.sub(rf"max(?: by \([^)]*\))? \({name}\b|max\({name}\b|unless on \(contract\) {name}\b", "", expr)
            assert not re.search(rf"\b{name}\b", bare), expr
