"""audit_event: the action index leaves out the import's per-person events

Revision ID: fc2d0e64b497
Revises: 184e94f228d3
Create Date: 2026-12-04 18:22:58.936701

A roster import writes one audit event per person it inserts, all with one action; an index
entry for each cost a 100,000-person import ~0.1 s on PostgreSQL, to serve a filter that
finds those events paging by seq anyway. The index becomes partial: every other action.
Alembic's autogenerate does not compare an index's WHERE clause, hence written by hand.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'fc2d0e64b497'
down_revision = '184e94f228d3'
branch_labels = None
depends_on = None


BULK = "action <> 'participant.import_insert'"


def upgrade():
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_event_employer_action")
        batch_op.create_index(
            "ix_audit_event_employer_action",
            ["employer_id", "action"],
            unique=False,
            postgresql_where=sa.text(BULK),
            sqlite_where=sa.text(BULK),
        )


def downgrade():
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_event_employer_action")
        batch_op.create_index(
            "ix_audit_event_employer_action", ["employer_id", "action"], unique=False
        )
