"""ExportJob: a large download written by a background job.

A model of its own rather than another kind of `ImportJob`: an import job's columns (the
uploaded file, staged rows, validation counts, commit) and its states (validated, committing,
cancelled...) mean nothing to an export, and its sweep and retention would have to tell the
two apart at every step. An export needs only who asked, for what (the filter and the day),
its progress, and until when its file is kept.

The file itself is in the database (`ExportFile`), as an import's upload is: any web process
serves it, whichever consumer wrote it.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from edabu_lite.database import str_enum, utcnow
from edabu_lite.extensions import db


class ExportKind(StrEnum):
    ROSTER = "roster"


class ExportStatus(StrEnum):
    QUEUED = "queued"  # asked, waiting for a consumer
    RUNNING = "running"  # being written
    DONE = "done"  # the file is stored (until `expires_at`, then removed: `removed_at`)
    FAILED = "failed"  # nothing to download; `error_detail` says why

    @property
    def finished(self) -> bool:
        return self in {ExportStatus.DONE, ExportStatus.FAILED}


class ExportJob(db.Model):
    __tablename__ = "export_job"
    __table_args__ = (sa.Index("ix_export_job_employer_created", "employer_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    employer_id: Mapped[int] = mapped_column(sa.ForeignKey("employer.id"))
    kind: Mapped[ExportKind] = mapped_column(str_enum(ExportKind, 10))
    status: Mapped[ExportStatus] = mapped_column(
        str_enum(ExportStatus, 10), default=ExportStatus.QUEUED
    )
    actor: Mapped[str] = mapped_column(sa.String(120))
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    #: The list's filter as asked (``q``, ``status``, ``jenis``) and the day its statuses are
    #: in effect on: the file is the list the user saw, whenever the job runs.
    filters: Mapped[dict] = mapped_column(sa.JSON)
    day: Mapped[date] = mapped_column()
    rows_total: Mapped[int] = mapped_column(default=0)  # counted when asked
    rows_done: Mapped[int] = mapped_column(default=0)
    download_name: Mapped[str] = mapped_column(sa.String(120))
    file_size: Mapped[int | None] = mapped_column(sa.BigInteger)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column()
    # Written with every chunk of rows while RUNNING (`operations.run_export`).
    heartbeat_at: Mapped[datetime | None] = mapped_column()
    finished_at: Mapped[datetime | None] = mapped_column()
    expires_at: Mapped[datetime | None] = mapped_column()
    removed_at: Mapped[datetime | None] = mapped_column()
    error_detail: Mapped[str | None] = mapped_column(sa.Text)


class ExportFile(db.Model):
    """A done job's file, apart from the job row so listing jobs stays light; stored in the
    transaction that marks the job done, deleted by the purge (`upkeep`)."""

    __tablename__ = "export_file"

    job_id: Mapped[int] = mapped_column(
        sa.ForeignKey("export_job.id", ondelete="CASCADE"), primary_key=True
    )
    content: Mapped[bytes] = mapped_column(sa.LargeBinary)
