"""The billing service's Flask app."""

from __future__ import annotations

from flask import Flask

from services.billing.api import BLUEPRINTS
from services.billing.bootstrap import bootstrap
from shared.bootstrap import Settings
from shared.web import create_service_app


def create_app(config: dict | None = None) -> Flask:
    return create_service_app(
        bootstrap(Settings.from_environment("billing", config)), "Kawal billing (tagihan)", BLUEPRINTS, config
    )
