"""photos: the photo store's index, and a complaint resolution's photo

Revision ID: 0003_photos
Revises: 0003_objections (chained after the money-loop and objections revisions at merge)
Create Date: 2026-11-29 20:20:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0003_photos"
down_revision = "0003_objections"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "photos",
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("owner", sa.String(length=40), nullable=False),
        sa.Column("content_type", sa.String(length=40), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("uploaded_by", sa.String(length=200), nullable=False),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("sha256", "owner", name=op.f("pk_photos")),
    )
    op.add_column("complaints", sa.Column("resolution_photo_sha256", sa.String(length=64), nullable=True))


def downgrade() -> None:
    op.drop_column("complaints", "resolution_photo_sha256")
    op.drop_table("photos")
