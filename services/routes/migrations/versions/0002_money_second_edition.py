"""issue 11: the contract copy folds amendments by number and knows its days in force; force majeure; evidence times

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

UUID = sa.UUID(as_uuid=False)
INSTANT = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.add_column("contracts", sa.Column("activated_on", sa.Date(), nullable=True))
    op.add_column("contracts", sa.Column("base_terms", postgresql.JSONB(), nullable=True))
    op.create_table(
        "contract_amendments",
        sa.Column("contract_id", UUID, nullable=False),
        sa.Column("amendment_no", sa.Integer(), nullable=False),
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.Column("changes", postgresql.JSONB(), nullable=False),
        sa.Column("received_at", INSTANT, nullable=False),
        sa.PrimaryKeyConstraint("contract_id", "amendment_no", name=op.f("pk_contract_amendments")),
    )
    op.create_table(
        "contract_status_changes",
        sa.Column("contract_id", UUID, nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("at", INSTANT, nullable=False),
        sa.PrimaryKeyConstraint("contract_id", "status", "at", name=op.f("pk_contract_status_changes")),
    )
    op.create_table(
        "contract_days_out",
        sa.Column("contract_id", UUID, nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("contract_id", "date", name=op.f("pk_contract_days_out")),
    )
    op.create_table(
        "issued_months",
        sa.Column("contract_id", UUID, nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("received_at", INSTANT, nullable=False),
        sa.PrimaryKeyConstraint("contract_id", "month", name=op.f("pk_issued_months")),
    )
    op.create_table(
        "force_majeure_days",
        sa.Column("id", UUID, nullable=False),
        sa.Column("contract_id", UUID, nullable=False),
        sa.Column("contractor_id", UUID, nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("kecamatan", postgresql.ARRAY(sa.String(length=60)), nullable=False),
        sa.Column("whole_contract", sa.Boolean(), nullable=False),
        sa.Column("pickups_excused", sa.Integer(), nullable=False),
        sa.Column("declared_at", INSTANT, nullable=False),
        sa.Column("declared_by", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["contract_id"], ["contracts.id"], name=op.f("fk_force_majeure_days_contract_id_contracts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_force_majeure_days")),
    )
    op.create_index("ix_force_majeure_days_contract_date", "force_majeure_days", ["contract_id", "date"])
    op.add_column("complaints", sa.Column("resolved_at_claimed", INSTANT, nullable=True))
    op.add_column("complaints", sa.Column("resolution_received_at", INSTANT, nullable=True))
    op.add_column("daily_evaluations", sa.Column("in_force", sa.Boolean(), server_default="true", nullable=False))
    op.add_column("daily_evaluations", sa.Column("force_majeure", sa.Boolean(), server_default="false", nullable=False))
    op.add_column("monthly_evaluations", sa.Column("revision", sa.Integer(), server_default="1", nullable=False))
    op.add_column("breaches", sa.Column("revision", sa.Integer(), server_default="1", nullable=False))
    op.add_column("breaches", sa.Column("withdrawn_at", INSTANT, nullable=True))
    op.add_column("breaches", sa.Column("withdrawn_reason", sa.Text(), nullable=True))
    # a withdrawn breach stays withdrawn; if the measure fails again, that is a new breach
    op.drop_constraint("uq_breaches_contract_month_measure", "breaches", type_="unique")
    op.create_index(
        "uq_breaches_live_contract_month_measure",
        "breaches",
        ["contract_id", "month", "measure"],
        unique=True,
        postgresql_where=sa.text("withdrawn_at IS NULL"),
    )


def downgrade() -> None:
    op.drop_index("uq_breaches_live_contract_month_measure", "breaches")
    op.create_unique_constraint("uq_breaches_contract_month_measure", "breaches", ["contract_id", "month", "measure"])
    for table, column in (
        ("breaches", "withdrawn_reason"),
        ("breaches", "withdrawn_at"),
        ("breaches", "revision"),
        ("monthly_evaluations", "revision"),
        ("daily_evaluations", "force_majeure"),
        ("daily_evaluations", "in_force"),
        ("complaints", "resolution_received_at"),
        ("complaints", "resolved_at_claimed"),
        ("contracts", "base_terms"),
        ("contracts", "activated_on"),
    ):
        op.drop_column(table, column)
    op.drop_index("ix_force_majeure_days_contract_date", "force_majeure_days")
    for table in (
        "force_majeure_days",
        "issued_months",
        "contract_days_out",
        "contract_status_changes",
        "contract_amendments",
    ):
        op.drop_table(table)
