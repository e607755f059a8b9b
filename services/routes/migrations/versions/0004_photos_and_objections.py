"""Join the two lines of routes migrations: photos (the crew app's branch) and the second edition with objections

Revision ID: 0004_photos_and_objections
Revises: 0003_objections, 0002_photos
Create Date: 2026-11-29 21:00:00
"""

revision = '0004_photos_and_objections'
down_revision = ('0003_objections', '0002_photos')
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass  # nothing to change: both parents' tables stand side by side


def downgrade() -> None:
    pass
