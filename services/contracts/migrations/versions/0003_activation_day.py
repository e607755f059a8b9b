"""issue 11: the activation day as recorded (the SPMK date), which may precede the day it was keyed

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("contracts", sa.Column("activated_on", sa.Date(), nullable=True))


def downgrade() -> None:
    op.drop_column("contracts", "activated_on")
