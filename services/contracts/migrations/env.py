"""Alembic environment of the contracts service."""

from services.contracts.models import Base
from shared import migrations

migrations.run("contracts", Base.metadata)
