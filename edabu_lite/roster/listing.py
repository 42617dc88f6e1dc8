"""The participant lists as SQL. The list's filter: the list page, its export (at once or in
a background job, which has no logged-in user) and the mutation form's "select all matching"
all see exactly the same people. Data ganda: the people also active at another employer."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Session, aliased

from edabu_lite.accounts.models import Employer
from edabu_lite.database import contains_text, digits_prefix
from edabu_lite.roster import attention
from edabu_lite.roster.models import (
    Participant,
    Relationship,
    Segment,
    Status,
    status_in_effect,
    status_in_effect_of,
)

#: Digits from which a search is taken for a NIK or KK prefix (a region code has six).
PREFIX_DIGITS = 4
#: The request arguments the filter reads (what an export job keeps of a request).
FILTER_KEYS = ("q", "status", "jenis", "segmen", "kelas", "perlu")


def participant_filter(
    session: Session, employer_id: int, args: Mapping[str, str], day: date
) -> sa.Select:
    """The list's filter (search, status in effect on ``day``, kind) as a SELECT of one
    employer's participants.

    A search of digits is a NIK or KK prefix (what HR staff type: region codes), answered
    from the indexes; only when no NIK or KK starts with it is it an employee number. Any
    other search looks in names and employee numbers."""
    stmt = sa.select(Participant).where(Participant.employer_id == employer_id)
    query = args.get("q", "").strip()
    if query:
        compact = query.replace(" ", "").replace(".", "").replace("-", "")
        if compact.isascii() and compact.isdigit() and PREFIX_DIGITS <= len(compact) <= 16:
            by_number = sa.or_(
                digits_prefix(Participant.nik, compact), digits_prefix(Participant.kk, compact)
            )
            found = session.scalar(stmt.with_only_columns(Participant.id).where(by_number))
            stmt = stmt.where(by_number if found else Participant.employee_number == query)
        else:
            stmt = stmt.where(
                sa.or_(
                    contains_text(session, Participant.name, query),
                    Participant.employee_number == query,
                )
            )
    status = args.get("status")
    if status in {s.value for s in Status}:  # as in effect on the day (a change waits for its TMT)
        stmt = stmt.where(status_in_effect(day) == Status(status))
    kind = args.get("jenis")
    if kind == "worker":
        stmt = stmt.where(Participant.relationship == Relationship.WORKER)
    elif kind == "dependant":
        stmt = stmt.where(Participant.relationship != Relationship.WORKER)
    segment = args.get("segmen")
    if segment in {s.value for s in Segment}:
        stmt = stmt.where(Participant.segment == Segment(segment))
    care_class = args.get("kelas", "")
    if care_class in {"1", "2", "3"}:  # the class a person is in: mandiri's own, else PPU's
        in_class = sa.case(
            (Participant.segment == Segment.PBPU, Participant.mandiri_class),
            else_=Participant.care_class,
        )
        stmt = stmt.where(in_class == int(care_class))
    needs = args.get("perlu", "")
    if needs in attention.LABELS:  # Beranda's "Perlu tindakan" (the same conditions)
        minimum = session.scalar(sa.select(Employer.minimum_wage).where(Employer.id == employer_id))
        stmt = stmt.where(attention.conditions(day, minimum)[needs])
    return stmt


def active_elsewhere(employer_id: int, day: date) -> sa.Select:
    """Data ganda (Pandawa I): this employer's people active on ``day`` whose NIK is active
    at another employer too, in the list's order (KK, then id).

    The other employers' active NIKs are a set the database builds once and looks this
    employer's people up in, by the unique (nik, employer_id) index: a correlated EXISTS per
    person cost 7 times more at 300,000 people on SQLite. The other employers are the two
    ranges of the employer index below and above this one, because no index serves ``!=``:
    the set would come from a scan of the whole table, this employer's people included, and
    the page would cost what this employer's size does rather than the other employers'."""
    other = aliased(Participant)
    elsewhere = sa.select(other.nik).where(
        sa.or_(other.employer_id < employer_id, other.employer_id > employer_id),
        status_in_effect_of(other, day) == Status.ACTIVE,
    )
    return (
        sa.select(Participant)
        .where(
            Participant.employer_id == employer_id,
            status_in_effect(day) == Status.ACTIVE,
            Participant.nik.in_(elsewhere),
        )
        .order_by(Participant.kk, Participant.id)
    )


def count(session: Session, stmt: sa.Select) -> int:
    return session.scalar(sa.select(sa.func.count()).select_from(stmt.subquery())) or 0
