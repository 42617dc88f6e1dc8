"""Participants: one row per insured person (worker or dependant) of one employer.

Columns follow the roster sheet (contract §2) plus the membership state that mutations
change. People are keyed by NIK within an employer; the KK number is data that can change
(domain.md §7), never an identity.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import orm
from sqlalchemy.orm import Mapped, mapped_column

from edabu_lite.database import str_enum, utcnow
from edabu_lite.extensions import db
from edabu_lite.identity.privacy import mask_nik
from edabu_lite.roster.vocabulary import Relationship, Segment, Status, status_on

# The vocabulary lives in roster.vocabulary (pure); re-exported here for the many modules that
# import it from the models.
__all__ = ["Participant", "Relationship", "Segment", "Status", "WageChange"]


class Participant(db.Model):
    __tablename__ = "participant"
    # Few indexes: an import inserts 100,000 people in one commit, and on PostgreSQL each
    # index costs about 0.2 s of it (one WAL record per row). Each one here serves a query:
    # - (nik, employer_id), unique: the import's comparison and every look-up by NIK within
    #   the employer, and also the cross-employer look-up for "data ganda"
    #   (row.nik_other_employer), which reads the status of the few rows it finds;
    # - (employer_id, kk): the roster list's order (families together) and KK search;
    # - worker_id, dependants only: a worker's family (mutations carry it along).
    # The home page's counts scan the employer's rows (tens of ms at 100,000 people).
    __table_args__ = (
        sa.UniqueConstraint("nik", "employer_id"),
        # The list's default order (KK, then id): its pages, deep ones too, are walks of
        # this index alone.
        sa.Index("ix_participant_employer_kk", "employer_id", "kk", "id"),
        sa.Index(
            "ix_participant_worker",
            "worker_id",
            postgresql_where=sa.text("worker_id IS NOT NULL"),
            sqlite_where=sa.text("worker_id IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    employer_id: Mapped[int] = mapped_column(sa.ForeignKey("employer.id"))
    #: NULL for a newborn child whose NIK has not arrived yet (`nik.newborn_pending`): until it
    #: does, an import finds the child by worker, name and birth date. The unique constraint
    #: allows several NULLs (on SQLite and PostgreSQL alike).
    nik: Mapped[str | None] = mapped_column(sa.String(16))
    kk: Mapped[str] = mapped_column(sa.String(16))
    name: Mapped[str] = mapped_column(sa.String(200))
    birth_place: Mapped[str | None] = mapped_column(sa.String(100))
    birth_date: Mapped[date] = mapped_column()
    sex: Mapped[str] = mapped_column(sa.String(1))  # L / P
    marital_status: Mapped[str] = mapped_column(sa.String(20))
    relationship: Mapped[Relationship] = mapped_column(str_enum(Relationship, 10))
    worker_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("participant.id", ondelete="RESTRICT")
    )
    employee_number: Mapped[str | None] = mapped_column(sa.String(50))
    wage: Mapped[int | None] = mapped_column(sa.BigInteger)  # whole Rupiah, workers only
    care_class: Mapped[int] = mapped_column(sa.SmallInteger)
    faskes_code: Mapped[str] = mapped_column(sa.String(8))
    #: When the current faskes was chosen (NULL: at registration, ``start_date``); a change
    #: within `FASKES_MONTHS` of it is faskes_code.too_soon.
    faskes_since: Mapped[date | None] = mapped_column()
    start_date: Mapped[date | None] = mapped_column()  # TMT of membership, workers
    card_number: Mapped[str | None] = mapped_column(sa.String(13))
    phone: Mapped[str | None] = mapped_column(sa.String(30))
    email: Mapped[str | None] = mapped_column(sa.String(254))
    in_school: Mapped[bool | None] = mapped_column()

    segment: Mapped[Segment] = mapped_column(str_enum(Segment, 10), default=Segment.PPU)
    status: Mapped[Status] = mapped_column(str_enum(Status, 20), default=Status.ACTIVE)
    #: A change takes effect on its TMT: ``status`` from ``status_since`` on (NULL: always),
    #: ``previous_status`` before it (`status_on`, `status_in_effect`).
    status_since: Mapped[date | None] = mapped_column()
    previous_status: Mapped[Status | None] = mapped_column(str_enum(Status, 20))
    end_date: Mapped[date | None] = mapped_column()  # TMT of the deactivation / move
    end_reason: Mapped[str | None] = mapped_column(sa.String(30))
    #: The day of the leaving event (PHK, death, resignation...), which the TMT may follow.
    event_date: Mapped[date | None] = mapped_column()
    death_certificate: Mapped[str | None] = mapped_column(sa.String(50))
    phk_date: Mapped[date | None] = mapped_column()
    continued_coverage_until: Mapped[date | None] = mapped_column()  # PHK: 6 months, Kelas III
    mandiri_class: Mapped[int | None] = mapped_column(sa.SmallInteger)

    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    # Optimistic lock: of two users mutating the same person, one wins, the other conflicts.
    version: Mapped[int] = mapped_column(default=1)

    # orm.relationship, spelled out: the class has a column named ``relationship``.
    worker: Mapped[Participant | None] = orm.relationship(
        remote_side="Participant.id", back_populates="dependants"
    )
    dependants: Mapped[list[Participant]] = orm.relationship(back_populates="worker")

    __mapper_args__ = {"version_id_col": version}

    @property
    def is_worker(self) -> bool:
        return self.relationship == Relationship.WORKER

    @property
    def is_active(self) -> bool:
        return self.status == Status.ACTIVE

    def status_on(self, day: date) -> Status:
        """The status in effect on ``day`` (`vocabulary.status_on`; in SQL `status_in_effect`)."""
        return status_on(self.status, self.status_since, self.previous_status, day)

    def coming_change(self, day: date) -> tuple[Status, date] | None:
        """The status that takes effect after ``day`` and when, if one is scheduled."""
        if self.status_on(day) != self.status:
            return self.status, self.status_since  # type: ignore[return-value]
        return None

    def __repr__(self) -> str:
        return f"<Participant {mask_nik(self.nik)} {self.status}>"


class WageChange(db.Model):
    """A worker's wage changed, counting from a month: the wage before it holds for earlier
    months (the contribution of a past month uses the wage of that month). Only changes are
    recorded: a person's first wage holds until their first change."""

    __tablename__ = "wage_change"
    __table_args__ = (sa.Index("ix_wage_change_participant", "participant_id", "effective_from"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    employer_id: Mapped[int] = mapped_column(sa.ForeignKey("employer.id"), index=True)
    participant_id: Mapped[int] = mapped_column(sa.ForeignKey("participant.id"))
    effective_from: Mapped[date] = mapped_column()  # the first day of the month it counts from
    old_wage: Mapped[int | None] = mapped_column(sa.BigInteger)
    new_wage: Mapped[int | None] = mapped_column(sa.BigInteger)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


def status_in_effect(day: date) -> sa.ColumnElement[str]:
    """`Participant.status_on` in SQL, for filters and counts."""
    return status_in_effect_of(Participant, day)


def status_in_effect_of(people: Any, day: date) -> sa.ColumnElement[str]:
    """`status_in_effect` of ``people`` (`Participant` or an alias of it)."""
    return sa.case(
        (
            sa.and_(people.status_since > day, people.previous_status.is_not(None)),
            people.previous_status,
        ),
        else_=people.status,
    )
