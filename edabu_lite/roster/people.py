"""One person at a time (the web forms; the API next): add a worker, add a family member to a
worker, change a person's data, correct a NIK.

Each check validates with the roster row schema, so a form reports exactly what an upload of
the same row would (`load_row`: the same codes, columns and messages), then checks the family
as an upload does (`check_families` against the stored family). Each write locks the person
(`lock_people`), refuses a person whose version moved since the form was shown (optimistic
locking: `Conflict`), and stores the change with its audit event in one transaction.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased

from edabu_lite.accounts.models import Employer
from edabu_lite.actor import Actor
from edabu_lite.audit.models import AuditEvent
from edabu_lite.audit.operations import Change, record
from edabu_lite.identity.privacy import mask_nik
from edabu_lite.issues import Issue
from edabu_lite.months import add_months
from edabu_lite.roster import faskes
from edabu_lite.roster.cells import WORKER
from edabu_lite.roster.family import Member, check_families, newborn_key
from edabu_lite.roster.importing.families import family_context
from edabu_lite.roster.importing.staging import row_context
from edabu_lite.roster.models import Participant, Status, WageChange, status_in_effect
from edabu_lite.roster.operations import add_participants, lock_people
from edabu_lite.roster.schemas import load_row
from edabu_lite.roster.snapshot import ROSTER_FIELDS

#: What "change data" may change. The NIK has its own correction; the KK, the relationship
#: and the worker are the family's shape, changed by an upload or a mutation.
EDITABLE_FIELDS = (
    "name",
    "birth_place",
    "birth_date",
    "sex",
    "marital_status",
    "employee_number",
    "wage",
    "care_class",
    "faskes_code",
    "phone",
    "email",
    "in_school",
)
#: Fields whose change counts from a month (the contribution is monthly): ``effective_from``.
MONTHLY_FIELDS = frozenset({"wage", "care_class"})
#: How many months back a wage or class change may count from (a late payroll report).
BACKDATE_MONTHS = 3
#: A change of these can change who the family may cover (ages, marriage, school, sex).
_FAMILY_FIELDS = frozenset({"birth_date", "marital_status", "in_school", "sex"})
CORRECTION_ACTION = "participant.nik_correct"
#: How many corrections back a person's history is followed (a bound, not a rule).
MAX_CORRECTIONS = 20


class Conflict(RuntimeError):
    """The person changed (or the NIK was registered) since the form was shown."""


@dataclass(frozen=True, slots=True)
class Checked:
    """A form's values as the roster schema loaded them, what was found, and what changes."""

    values: dict[str, Any] | None  # None when the row does not load
    issues: tuple[Issue, ...]
    changes: dict[str, tuple[Any, Any]] = field(default_factory=dict)  # field: (now, new)
    effective_from: date | None = None  # wage / class: the month the change counts from
    faskes_from: date | None = None  # a new faskes: the day it serves the person

    @property
    def ok(self) -> bool:
        return self.values is not None and not any(i.is_error for i in self.issues)


# --------------------------------------------------------------------------- add a person


def check_new(
    session: Session, employer: Employer, raw: Mapping[str, object], *, today: date
) -> Checked:
    """A new worker, or a dependant (``raw["worker_nik"]`` names the worker), as a row."""
    values, issues = load_row(raw, None, row_context(employer, today))
    if values is not None:
        if values["nik"]:
            issues += _known_nik(session, employer.id, values["nik"], today)
        elif _waiting_newborn(session, employer.id, values) is not None:
            issues.append(Issue("nik.registered", "nik", None, {"problem": "newborn"}))
        issues += _family_issues(session, employer.id, values, today)
    return Checked(values if not _errors(issues) else None, _unique(issues))


def add(session: Session, employer: Employer, checked: Checked, actor: Actor) -> Participant:
    """Register a checked new person with their audit event; commits."""
    if not checked.ok:
        raise ValueError("only a person checked without errors can be added")
    values = checked.values
    assert values is not None
    try:
        add_participants(session, employer.id, [values], actor, action="participant.create")
        session.commit()
    except IntegrityError:  # registered by someone else since the check
        session.rollback()
        raise Conflict("NIK registered since the check") from None
    if values["nik"]:
        return session.execute(
            sa.select(Participant).where(
                Participant.employer_id == employer.id, Participant.nik == values["nik"]
            )
        ).scalar_one()
    person = _waiting_newborn(session, employer.id, values)
    assert person is not None
    return person


def _waiting_newborn(
    session: Session, employer_id: int, values: Mapping[str, Any]
) -> Participant | None:
    """The stored newborn without a NIK these values stand for (worker, name, birth date:
    how contract §2 keys them until the NIK arrives), the latest if several."""
    worker = aliased(Participant)
    return session.scalars(
        sa.select(Participant)
        .join(worker, worker.id == Participant.worker_id)
        .where(
            Participant.employer_id == employer_id,
            Participant.nik.is_(None),
            worker.nik == values["worker_nik"],
            sa.func.lower(Participant.name) == values["name"].lower(),
            Participant.birth_date == values["birth_date"],
        )
        .order_by(Participant.id.desc())
        .limit(1)
    ).first()


def _known_nik(session: Session, employer_id: int, nik: str, today: date) -> list[Issue]:
    """nik.registered when this employer has the NIK; the data ganda warning when another
    employer has it active today (as an upload says)."""
    rows = session.execute(
        sa.select(Participant.employer_id, status_in_effect(today)).where(Participant.nik == nik)
    ).all()
    if any(owner == employer_id for owner, _status in rows):
        return [Issue("nik.registered", "nik")]
    if any(status == Status.ACTIVE for _owner, status in rows):
        return [Issue("row.nik_other_employer", "nik")]
    return []


def _family_issues(
    session: Session, employer_id: int, values: Mapping[str, Any], today: date
) -> list[Issue]:
    """The upload's family checks of this one row against the stored family."""
    member = Member.from_row(values, row=1)
    if not member.nik:  # a newborn without a NIK: keyed as an upload keys them
        key = newborn_key(values.get("worker_nik"), values["name"], values.get("birth_date"))
        member = replace(member, nik=key)
    workers, dependants = family_context(session, employer_id, [member])
    found = check_families([member], db_workers=workers, db_dependants=dependants, today=today)
    return [replace(issue, row=None) for issue in found]


# --------------------------------------------------------------------------- change data


def current_row(person: Participant) -> dict[str, Any]:
    """The person as a roster row (the schema's input): what a change starts from."""
    row = {key: getattr(person, key) for key in ROSTER_FIELDS}
    row["relationship"] = person.relationship.value
    row["worker_nik"] = person.worker.nik if person.worker is not None else None
    return row


def check_change(
    session: Session,
    employer: Employer,
    person: Participant,
    edits: Mapping[str, object],
    *,
    today: date,
    effective_from: date | None = None,
) -> Checked:
    """``edits`` (raw cells of `EDITABLE_FIELDS`) over the person's stored row. A wage or class
    change counts from ``effective_from`` (the first of a month: this one by default, at most
    `BACKDATE_MONTHS` back, not after next month); a new faskes from next month."""
    row = current_row(person)
    row.update({k: v for k, v in edits.items() if k in EDITABLE_FIELDS})
    values, issues = load_row(row, None, row_context(employer, today))
    if values is None:
        return Checked(None, _unique(issues))
    stored = current_row(person)
    changes = {k: (stored[k], values[k]) for k in EDITABLE_FIELDS if stored[k] != values[k]}
    month = None
    if changes.keys() & MONTHLY_FIELDS:
        month = effective_from or today.replace(day=1)
        problem = _month_problem(month, today)
        if problem:
            issues.append(Issue("effective_from.invalid", "effective_from", None, problem))
    faskes_from = None
    if "faskes_code" in changes:
        early = faskes.too_soon(person.faskes_since or person.start_date, today)
        issues += [early] if early else []
        faskes_from = faskes.takes_effect(today)
    dependant = person.relationship != WORKER and person.status == Status.ACTIVE
    if dependant and changes.keys() & _FAMILY_FIELDS:
        issues += _family_issues(session, employer.id, values, today)
    if _errors(issues):
        values = None
    return Checked(values, _unique(issues), changes, month, faskes_from)


def _month_problem(month: date, today: date) -> dict[str, object] | None:
    """Why ``month`` cannot be a change's first month (effective_from.invalid's params)."""
    this_month = today.replace(day=1)
    if month.day != 1:
        return {"problem": "not_first_of_month", "months": BACKDATE_MONTHS}
    if month > add_months(this_month, 1):
        return {"problem": "too_late", "months": BACKDATE_MONTHS}
    if month < add_months(this_month, -BACKDATE_MONTHS):
        return {"problem": "too_early", "months": BACKDATE_MONTHS}
    return None


def apply_change(
    session: Session, employer: Employer, person_id: int, version: int, checked: Checked,
    actor: Actor,
) -> Participant:  # fmt: skip
    """Store a checked change and its audit event; commits. `Conflict` when the person's
    version is no longer ``version``."""
    if not checked.ok or not checked.changes:
        raise ValueError("only a checked change without errors can be stored")
    person = _locked(session, employer.id, person_id, version)
    before = {k: old for k, (old, _new) in checked.changes.items()}
    after = {k: new for k, (_old, new) in checked.changes.items()}
    for key, value in after.items():
        setattr(person, key, value)
    if checked.faskes_from is not None:
        before["faskes_since"] = person.faskes_since
        person.faskes_since = after["faskes_since"] = checked.faskes_from
    if checked.effective_from is not None:
        after["effective_from"] = checked.effective_from
    if "wage" in checked.changes:  # earlier months keep the wage they had (the contribution)
        session.add(
            WageChange(
                employer_id=employer.id,
                participant_id=person.id,
                effective_from=checked.effective_from,
                old_wage=before["wage"],
                new_wage=after["wage"],
            )
        )
    record(
        session,
        employer.id,
        actor,
        Change(
            "participant.update",
            "participant",
            person.id,
            mask_nik(person.nik),
            person.nik,
            before=_plain(before),
            after=_plain(after),
        ),
    )
    session.commit()
    return person


# --------------------------------------------------------------------------- NIK correction


def check_nik_correction(
    session: Session, employer: Employer, person: Participant, raw_nik: object, *, today: date
) -> Checked:
    """The new NIK as the schema reads it on the person's row (its region, its date and sex
    against the person's); the NIK must differ and be unregistered here."""
    row = current_row(person)
    row["nik"] = raw_nik
    values, issues = load_row(row, None, row_context(employer, today))
    issues = [i for i in issues if i.column == "nik"]
    if values is not None and not _errors(issues):
        if values["nik"] == person.nik:
            issues.append(Issue("nik.unchanged", "nik"))
        else:
            issues += _known_nik(session, employer.id, values["nik"], today)
    if _errors(issues) or values is None:
        return Checked(None, _unique(issues))
    return Checked(values, _unique(issues), {"nik": (person.nik, values["nik"])})


def correct_nik(
    session: Session, employer: Employer, person_id: int, version: int, checked: Checked,
    reason: str, actor: Actor,
) -> Participant:  # fmt: skip
    """Replace a wrongly registered NIK, audited as a correction with its reason (the old NIK
    stays in the event's ``before``), or give a newborn the NIK it waited for (audited as a
    change of data, as an upload that brings it); commits."""
    old, new = checked.changes["nik"] if checked.ok else (None, None)
    if not checked.ok or (old is not None and not reason.strip()):
        raise ValueError("a correction needs a checked NIK and a reason")
    person = _locked(session, employer.id, person_id, version)
    if person.nik != old:
        raise Conflict("the NIK changed since the check")
    person.nik = new
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        raise Conflict("NIK registered since the check") from None
    if old is None:
        action, after = "participant.update", {"nik": new}
    else:
        action, after = CORRECTION_ACTION, {"nik": new, "correction_reason": reason.strip()}
    record(
        session,
        employer.id,
        actor,
        Change(action, "participant", person.id, mask_nik(new), new, {"nik": old}, after),
    )
    session.commit()
    return person


def former_niks(session: Session, employer_id: int, person: Participant) -> list[str]:
    """Every NIK the person has had here, the current one first: their history is recorded
    under each. A correction's event is recorded under the new NIK with the old one in its
    ``before``, so the chain is followed back through the NIK index, one query per
    correction (none for most people)."""
    niks = [person.nik]
    while len(niks) <= MAX_CORRECTIONS:
        befores = session.scalars(
            sa.select(AuditEvent.before).where(
                AuditEvent.nik == niks[-1],
                AuditEvent.employer_id == employer_id,
                AuditEvent.action == CORRECTION_ACTION,
                AuditEvent.target_id == str(person.id),
            )
        ).all()
        older = [b["nik"] for b in befores if b and b.get("nik") and b["nik"] not in niks]
        if not older:
            break
        niks += older
    return niks


def _locked(session: Session, employer_id: int, person_id: int, version: int) -> Participant:
    lock_people(session, employer_id, [person_id])
    person = session.execute(
        sa.select(Participant)
        .where(Participant.employer_id == employer_id, Participant.id == person_id)
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()
    if person is None or person.version != version:
        session.rollback()
        raise Conflict("the person changed since the check")
    return person


def _errors(issues: list[Issue]) -> bool:
    return any(i.is_error for i in issues)


def _unique(issues: list[Issue]) -> tuple[Issue, ...]:
    return tuple(dict.fromkeys(issues))


def _plain(values: Mapping[str, Any]) -> dict[str, Any]:
    """JSON-ready audit values: dates as ISO text."""
    return {k: v.isoformat() if isinstance(v, date) else v for k, v in values.items()}
