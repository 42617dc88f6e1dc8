"""Contribution use cases: the rates in force for a month (and an admin's new entry), the
month's bill, next month's outlook with the pending batches, and the comparison of two
months. The sums come from the database (`query`)."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from edabu_lite.accounts.models import Employer
from edabu_lite.actor import Actor
from edabu_lite.audit.operations import Change, record
from edabu_lite.contributions import query
from edabu_lite.contributions.models import DEFAULTS, ContributionSetting
from edabu_lite.database import plan_for_every_row
from edabu_lite.months import add_months
from edabu_lite.mutations.models import BatchStatus, MutationBatch, MutationItem
from edabu_lite.roster.models import Participant, Relationship, Status, WageChange

#: Batches not applied yet whose changes "bulan depan" shows.
PENDING = (BatchStatus.DRAFT, BatchStatus.SUBMITTED, BatchStatus.APPROVED)
#: The numbers an admin sets (the form's fields, the audit event's keys).
SETTING_FIELDS = (
    "employer_rate_bp",
    "worker_rate_bp",
    "extra_member_rate_bp",
    "wage_cap",
    "minimum_wage",
    "class1_wage_threshold",
    "mandiri_class1",
    "mandiri_class2",
    "mandiri_class3",
)


class SettingError(ValueError):
    """An entry that cannot be stored: ``code`` names the problem for the form."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def first_of_month(day: date) -> date:
    return day.replace(day=1)


_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def parse_month(text: str | None) -> date | None:
    """``YYYY-MM`` as the month's first day; None when absent or not a month we bill."""
    match = _MONTH.match((text or "").strip())
    if not match:
        return None
    year, month = int(match.group(1)), int(match.group(2))
    if not (2000 <= year <= 2100 and 1 <= month <= 12):
        return None
    return date(year, month, 1)


# --------------------------------------------------------------------------- rates


def setting_for(session: Session, employer_id: int, month: date) -> ContributionSetting:
    """The entry in force on ``month``'s first day: the latest from that day back, the
    employer's own before the shipped default of the same month."""
    found = session.scalars(
        sa.select(ContributionSetting)
        .where(
            sa.or_(
                ContributionSetting.employer_id == employer_id,
                ContributionSetting.employer_id.is_(None),
            ),
            ContributionSetting.effective_from <= first_of_month(month),
        )
        .order_by(
            ContributionSetting.effective_from.desc(), ContributionSetting.employer_id.is_(None)
        )
        .limit(1)
    ).first()
    return found if found is not None else ContributionSetting(**DEFAULTS)


def settings_history(session: Session, employer_id: int) -> list[ContributionSetting]:
    return list(
        session.scalars(
            sa.select(ContributionSetting)
            .where(
                sa.or_(
                    ContributionSetting.employer_id == employer_id,
                    ContributionSetting.employer_id.is_(None),
                )
            )
            .order_by(ContributionSetting.effective_from.desc(), ContributionSetting.id.desc())
        )
    )


def add_setting(
    session: Session,
    employer: Employer,
    effective_from: date,
    values: Mapping[str, int | None],
    actor: Actor,
    *,
    note: str | None = None,
) -> ContributionSetting:
    """A new entry from ``effective_from`` (a first of a month) for this employer, audited;
    an entry of the same month is replaced. Commits."""
    if effective_from.day != 1:
        raise SettingError("contribution.not_first_of_month")
    numbers = {k: values.get(k) for k in SETTING_FIELDS}
    if any(v is not None and v < 0 for v in numbers.values()):
        raise SettingError("contribution.negative")
    if any(numbers[k] is None for k in SETTING_FIELDS if k != "minimum_wage"):
        raise SettingError("contribution.required")
    if any(numbers[k] > 10_000 for k in SETTING_FIELDS if k.endswith("_bp")):  # type: ignore[operator]
        raise SettingError("contribution.rate_too_high")
    existing = session.scalars(
        sa.select(ContributionSetting).where(
            ContributionSetting.employer_id == employer.id,
            ContributionSetting.effective_from == effective_from,
        )
    ).first()
    before = _snapshot(existing) if existing is not None else None
    entry = existing or ContributionSetting(employer_id=employer.id, effective_from=effective_from)
    for key, value in numbers.items():
        setattr(entry, key, value)
    entry.note = (note or "").strip()[:200] or None
    session.add(entry)
    session.flush()
    record(
        session,
        employer.id,
        actor,
        Change(
            "contribution_setting.update" if existing else "contribution_setting.create",
            "contribution_setting",
            entry.id,
            f"{effective_from:%m-%Y}",
            before=before,
            after=_snapshot(entry),
        ),
    )
    session.commit()
    return entry


def _snapshot(entry: ContributionSetting) -> dict[str, Any]:
    return {
        "effective_from": entry.effective_from.isoformat(),
        **{k: getattr(entry, k) for k in SETTING_FIELDS},
    }


# --------------------------------------------------------------------------- the bill


@dataclass(frozen=True, slots=True)
class Bill:
    """A month's totals (contract §4's numbers) and what they were computed with."""

    month: date
    setting: ContributionSetting
    numbers: query.Numbers
    workers: int
    dependants: int
    extra_members: int
    employer_share: int
    worker_share: int
    extra_family: int
    total: int
    changes: Mapping[int, Status] = field(default_factory=dict)

    @property
    def covered(self) -> int:
        return self.workers + self.dependants

    def as_json(self, employer_code: str) -> dict[str, object]:
        """`edabu iuran --json` (contract §4), whole Rupiah."""
        return {
            "employer": employer_code,
            "month": f"{self.month:%Y-%m}",
            "workers": self.workers,
            "covered": self.covered,
            "extra_members": self.extra_members,
            "employer_share": self.employer_share,
            "worker_share": self.worker_share,
            "extra_family": self.extra_family,
            "total": self.total,
        }


def bill_for(
    session: Session,
    employer: Employer,
    month: date,
    changes: Mapping[int, Status] | None = None,
) -> Bill:
    """The month's bill; ``changes`` (person → status) as pending batches would leave it."""
    month = first_of_month(month)
    setting = setting_for(session, employer.id, month)
    numbers = query.Numbers.of(setting, employer.minimum_wage)
    lines = query.lines(employer.id, month, numbers, changes)
    row = session.execute(query.totals(lines)).one()
    return Bill(month, setting, numbers, *(int(v) for v in row), changes=dict(changes or {}))


def bill_lines(session: Session, bill: Bill, employer_id: int) -> sa.Select:
    """The bill's lines, by name (for the page's pager and the download)."""
    lines = query.lines(employer_id, bill.month, bill.numbers, bill.changes)
    return sa.select(lines).order_by(lines.c.name, lines.c.id)


def bill_page(
    session: Session, bill: Bill, employer_id: int, number: int, per_page: int
) -> list[sa.Row]:
    """One page of the bill's lines: the page's workers are chosen first (by name), then
    only their lines are computed."""
    ids = query.workers_by_name(employer_id, bill.month, bill.changes)
    ids = ids.limit(per_page).offset((number - 1) * per_page)
    lines = query.lines(employer_id, bill.month, bill.numbers, bill.changes, only=ids)
    return list(session.execute(sa.select(lines).order_by(lines.c.name, lines.c.id)))


def lines_after(
    session: Session, employer: Employer, month: date, after_id: int, limit: int
) -> list[sa.Row]:
    """Up to ``limit`` lines of the month's counted workers whose id follows ``after_id``,
    by id (the API's cursor pages): the page's workers are chosen first, then only their
    lines are computed, without the month's totals."""
    month = first_of_month(month)
    numbers = query.Numbers.of(setting_for(session, employer.id, month), employer.minimum_wage)
    ids = query.workers_by_name(employer.id, month).order_by(None)
    ids = ids.where(Participant.id > after_id).order_by(Participant.id).limit(limit)
    lines = query.lines(employer.id, month, numbers, only=ids)
    return list(session.execute(sa.select(lines).order_by(lines.c.id)))


def iter_lines(session: Session, bill: Bill, employer_id: int) -> Iterator[sa.Row]:
    """Every line of the bill, streamed (the download)."""
    plan_for_every_row(session)
    stmt = bill_lines(session, bill, employer_id).execution_options(yield_per=2000)
    yield from session.execute(stmt)


# --------------------------------------------------------------------------- mandiri


#: How many people in mandiri the bill page names (the count and the sum are complete).
MANDIRI_SHOWN = 50


@dataclass(frozen=True, slots=True)
class Mandiri:
    """People of this employer in mandiri (PBPU) on the month's first day, for information:
    they pay their own class's rate, never billed to the employer."""

    people: int
    monthly: int  # what they pay together per month, at the rates of the month
    by_class: Mapping[int, int]
    shown: list[Any]  # (participant, class, rate), the first `MANDIRI_SHOWN` by name


def mandiri_for(session: Session, employer: Employer, bill: Bill) -> Mandiri:
    people = query.mandiri(employer.id, bill.month).subquery()
    care_class = sa.func.coalesce(people.c.mandiri_class, 3)
    counts = dict(
        session.execute(
            sa.select(care_class, sa.func.count()).select_from(people).group_by(care_class)
        ).all()
    )
    rate = bill.setting.mandiri_rate
    shown = [
        (person, person.mandiri_class or 3, rate(person.mandiri_class))
        for person in session.scalars(query.mandiri(employer.id, bill.month).limit(MANDIRI_SHOWN))
    ]
    monthly = sum(count * rate(int(c)) for c, count in counts.items())
    return Mandiri(sum(counts.values()), monthly, counts, shown)


# --------------------------------------------------------------------------- next month


@dataclass(frozen=True, slots=True)
class Outlook:
    """Next month as scheduled (changes with a TMT up to its first day), then after each
    batch not applied yet, in the order they were made."""

    scheduled: Bill
    steps: tuple[tuple[MutationBatch, Bill], ...]


def next_month(session: Session, employer: Employer, today: date) -> Outlook:
    month = add_months(first_of_month(today), 1)
    scheduled = bill_for(session, employer, month)
    changes: dict[int, Status] = {}
    steps = []
    for batch in session.scalars(
        sa.select(MutationBatch)
        .where(MutationBatch.employer_id == employer.id, MutationBatch.status.in_(PENDING))
        .order_by(MutationBatch.created_at, MutationBatch.id)
    ):
        found = _batch_changes(session, batch.id, month)
        if not found:
            continue
        changes |= found
        steps.append((batch, bill_for(session, employer, month, changes)))
    return Outlook(scheduled, tuple(steps))


def _batch_changes(session: Session, batch_id: int, month: date) -> dict[int, Status]:
    """Person → status on ``month``'s first day if the batch were applied (its error-free
    items with a TMT on or before that day)."""
    found: dict[int, Status] = {}
    items = session.scalars(
        sa.select(MutationItem)
        .where(MutationItem.batch_id == batch_id, MutationItem.has_error.is_(False))
        .order_by(MutationItem.position)
    )
    for item in items:
        if item.effective_date is None or item.effective_date > month:
            continue
        for change in item.changes or ():
            status = (change.get("after") or {}).get("status")
            if status in Status.__members__.values() or status in {s.value for s in Status}:
                found[int(change["person_id"])] = Status(status)
    return found


# --------------------------------------------------------------------------- two months


#: How many people each list of the comparison shows (the counts are complete).
COMPARISON_SHOWN = 200


@dataclass(frozen=True, slots=True)
class Comparison:
    month: date
    came: list[sa.Row]  # workers counted this month, not last
    left: list[sa.Row]  # counted last month, not this
    wage_changed: list[sa.Row]  # counted in both, with a wage change from this month
    counts: Mapping[str, int]


def compare(session: Session, employer: Employer, month: date) -> Comparison:
    """Who came, who left and whose wage changed between last month and ``month``: workers
    counted on one first day and not the other, and the wage changes counting from this
    month (one pass over the workers; no bill is computed)."""
    now, before = first_of_month(month), add_months(first_of_month(month), -1)
    person = Participant
    workers = sa.select(
        person.id, person.name, person.nik, person.start_date, person.end_date, person.end_reason
    ).where(person.employer_id == employer.id, person.relationship == Relationship.WORKER)
    came = workers.where(query.counted(person, now), sa.not_(query.counted(person, before)))
    left = workers.where(query.counted(person, before), sa.not_(query.counted(person, now)))
    changed = (
        workers.add_columns(WageChange.old_wage, WageChange.new_wage)
        .join(WageChange, WageChange.participant_id == person.id)
        .where(
            WageChange.effective_from == now,
            query.counted(person, now),
            query.counted(person, before),
        )
    )
    lists, counts = {}, {}
    for key, stmt in (("came", came), ("left", left), ("wage_changed", changed)):
        total = sa.select(sa.func.count()).select_from(stmt.subquery())
        counts[key] = session.execute(total).scalar_one()
        ordered = stmt.order_by(person.name, person.id).limit(COMPARISON_SHOWN)
        lists[key] = list(session.execute(ordered))
    return Comparison(now, lists["came"], lists["left"], lists["wage_changed"], counts)
