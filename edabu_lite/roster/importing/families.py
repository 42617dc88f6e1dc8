"""Preview, part three: the checks that need the whole file and the roster (families: one
worker per KK, spouses, children's ages, NIKs active at another employer), then the job's
final counts; a family with an error is held back as a whole under "valid rows only"."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Mapping, Sequence
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, aliased

from edabu_lite.database import (
    among,
    utcnow,
)
from edabu_lite.imports.models import ImportJob, JobStatus, RowAction, StagedRow
from edabu_lite.imports.pipeline import (
    chunked,
)
from edabu_lite.issues import Issue
from edabu_lite.roster.family import NEWBORN_KEY_PREFIX, Member, check_families
from edabu_lite.roster.importing import sizes
from edabu_lite.roster.importing.planning import _known_niks
from edabu_lite.roster.models import Participant, Status

# --------------------------------------------------------------------------- family checks


def _active_elsewhere(
    session: Session | sa.Connection, employer_id: int, niks: Mapping[str, int]
) -> list[Issue]:
    """``row.nik_other_employer`` for each of these NIKs (sheet row by NIK) active at
    another employer: `_known_niks`' answer, `sizes.FAMILY_LOOKUP` NIKs a query."""
    issues = []
    for chunk in chunked(sorted(niks), sizes.FAMILY_LOOKUP):
        _own, elsewhere = _known_niks(session, employer_id, chunk)
        issues += [Issue("row.nik_other_employer", "nik", niks[nik]) for nik in sorted(elsewhere)]
    return issues


def _apply_family_checks(
    session: Session,
    job: ImportJob,
    members: list[Member],
    today: date,
    more: Sequence[Issue] = (),
    newborns: Collection[int] = (),
) -> list[Issue]:
    """Add the family checks' issues, and ``more`` row issues found after staging, to the
    staged rows; returns what was added. ``newborns``: stored children without a NIK whom
    rows of the file stand for (`_plan_newborns`)."""
    db_workers, db_dependants = family_context(session, job.employer_id, members, newborns)
    found = check_families(members, db_workers=db_workers, db_dependants=db_dependants, today=today)
    found = [*more, *found]
    by_row: dict[int, list[Issue]] = defaultdict(list)
    for issue in found:
        if issue.row:
            by_row[issue.row].append(issue)
    rows = list(by_row)
    added: list[Issue] = []
    for start in range(0, len(rows), sizes.CHUNK):
        added += _add_issues(
            session, job.id, {r: by_row[r] for r in rows[start : start + sizes.CHUNK]}
        )
    session.commit()
    return added


def family_context(
    session: Session, employer_id: int, members: list[Member], newborns: Collection[int] = ()
) -> tuple[dict[str, Member], dict[str, list[Member]]]:
    """Active workers the file's dependants point to but the file lacks, and the active
    dependants already registered under every worker involved (minus those in the file:
    by NIK, and the newborns without a NIK that file rows matched)."""
    in_file = {m.nik for m in members}
    file_workers = {m.nik for m in members if m.relationship == "Peserta"}
    wanted = {m.worker_nik for m in members if m.worker_nik} - file_workers
    db_workers: dict[str, Member] = {}
    for chunk in chunked(sorted(wanted), sizes.FAMILY_LOOKUP):
        rows = session.execute(
            sa.select(*_MEMBER_COLUMNS, sa.null()).where(
                Participant.employer_id == employer_id,
                among(session, Participant.nik, chunk),
                Participant.status == Status.ACTIVE,
            )
        )
        for row in rows:
            db_workers[row[0]] = _db_member(row)
    db_dependants: dict[str, list[Member]] = defaultdict(list)
    worker = aliased(Participant)
    for chunk in chunked(sorted(file_workers | db_workers.keys()), sizes.FAMILY_LOOKUP):
        rows = session.execute(
            sa.select(*_MEMBER_COLUMNS, worker.nik)
            .join(worker, Participant.worker_id == worker.id)
            .where(
                Participant.employer_id == employer_id,
                among(session, worker.nik, chunk),
                Participant.status == Status.ACTIVE,
            )
        )
        for row in rows:
            if row[0] not in in_file and row[_PENDING_AT] not in newborns:
                db_dependants[row[-1]].append(_db_member(row))
    return db_workers, dict(db_dependants)


# What the family checks need of a registered person (plain columns: loading ORM objects
# for the 100,000 people of a re-uploaded roster took seconds).
_MEMBER_COLUMNS = (
    Participant.nik,
    Participant.kk,
    Participant.relationship,
    Participant.birth_date,
    Participant.in_school,
    Participant.marital_status,
    # a newborn still without a NIK: their id (NULL for everyone else)
    sa.case((Participant.nik.is_(None), Participant.id)),
)
_PENDING_AT = len(_MEMBER_COLUMNS) - 1


def _db_member(row: Sequence[Any]) -> Member:
    """A registered person as a `Member`, from `_MEMBER_COLUMNS` and their worker's NIK.
    A newborn without a NIK gets a key of their own that no file row has."""
    nik, kk, relationship, birth_date, in_school, marital_status, pending, worker_nik = row
    return Member(
        row=0,
        nik=nik if pending is None else f"{NEWBORN_KEY_PREFIX}{pending}",
        kk=kk,
        relationship=relationship.value,
        worker_nik=worker_nik,
        birth_date=birth_date,
        in_school=in_school,
        marital_status=marital_status,
    )


def _add_issues(session: Session, job_id: int, by_row: dict[int, list[Issue]]) -> list[Issue]:
    """Append the family issues to their staged rows (those the row check already reported,
    e.g. a missing worker NIK, are not repeated); returns what was added."""
    staged = session.execute(
        sa.select(StagedRow.id, StagedRow.row, StagedRow.issues, StagedRow.action).where(
            StagedRow.job_id == job_id, among(session, StagedRow.row, by_row)
        )
    ).all()
    updates, added = [], []
    for staged_id, row, stored, action in staged:
        issues = [Issue.from_dict(i) for i in stored]
        new = [i for i in dict.fromkeys(by_row[row]) if i not in set(issues)]
        added += new
        issues += new
        errors = any(i.is_error for i in issues)
        updates.append(
            {
                "sid": staged_id,
                "issues": [i.to_storage() for i in issues],
                "has_error": errors,
                "has_warning": any(not i.is_error for i in issues),
                "action": RowAction.SKIP if errors else action,
            }
        )
    table = StagedRow.__table__
    session.execute(
        sa.update(table)
        .where(table.c.id == sa.bindparam("sid"))
        .values(
            issues=sa.bindparam("issues"),
            has_error=sa.bindparam("has_error"),
            has_warning=sa.bindparam("has_warning"),
            action=sa.bindparam("action"),
        ),
        updates,
    )
    return added


def _hold_back_families(session: Session, job_id: int) -> None:
    """Mark the valid rows of families with an error HELD_BACK: a job with errors commits only
    as "valid rows only", which imports whole families, so the preview's plan and counts say
    what that commit will really do with them (few rows: only families with errors). The
    families are looked up first: with the keys as a subquery, PostgreSQL, which has no
    statistics of a job's freshly staged rows yet, scanned all of them (0.2 s at 100,000)."""
    with_errors = session.scalars(
        sa.select(StagedRow.family_key)
        .where(StagedRow.job_id == job_id, StagedRow.has_error, StagedRow.family_key.is_not(None))
        .distinct()
    ).all()
    if not with_errors:
        return
    session.execute(
        sa.update(StagedRow)
        .where(
            StagedRow.job_id == job_id,
            StagedRow.has_error.is_(False),
            StagedRow.action.in_([RowAction.INSERT, RowAction.UPDATE, RowAction.UNCHANGED]),
            among(session, StagedRow.family_key, with_errors),
        )
        .values(action=RowAction.HELD_BACK)
        .execution_options(synchronize_session=False)
    )


def _finish_validation(session: Session, job: ImportJob) -> None:
    counts = session.execute(
        sa.select(
            sa.func.count(),
            sa.func.count().filter(StagedRow.has_error),
            sa.func.count().filter(StagedRow.has_warning),
            sa.func.count().filter(StagedRow.action == RowAction.INSERT),
            sa.func.count().filter(StagedRow.action == RowAction.UPDATE),
            sa.func.count().filter(StagedRow.action == RowAction.UNCHANGED),
        ).where(StagedRow.job_id == job.id)
    ).one()
    (
        job.rows,
        job.error_rows,
        job.warning_rows,
        job.planned_inserts,
        job.planned_updates,
        job.planned_unchanged,
    ) = counts
    job.valid_rows = job.rows - job.error_rows
    job.status = JobStatus.VALIDATED
    job.finished_at = utcnow()
    session.commit()
