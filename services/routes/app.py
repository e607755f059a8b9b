"""The routes service's Flask app: points, vehicles, routes, pickups and their evidence, weighings, complaints."""

from flask import Flask

from services.routes.api import BLUEPRINTS
from services.routes.bootstrap import bootstrap
from shared.bootstrap import Settings
from shared.web import create_service_app


def create_app(config: dict | None = None) -> Flask:
    return create_service_app(
        bootstrap(Settings.from_environment("routes", config)), "Kawal routes", BLUEPRINTS, config
    )
