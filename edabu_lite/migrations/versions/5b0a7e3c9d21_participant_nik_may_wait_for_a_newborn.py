"""participant.nik may be NULL: a newborn child whose NIK has not arrived yet

Revision ID: 5b0a7e3c9d21
Revises: 0f8234c40e3b
Create Date: 2026-12-05 13:50:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5b0a7e3c9d21'
down_revision = '0f8234c40e3b'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('participant', schema=None) as batch_op:
        batch_op.alter_column('nik', existing_type=sa.String(length=16), nullable=True)


def downgrade():
    # Fails while a newborn still waits for a NIK: give them their NIK (a roster upload) first.
    with op.batch_alter_table('participant', schema=None) as batch_op:
        batch_op.alter_column('nik', existing_type=sa.String(length=16), nullable=False)
