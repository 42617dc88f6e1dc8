"""Mutation batches and their items.

A batch moves through draft → (submitted → approved) → applied, or ends rejected or cancelled;
an applied batch can be reverted by a new, reverse batch. Each item is one request on one
person with the plan computed for it (every person affected, before → after) and its issues.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Final

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from edabu_lite.database import str_enum, utcnow
from edabu_lite.extensions import db


class BatchStatus(StrEnum):
    DRAFT = "draft"  # planned, previewable, nothing changed yet
    SUBMITTED = "submitted"  # waiting for an admin's approval (maker-checker)
    APPROVED = "approved"  # approved, being applied
    APPLIED = "applied"
    REJECTED = "rejected"
    CANCELLED = "cancelled"


#: Statuses in which a batch changes nobody and never will: a roster sync may be drafted again.
ENDED_UNAPPLIED: Final = (BatchStatus.CANCELLED, BatchStatus.REJECTED)
_LIVE_SYNC = "sync_job_id IS NOT NULL AND status NOT IN ({})".format(
    ", ".join(f"'{s.value}'" for s in ENDED_UNAPPLIED)
)


class MutationBatch(db.Model):
    __tablename__ = "mutation_batch"
    __table_args__ = (
        sa.Index("ix_mutation_batch_employer_created", "employer_id", "created_at"),
        # At most one live draft per "roster lengkap" import, held by the database itself:
        # two HR staff posting the sync form at once, or one clicking twice, both plan, and
        # the later insert fails here (`roster.sync.create_draft` turns that into "already
        # made"). A cancelled or rejected draft changed nobody and leaves room for another.
        sa.Index(
            "uq_mutation_batch_sync_job",
            "sync_job_id",
            unique=True,
            postgresql_where=sa.text(_LIVE_SYNC),
            sqlite_where=sa.text(_LIVE_SYNC),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    employer_id: Mapped[int] = mapped_column(sa.ForeignKey("employer.id"))
    status: Mapped[BatchStatus] = mapped_column(
        str_enum(BatchStatus, 12), default=BatchStatus.DRAFT
    )
    source: Mapped[str] = mapped_column(sa.String(10))  # web / cli / sheet / revert
    title: Mapped[str | None] = mapped_column(sa.String(200))
    created_by: Mapped[str] = mapped_column(sa.String(120))
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column()
    submit_note: Mapped[str | None] = mapped_column(sa.String(500))  # for the reviewer
    reviewed_by: Mapped[str | None] = mapped_column(sa.String(120))
    reviewed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    reviewed_at: Mapped[datetime | None] = mapped_column()
    review_note: Mapped[str | None] = mapped_column(sa.String(500))
    applied_by: Mapped[str | None] = mapped_column(sa.String(120))
    applied_at: Mapped[datetime | None] = mapped_column()
    job_id: Mapped[int | None] = mapped_column(sa.ForeignKey("import_job.id"))  # mutation sheet
    #: The "roster lengkap" import whose missing workers this draft deactivates (`roster.sync`).
    sync_job_id: Mapped[int | None] = mapped_column(sa.ForeignKey("import_job.id"))
    reverts_batch_id: Mapped[int | None] = mapped_column(sa.ForeignKey("mutation_batch.id"))
    reverted_by_batch_id: Mapped[int | None] = mapped_column()
    items_count: Mapped[int] = mapped_column(default=0)
    error_items: Mapped[int] = mapped_column(default=0)
    affected: Mapped[int] = mapped_column(default=0)  # people whose membership changes

    def expired(self, now: datetime, draft_days: int) -> bool:
        """A draft older than ``draft_days`` is stale: the people may have changed since,
        so it can no longer be applied or submitted (only discarded)."""
        return (
            self.status == BatchStatus.DRAFT and self.created_at + timedelta(days=draft_days) <= now
        )


class MutationItem(db.Model):
    __tablename__ = "mutation_item"
    __table_args__ = (sa.Index("ix_mutation_item_batch", "batch_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(sa.ForeignKey("mutation_batch.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column()  # order of planning and applying
    row: Mapped[int | None] = mapped_column()  # sheet row, when from a sheet
    participant_id: Mapped[int | None] = mapped_column(sa.ForeignKey("participant.id"))
    nik: Mapped[str | None] = mapped_column(sa.String(16))
    kind: Mapped[str | None] = mapped_column(sa.String(20))
    reason: Mapped[str | None] = mapped_column(sa.String(30))
    effective_date: Mapped[date | None] = mapped_column()
    mandiri_class: Mapped[int | None] = mapped_column(sa.SmallInteger)
    phk_proof: Mapped[str | None] = mapped_column(sa.String(1))
    event_date: Mapped[date | None] = mapped_column()  # Tanggal Kejadian
    death_certificate: Mapped[str | None] = mapped_column(sa.String(50))
    note: Mapped[str | None] = mapped_column(sa.String(500))
    exclude: Mapped[list | None] = mapped_column(sa.JSON)  # dependant ids left out
    include: Mapped[list | None] = mapped_column(sa.JSON)  # dependant ids brought back
    issues: Mapped[list] = mapped_column(sa.JSON, default=list)
    has_error: Mapped[bool] = mapped_column(default=False)
    changes: Mapped[list] = mapped_column(sa.JSON, default=list)  # planned changes, JSON
    notes: Mapped[list] = mapped_column(sa.JSON, default=list)
