"""import_job.full_roster: an upload marked "roster lengkap" (the monthly sync)

Revision ID: f38e1bebb571
Revises: 73ac8146c244
Create Date: 2026-12-05 14:45:50.617169

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "f38e1bebb571"
down_revision = "73ac8146c244"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("import_job", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("full_roster", sa.Boolean(), server_default=sa.false(), nullable=False)
        )


def downgrade():
    with op.batch_alter_table("import_job", schema=None) as batch_op:
        batch_op.drop_column("full_roster")
