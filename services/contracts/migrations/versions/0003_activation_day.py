"""issue 11: the activation day as recorded (the SPMK date), which may precede the day it was keyed

Revision ID: 0003
Revises: 0002
"""
from alembic import op
import sqlalchemy as sa

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('contracts', sa.Column('activated_on', sa.Date(), nullable=True))


def downgrade() -> None:
    op.drop_column('contracts', 'activated_on')
