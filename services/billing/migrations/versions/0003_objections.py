"""Objections (keberatan), the invoice digests the berita acara prints, contractor names and contract areas

Revision ID: 0003_objections
Revises: 0002_money_loop
Create Date: 2026-11-29 20:13:34.941378
"""

import sqlalchemy as sa
from alembic import op

revision = "0003_objections"
down_revision = "0002_money_loop"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "contract_areas",
        sa.Column("contract_id", sa.UUID(as_uuid=False), nullable=False),
        sa.Column("kawasan", sa.String(length=120), nullable=False),
        sa.Column("kecamatan", sa.ARRAY(sa.String(length=80)), nullable=False),
        sa.PrimaryKeyConstraint("contract_id", name=op.f("pk_contract_areas")),
    )
    op.create_table(
        "contractors",
        sa.Column("id", sa.UUID(as_uuid=False), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("npwp", sa.String(length=40), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contractors")),
    )
    op.create_table(
        "excused_complaint_days",
        sa.Column("complaint_id", sa.UUID(as_uuid=False), nullable=False),
        sa.Column("day_no", sa.Integer(), nullable=False),
        sa.Column("contract_id", sa.UUID(as_uuid=False), nullable=False),
        sa.PrimaryKeyConstraint("complaint_id", "day_no", name=op.f("pk_excused_complaint_days")),
    )
    op.create_table(
        "invoice_digests",
        sa.Column("invoice_id", sa.UUID(as_uuid=False), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("canonical", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["invoice_id"], ["invoices.id"], name=op.f("fk_invoice_digests_invoice_id_invoices"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("invoice_id", name=op.f("pk_invoice_digests")),
        sa.UniqueConstraint("sha256", name=op.f("uq_invoice_digests_sha256")),
    )
    op.create_table(
        "objections",
        sa.Column("id", sa.UUID(as_uuid=False), nullable=False),
        sa.Column("invoice_id", sa.UUID(as_uuid=False), nullable=False),
        sa.Column("contract_id", sa.UUID(as_uuid=False), nullable=False),
        sa.Column("contractor_id", sa.UUID(as_uuid=False), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("ref", sa.String(length=64), nullable=False),
        sa.Column("fact_month", sa.String(length=7), nullable=False),
        sa.Column("fact_date", sa.Date(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("photo_sha256", sa.ARRAY(sa.String(length=64)), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("filed_by", sa.String(length=200), nullable=False),
        sa.Column("filed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("idempotency_key", sa.String(length=200), nullable=True),
        sa.Column("decision_reason", sa.Text(), nullable=True),
        sa.Column("decided_by", sa.String(length=200), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["invoice_id"], ["invoices.id"], name=op.f("fk_objections_invoice_id_invoices")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_objections")),
        sa.UniqueConstraint("contract_id", "kind", "ref", name="uq_objections_evidence"),
    )
    op.create_index("ix_objections_contractor_status", "objections", ["contractor_id", "status"], unique=False)
    op.create_index("ix_objections_invoice", "objections", ["invoice_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_objections_invoice", table_name="objections")
    op.drop_index("ix_objections_contractor_status", table_name="objections")
    op.drop_table("objections")
    op.drop_table("invoice_digests")
    op.drop_table("contractors")
    op.drop_table("contract_areas")
    op.drop_table("excused_complaint_days")
