"""The append-only audit trail.

Each event carries the hash of the previous event of the same employer and the hash of its
own canonical content, so editing, deleting or reordering an event breaks the chain.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from edabu_lite.database import utcnow
from edabu_lite.extensions import db

#: The action of the events a roster import writes, one per person it inserts.
BULK_ACTION = "participant.import_insert"


class AuditEvent(db.Model):
    __tablename__ = "audit_event"
    # Few indexes: an import writes one event per person (100,000 in one commit) and each
    # index costs every one of them. The viewer pages by seq; a person's history and the NIK
    # filter go through the NIK (every participant event has one). The action index serves
    # the action filter and its drop-down, and leaves out the import's per-person events
    # (`BULK_ACTION`): they are most of the trail, a filter on them finds them paging by seq,
    # and leaving them out spares the import ~0.1 s per 100,000. A date filter scans by seq.
    __table_args__ = (
        sa.UniqueConstraint("employer_id", "seq"),
        sa.Index(
            "ix_audit_event_employer_action",
            "employer_id",
            "action",
            postgresql_where=sa.text(f"action <> '{BULK_ACTION}'"),
            sqlite_where=sa.text(f"action <> '{BULK_ACTION}'"),
        ),
    )

    id: Mapped[int] = mapped_column(
        sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True
    )
    # No foreign keys, on purpose: the trail records who did what at the time and must outlive
    # (and never hold back) the rows it names; the append-only trigger and the hash chain,
    # anchored at the employer's head, guard it. A key check costs each event as much as an
    # index (~0.25 s per 100,000 events on PostgreSQL, twice for a web user's import).
    employer_id: Mapped[int] = mapped_column()
    seq: Mapped[int] = mapped_column(sa.BigInteger)  # position in the employer's chain, from 1
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    actor: Mapped[str] = mapped_column(sa.String(120))  # username, or the CLI's named actor
    actor_user_id: Mapped[int | None] = mapped_column()  # the user's id then, if a web user
    source: Mapped[str] = mapped_column(sa.String(10))  # web / cli / api / job
    action: Mapped[str] = mapped_column(sa.String(60))  # dotted, e.g. "auth.login"
    target_type: Mapped[str | None] = mapped_column(sa.String(40))
    target_id: Mapped[str | None] = mapped_column(sa.String(64))
    target_label: Mapped[str | None] = mapped_column(sa.String(200))  # masked NIK, username…
    nik: Mapped[str | None] = mapped_column(sa.String(16), index=True)  # full, protected table
    before: Mapped[dict | None] = mapped_column(sa.JSON)
    after: Mapped[dict | None] = mapped_column(sa.JSON)
    batch_id: Mapped[int | None] = mapped_column()
    job_id: Mapped[int | None] = mapped_column()
    client_addr: Mapped[str | None] = mapped_column(sa.String(64))
    prev_hash: Mapped[str | None] = mapped_column(sa.String(64))
    hash: Mapped[str] = mapped_column(sa.String(64))
