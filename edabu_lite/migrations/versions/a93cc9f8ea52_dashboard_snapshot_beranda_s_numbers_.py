"""dashboard_snapshot: Beranda's numbers kept per data version, shared by every process

Revision ID: a93cc9f8ea52
Revises: 2b8206af3f03
Create Date: 2026-12-05 16:53:42.485640

Empty at first: each employer's numbers are computed by its first visit or its first
change's refresh job.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "a93cc9f8ea52"
down_revision = "2b8206af3f03"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "dashboard_snapshot",
        sa.Column("employer_id", sa.Integer(), nullable=False),
        sa.Column("part", sa.String(length=20), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("audit_seq", sa.BigInteger(), nullable=False),
        sa.Column("computed_at", sa.DateTime(), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["employer_id"],
            ["employer.id"],
            name=op.f("fk_dashboard_snapshot_employer_id_employer"),
        ),
        sa.PrimaryKeyConstraint("employer_id", "part", name=op.f("pk_dashboard_snapshot")),
    )


def downgrade():
    op.drop_table("dashboard_snapshot")
