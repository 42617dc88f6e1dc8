"""export_file: finished exports stored in the database, not in a folder (EXPORT_DIR)

A file written by a consumer on one host was not visible to a web process on another; the
file is now stored with the job. Files already written to the folder are not carried over:
jobs done before this revision are marked removed (their pages say so and offer to export
again), and the folder can be deleted.

Revision ID: 73ac8146c244
Revises: 58107d95ff9c
Create Date: 2026-12-05 14:45:51.673042

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '73ac8146c244'
down_revision = '58107d95ff9c'
branch_labels = None
depends_on = None

_job = sa.table(
    'export_job',
    sa.column('status', sa.String),
    sa.column('removed_at', sa.DateTime),
)


def _mark_done_jobs_removed():
    op.execute(
        _job.update()
        .where(_job.c.status == 'done', _job.c.removed_at.is_(None))
        .values(removed_at=sa.func.current_timestamp())
    )


def upgrade():
    op.create_table('export_file',
    sa.Column('job_id', sa.Integer(), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['job_id'], ['export_job.id'], name=op.f('fk_export_file_job_id_export_job'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('job_id', name=op.f('pk_export_file'))
    )
    _mark_done_jobs_removed()
    with op.batch_alter_table('export_job', schema=None) as batch_op:
        batch_op.drop_column('stored_name')


def downgrade():
    # The stored files are dropped with their table: the jobs say their file was removed.
    _mark_done_jobs_removed()
    with op.batch_alter_table('export_job', schema=None) as batch_op:
        batch_op.add_column(sa.Column('stored_name', sa.VARCHAR(length=120), nullable=False, server_default=''))

    op.drop_table('export_file')
