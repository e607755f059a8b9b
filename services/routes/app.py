"""The routes service's Flask app: points, vehicles, routes, pickups and their evidence, weighings, complaints."""
from flask import Flask

from shared.web import create_service_app
from services.routes.api import BLUEPRINTS


def create_app(config: dict | None = None) -> Flask:
    app = create_service_app("routes", "Kawal routes", BLUEPRINTS, config)
    return app
