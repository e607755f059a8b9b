"""The routes API's blueprints, one module per resource (each view thin: load, call one domain function in a
transaction, dump). app.py registers BLUEPRINTS in this order."""

from services.routes.api import complaints, compliance, force_majeure, network, photos, pickups, weighings

BLUEPRINTS = [network.blp, pickups.blp, weighings.blp, complaints.blp, compliance.blp, force_majeure.blp, photos.blp]
