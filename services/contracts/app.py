"""The contracts service's Flask app: contractors, contracts, amendments, warning letters, breaches."""
from __future__ import annotations

from flask import Flask

from services.contracts import gauges
from services.contracts.api import BLUEPRINTS
from shared.web import create_service_app


def create_app(config: dict | None = None) -> Flask:
    app = create_service_app("contracts", "Kawal contracts", BLUEPRINTS, config)
    gauges.install(app.config["KAWAL_DATABASE_URL"])
    return app
