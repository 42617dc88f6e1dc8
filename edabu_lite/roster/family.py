"""Checks across the rows of a roster upload and the employer's active participants (pure).

`check_families` takes every person of the file (as compact `Member` records), the employer's
active workers those rows refer to and their active dependants already in the database, and
reports the contract §5 cross-row codes. It runs in O(n log n) (dict indexes, one sort per
family and one for the result), so 300,000 members take about a second; it never raises on
member data.

Rules and the decisions behind them (tested in tests/roster/test_family.py):

* row.duplicate_nik: the first occurrence of a NIK (lowest row number) stands; every other row
  with that NIK gets the error, with ``other_row`` = the first row. A newborn without a NIK is
  a member under `newborn_key` (worker, name, birth date): two such rows are duplicates too
  (``problem="newborn"``, whose message says so); twins have different names. Only first
  occurrences take part in the family checks, so a repeated row is not counted twice.
* A dependant's worker is looked up first among the file's worker rows (Peserta), then among
  ``db_workers``. A ``worker_nik`` naming a person of the file who is not a worker (a dependant's
  dependant, a parent of a parent, oneself) is family.not_dependant, also when the database still
  has that person as a worker: the file is the newer truth. Neither in the file nor in the
  database: family.worker_missing. A worker row naming another person as its worker is
  family.not_dependant (its own NIK repeated there is accepted, as in schemas.py).
* A member whose relationship is not one of the seven canonical words (a row that failed
  validation, passed with what could be read) is only checked for duplicates: whether it is a
  worker or a dependant is unknown, and its row already reports relationship.invalid. A
  dependant pointing to such a row gets no issue either, for the same reason.
* family.kk_mismatch: e-Dabu only adds a spouse or a child to a worker when the KK number is
  the same (domain §1, §3): an error for Suami, Istri and Anak. Parents and parents-in-law
  often stand on their own KK (domain §9): a warning for Ayah, Ibu and Mertua (contract §2),
  told apart by the issue's ``relationship`` param. The issue is on the dependant's ``kk``
  cell. An unknown KK on either side is not compared.
* family.spouse_count (warning): more than one Suami/Istri under one worker, database dependants
  included; every spouse row *of the file* in that family gets it (column ``relationship``,
  ``count`` = all spouses).
* family.husband_count (error): more than one Suami under one worker (a woman is covered with
  one husband), on each Suami row of the file instead of family.spouse_count.
* family.child_age (column ``birth_date`` for 25+, ``in_school`` for 21-24 not marked in school):
  age is in whole years at ``today`` (someone born on 29 February turns a year older on 1 March
  in common years). A married, divorced or widowed child (Status Kawin other than Belum Kawin)
  is not a PPU dependant either: that is family.not_dependant on ``marital_status`` (the
  child_age message speaks of age limits, which would mislead). Checked on every child row,
  whether or not its worker is found.
* family.extra_member (warning): children who are coverable (neither check above fails, in the
  file or in the database) are ranked by birth date, oldest first; the first three are covered
  and each later one *of the file* gets the warning. A child who is not coverable leaves their
  place to the next, as when a covered child drops out. Unknown birth dates rank last; equal
  ones (twins) by row, database members first. Every parent or parent-in-law (Ayah, Ibu,
  Mertua) of the file whose worker is found gets the warning too (1% extra, domain §3).
* Issues on database members are never produced (they are not in the upload); each issue names a
  row of ``file_members``. Rows failing row validation may be passed too: then an issue that
  row validation also reports (a worker row with a worker NIK, a dependant without one) can
  appear twice, and the caller should drop the duplicate.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Final

from edabu_lite.issues import Issue
from edabu_lite.roster.cells import (
    CHILD,
    DEPENDANT_RELATIONSHIPS,
    FATHER,
    HUSBAND,
    MOTHER,
    PARENT_IN_LAW,
    ROW_KEYS,
    SINGLE,
    WIFE,
    WORKER,
)

SPOUSES: Final = frozenset({HUSBAND, WIFE})
PARENTS: Final = frozenset({FATHER, MOTHER, PARENT_IN_LAW})


@dataclass(frozen=True, slots=True)
class Member:
    """One person as the cross-row checks see them; ``row`` 0 for a person already stored."""

    row: int
    nik: str
    kk: str | None
    relationship: str
    worker_nik: str | None
    birth_date: date | None
    in_school: bool | None
    marital_status: str | None
    #: False for a file row of someone stored as no longer active (an export uploaded back):
    #: compared with the roster, checked for duplicates, not checked as covered family.
    covered: bool = True

    @classmethod
    def from_row(cls, parsed: Mapping[str, object], row: int) -> Member:
        """A member from a `load_row` result (or any mapping with the same keys)."""
        return cls(
            row=row,
            nik=parsed["nik"],  # type: ignore[arg-type]
            kk=parsed.get("kk"),  # type: ignore[arg-type]
            relationship=parsed.get("relationship"),  # type: ignore[arg-type]
            worker_nik=parsed.get("worker_nik"),  # type: ignore[arg-type]
            birth_date=parsed.get("birth_date"),  # type: ignore[arg-type]
            in_school=parsed.get("in_school"),  # type: ignore[arg-type]
            marital_status=parsed.get("marital_status"),  # type: ignore[arg-type]
        )


@dataclass(frozen=True, slots=True)
class FamilyRules:
    """The regulation's numbers (domain §3); configurable because regulations change."""

    covered_children: int = 3
    child_age_limit: int = 21  # a child is covered while younger than this...
    student_age_limit: int = 25  # ...or than this while in formal education


DEFAULT_RULES: Final = FamilyRules()

_COLUMN_ORDER: Final = {key: index for index, key in enumerate(ROW_KEYS)}
_LAST_DATE: Final = date.max


#: `Member.nik` of a newborn without a NIK starts with this (no NIK does).
NEWBORN_KEY_PREFIX: Final = "~"


def newborn_key(worker_nik: str | None, name: str, birth_date: date | None) -> str:
    """What identifies a newborn without a NIK (contract §2): worker, name (case aside) and
    birth date; `Member.nik` for such a child, so duplicates and families work as for
    everyone else. Never a NIK: it starts with `NEWBORN_KEY_PREFIX`."""
    born = birth_date.isoformat() if birth_date is not None else ""
    return f"{NEWBORN_KEY_PREFIX}{worker_nik or ''}|{name.casefold()}|{born}"


def age_on(birth_date: date, today: date) -> int:
    """Age in whole years at ``today``."""
    years = today.year - birth_date.year
    if (today.month, today.day) < (birth_date.month, birth_date.day):
        years -= 1
    return years


def check_families(
    file_members: Sequence[Member],
    *,
    db_workers: Mapping[str, Member],
    db_dependants: Mapping[str, Sequence[Member]],
    today: date,
    rules: FamilyRules = DEFAULT_RULES,
) -> list[Issue]:
    """Cross-row issues of an upload (see the module docstring), sorted by row and column."""
    issues: list[Issue] = []
    people = _first_occurrences(file_members, issues)
    covered = [m for m in people.values() if m.covered]
    file_workers = {m.nik: m for m in covered if m.relationship == WORKER}
    families: dict[str, list[Member]] = {}
    not_coverable: set[str] = set()  # NIKs of the file's children who fail the child checks

    for member in covered:
        if member.relationship == WORKER:
            if member.worker_nik and member.worker_nik != member.nik:
                issues.append(Issue("family.not_dependant", "worker_nik", member.row))
            continue
        if member.relationship not in DEPENDANT_RELATIONSHIPS:
            continue  # unknown role: its own row reports relationship.invalid
        worker = _find_worker(member, people, file_workers, db_workers, issues)
        if member.relationship == CHILD:
            problem = _child_problem(member, today, rules)
            if problem is not None:
                issues.append(problem)
                not_coverable.add(member.nik)
        if worker is None:
            continue
        if member.kk and worker.kk and member.kk != worker.kk:
            params = {"relationship": member.relationship}
            issues.append(Issue("family.kk_mismatch", "kk", member.row, params))
        families.setdefault(worker.nik, []).append(member)

    for worker_nik, members in families.items():
        stored = [m for m in db_dependants.get(worker_nik, ()) if m.nik not in people]
        _check_family(members, stored, today, rules, not_coverable, issues)

    issues.sort(key=_issue_order)
    return issues


def _first_occurrences(members: Sequence[Member], issues: list[Issue]) -> dict[str, Member]:
    """NIK -> the member on the lowest row; row.duplicate_nik for every other occurrence."""
    first: dict[str, int] = {}
    for index, member in enumerate(members):
        seen = first.get(member.nik)
        if seen is None or member.row < members[seen].row:
            first[member.nik] = index
    if len(first) != len(members):
        for index, member in enumerate(members):
            kept = first[member.nik]
            if kept != index:
                params: dict[str, object] = {"other_row": members[kept].row}
                if member.nik.startswith(NEWBORN_KEY_PREFIX):
                    params["problem"] = "newborn"
                issues.append(Issue("row.duplicate_nik", "nik", member.row, params))
    # Insertion order of ``first`` follows the first index of each NIK, i.e. the file's order.
    return {nik: members[index] for nik, index in first.items()}


def _find_worker(
    member: Member,
    people: Mapping[str, Member],
    file_workers: Mapping[str, Member],
    db_workers: Mapping[str, Member],
    issues: list[Issue],
) -> Member | None:
    worker_nik = member.worker_nik
    if worker_nik:
        worker = file_workers.get(worker_nik)
        if worker is not None:
            return worker
        target = people.get(worker_nik)
        if target is not None:
            if target.relationship in DEPENDANT_RELATIONSHIPS:
                issues.append(Issue("family.not_dependant", "worker_nik", member.row))
            # else the target's role is unknown: its own row has the error to fix first.
            return None
        worker = db_workers.get(worker_nik)
        if worker is not None:
            return worker
    issues.append(Issue("family.worker_missing", "worker_nik", member.row))
    return None


def _child_problem(child: Member, today: date, rules: FamilyRules) -> Issue | None:
    """Why a child is not coverable (an issue placed on the child's row), or None."""
    if child.birth_date is not None:
        age = age_on(child.birth_date, today)
        if age >= rules.student_age_limit:
            return Issue("family.child_age", "birth_date", child.row, {"age": age})
        if age >= rules.child_age_limit and child.in_school is not True:
            return Issue("family.child_age", "in_school", child.row, {"age": age})
    if child.marital_status is not None and child.marital_status != SINGLE:
        return Issue("family.not_dependant", "marital_status", child.row)
    return None


def _check_family(
    members: list[Member],
    stored: list[Member],
    today: date,
    rules: FamilyRules,
    not_coverable: set[str],
    issues: list[Issue],
) -> None:
    """Spouse count and extra members of one worker's family (file rows + stored dependants)."""
    spouses = [m for m in members if m.relationship in SPOUSES]
    spouse_count = len(spouses) + sum(1 for m in stored if m.relationship in SPOUSES)
    husbands = [m for m in spouses if m.relationship == HUSBAND]
    husband_count = len(husbands) + sum(1 for m in stored if m.relationship == HUSBAND)
    if husband_count > 1:  # an error: no one is covered with two husbands
        for husband in husbands:
            params = {"count": husband_count}
            issues.append(Issue("family.husband_count", "relationship", husband.row, params))
    if spouse_count > 1:
        for spouse in spouses:
            if husband_count > 1 and spouse.relationship == HUSBAND:
                continue  # said above
            issues.append(
                Issue("family.spouse_count", "relationship", spouse.row, {"count": spouse_count})
            )

    # (birth date, row, nik, from the file?) of every coverable child, stored ones included.
    children = [
        (m.birth_date or _LAST_DATE, m.row, m.nik, False)
        for m in stored
        if m.relationship == CHILD and _child_problem(m, today, rules) is None
    ]
    children.extend(
        (m.birth_date or _LAST_DATE, m.row, m.nik, True)
        for m in members
        if m.relationship == CHILD and m.nik not in not_coverable
    )
    if len(children) > rules.covered_children:
        children.sort(key=_birth_order)
        for _birth, row, _nik, in_file in children[rules.covered_children :]:
            if in_file:
                issues.append(Issue("family.extra_member", "relationship", row))

    for member in members:
        if member.relationship in PARENTS:
            issues.append(Issue("family.extra_member", "relationship", member.row))


def _birth_order(child: tuple[date, int, str, bool]) -> tuple[date, int, str]:
    """Oldest first; equal birth dates (twins) by row (stored members have row 0), then NIK."""
    return child[:3]  # type: ignore[return-value]


def _issue_order(issue: Issue) -> tuple[int, int]:
    return (issue.row or 0, _COLUMN_ORDER.get(issue.column or "", len(_COLUMN_ORDER)))


__all__ = [
    "DEFAULT_RULES",
    "PARENTS",
    "SPOUSES",
    "FamilyRules",
    "Member",
    "age_on",
    "check_families",
    "newborn_key",
]
