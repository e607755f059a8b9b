"""Finding 7: /docs serves Swagger UI from a pinned package on the same origin, so it renders without internet."""
from __future__ import annotations

import importlib
import os
import re
import shutil
import subprocess
import tempfile

import pytest

from tests.support import fuzz


@pytest.mark.parametrize("service", ["contracts", "routes", "billing"])
def test_docs_load_swagger_ui_from_the_same_origin(service, contracts_db, routes_db, billing_db, amqp_url):
    client = importlib.import_module(f"services.{service}.app").create_app({"TESTING": True}).test_client()
    page = client.get("/docs").get_data(as_text=True)
    sources = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert sources and all(source.startswith("/docs/assets/") for source in sources), sources
    for source in sources:
        asset = client.get(source)
        assert asset.status_code == 200 and len(asset.data) > 1000, source


def _chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def test_docs_render_in_a_headless_browser_without_internet(contracts_db, amqp_url):
    """A screenshot of /docs is not blank: Swagger UI drew the operations (kept as docs-contracts.png on failure)."""
    chromium = _chromium()
    assert chromium, "chromium is a test dependency (scripts/ensure-tools.sh installs it)"
    with fuzz.serving("contracts") as url, tempfile.TemporaryDirectory() as scratch:
        dom = subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--virtual-time-budget=8000",
                              "--proxy-server=127.0.0.1:9", "--proxy-bypass-list=127.0.0.1",  # no internet
                              f"--user-data-dir={scratch}/profile", "--dump-dom", f"{url}/docs"],
                             capture_output=True, text=True, timeout=90)
        assert "opblock" in dom.stdout, dom.stderr[-2000:]  # Swagger UI rendered operation blocks
        assert "/api/v1/contracts" in dom.stdout
        shot = os.path.join(scratch, "docs.png")
        subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--virtual-time-budget=8000",
                        "--proxy-server=127.0.0.1:9", "--proxy-bypass-list=127.0.0.1",
                        f"--user-data-dir={scratch}/profile2", "--window-size=1200,900", f"--screenshot={shot}",
                        f"{url}/docs"], capture_output=True, timeout=90)
        assert os.path.getsize(shot) > 20_000  # a blank page is a few kB
