"""mutation_batch.sync_job_id: the "roster lengkap" import a sync draft came from

Revision ID: 2b8206af3f03
Revises: 1f5e80781f06
Create Date: 2026-12-05 16:50:31.404958

At most one live draft per import: a partial unique index over the batches not cancelled
or rejected (those changed nobody, so the sync may be drafted again). Alembic's
autogenerate does not compare an index's WHERE clause: keep it equal to the model's.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "2b8206af3f03"
down_revision = "1f5e80781f06"
branch_labels = None
depends_on = None


LIVE_SYNC = "sync_job_id IS NOT NULL AND status NOT IN ('cancelled', 'rejected')"


def upgrade():
    with op.batch_alter_table("mutation_batch", schema=None) as batch_op:
        batch_op.add_column(sa.Column("sync_job_id", sa.Integer(), nullable=True))
        batch_op.create_index(
            "uq_mutation_batch_sync_job",
            ["sync_job_id"],
            unique=True,
            postgresql_where=sa.text(LIVE_SYNC),
            sqlite_where=sa.text(LIVE_SYNC),
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_mutation_batch_sync_job_id_import_job"),
            "import_job",
            ["sync_job_id"],
            ["id"],
        )


def downgrade():
    with op.batch_alter_table("mutation_batch", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_mutation_batch_sync_job_id_import_job"), type_="foreignkey"
        )
        batch_op.drop_index("uq_mutation_batch_sync_job")
        batch_op.drop_column("sync_job_id")
