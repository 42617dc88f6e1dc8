"""ImportJob, its uploaded file and its staged rows.

Everything a preview needs is in the database, so it survives a restart and any web worker
can serve it; the uploaded bytes are kept in the database too (no shared disk needed) and
dropped once the job is finished.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from edabu_lite.database import str_enum, utcnow
from edabu_lite.extensions import db


class JobKind(StrEnum):
    ROSTER = "roster"
    MUTATION = "mutation"


class JobStatus(StrEnum):
    QUEUED = "queued"  # uploaded, waiting for a consumer
    PROCESSING = "processing"  # reading and validating
    VALIDATED = "validated"  # preview ready
    REJECTED = "rejected"  # the file cannot be processed (file-level issues)
    FAILED = "failed"  # unexpected error; nothing was written
    COMMITTING = "committing"
    COMMITTED = "committed"
    CANCELLED = "cancelled"

    @property
    def finished(self) -> bool:
        return self in {
            JobStatus.REJECTED,
            JobStatus.FAILED,
            JobStatus.COMMITTED,
            JobStatus.CANCELLED,
        }


class RowAction(StrEnum):
    INSERT = "insert"
    UPDATE = "update"
    UNCHANGED = "unchanged"
    SKIP = "skip"  # has errors (or, for mutations, nothing to do)
    HELD_BACK = "held_back"  # valid, but another row of its family has an error


class ImportJob(db.Model):
    __tablename__ = "import_job"
    __table_args__ = (sa.Index("ix_import_job_employer_created", "employer_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    employer_id: Mapped[int] = mapped_column(sa.ForeignKey("employer.id"))
    kind: Mapped[JobKind] = mapped_column(str_enum(JobKind, 10))
    status: Mapped[JobStatus] = mapped_column(str_enum(JobStatus, 12), default=JobStatus.QUEUED)
    filename: Mapped[str] = mapped_column(sa.String(255))
    file_size: Mapped[int] = mapped_column(sa.BigInteger)
    file_sha256: Mapped[str] = mapped_column(sa.String(64))
    actor: Mapped[str] = mapped_column(sa.String(120))
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    source: Mapped[str] = mapped_column(sa.String(10))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column()
    # Written by the worker every few seconds while PROCESSING (see imports.liveness).
    heartbeat_at: Mapped[datetime | None] = mapped_column()
    finished_at: Mapped[datetime | None] = mapped_column()
    committed_at: Mapped[datetime | None] = mapped_column()
    committed_by: Mapped[str | None] = mapped_column(sa.String(120))
    valid_only: Mapped[bool] = mapped_column(default=False)
    #: "Roster lengkap": the upload is the whole current roster, so the active workers it
    #: leaves out are offered for deactivation (`roster.sync`). Never for an ordinary upload.
    full_roster: Mapped[bool] = mapped_column(default=False, server_default=sa.false())

    # Progress, updated per chunk while processing.
    rows_expected: Mapped[int | None] = mapped_column()
    rows_read: Mapped[int] = mapped_column(default=0)
    rows_validated: Mapped[int] = mapped_column(default=0)

    # Results of validation (and of the commit).
    rows: Mapped[int] = mapped_column(default=0)
    valid_rows: Mapped[int] = mapped_column(default=0)
    error_rows: Mapped[int] = mapped_column(default=0)
    warning_rows: Mapped[int] = mapped_column(default=0)
    planned_inserts: Mapped[int] = mapped_column(default=0)
    planned_updates: Mapped[int] = mapped_column(default=0)
    planned_unchanged: Mapped[int] = mapped_column(default=0)
    inserted: Mapped[int] = mapped_column(default=0)
    updated: Mapped[int] = mapped_column(default=0)
    unchanged: Mapped[int] = mapped_column(default=0)
    skipped: Mapped[int] = mapped_column(default=0)  # rows left out by "valid rows only"

    headers: Mapped[list | None] = mapped_column(sa.JSON)  # original header cells
    columns: Mapped[dict | None] = mapped_column(sa.JSON)  # spec key -> column index
    file_issues: Mapped[list | None] = mapped_column(sa.JSON)  # Issue.to_storage() dicts
    issue_counts: Mapped[dict | None] = mapped_column(sa.JSON)  # row issue code -> rows
    error_detail: Mapped[str | None] = mapped_column(sa.Text)  # for FAILED, shown to admins
    # When retention dropped its staged rows and file (the summary above stays).
    purged_at: Mapped[datetime | None] = mapped_column()


class ImportFile(db.Model):
    """The uploaded bytes, apart from the job row so listing jobs stays light."""

    __tablename__ = "import_file"

    job_id: Mapped[int] = mapped_column(
        sa.ForeignKey("import_job.id", ondelete="CASCADE"), primary_key=True
    )
    content: Mapped[bytes] = mapped_column(sa.LargeBinary)


class StagedRow(db.Model):
    __tablename__ = "staged_row"
    __table_args__ = (
        sa.UniqueConstraint("job_id", "row"),
        sa.Index("ix_staged_row_job_error", "job_id", "has_error"),
        sa.Index("ix_staged_row_job_family", "job_id", "family_key"),
        sa.Index("ix_staged_row_job_order", "job_id", "group_row", "row"),
    )

    id: Mapped[int] = mapped_column(
        sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True
    )
    job_id: Mapped[int] = mapped_column(sa.ForeignKey("import_job.id", ondelete="CASCADE"))
    row: Mapped[int] = mapped_column()  # sheet row number as Excel shows it
    #: The sheet row of the first row of this row's family: the preview lists rows in the
    #: file's order with each family under its first row (its own row when it has no family).
    group_row: Mapped[int | None] = mapped_column()
    nik: Mapped[str | None] = mapped_column(sa.String(16))
    family_key: Mapped[str | None] = mapped_column(sa.String(16))  # the worker's NIK
    raw: Mapped[list] = mapped_column(sa.JSON)  # the cells as uploaded, in sheet order
    data: Mapped[dict | None] = mapped_column(sa.JSON)  # parsed values, None when errors
    issues: Mapped[list] = mapped_column(sa.JSON, default=list)
    has_error: Mapped[bool] = mapped_column(default=False)
    has_warning: Mapped[bool] = mapped_column(default=False)
    action: Mapped[RowAction] = mapped_column(str_enum(RowAction, 10), default=RowAction.SKIP)
    participant_id: Mapped[int | None] = mapped_column()
    base_version: Mapped[int | None] = mapped_column()  # participant.version at preview
    changes: Mapped[dict | None] = mapped_column(sa.JSON)  # field -> [old, new]
