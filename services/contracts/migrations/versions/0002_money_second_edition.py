"""issue 11: performance bond, amendment effective_from, withdrawn breaches, issued months

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("contracts", sa.Column("performance_bond_rp", sa.BigInteger(), nullable=True))
    op.add_column("amendments", sa.Column("effective_from", sa.Date(), nullable=True))
    op.add_column("breaches", sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("breaches", sa.Column("withdrawn_reason", sa.Text(), nullable=True))
    op.create_table(
        "issued_months",
        sa.Column("contract_id", sa.UUID(as_uuid=False), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("invoice_id", sa.UUID(as_uuid=False), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("contract_id", "month", name=op.f("pk_issued_months")),
    )


def downgrade() -> None:
    op.drop_table("issued_months")
    op.drop_column("breaches", "withdrawn_reason")
    op.drop_column("breaches", "withdrawn_at")
    op.drop_column("amendments", "effective_from")
    op.drop_column("contracts", "performance_bond_rp")
