"""Excused days: shortfall days and complaint overdue days excused by accepted objections

Revision ID: 0003_objections
Revises: 0002
Create Date: 2026-11-29 20:15:41.681460
"""

import sqlalchemy as sa
from alembic import op

revision = "0003_objections"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "excused_days",
        sa.Column("contract_id", sa.UUID(as_uuid=False), nullable=False),
        sa.Column("measure", sa.String(length=20), nullable=False),
        sa.Column("ref", sa.String(length=64), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("objection_id", sa.UUID(as_uuid=False), nullable=False),
        sa.Column("excused_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("contract_id", "measure", "ref", name=op.f("pk_excused_days")),
    )


def downgrade() -> None:
    op.drop_table("excused_days")
