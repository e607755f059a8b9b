"""Alembic environment of the routes service."""

from services.routes.models import Base
from shared import migrations

migrations.run("routes", Base.metadata)
