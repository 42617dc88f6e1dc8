"""Beranda's numbers kept in the database (`DashboardSnapshot`): a page reads a few small
rows instead of counting 300,000 people, in any web process, also right after a change.

Each part is kept with the data version it was computed at: the employer's audit sequence
(every change to its people, its settings or its rates writes an audit event in the same
transaction) and the day (statuses take effect on their TMT; a month's bill does not depend
on the day). A part is *current* when its day is today and no event since its sequence can
change it: logins, exports, uploads and the like cannot (`UNRELATED_ACTIONS`), anything else
can, a new kind of event too, so a forgotten one costs a refresh, never a wrong number. A
part that is not current is *stale*: it is still shown, with the time it was computed, while
`refresh` (a background job, `home.refresh`) computes it again. A part that was never
computed is computed by the request that needs it, once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Generic, TypeVar

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from edabu_lite.accounts.models import Employer
from edabu_lite.audit.models import AuditEvent
from edabu_lite.database import utcnow
from edabu_lite.home import dashboard
from edabu_lite.home.models import DashboardSnapshot

T = TypeVar("T")

PEOPLE, MOVERS, BILL = "people", "movers", "bill:"
TABLE = DashboardSnapshot.__table__

#: Audit actions that change nothing Beranda keeps (people, their statuses, wages and
#: classes, the employer's minimum wage, the contribution rates): who logged in, users,
#: uploads not yet committed, exports, a reconciliation, batches not yet applied (their
#: counts on Beranda are read live), the employer's creation (nothing is kept before it), API
#: tokens made or revoked. Everything else counts as a change.
UNRELATED_PREFIXES = ("auth.", "user.", "audit.", "api_token.")
UNRELATED_ACTIONS = frozenset(
    {
        "employer.create",
        "contribution.reconcile",
        "roster.export",
        "roster_import.upload",
        "roster_import.cancel",
        "roster_import.retry",
        "mutation_import.upload",
        "mutation_import.cancel",
        "mutation_import.retry",
        "mutation_batch.create",
        "mutation_batch.submit",
        "mutation_batch.approve",  # applying it is its own event (mutation_batch.apply)
        "mutation_batch.reject",
        "mutation_batch.cancel",
    }
)


def changes_numbers(action: str) -> bool:
    """Whether an audit event of this action may change what Beranda keeps."""
    return action not in UNRELATED_ACTIONS and not action.startswith(UNRELATED_PREFIXES)


def _changes_numbers() -> sa.ColumnElement[bool]:
    """`changes_numbers` in SQL."""
    return sa.and_(
        AuditEvent.action.not_in(sorted(UNRELATED_ACTIONS)),
        *(sa.not_(AuditEvent.action.startswith(p, autoescape=True)) for p in UNRELATED_PREFIXES),
    )


def bill_part(month: date) -> str:
    return f"{BILL}{month:%Y-%m}"


def chart_bills(day: date) -> dict[str, date]:
    """The contribution chart's parts, oldest month first."""
    return {bill_part(month): month for month in dashboard.months_back(day)}


def parts_for(day: date) -> list[str]:
    """Every part of Beranda on ``day``, in the order a refresh computes them (the page's
    counts first, then the charts; this month's bill before older ones)."""
    return [PEOPLE, MOVERS, *reversed(chart_bills(day))]


# --------------------------------------------------------------------------- reading


@dataclass(frozen=True, slots=True)
class Part:
    name: str
    day: date
    audit_seq: int
    computed_at: datetime
    payload: Any


@dataclass(frozen=True, slots=True)
class Kept:
    """An employer's kept parts, judged against its audit sequence ``seq`` and ``today``.
    ``last_change``: the latest event up to ``seq`` that may change a part (0: none), looked
    for only among events after the oldest part, so it is exact for every kept part."""

    parts: Mapping[str, Part]
    seq: int
    today: date
    last_change: int

    def _day_ok(self, part: Part) -> bool:
        return part.name.startswith(BILL) or part.day == self.today

    def current(self, part: Part) -> bool:
        """Its numbers are those of today's data."""
        return self._day_ok(part) and (
            part.audit_seq >= self.seq or self.last_change <= part.audit_seq
        )

    def exact(self, part: Part) -> bool:
        """Current and marked with the employer's sequence itself (nothing left to confirm)."""
        return self._day_ok(part) and part.audit_seq >= self.seq


def load(
    session: Session, employer_id: int, seq: int, today: date, names: Iterable[str] | None = None
) -> Kept:
    """The employer's kept parts (``names`` only, when given), judged at sequence ``seq``:
    one read of a few rows, and, when a part is behind ``seq``, one look back along the
    employer's chain from ``seq`` (an index range) for the latest event that counts."""
    stmt = sa.select(TABLE).where(TABLE.c.employer_id == employer_id)
    if names is not None:
        stmt = stmt.where(TABLE.c.part.in_(list(names)))
    parts = {
        row.part: Part(row.part, row.day, row.audit_seq, row.computed_at, row.payload)
        for row in session.execute(stmt)
    }
    behind = [part.audit_seq for part in parts.values() if part.audit_seq < seq]
    last = _last_change(session, employer_id, min(behind), seq) if behind else 0
    return Kept(parts, seq, today, last)


def _last_change(session: Session, employer_id: int, after: int, upto: int) -> int:
    stmt = (
        sa.select(AuditEvent.seq)
        .where(
            AuditEvent.employer_id == employer_id,
            AuditEvent.seq > after,
            AuditEvent.seq <= upto,
            _changes_numbers(),
        )
        .order_by(AuditEvent.seq.desc())
        .limit(1)
    )
    return session.scalar(stmt) or 0


@dataclass(frozen=True, slots=True)
class Shown(Generic[T]):
    """What a page shows of the kept numbers. ``as_of``: when the oldest stale one was last
    known current (computed or confirmed), if any is stale (None: all current).
    ``refresh``: a refresh job should be asked for (something is stale, missing or not yet
    confirmed)."""

    value: T
    as_of: datetime | None
    refresh: bool


def _shown(kept: Kept, names: Sequence[str], value: T, computed: bool = False) -> Shown[T]:
    present = [kept.parts[name] for name in names if name in kept.parts]
    missing = len(present) < len(names) and not computed
    stale = [part for part in present if not kept.current(part)]
    as_of = None
    if stale or missing:  # the time the oldest of them was last known current
        as_of = min((part.computed_at for part in stale or present), default=None)
    refresh = missing or any(not kept.exact(part) for part in present)
    return Shown(value, as_of, refresh)


def for_page(session: Session, employer: Employer, today: date) -> Shown[dashboard.People]:
    """Beranda's counts, and whether anything the page shows (its charts too) is stale.
    Counts never computed for this employer are computed now and kept (the first visit pays
    once); charts never computed are left to their own requests, which compute them."""
    kept = load(session, employer.id, employer.audit_seq, today)
    part = kept.parts.get(PEOPLE)
    if part is None:
        _compute_and_keep(session, employer, PEOPLE, today)
        kept = load(session, employer.id, employer.audit_seq, today)
        part = kept.parts[PEOPLE]
    names = [PEOPLE]
    if MOVERS in kept.parts:
        names.append(MOVERS)
    bills = chart_bills(today)
    if any(name in kept.parts for name in bills):
        names += list(bills)  # a month missing among them is a refresh under way
    return _shown(kept, names, dashboard.People.from_json(part.payload))


def movers_for_chart(
    session: Session, employer: Employer, today: date
) -> Shown[list[tuple[date, int, int]]]:
    """The joiners-and-leavers chart's series, kept (else computed now and kept)."""
    kept = load(session, employer.id, employer.audit_seq, today, [MOVERS])
    part = kept.parts.get(MOVERS)
    payload = part.payload if part else _compute_and_keep(session, employer, MOVERS, today)
    rows = [(date.fromisoformat(m), int(came), int(left)) for m, came, left in payload]
    return _shown(kept, [MOVERS], rows, computed=part is None)


def bills_for_chart(
    session: Session, employer: Employer, today: date
) -> Shown[list[tuple[date, int | None]]]:
    """The contribution chart's twelve monthly totals, kept. None kept: all computed now and
    kept (about 0.5 s a month at 300,000 people, once); some missing (a new month, a
    refresh under way): shown as gaps meanwhile."""
    months = chart_bills(today)
    kept = load(session, employer.id, employer.audit_seq, today, months)
    if not kept.parts:
        for name in reversed(months):
            _compute_and_keep(session, employer, name, today)
        kept = load(session, employer.id, employer.audit_seq, today, months)
    totals = [
        (month, int(kept.parts[name].payload["total"]) if name in kept.parts else None)
        for name, month in months.items()
    ]
    return _shown(kept, list(months), totals)


# --------------------------------------------------------------------------- computing


def _compute(session: Session, employer: Employer, name: str, today: date) -> Any:
    if name == PEOPLE:
        return dashboard.people(session, employer, today).to_json()
    if name == MOVERS:
        rows = dashboard.joiners_and_leavers(session, employer, today)
        return [[month.isoformat(), came, left] for month, came, left in rows]
    month = date.fromisoformat(name.removeprefix(BILL) + "-01")
    return {"total": dashboard.month_total(session, employer, month)}


def _compute_and_keep(session: Session, employer: Employer, name: str, today: date) -> Any:
    """Compute a part in this request and keep it, marked with the sequence read before
    the computation (a change committed meanwhile leaves it behind, never ahead). Commits."""
    seq = employer.audit_seq
    payload = _compute(session, employer, name, today)
    store(session, employer.id, name, today, seq, payload)
    session.commit()
    return payload


def store(session: Session, employer_id: int, name: str, day: date, seq: int, payload: Any) -> None:
    """Keep a part, unless one computed at a later sequence is kept already (two refreshes
    that overlap: the later data wins whichever finishes last)."""
    dialect = session.get_bind().dialect.name
    insert: Callable[..., Any] = postgresql.insert if dialect == "postgresql" else sqlite.insert
    values = {"employer_id": employer_id, "part": name, "day": day, "audit_seq": seq,
              "computed_at": utcnow(), "payload": payload}  # fmt: skip
    stmt = insert(TABLE).values(values)
    new = stmt.excluded
    session.execute(
        stmt.on_conflict_do_update(
            index_elements=[TABLE.c.employer_id, TABLE.c.part],
            set_={key: new[key] for key in ("day", "audit_seq", "computed_at", "payload")},
            where=TABLE.c.audit_seq <= new.audit_seq,
        )
    )


@dataclass(frozen=True, slots=True)
class Refreshed:
    computed: list[str]
    confirmed: list[str]  # current, now marked with the later sequence
    dropped: int  # bills of months that left the chart


def refresh(session: Session, employer_id: int, today: date) -> Refreshed | None:
    """The refresh job's work: compute again every part of the employer's Beranda that is
    not current, mark those still current with the employer's sequence, drop the months
    that left the chart. Commits after each part, so the page's counts are ready first
    (well under a second at 300,000 people) while the twelve bills follow. A past month's
    bill is computed again only when an event since could change it. None: no such
    employer."""
    seq = session.scalar(sa.select(Employer.audit_seq).where(Employer.id == employer_id))
    if seq is None:
        return None
    employer = session.get_one(Employer, employer_id)
    kept = load(session, employer_id, seq, today)
    computed, confirmed = [], []
    for name in parts_for(today):
        part = kept.parts.get(name)
        if part is not None and kept.current(part):
            if part.audit_seq < seq:
                _confirm(session, employer_id, part, seq)
                confirmed.append(name)
        else:
            store(session, employer_id, name, today, seq, _compute(session, employer, name, today))
            computed.append(name)
        session.commit()
    dropped = session.execute(
        sa.delete(TABLE).where(
            TABLE.c.employer_id == employer_id,
            TABLE.c.part.startswith(BILL, autoescape=True),
            TABLE.c.part.not_in(list(chart_bills(today))),
        )
    ).rowcount
    session.commit()
    return Refreshed(computed, confirmed, dropped or 0)


def _confirm(session: Session, employer_id: int, part: Part, seq: int) -> None:
    session.execute(
        sa.update(DashboardSnapshot)
        .where(
            DashboardSnapshot.employer_id == employer_id,
            DashboardSnapshot.part == part.name,
            DashboardSnapshot.audit_seq == part.audit_seq,
        )
        .values(audit_seq=seq, computed_at=utcnow())  # known current now: "Angka per" now
    )


def behind_today(session: Session, today: date) -> list[int]:
    """Employers whose kept counts are of an earlier day (the nightly refresh)."""
    stmt = sa.select(TABLE.c.employer_id).where(TABLE.c.part == PEOPLE, TABLE.c.day < today)
    return list(session.scalars(stmt.order_by(TABLE.c.employer_id)))
