"""The routes service's Flask app: points, vehicles, routes, pickups and their evidence, weighings, complaints."""
from flask import Flask

from shared.web import create_service_app
from services.routes import gauges
from services.routes.api import BLUEPRINTS

_gauges_registered = False


def create_app(config: dict | None = None) -> Flask:
    global _gauges_registered
    app = create_service_app("routes", "Kawal routes", BLUEPRINTS, config)
    if not _gauges_registered:  # the collectors live in the process's registry: once, however many apps
        gauges.register(app.config["KAWAL_DATABASE_URL"])
        _gauges_registered = True
    return app
