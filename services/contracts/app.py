"""The contracts service's Flask app: contractors, contracts, amendments, warning letters, breaches."""

from __future__ import annotations

from flask import Flask

from services.contracts.api import BLUEPRINTS
from services.contracts.bootstrap import bootstrap
from shared.bootstrap import Settings
from shared.web import create_service_app


def create_app(config: dict | None = None) -> Flask:
    return create_service_app(
        bootstrap(Settings.from_environment("contracts", config)), "Kawal contracts", BLUEPRINTS, config
    )
