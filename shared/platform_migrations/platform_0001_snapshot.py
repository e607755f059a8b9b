"""Platform tables (outbox, inbox, audit_log), frozen snapshot: the first revision of the platform branch.

Revision ID: platform_0001
Revises:
Create Date: 2026-11-29

Every service's first revision depends on this one. Frozen: a change to a platform table is a new revision in
this directory (see docs/DEVELOPING.md), never an edit here. A database made before the platform branch existed
already has these tables (its first service revision created them): each is created only when absent.
"""

import sqlalchemy as sa
from alembic import context, op
from sqlalchemy.dialects import postgresql

revision = "platform_0001"
down_revision = None
branch_labels = ("platform",)
depends_on = None


def _absent(table: str) -> bool:
    # offline (`--sql`) there is no database to ask: the script is for a new one
    return context.is_offline_mode() or not sa.inspect(op.get_bind()).has_table(table)


def upgrade() -> None:
    if _absent("audit_log"):
        op.create_table(
            "audit_log",
            sa.Column("seq", sa.BigInteger(), sa.Identity(always=False), nullable=False),
            sa.Column("at", sa.DateTime(timezone=True), nullable=False),
            sa.Column("actor", sa.String(length=200), nullable=False),
            sa.Column("role", sa.String(length=20), nullable=False),
            sa.Column("action", sa.String(length=80), nullable=False),
            sa.Column("object_type", sa.String(length=60), nullable=False),
            sa.Column("object_id", sa.String(length=80), nullable=False),
            sa.Column("detail", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
            sa.Column("prev_hash", sa.String(length=64), nullable=False),
            sa.Column("hash", sa.String(length=64), nullable=False),
            sa.PrimaryKeyConstraint("seq", name=op.f("pk_audit_log")),
        )
    if _absent("inbox"):
        op.create_table(
            "inbox",
            sa.Column("event_id", sa.UUID(as_uuid=False), nullable=False),
            sa.Column("type", sa.String(length=120), nullable=False),
            sa.Column("applied_at", sa.DateTime(timezone=True), nullable=False),
            sa.PrimaryKeyConstraint("event_id", name=op.f("pk_inbox")),
        )
    if _absent("outbox"):
        op.create_table(
            "outbox",
            sa.Column("seq", sa.BigInteger(), sa.Identity(always=False), nullable=False),
            sa.Column("id", sa.UUID(as_uuid=False), nullable=False),
            sa.Column("type", sa.String(length=120), nullable=False),
            sa.Column("envelope", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
            sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
            sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
            sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
            sa.Column("last_error", sa.Text(), nullable=True),
            sa.PrimaryKeyConstraint("seq", name=op.f("pk_outbox")),
            sa.UniqueConstraint("id", name=op.f("uq_outbox_id")),
        )
        op.create_index(
            "ix_outbox_unsent", "outbox", ["seq"], unique=False, postgresql_where=sa.text("sent_at IS NULL")
        )


def downgrade() -> None:
    op.drop_index("ix_outbox_unsent", table_name="outbox", postgresql_where=sa.text("sent_at IS NULL"))
    op.drop_table("outbox")
    op.drop_table("inbox")
    op.drop_table("audit_log")
