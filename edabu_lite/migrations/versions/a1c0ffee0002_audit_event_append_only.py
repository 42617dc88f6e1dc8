"""audit_event is append-only on PostgreSQL: a trigger rejects UPDATE and DELETE

Revision ID: a1c0ffee0002
Revises: 6067f57b9979
Create Date: 2026-11-22 15:00:00

SQLite has no per-role permissions worth the name; there the hash chain alone makes
tampering evident (``edabu audit verify``).
"""
from alembic import op

revision = "a1c0ffee0002"
down_revision = "6067f57b9979"
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("""
        CREATE OR REPLACE FUNCTION audit_event_append_only() RETURNS trigger AS $$
        BEGIN
            RAISE EXCEPTION 'audit_event is append-only: % is not allowed', TG_OP
                USING ERRCODE = 'insufficient_privilege';
        END;
        $$ LANGUAGE plpgsql
    """)
    op.execute("""
        CREATE TRIGGER audit_event_append_only
        BEFORE UPDATE OR DELETE ON audit_event
        FOR EACH ROW EXECUTE FUNCTION audit_event_append_only()
    """)


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP TRIGGER IF EXISTS audit_event_append_only ON audit_event")
    op.execute("DROP FUNCTION IF EXISTS audit_event_append_only()")
