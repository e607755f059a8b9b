"""The outbox keeps each envelope as the JSON text it will be published as (json, not jsonb).

Revision ID: platform_0002
Revises: platform_0001
Create Date: 2026-11-30

An envelope is written once, read once by the relay as the message body and then only aged out: jsonb parsed every
envelope into its binary form on the way in and printed it back to text on the way out. The sweep builds its
300,000 envelopes as text (shared.outbox.insert_from_rows), and the relay reads the stored text as it is. The
operators the code and the checks use (-> and ->>) are the same for json.
"""

from alembic import op

revision = "platform_0002"
down_revision = "platform_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("ALTER TABLE outbox ALTER COLUMN envelope TYPE json USING envelope::json")


def downgrade() -> None:
    op.execute("ALTER TABLE outbox ALTER COLUMN envelope TYPE jsonb USING envelope::jsonb")
