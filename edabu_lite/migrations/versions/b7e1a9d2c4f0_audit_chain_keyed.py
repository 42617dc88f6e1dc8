"""audit_event: the chain signed with a key held outside the database; append-only on SQLite

Every employer's chain is first checked as it was (plain SHA-256), then signed again, event
by event, with the key file's current key (see edabu_lite/audit/keys.py), and closed by an
``audit.key_rotated`` event saying how many events were signed again and whether the old
chain held: tampering before this upgrade stays visible in the trail. SQLite gets triggers
that refuse UPDATE and DELETE on the table, as PostgreSQL already has.

Revision ID: b7e1a9d2c4f0
Revises: 7dff723786b9
Create Date: 2026-12-05 05:50:00
"""

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "b7e1a9d2c4f0"
down_revision = "7dff723786b9"
branch_labels = None
depends_on = None

_COLUMNS = (
    "id", "employer_id", "seq", "created_at", "actor", "actor_user_id", "source", "action",
    "target_type", "target_id", "target_label", "nik", "before", "after", "batch_id",
    "job_id", "client_addr", "prev_hash", "hash",
)  # fmt: skip
_TYPES = {"created_at": sa.DateTime(), "before": sa.JSON(), "after": sa.JSON()}
events = sa.table("audit_event", *(sa.column(name, _TYPES.get(name)) for name in _COLUMNS))
employers = sa.table(
    "employer", sa.column("id"), sa.column("audit_seq"), sa.column("audit_head")
)

SQLITE_TRIGGERS = {
    "audit_event_no_update": "UPDATE",
    "audit_event_no_delete": "DELETE",
}


def upgrade():
    # The app's own chain functions and key file: the hash must be what verification computes.
    from edabu_lite.audit.chain import HASHED_FIELDS, canonical, unkeyed
    from edabu_lite.audit.keys import keyring

    bind = op.get_bind()
    postgresql = bind.dialect.name == "postgresql"
    ring = keyring()
    sign = ring.signer()
    if postgresql:
        op.execute("ALTER TABLE audit_event DISABLE TRIGGER audit_event_append_only")
    for employer_id, audit_seq, audit_head in bind.execute(
        sa.select(employers.c.id, employers.c.audit_seq, employers.c.audit_head)
    ).all():
        rows = bind.execute(
            sa.select(events).where(events.c.employer_id == employer_id)
            .order_by(events.c.seq, events.c.id)
        ).mappings()  # fmt: skip
        held, old, new, count, updates = True, None, None, 0, []
        for row in rows:
            count += 1
            fields = {name: row[name] for name in HASHED_FIELDS}
            data = canonical(fields).encode()
            if row["seq"] != count or row["prev_hash"] != old or unkeyed(data) != row["hash"]:
                held = False
            old = row["hash"]
            fields["prev_hash"] = new
            new = sign(canonical(fields).encode())
            updates.append({"event_id": row["id"], "new_prev": fields["prev_hash"], "new": new})
        if (audit_seq or 0) != count or audit_head != old:
            held = False
        for start in range(0, len(updates), 5000):
            bind.execute(
                events.update()
                .where(events.c.id == sa.bindparam("event_id"))
                .values(prev_hash=sa.bindparam("new_prev"), hash=sa.bindparam("new")),
                updates[start : start + 5000],
            )
        closing = {
            "employer_id": employer_id,
            "seq": count + 1,
            "created_at": datetime.now(UTC).replace(tzinfo=None),
            "actor": "migrasi",
            "actor_user_id": None,
            "source": "cli",
            "action": "audit.key_rotated",
            "target_type": "audit",
            "target_id": None,
            "target_label": ring.current,
            "nik": None,
            "before": None,
            "after": {
                "key_id": ring.current,
                "previous_key_id": None,
                "signed_again": count,
                "chain_held": held,
            },
            "batch_id": None,
            "job_id": None,
            "client_addr": None,
            "prev_hash": new,
        }
        closing["hash"] = sign(canonical(closing).encode())
        bind.execute(events.insert().values(**closing))
        bind.execute(
            employers.update()
            .where(employers.c.id == employer_id)
            .values(audit_seq=count + 1, audit_head=closing["hash"])
        )
    if postgresql:
        op.execute("ALTER TABLE audit_event ENABLE TRIGGER audit_event_append_only")
    else:
        for name, operation in SQLITE_TRIGGERS.items():
            op.execute(
                f"CREATE TRIGGER {name} BEFORE {operation} ON audit_event BEGIN "
                f"SELECT RAISE(ABORT, 'audit_event is append-only: {operation} is not allowed'); "
                "END"
            )


def downgrade():
    # The events stay signed with the key: an older version reads them as edited.
    if op.get_bind().dialect.name == "sqlite":
        for name in SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
