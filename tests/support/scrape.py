"""Scrape an app's /metrics in-process, as Prometheus does on the process's metrics port."""
from __future__ import annotations


def scrape(client) -> str:
    """The exposition text, asked on the app's metrics port (the API port has no /metrics)."""
    port = client.application.config["KAWAL_METRICS_PORT"]
    return client.get("/metrics", environ_overrides={"SERVER_PORT": str(port)}).get_data(as_text=True)
