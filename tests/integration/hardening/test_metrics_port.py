"""Finding 2 (and 8's ports): /metrics is never on the API port; the metrics port serves only /metrics, on
localhost by default, optionally behind a scrape token; label values come from fixed sets."""
from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest
import requests

from shared import auth, metrics
from tests.support.system import ROOT, free_ports

DINAS = {"Authorization": f"Bearer {auth.mint('dinas')}"}


def _start(service: str, api_port: int, metrics_port: int, **env) -> subprocess.Popen:
    """The Procfile's api line: gunicorn binding the API port and the metrics port."""
    return subprocess.Popen(
        [os.path.join(os.path.dirname(sys.executable), "gunicorn"), "-c", "python:shared.gunicorn_conf",
         "-b", f"127.0.0.1:{api_port}", "-b", f"127.0.0.1:{metrics_port}", f"services.{service}.app:create_app()"],
        cwd=ROOT, env={**os.environ, "KAWAL_API_WORKERS": "2", f"KAWAL_{service.upper()}_API_METRICS_PORT":
                       str(metrics_port), **env}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


@pytest.fixture
def billing_api(billing_db, amqp_url, tmp_path):
    api_port, metrics_port = free_ports(2)
    process = _start("billing", api_port, metrics_port, PROMETHEUS_MULTIPROC_DIR=str(tmp_path))
    deadline = time.monotonic() + 60
    while True:
        try:
            requests.get(f"http://127.0.0.1:{api_port}/healthz", timeout=1)
            break
        except requests.RequestException:
            assert time.monotonic() < deadline and process.poll() is None, "billing api did not start"
            time.sleep(0.2)
    yield f"http://127.0.0.1:{api_port}", f"http://127.0.0.1:{metrics_port}"
    process.terminate()
    process.wait(timeout=20)


def test_the_api_port_does_not_serve_metrics_even_with_a_token(billing_api):
    api, _ = billing_api
    assert requests.get(f"{api}/metrics", timeout=5).status_code == 404
    assert requests.get(f"{api}/metrics", headers=DINAS, timeout=5).status_code == 404
    assert b"kawal_billing" not in requests.get(f"{api}/metrics", timeout=5).content


def test_the_metrics_port_serves_metrics_and_nothing_else(billing_api):
    api, metrics_url = billing_api
    requests.get(f"{api}/api/v1/invoices", headers=DINAS, timeout=5)
    page = requests.get(f"{metrics_url}/metrics", timeout=5)
    assert page.status_code == 200 and "kawal_billing_http_requests_total" in page.text
    assert requests.get(f"{metrics_url}/api/v1/invoices", headers=DINAS, timeout=5).status_code == 404
    assert requests.get(f"{metrics_url}/docs", timeout=5).status_code == 404


def test_a_host_header_naming_the_metrics_port_does_not_open_metrics_on_the_api_port(billing_api):
    api, metrics_url = billing_api
    port = metrics_url.rsplit(":", 1)[1]
    assert requests.get(f"{api}/metrics", headers={"Host": f"127.0.0.1:{port}"}, timeout=5).status_code == 404


def test_a_scrape_token_when_configured_is_required(billing_db, amqp_url, tmp_path):
    api_port, metrics_port = free_ports(2)
    process = _start("billing", api_port, metrics_port, KAWAL_METRICS_TOKEN="scrape-token-0123456789",
                     PROMETHEUS_MULTIPROC_DIR=str(tmp_path))
    try:
        url = f"http://127.0.0.1:{metrics_port}/metrics"
        deadline = time.monotonic() + 60
        while True:
            try:
                status = requests.get(url, timeout=1).status_code
                break
            except requests.RequestException:
                assert time.monotonic() < deadline, "billing api did not start"
                time.sleep(0.2)
        assert status == 401
        assert requests.get(url, headers={"Authorization": "Bearer scrape-token-0123456789"},
                            timeout=5).status_code == 200
    finally:
        process.terminate()
        process.wait(timeout=20)


def test_the_procfile_binds_every_api_metrics_port_to_localhost():
    with open(os.path.join(ROOT, "Procfile"), encoding="utf-8") as handle:
        lines = {line.split(":", 1)[0]: line for line in handle if line.strip() and not line.startswith("#")}
    for service in ("contracts", "routes", "billing"):
        assert f"-b 127.0.0.1:${{KAWAL_{service.upper()}_API_METRICS_PORT:-" in lines[f"{service}_api"]


def test_a_non_api_process_binds_metrics_to_localhost_by_default():
    port = free_ports(1)[0]
    code = ("import socket, sys; from shared import metrics; metrics.serve(%d); "
            "s = socket.socket(); print(s.connect_ex(('127.0.0.1', %d)))" % (port, port))
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=30,
                          env={k: v for k, v in os.environ.items() if k != "KAWAL_METRICS_HOST"})
    assert done.stdout.strip() == "0", done.stderr
    import socket
    listening = subprocess.run(["ss", "-ltn"], capture_output=True, text=True).stdout if os.path.exists(
        "/usr/bin/ss") or os.path.exists("/bin/ss") else ""
    assert f"0.0.0.0:{port}" not in listening


def test_an_unknown_http_method_is_counted_as_other(billing_db, amqp_url):
    from services.billing.app import create_app
    from tests.support.scrape import scrape

    app = create_app({"TESTING": True})
    client = app.test_client()
    client.open("/api/v1/invoices", method="BOMBASTIC", headers=DINAS)
    page = scrape(client)
    assert 'method="BOMBASTIC"' not in page
    assert 'method="other"' in page


def test_an_event_type_outside_the_catalogue_is_labelled_unknown():
    counters = metrics.events("hardening_labels")
    counters.parked.labels(type="evil.type.with-a-new-value-per-message").inc()
    counters.consumed.labels(type="routes.pickup.confirmed", outcome="applied").inc()
    page = metrics.exposition().decode()
    assert "evil.type" not in page
    assert 'kawal_hardening_labels_events_parked_total{type="unknown"} 1.0' in page
    assert 'type="routes.pickup.confirmed"' in page
