"""Reconciliation of the BPJS bill (Rincian Tagihan) with the tool's own Rincian Iuran for
the same month: the differences per person.

People to lines: e-Dabu lists people, the tool's bill lists workers (`query.lines`: one line
per worker counted, whose ``total`` holds the worker's 5 % and 1 % per extra family member).
A bill row is put on the line of the worker it belongs to: the worker's own row, and the row
of each of the worker's dependants counted that month (a dependant's row usually shows 0, or
the 1 % of an extra member), so the sum over a family's rows is compared with the worker's
``total`` whichever way the sheet splits it. A sheet listing workers alone compares the same.

Kinds of difference (`Kind`):

* ``unknown``: billed, but the NIK is no person of this employer;
* ``not_counted``: billed, a person of this employer who is not counted that month, with why:
  the status in effect on the month's first day (NONAKTIF, PINDAH_MANDIRI…), a TMT after it,
  or a dependant whose worker is not counted; their amount is put on no line;
* ``not_billed``: a worker counted here with no row for them nor for any of their family (a
  family whose worker's row is missing but a dependant's is present is on the bill: its sum
  is compared, so a missing worker's row shows as an amount that differs). A counted
  dependant absent from a sheet that lists families is not reported on its own: e-Dabu's
  sheet may list workers alone, and the amount is the worker line's either way;
* ``amount``: on both, the family's rows sum to another amount than the worker's line.

Nothing of the uploaded bill is stored: the comparison runs on upload and only its counts go
to the audit trail (`run`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Final

import sqlalchemy as sa
from sqlalchemy.orm import Session

from edabu_lite.accounts.models import Employer
from edabu_lite.actor import Actor
from edabu_lite.audit.operations import Change, record
from edabu_lite.contributions import operations as ops
from edabu_lite.contributions import query
from edabu_lite.contributions.bill_sheet import BillRow
from edabu_lite.roster.models import Participant, Relationship, Status, status_in_effect_of

#: Above this many NIKs the employer's people are read in one pass instead of an IN list
#: (which SQLite also caps at 32,766 bound values).
CHUNK: Final = 5000


class Kind(StrEnum):
    UNKNOWN = "unknown"
    NOT_COUNTED = "not_counted"
    NOT_BILLED = "not_billed"
    AMOUNT = "amount"


KINDS: Final = tuple(Kind)


class Why(StrEnum):
    """Why a known person is not counted in the month."""

    STATUS = "status"  # the status in effect on the first day is not AKTIF
    NOT_STARTED = "not_started"  # TMT after the first day
    WORKER_NOT_COUNTED = "worker_not_counted"  # a dependant whose worker is not counted


@dataclass(frozen=True, slots=True)
class Line:
    """The tool's line of a worker counted in the month."""

    worker_id: int
    nik: str
    name: str
    total: int


@dataclass(frozen=True, slots=True)
class Person:
    """A person of this employer whose NIK is on the bill, as on the month's first day."""

    id: int
    nik: str
    name: str
    line_id: int | None  # the worker's id (their own for a worker)
    counted: bool
    status: str
    start_date: date | None = None
    end_date: date | None = None
    end_reason: str | None = None


@dataclass(frozen=True, slots=True)
class Difference:
    kind: Kind
    nik: str
    name: str | None
    billed: int | None = None  # the bill's amount (a family's rows summed)
    ours: int | None = None  # the tool's line total
    rows: tuple[int, ...] = ()  # the bill's Excel rows
    person_id: int | None = None
    why: Why | None = None
    status: str | None = None
    start_date: date | None = None
    end_date: date | None = None
    end_reason: str | None = None

    @property
    def difference(self) -> int | None:
        """Billed minus ours (positive: BPJS bills more)."""
        if self.billed is None or self.ours is None:
            return None
        return self.billed - self.ours


@dataclass(frozen=True, slots=True)
class Reconciliation:
    month: date
    rows: int  # the bill's rows
    billed_total: int  # the bill's sum
    ours_total: int  # the tool's total for the month
    matched: int  # worker lines on both with the same amount
    differences: tuple[Difference, ...]  # by kind, then name

    def of_kind(self, kind: Kind) -> list[Difference]:
        return [d for d in self.differences if d.kind == kind]

    @property
    def counts(self) -> dict[str, int]:
        found = dict.fromkeys((k.value for k in KINDS), 0)
        for d in self.differences:
            found[d.kind.value] += 1
        return found


def compare(
    month: date,
    bill: Sequence[BillRow],
    lines: Mapping[int, Line],
    people: Mapping[str, Person],
) -> Reconciliation:
    """The differences between the bill's rows and the month's lines (pure: ``people`` are
    the employer's people whose NIK is on the bill, by NIK)."""
    billed: dict[int, int] = {}
    rows_of: dict[int, list[int]] = {}
    found: list[Difference] = []
    for item in bill:
        person = people.get(item.nik)
        if person is None:
            found.append(
                Difference(Kind.UNKNOWN, item.nik, item.name, billed=item.amount, rows=(item.row,))
            )
            continue
        line_id = person.line_id if person.counted else None
        if line_id is None or line_id not in lines:
            found.append(_not_counted(item, person, month))
            continue
        billed[line_id] = billed.get(line_id, 0) + item.amount
        rows_of.setdefault(line_id, []).append(item.row)
    matched = 0
    for line in lines.values():
        if line.worker_id not in billed:
            found.append(
                Difference(
                    Kind.NOT_BILLED, line.nik, line.name, ours=line.total,
                    person_id=line.worker_id,
                )
            )  # fmt: skip
        elif billed[line.worker_id] != line.total:
            found.append(
                Difference(
                    Kind.AMOUNT, line.nik, line.name, billed=billed[line.worker_id],
                    ours=line.total, rows=tuple(sorted(rows_of[line.worker_id])),
                    person_id=line.worker_id,
                )
            )  # fmt: skip
        else:
            matched += 1
    order = {kind: n for n, kind in enumerate(KINDS)}
    found.sort(key=lambda d: (order[d.kind], (d.name or "").casefold(), d.nik))
    return Reconciliation(
        month,
        len(bill),
        sum(item.amount for item in bill),
        sum(line.total for line in lines.values()),
        matched,
        tuple(found),
    )


def _not_counted(item: BillRow, person: Person, month: date) -> Difference:
    if person.status != Status.ACTIVE:
        why = Why.STATUS
    elif person.start_date is not None and person.start_date > month:
        why = Why.NOT_STARTED
    else:
        why = Why.WORKER_NOT_COUNTED
    return Difference(
        Kind.NOT_COUNTED,
        item.nik,
        person.name,
        billed=item.amount,
        rows=(item.row,),
        person_id=person.id,
        why=why,
        status=person.status,
        start_date=person.start_date,
        end_date=person.end_date,
        end_reason=person.end_reason,
    )


# --------------------------------------------------------------------------- the database


def reconcile(
    session: Session, employer: Employer, month: date, bill: Sequence[BillRow]
) -> Reconciliation:
    """The bill compared with the employer's Rincian Iuran of ``month`` (its first day)."""
    the_bill = ops.bill_for(session, employer, month)
    lines = {
        row.id: Line(row.id, row.nik, row.name, int(row.total))
        for row in ops.iter_lines(session, the_bill, employer.id)
    }
    people = people_by_nik(session, employer.id, the_bill.month, (item.nik for item in bill))
    return compare(the_bill.month, bill, lines, people)


def people_by_nik(
    session: Session, employer_id: int, day: date, niks: Iterable[str]
) -> dict[str, Person]:
    """This employer's people with these NIKs, as on ``day`` (status in effect, counted)."""
    p = Participant
    columns = (
        p.id, p.nik, p.name, p.relationship, p.worker_id, p.start_date, p.end_date,
        p.end_reason, status_in_effect_of(p, day).label("status_then"),
        query.counted(p, day).label("is_counted"),
    )  # fmt: skip
    wanted = set(niks)
    mine = sa.select(*columns).where(p.employer_id == employer_id)
    if len(wanted) > CHUNK:  # most of a roster: one pass over the employer beats IN lists
        statements = [mine.execution_options(yield_per=CHUNK)]
    else:
        statements = [mine.where(p.nik.in_(sorted(wanted)))] if wanted else []
    found: dict[str, Person] = {}
    for stmt in statements:
        for row in session.execute(stmt):
            if row.nik not in wanted:
                continue
            worker = row.relationship == Relationship.WORKER
            found[row.nik] = Person(
                id=row.id,
                nik=row.nik,
                name=row.name,
                line_id=row.id if worker else row.worker_id,
                counted=bool(row.is_counted),
                status=str(getattr(row.status_then, "value", row.status_then)),
                start_date=row.start_date,
                end_date=row.end_date,
                end_reason=_value(row.end_reason),
            )
    return found


def _value(code: object) -> str | None:
    return None if code is None else str(getattr(code, "value", code))


def run(
    session: Session, employer: Employer, month: date, bill: Sequence[BillRow], actor: Actor
) -> Reconciliation:
    """The use case: `reconcile`, then the run's audit event (its month and counts, no
    person: nothing of the bill is kept). Commits."""
    result = reconcile(session, employer, month, bill)
    _record_run(session, employer.id, actor, result)
    return result


def _record_run(session: Session, employer_id: int, actor: Actor, result: Reconciliation) -> None:
    record(
        session,
        employer_id,
        actor,
        Change(
            "contribution.reconcile",
            "contribution_bill",
            None,
            f"{result.month:%m-%Y}",
            after={
                "month": f"{result.month:%Y-%m}",
                "rows": result.rows,
                "billed_total": result.billed_total,
                "ours_total": result.ours_total,
                "matched": result.matched,
                **result.counts,
            },
        ),
    )
    session.commit()
