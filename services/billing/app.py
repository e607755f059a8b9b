"""The billing service's Flask app."""
from __future__ import annotations

from flask import Flask

from services.billing import gauges
from services.billing.api import invoices_blp, ledger_blp
from services.billing.api_objections import documents_blp, objections_blp
from shared.web import create_service_app


def create_app(config: dict | None = None) -> Flask:
    app = create_service_app("billing", "Kawal billing (tagihan)",
                             [invoices_blp, ledger_blp, objections_blp, documents_blp], config)
    gauges.register(app.config["KAWAL_DATABASE_URL"])
    return app
