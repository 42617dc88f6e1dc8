"""The values `rules.plan_mutation` works with: the `Person` as stored, the `Request`, the
employer's `Settings`, and the `Plan` it returns with its `PlannedChange` per person; and the
month arithmetic of TMTs. Pure: no Flask, no database."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Final

from edabu_lite.issues import Issue
from edabu_lite.months import first_day_of_next_month
from edabu_lite.mutations.kinds import (
    ACTIVE,
    INACTIVE,
    MOVED_TO_MANDIRI,
    MutationKind,
    PhkProof,
    Reason,
)
from edabu_lite.roster.vocabulary import Relationship, last_covered_day, plain, status_on

#: The fields a mutation may change, in the order the preview shows them.
MEMBERSHIP_FIELDS: Final = (
    "status",
    "status_since",
    "previous_status",
    "segment",
    "care_class",
    "mandiri_class",
    "start_date",
    "end_date",
    "end_reason",
    "event_date",
    "death_certificate",
    "phk_date",
    "continued_coverage_until",
)


# --- inputs and outputs -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Person:
    """A participant as the rules see it (built from the database row by the caller)."""

    id: int
    nik: str | None  # None: a newborn still waiting for a NIK
    kk: str
    relationship: str  # canonical: Peserta, Suami, Istri, Anak, Ayah, Ibu, Mertua
    worker_id: int | None
    status: str  # AKTIF, NONAKTIF, PINDAH_MANDIRI, MENINGGAL
    segment: str  # PPU, PBPU
    care_class: int
    mandiri_class: int | None
    end_date: date | None
    end_reason: str | None
    phk_date: date | None
    continued_coverage_until: date | None
    version: int
    start_date: date | None = None  # membership TMT (workers); the mutation TMT may not precede it
    event_date: date | None = None  # the day of the leaving event (PHK, death, new job...)
    death_certificate: str | None = None
    birth_date: date | None = None  # tells a 4th child from the first three
    status_since: date | None = None  # ``status`` takes effect on this day (its TMT)
    previous_status: str | None = None  # in effect before ``status_since``

    @classmethod
    def from_record(cls, record: object) -> Person:
        """A person from any object with the Participant attributes (a model row, a namespace)."""
        values = {name: getattr(record, name, None) for name in cls.__dataclass_fields__}
        for name in ("relationship", "status", "segment", "previous_status"):
            values[name] = plain(values[name])
        return cls(**values)  # type: ignore[arg-type]

    @property
    def is_worker(self) -> bool:
        return self.relationship == Relationship.WORKER

    def status_on(self, day: date) -> str:
        """The status in effect on ``day`` (a change takes effect on its TMT)."""
        return status_on(self.status, self.status_since, self.previous_status, day)

    def membership(self) -> dict[str, object]:
        """The `MEMBERSHIP_FIELDS` values, statuses and segments as plain strings."""
        return {name: plain(getattr(self, name)) for name in MEMBERSHIP_FIELDS}


@dataclass(frozen=True, slots=True)
class Request:
    kind: MutationKind
    reason: Reason | None = None
    effective_date: date | None = None
    mandiri_class: int | None = None
    phk_proof: PhkProof | None = None
    #: Tanggal Kejadian: the day of the PHK, death, resignation... (None: the day before the TMT).
    event_date: date | None = None
    death_certificate: str | None = None  # MENINGGAL: the death certificate's number
    #: Dependant ids the user chose to leave out (PINDAH_MANDIRI, AKTIFKAN of a worker).
    exclude: frozenset[int] = frozenset()
    #: AKTIFKAN of a worker: the dependants chosen to come back (None = those who ended with them).
    include: frozenset[int] | None = None


@dataclass(frozen=True, slots=True)
class Settings:
    """The rules' numbers; configurable because domain.md marks them unconfirmed."""

    phk_coverage_months: int = 6
    phk_care_class: int = 3
    phk_covers_dependants: bool = True
    default_effective_date: Callable[[date], date] = first_day_of_next_month
    move_same_kk_only: bool = True  # dependants move along only when on the worker's KK
    max_past_months: int = 3  # a TMT earlier than today minus this is mutation.date_invalid
    max_future_months: int = 12  # a TMT later than today plus this is mutation.date_invalid
    #: A PHK or a death may be reported this late: its event date and its TMT may lie this far
    #: back (other TMTs: `max_past_months`).
    late_report_months: int = 12
    covered_children: int = 3  # children from the 4th on are extra members (1 % each)


DEFAULT_SETTINGS: Final = Settings()


@dataclass(frozen=True, slots=True)
class PlannedChange:
    person_id: int
    nik: str | None
    role: str  # SUBJECT or DEPENDANT
    before: Mapping[str, object] = field(hash=False)  # exactly the fields that change
    after: Mapping[str, object] = field(hash=False)
    version: int  # the person's version the plan was made from (optimistic lock)
    note: str | None = None  # a NOTE_MESSAGES key saying why this dependant is treated so


@dataclass(frozen=True, slots=True)
class Plan:
    changes: tuple[PlannedChange, ...]
    issues: tuple[Issue, ...]
    effective_date: date
    notes: tuple[str, ...]  # NOTE_MESSAGES keys, in the order they arose

    @property
    def ok(self) -> bool:
        return not any(issue.is_error for issue in self.issues)

    @property
    def affected(self) -> int:
        """The number of people whose membership changes."""
        return len(self.changes)


@dataclass(frozen=True, slots=True)
class PhkCoverage:
    last_day: date  # the last day covered (continued_coverage_until is the day it stops)
    care_class: int


def phk_coverage_on(
    person: Person, day: date, settings: Settings = DEFAULT_SETTINGS
) -> PhkCoverage | None:
    """The PHK continued coverage ``person`` has on ``day`` or will have once their employer's
    coverage ends at the TMT; None when there is none (any more)."""
    until = person.continued_coverage_until
    if person.status != INACTIVE or person.phk_date is None or until is None or day >= until:
        return None
    return PhkCoverage(last_covered_day(until), settings.phk_care_class)


def coverage_class_on(
    person: Person, day: date, settings: Settings = DEFAULT_SETTINGS
) -> int | None:
    """The care class that applies to ``person`` on ``day``; None when not covered through here.

    Covered by the employer (care_class) while active or before the end TMT, then mandiri_class
    after a move, or ``settings.phk_care_class`` during PHK continued coverage.
    """
    if person.status == ACTIVE or (person.end_date is not None and day < person.end_date):
        return person.care_class
    if person.status == MOVED_TO_MANDIRI:
        return person.mandiri_class
    if (
        person.status == INACTIVE
        and person.phk_date is not None
        and person.continued_coverage_until is not None
        and person.phk_date <= day < person.continued_coverage_until
    ):
        return settings.phk_care_class
    return None
