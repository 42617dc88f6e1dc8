"""The month's contribution in SQL (contract §4): one line per worker counted, aggregated by
the database, so 100,000 workers cost one query, not one Python object per person.

A person counts in a month when active on its first day: the status in effect that day (a
leaving mutation with a TMT on or before it ends the count; PHK continued coverage is not
active, so it costs nothing) and a TMT on or before it (a dependant without a TMT counts with
the worker). The base is the wage of that month (`WageChange`) floored at the minimum wage and
capped; each share is rounded half up per person, in whole Rupiah.

Extra members (1 % each, paid by the worker): Ayah, Ibu, Mertua, and children after the
first three by birth date among the children counted that month (a child who left makes room
for the next, domain §3).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from edabu_lite.contributions.models import BASIS, ContributionSetting
from edabu_lite.roster.models import (
    Participant,
    Relationship,
    Status,
    WageChange,
    status_in_effect_of,
)

COVERED_CHILDREN = 3
PARENTS = (Relationship.FATHER, Relationship.MOTHER, Relationship.PARENT_IN_LAW)


@dataclass(frozen=True, slots=True)
class Numbers:
    """A month's rates as the query binds them."""

    employer_rate_bp: int
    worker_rate_bp: int
    extra_member_rate_bp: int
    wage_cap: int
    minimum_wage: int  # 0: no floor

    @classmethod
    def of(cls, setting: ContributionSetting, employer_minimum: int | None) -> Numbers:
        floor = setting.minimum_wage if setting.minimum_wage is not None else employer_minimum
        return cls(
            setting.employer_rate_bp,
            setting.worker_rate_bp,
            setting.extra_member_rate_bp,
            setting.wage_cap,
            floor or 0,
        )


def _share(base: sa.ColumnElement[int], rate_bp: int) -> sa.ColumnElement[int]:
    """``base × rate``, rounded half up to whole Rupiah, in integers on every database."""
    return (base * rate_bp + BASIS // 2) // BASIS


def _status(people, day: date, changes: Mapping[int, Status] | None) -> sa.ColumnElement:  # type: ignore[no-untyped-def]
    """The status in effect on ``day``, or what pending batches would set (person → status:
    one IN list per status, portable where a VALUES table is not)."""
    status = status_in_effect_of(people, day)
    if not changes:
        return status
    by_status: dict[Status, list[int]] = {}
    for pid, new in changes.items():
        by_status.setdefault(new, []).append(pid)
    whens = [(people.id.in_(sorted(ids)), new.value) for new, ids in sorted(by_status.items())]
    return sa.case(*whens, else_=status)


def counted(
    people, day: date, changes: Mapping[int, Status] | None = None
) -> sa.ColumnElement[bool]:  # type: ignore[no-untyped-def]
    """Whether ``people`` (`Participant` or an alias) count on ``day``: active then, with a
    TMT on or before it."""
    return sa.and_(
        _status(people, day, changes) == Status.ACTIVE,
        sa.or_(people.start_date.is_(None), people.start_date <= day),
    )


def lines(
    employer_id: int,
    day: date,
    numbers: Numbers,
    changes: Mapping[int, Status] | None = None,
    name: str = "lines",
    only: sa.Select | None = None,
) -> sa.Subquery:
    """One row per worker counted on ``day`` (the month's first day): id, nik, name,
    employee_number, wage, base, dependants, extra_members, employer_share, worker_share,
    extra_family, total. ``name`` tells apart two months in one statement; ``only`` (a
    SELECT of worker ids) computes the lines of those workers alone (a page of the list).

    Each worker's wage change and dependants are found through the indexes on the person
    (``wage_change (participant_id, effective_from)``, ``participant (worker_id)``), never by
    joining a derived table: SQLite joins two derived tables by scanning one for every row
    of the other unless its statistics say otherwise, and it has none right after a large
    import, nor ever for ``wage_change`` (`bench/NOTES.md`). The dependants' join does not
    repeat the employer: every writer links a dependant to a worker of its own employer, and
    PostgreSQL without statistics (a refresh can run before a large import's ANALYZE) would
    AND the worker's index with all of the employer's ``(employer_id, kk)`` for each worker:
    minutes for one month of 300,000 people."""
    worker = aliased(Participant, name=f"{name}_w")
    change = aliased(WageChange, name=f"{name}_c")
    wage_before = (  # the wage before the first change counting after ``day``, if any
        sa.select(sa.func.coalesce(change.old_wage, 0))
        .where(
            change.participant_id == worker.id,
            change.employer_id == employer_id,
            change.effective_from > day,
        )
        .order_by(change.effective_from, change.id)
        .limit(1)
        .scalar_subquery()
    )
    # Extra members: the parents, and the children counted beyond the first three (which
    # ones are beyond does not change how many).
    dependant = aliased(Participant, name=f"{name}_d")
    parents = sa.func.sum(sa.case((dependant.relationship.in_(PARENTS), 1), else_=0))
    children = sa.func.sum(sa.case((dependant.relationship == Relationship.CHILD, 1), else_=0))
    families = (  # grouped, so each worker's wage is looked up once, not once per use
        sa.select(
            worker.id,
            worker.nik,
            worker.name,
            worker.employee_number,
            sa.func.coalesce(wage_before, worker.wage, 0).label("wage"),
            sa.func.count(dependant.id).label("dependants"),
            sa.func.coalesce(parents, 0).label("parents"),
            sa.func.coalesce(children, 0).label("children"),
        )
        .outerjoin(  # by the worker alone, who implies the employer (see the docstring)
            dependant,
            sa.and_(dependant.worker_id == worker.id, counted(dependant, day, changes)),
        )
        .where(
            worker.employer_id == employer_id,
            worker.relationship == Relationship.WORKER,
            counted(worker, day, changes),
            worker.id.in_(only) if only is not None else sa.true(),
        )
        .group_by(worker.id, worker.nik, worker.name, worker.employee_number, worker.wage)
        .subquery(f"{name}_families")
    )
    c = families.c
    floored = sa.case((c.wage < numbers.minimum_wage, numbers.minimum_wage), else_=c.wage)
    base = sa.case((floored > numbers.wage_cap, numbers.wage_cap), else_=floored)
    extras = c.parents + sa.case(
        (c.children > COVERED_CHILDREN, c.children - COVERED_CHILDREN), else_=0
    )
    employer_share = _share(base, numbers.employer_rate_bp)
    worker_share = _share(base, numbers.worker_rate_bp)
    extra_family = _share(base, numbers.extra_member_rate_bp) * extras
    return sa.select(
        c.id,
        c.nik,
        c.name,
        c.employee_number,
        c.wage,
        base.label("base"),
        c.dependants,
        extras.label("extra_members"),
        employer_share.label("employer_share"),
        worker_share.label("worker_share"),
        extra_family.label("extra_family"),
        (employer_share + worker_share + extra_family).label("total"),
    ).subquery(name)


def workers_by_name(
    employer_id: int, day: date, changes: Mapping[int, Status] | None = None
) -> sa.Select:
    """The ids of the workers counted on ``day``, in the bill's order (by name)."""
    return (
        sa.select(Participant.id)
        .where(
            Participant.employer_id == employer_id,
            Participant.relationship == Relationship.WORKER,
            counted(Participant, day, changes),
        )
        .order_by(Participant.name, Participant.id)
    )


def totals(lines_: sa.Subquery) -> sa.Select:
    """The employer's totals over `lines` (contract §4's keys but employer and month)."""
    c = lines_.c
    return sa.select(
        sa.func.count().label("workers"),
        sa.func.coalesce(sa.func.sum(c.dependants), 0).label("dependants"),
        sa.func.coalesce(sa.func.sum(c.extra_members), 0).label("extra_members"),
        sa.func.coalesce(sa.func.sum(c.employer_share), 0).label("employer_share"),
        sa.func.coalesce(sa.func.sum(c.worker_share), 0).label("worker_share"),
        sa.func.coalesce(sa.func.sum(c.extra_family), 0).label("extra_family"),
        sa.func.coalesce(sa.func.sum(c.total), 0).label("total"),
    )


def mandiri(employer_id: int, day: date) -> sa.Select:
    """People of this employer in mandiri (PBPU) on ``day``: listed with their own class's
    rate for information, never billed to the employer."""
    return (
        sa.select(Participant)
        .where(
            Participant.employer_id == employer_id,
            status_in_effect_of(Participant, day) == Status.MOVED_TO_MANDIRI,
        )
        .order_by(Participant.name, Participant.id)
    )
