"""Alembic environment of the portal service."""

from services.portal.models import Base
from shared import migrations

migrations.run("portal", Base.metadata)
