"""The routes API's blueprints, one module per resource family (each view thin: load, one call, dump)."""
from services.routes import api_evidence, api_network, api_photos, api_pickups

BLUEPRINTS = [api_network.blp, api_pickups.blp, api_evidence.blp, api_photos.blp]
