"""The monthly roster sync: an upload marked "roster lengkap" is the whole current roster as
payroll exports it, so an active worker whose NIK is not in it has left. The preview lists
them and one draft batch deactivates them all (each with the reason chosen), next to the
joiners and changes the same upload brings.

Who is missing is worked out in SQL against the job's staged rows (one anti-join), never by
loading the roster into Python. A staged row keeps its NIK whenever it could be read, errors
or not, so a person whose row has errors is still "in the file"; a row whose NIK could not be
read matches nobody, which is why the preview counts those rows and warns.

One live draft per import: the draft batch names its import (``sync_job_id``), and a
partial unique index lets the database refuse a second one while the first is not cancelled
or rejected, so a double click, two HR staff at once or a click after the first draft was
applied all end on the draft already made.

Only workers are offered: their dependants go with them (the mutation planner carries the
family along). A dependant missing from the file while their worker is in it is only named
(with a link to their page): why they left (age, marriage, divorce, a job of their own) is
not something a payroll export says, and a wrong guess would end someone's coverage.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from typing import Final

import sqlalchemy as sa
from sqlalchemy import orm
from sqlalchemy.orm import Session

from edabu_lite import clock
from edabu_lite.audit.operations import Actor
from edabu_lite.imports.models import ImportJob, JobStatus, StagedRow
from edabu_lite.months import first_day_of_next_month, shift_months
from edabu_lite.mutations.kinds import MutationKind, Reason
from edabu_lite.mutations.models import ENDED_UNAPPLIED, MutationBatch
from edabu_lite.mutations.operations import ItemInput, plan_batch
from edabu_lite.mutations.plans import DEFAULT_SETTINGS, Request
from edabu_lite.paging import Page, paginate
from edabu_lite.roster.models import Participant, Relationship, Status, status_in_effect

#: The reasons offered per person. PHK and MENINGGAL are left out: both need the day of the
#: event (and a PHK its proof), which a roster file does not carry; those go through the
#: participant's own mutation form.
SYNC_REASONS: Final = (Reason.MENGUNDURKAN_DIRI, Reason.HABIS_KONTRAK, Reason.PENSIUN)
DEFAULT_REASON: Final = Reason.MENGUNDURKAN_DIRI
#: One draft holds at most this many people (as a draft from the participant list).
MAX_DRAFT: Final = 5000


class SyncError(ValueError):
    """The draft was refused; ``code`` is stable, the view words the message."""

    def __init__(self, code: str, **params: object) -> None:
        super().__init__(code)
        self.code = code
        self.params = params


@dataclass(frozen=True, slots=True)
class Summary:
    active_workers: int  # active today, before this upload
    missing_workers: int
    already_leaving: int  # missing too, but already scheduled to leave: not offered again
    missing_dependants: int  # active dependants not in the file whose worker is in it
    unreadable_rows: int  # rows whose NIK could not be read: they match nobody
    error_rows: int  # rows with errors (their people still count as in the file)

    @property
    def suspicious(self) -> bool:
        """More than half the workers missing: probably the wrong file or a partial export."""
        return self.missing_workers * 2 > self.active_workers


def offered(job: ImportJob) -> bool:
    """Whether the job's preview offers the sync: a "roster lengkap" whose rows are kept."""
    return (
        job.full_roster
        and job.status in {JobStatus.VALIDATED, JobStatus.COMMITTED}
        and job.purged_at is None
    )


def existing_draft(session: Session, job: ImportJob) -> MutationBatch | None:
    """The draft already made from ``job``'s sync and not cancelled or rejected (whatever
    became of it since: submitted, applied, expired), if any."""
    return session.scalar(
        sa.select(MutationBatch).where(
            MutationBatch.employer_id == job.employer_id,
            MutationBatch.sync_job_id == job.id,
            MutationBatch.status.not_in(ENDED_UNAPPLIED),
        )
    )


def default_tmt(today: date) -> date:
    return first_day_of_next_month(today)


@contextmanager
def _one_pass(session: Session) -> Iterator[None]:
    """PostgreSQL plans the queries inside without nested loops. Right after an import
    neither the staged rows nor the new people have statistics yet, so the planner takes
    either side for a few rows and nests the other in it: the missing list of 20,000
    workers took 100 s so. Hash joins cost the same with or without statistics. The setting
    is local to the transaction (a rollback drops it too) and put back right after."""
    postgres = session.get_bind().dialect.name == "postgresql"
    if postgres:
        session.execute(sa.text("SET LOCAL enable_nestloop = off"))
    yield
    if postgres:
        session.execute(sa.text("SET LOCAL enable_nestloop = on"))


def _in_file(session: Session, job: ImportJob, nik: sa.ColumnElement[str | None]):  # type: ignore[no-untyped-def]
    """``nik`` is in a row of ``job``, in the form each database runs as one pass (an index
    on the staged NIKs would cost every import): PostgreSQL turns EXISTS into a hashed
    semi-join (NOT EXISTS: anti-join; its NOT IN over 100,000 NIKs outgrows work_mem and
    rescans them per person); SQLite builds an IN list once, where its EXISTS, or an outer
    join, walks the job's rows again for each person."""
    if session.get_bind().dialect.name == "sqlite":
        return nik.in_(
            sa.select(StagedRow.nik).where(StagedRow.job_id == job.id, StagedRow.nik.is_not(None))
        )
    return sa.exists().where(StagedRow.job_id == job.id, StagedRow.nik == nik)


def _not_in_file(session: Session, job: ImportJob, nik: sa.ColumnElement[str | None]):  # type: ignore[no-untyped-def]
    return ~_in_file(session, job, nik)


def missing_workers(
    session: Session, job: ImportJob, today: date, *, leaving: bool = False
) -> sa.Select:
    """The employer's workers active today whose NIK is in none of the job's rows and who
    are not yet scheduled to leave (with ``leaving``: those who are, whom a draft would
    only give a mutation.date_invalid "pending")."""
    scheduled = Participant.status != Status.ACTIVE
    return (
        sa.select(Participant)
        .where(
            Participant.employer_id == job.employer_id,
            Participant.relationship == Relationship.WORKER,
            status_in_effect(today) == Status.ACTIVE,
            scheduled if leaving else ~scheduled,
            _not_in_file(session, job, Participant.nik),
        )
        .order_by(Participant.name, Participant.id)
    )


def missing_dependants(session: Session, job: ImportJob, today: date) -> sa.Select:
    """Active dependants (with a NIK) not in the file whose worker is in it."""
    worker = orm.aliased(Participant)
    return (
        sa.select(Participant)
        .join(worker, worker.id == Participant.worker_id)
        .where(
            Participant.employer_id == job.employer_id,
            Participant.nik.is_not(None),
            Participant.status == Status.ACTIVE,  # and not scheduled to leave
            status_in_effect(today) == Status.ACTIVE,
            _in_file(session, job, worker.nik),
            _not_in_file(session, job, Participant.nik),
        )
        .order_by(Participant.name, Participant.id)
    )


def summary(session: Session, job: ImportJob, today: date) -> Summary:
    def count(stmt: sa.Select) -> int:
        return session.scalar(sa.select(sa.func.count()).select_from(stmt.subquery())) or 0

    active = sa.select(Participant.id).where(
        Participant.employer_id == job.employer_id,
        Participant.relationship == Relationship.WORKER,
        status_in_effect(today) == Status.ACTIVE,
    )
    unreadable = sa.select(StagedRow.id).where(
        StagedRow.job_id == job.id, StagedRow.nik.is_(None), StagedRow.has_error
    )
    with _one_pass(session):
        return Summary(
            active_workers=count(active),
            missing_workers=count(
                missing_workers(session, job, today).with_only_columns(Participant.id)
            ),
            already_leaving=count(
                missing_workers(session, job, today, leaving=True).with_only_columns(Participant.id)
            ),
            missing_dependants=count(
                missing_dependants(session, job, today).with_only_columns(Participant.id)
            ),
            unreadable_rows=count(unreadable),
            error_rows=job.error_rows,
        )


def missing_page(
    session: Session, job: ImportJob, today: date, number: int, per_page: int, total: int
) -> Page:
    """Page ``number`` of `missing_workers` (``total`` of them, from `summary`)."""
    with _one_pass(session):
        return paginate(
            session, missing_workers(session, job, today), per_page, number, total=total
        )


def all_missing(session: Session, job: ImportJob, today: date) -> list[sa.Row]:
    """Every one of `missing_workers` as (id, nik, name, employee_number, start_date) rows,
    for the command line's JSON (no ORM object per person)."""
    stmt = missing_workers(session, job, today).with_only_columns(
        Participant.id,
        Participant.nik,
        Participant.name,
        Participant.employee_number,
        Participant.start_date,
    )
    with _one_pass(session):
        return list(session.execute(stmt).all())


def some_missing_dependants(
    session: Session, job: ImportJob, today: date, limit: int
) -> list[Participant]:
    """The first ``limit`` of `missing_dependants`."""
    with _one_pass(session):
        return list(session.scalars(missing_dependants(session, job, today).limit(limit)))


def tmt_bounds(today: date) -> tuple[date, date]:
    """The TMTs the mutation rules accept for a resignation (`rules`: max past/future months)."""
    return (
        shift_months(today, -DEFAULT_SETTINGS.max_past_months),
        shift_months(today, DEFAULT_SETTINGS.max_future_months),
    )


def create_draft(
    session: Session,
    job: ImportJob,
    default_reason: Reason,
    reasons: Mapping[int, Reason],
    effective_date: date,
    actor: Actor,
    *,
    today: date | None = None,
) -> MutationBatch:
    """One DRAFT batch deactivating every missing worker of ``job`` on ``effective_date``,
    each for ``reasons[participant id]`` or ``default_reason``, linked to ``job``. Raises
    `SyncError`, planning nothing, when a draft from ``job`` exists already (code
    ``exists``, with that ``batch``), ``reasons`` names anyone not on the list (another
    employer's, or someone in the file), a reason is not a sync reason, the TMT is out of
    bounds, or the list is empty or too long. The web form and ``edabu roster import
    --full-roster --create-draft`` both come here; the batch's source is the actor's."""
    today = today or clock.today()
    if not offered(job):
        raise SyncError("not_offered")
    already = existing_draft(session, job)
    if already is not None:
        raise SyncError("exists", batch=already)
    chosen = {default_reason, *reasons.values()}
    if not chosen <= set(SYNC_REASONS):
        raise SyncError("bad_reason")
    earliest, latest = tmt_bounds(today)
    if not earliest <= effective_date <= latest:
        raise SyncError("bad_tmt", earliest=earliest, latest=latest)
    stmt = missing_workers(session, job, today).with_only_columns(Participant.id, Participant.nik)
    with _one_pass(session):
        people = session.execute(stmt.limit(MAX_DRAFT + 1)).all()
    if not people:
        raise SyncError("nobody")
    if len(people) > MAX_DRAFT:
        raise SyncError("too_many", limit=MAX_DRAFT)
    strangers = set(reasons) - {pid for pid, _nik in people}
    if strangers:
        raise SyncError("not_missing", count=len(strangers))
    inputs = [
        ItemInput(
            nik=nik,
            request=Request(
                MutationKind.DEACTIVATE,
                reasons.get(pid, default_reason),
                effective_date=effective_date,
            ),
        )
        for pid, nik in people
    ]
    title = f"Roster lengkap #{job.id}: {job.filename}"[:200]
    try:
        return plan_batch(
            session,
            job.employer_id,
            inputs,
            actor,
            source=actor.source,
            title=title,
            sync_job_id=job.id,
            today=today,
        )
    except sa.exc.IntegrityError:
        # Another request made the draft after the check above: the unique index let only
        # the first insert through (this one waited for it to commit). Its draft is the one.
        session.rollback()
        already = existing_draft(session, job)
        if already is None:
            raise
        raise SyncError("exists", batch=already) from None
