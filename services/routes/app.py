"""The routes service's Flask app: points, vehicles, routes, pickups and their evidence, weighings, complaints."""
from flask import Flask

from shared.web import create_service_app
from services.routes.api import BLUEPRINTS
from services.routes.worker import celery_init_app


def create_app(config: dict | None = None) -> Flask:
    app = create_service_app("routes", "Kawal routes", BLUEPRINTS, config)
    celery_init_app(app)  # the compliance tasks run in this app's context
    return app
