"""What Beranda shows: the employer's people by status, segment and class, the "Perlu
tindakan" counts, and the monthly series of the charts. Each is one grouped query over the
employer's people (or a few, one bill per month), computed here; `snapshots` keeps them in
the database per data version, so a page only reads them."""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from edabu_lite.accounts.models import Employer
from edabu_lite.contributions import operations as contributions
from edabu_lite.imports.models import ImportJob, JobKind
from edabu_lite.months import add_months
from edabu_lite.mutations.models import BatchStatus, MutationBatch
from edabu_lite.roster import attention
from edabu_lite.roster.models import Participant, Relationship, Segment, Status, status_in_effect

#: Months the charts cover, this one included.
CHART_MONTHS = 12


@dataclass(frozen=True, slots=True)
class People:
    """Counts of the employer's people as in effect on the day."""

    by_status: Mapping[str, int]  # Status value -> people
    active_workers: int
    active_dependants: int
    by_segment: Mapping[str, int]  # segment -> active people (PPU) / people in mandiri (PBPU)
    by_class: Mapping[int, int]  # class -> active PPU people
    needs: Mapping[str, int]  # attention key -> people

    @property
    def total(self) -> int:
        return sum(self.by_status.values())

    def to_json(self) -> dict[str, Any]:
        return {
            "by_status": dict(self.by_status),
            "active_workers": self.active_workers,
            "active_dependants": self.active_dependants,
            "by_segment": dict(self.by_segment),
            "by_class": {str(k): v for k, v in self.by_class.items()},  # JSON keys are text
            "needs": dict(self.needs),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> People:
        return cls(
            dict(data["by_status"]),
            int(data["active_workers"]),
            int(data["active_dependants"]),
            dict(data["by_segment"]),
            {int(k): v for k, v in sorted(data["by_class"].items(), key=lambda kv: int(kv[0]))},
            dict(data["needs"]),
        )


def people(session: Session, employer: Employer, day: date) -> People:
    status = status_in_effect(day)
    needs = attention.conditions(day, employer.minimum_wage)
    sums = [_how_many(condition) for condition in needs.values()]
    is_worker = Participant.relationship == Relationship.WORKER
    groups = (status, is_worker, Participant.segment, Participant.care_class)
    rows = session.execute(
        sa.select(*groups, sa.func.count(), *sums)
        .where(Participant.employer_id == employer.id)
        .group_by(*groups)
    ).all()
    by_status: Counter[str] = Counter()
    by_segment: Counter[str] = Counter()
    by_class: Counter[int] = Counter()
    need_counts: Counter[str] = Counter()
    workers = dependants = 0
    for state, is_worker, segment, care_class, count, *need in rows:
        state = Status(state)
        by_status[state.value] += count
        if state == Status.ACTIVE:
            workers += count if is_worker else 0
            dependants += 0 if is_worker else count
            by_segment[Segment(segment).value] += count
            by_class[care_class] += count
        elif state == Status.MOVED_TO_MANDIRI:
            by_segment[Segment.PBPU.value] += count
        for key, value in zip(needs, need, strict=True):
            need_counts[key] += value or 0
    classes = dict(sorted(by_class.items()))
    return People(
        dict(by_status), workers, dependants, dict(by_segment), classes, dict(need_counts)
    )


def batches_waiting(session: Session, employer_id: int) -> Mapping[str, int]:
    """Batches submitted for approval and drafts left open."""
    rows = session.execute(
        sa.select(MutationBatch.status, sa.func.count())
        .where(
            MutationBatch.employer_id == employer_id,
            MutationBatch.status.in_([BatchStatus.SUBMITTED, BatchStatus.DRAFT]),
        )
        .group_by(MutationBatch.status)
    ).all()
    return {BatchStatus(status).value: count for status, count in rows}


def recent(session: Session, employer_id: int) -> dict[str, list[Any]]:
    """The latest roster imports and mutation batches."""
    imports = session.scalars(
        sa.select(ImportJob)
        .where(ImportJob.employer_id == employer_id, ImportJob.kind == JobKind.ROSTER)
        .order_by(ImportJob.created_at.desc(), ImportJob.id.desc())
        .limit(5)
    ).all()
    batches = session.scalars(
        sa.select(MutationBatch)
        .where(MutationBatch.employer_id == employer_id)
        .order_by(MutationBatch.created_at.desc(), MutationBatch.id.desc())
        .limit(5)
    ).all()
    return {"imports": list(imports), "batches": list(batches)}


# --------------------------------------------------------------------------- the charts


def months_back(day: date) -> list[date]:
    """The first days of the chart's months, oldest first, ending with ``day``'s month."""
    this_month = day.replace(day=1)
    return [add_months(this_month, -n) for n in range(CHART_MONTHS - 1, -1, -1)]


def joiners_and_leavers(
    session: Session, employer: Employer, day: date
) -> list[tuple[date, int, int]]:
    """(month, people whose TMT falls in it, people who left in it) for the chart's months,
    in one pass over the employer's people."""
    months = months_back(day)
    bounds = [*months, add_months(months[-1], 1)]
    left = sa.and_(Participant.status != Status.ACTIVE, Participant.end_date.is_not(None))
    columns = []
    for start, end in itertools.pairwise(bounds):
        came = sa.and_(Participant.start_date >= start, Participant.start_date < end)
        went = sa.and_(left, Participant.end_date >= start, Participant.end_date < end)
        columns += [_how_many(came), _how_many(went)]
    row = session.execute(sa.select(*columns).where(Participant.employer_id == employer.id)).one()
    values = [int(v or 0) for v in row]
    return [(m, values[2 * i], values[2 * i + 1]) for i, m in enumerate(months)]


def month_total(session: Session, employer: Employer, month: date) -> int:
    """The month's total bill (contract §4), as Rincian Iuran computes it: about 0.5 s of
    database work at 300,000 people, and it does not depend on the day it is asked."""
    return contributions.bill_for(session, employer, month).total


def _how_many(condition: sa.ColumnElement[bool]) -> sa.ColumnElement[int]:
    return sa.func.sum(sa.case((condition, 1), else_=0))
