"""The rules of Mutasi Peserta (domain.md §5, contract §3 and §5): pure, no Flask, no database.

`plan_mutation` takes one person, the rest of their family as stored and a `Request`, and returns
a `Plan`: the membership fields that change for every person affected (the subject and the
dependants carried along), the issues that block it, the TMT used and notes for the preview. It
never raises on any combination of inputs, writes nothing, and when the plan has an error its
``changes`` (and ``notes``) are empty. The database layer builds the `Person` records, applies
``after`` to each person whose ``version`` still matches (else mutation.conflict) and writes the
audit trail; the sheet layer (`edabu_lite.mutations.sheet`) turns a sheet row into a `Request`.

Decisions (each one is tested in tests/mutations/test_rules.py):

* **Reasons.** A worker (Peserta) leaves for PHK, MENGUNDURKAN_DIRI, HABIS_KONTRAK, PENSIUN or
  MENINGGAL; a dependant alone for USIA or MENIKAH (children only: Anak), CERAI (spouses only:
  Suami/Istri), BEKERJA (now covered by an own employer), DIHENTIKAN (extra members only: Ayah,
  Ibu, Mertua, and a child from the ``covered_children`` + 1-th on by birth date among the
  worker's active children) or MENINGGAL. Anything else, a missing reason on NONAKTIF included, is
  mutation.reason_invalid on ``reason`` with a ``problem`` param (required, unknown,
  worker_only, dependant_only, relationship). A dependant can also leave on their own with
  PINDAH_MANDIRI (no reason needed), which is how a parent or a 4th child stops being billed.
* **NONAKTIF of a worker** carries every *active* dependant along: status NONAKTIF, the same TMT
  and the worker's reason as end_reason. Dependants that are already inactive are not touched.
  ``exclude`` is ignored: a dependant cannot stay covered by an employer their worker left.
* **MENINGGAL** sets status MENINGGAL (membership ends; nothing can change that person again).
  A deceased worker's active dependants become NONAKTIF with end_reason ``PESERTA_MENINGGAL``
  and the plan notes that they can be moved to mandiri in the same batch.
* **Event date** (Tanggal Kejadian, ``event_date``): the day of the PHK, death, resignation...,
  kept apart from the TMT and stored on the subject. Required for PHK and MENINGGAL
  (mutation.event_date_required), else the day before the TMT by default. After today, or more
  than ``late_report_months`` (12) back: mutation.date_invalid on ``event_date`` (``problem``
  future / too_early). A PHK or a death may be reported that late: for NONAKTIF with those
  reasons the TMT, too, may lie ``late_report_months`` back (other TMTs ``max_past_months``).
  MENINGGAL keeps the death certificate's number (``death_certificate``).
* **PHK continued coverage.** NONAKTIF of a worker with reason PHK *and* a proof (A, B or C)
  records ``phk_date`` = the event date and ``continued_coverage_until`` = that date +
  ``phk_coverage_months`` (calendar months, clamped to the month's end: the day the free
  coverage stops), whatever the TMT; when that day is already past the preview says so (note
  ``phk_coverage_over``). care_class is
  *not* overwritten: it stays the PPU entitlement (the roster only knows classes 1 and 2, so a 3
  there would fail a re-import of the exported roster, and a rehire needs the old class back);
  the class during continued coverage is ``Settings.phk_care_class``, and `coverage_class_on`
  says which class applies on a given day. The dependants carried along get the same PHK dates
  when ``Settings.phk_covers_dependants`` (default True: BPJS states the family keeps benefits
  too; unconfirmed, hence a setting). PHK without proof is an ordinary deactivation (note
  ``phk_without_proof``). A proof with any other reason or kind, MENGUNDURKAN_DIRI included,
  grants nothing: it is ignored with the note ``phk_proof_ignored`` (no issue code fits).
* **PINDAH_MANDIRI** needs mandiri_class 1, 2 or 3 (else mutation.class_required). It is allowed
  for an *active* person, and for anyone made NONAKTIF for any reason (a deceased person is
  MENINGGAL, not NONAKTIF: mutation.deceased, as for reason MENINGGAL). A NONAKTIF person keeps
  their end_date/end_reason (the employer's coverage did end then); status, segment and
  mandiri_class change, the TMT may not be before that end_date, and PHK continued coverage
  still running on the TMT ends on it. A NONAKTIF worker takes along the NONAKTIF dependants who
  left with them (the same end_date), by the same KK rule and ``exclude`` as below; the others
  stay as they are. Any other status (PINDAH_MANDIRI already) is mutation.not_active. An
  optional reason is validated as for NONAKTIF and becomes end_reason; without one
  end_reason is ``PINDAH_MANDIRI``.
  A moving worker takes their active dependants *on the same KK* along (status PINDAH_MANDIRI,
  segment PBPU, the worker's mandiri_class, TMT and end_reason). Dependants on another KK (when
  ``Settings.move_same_kk_only``) and dependants in ``exclude`` become NONAKTIF with end_reason
  ``PESERTA_PINDAH_MANDIRI``, each with a note; they can be moved on their own afterwards.
* **AKTIFKAN** (rehire) brings back a NONAKTIF or PINDAH_MANDIRI person: status AKTIF, segment
  PPU, mandiri_class, end_*, event and PHK fields cleared; care_class stays; a worker's
  start_date becomes the TMT (a new membership). On an active person:
  mutation.not_inactive; on a deceased one: mutation.deceased (``problem="reactivate"``). A
  dependant comes back only while their worker is active, else mutation.not_active on ``nik``
  with ``problem="worker_not_active"``. A worker brings back the dependants in ``include``, or
  by default (``include=None``) the NONAKTIF/PINDAH_MANDIRI dependants whose end_date equals the
  worker's (they ended with the worker), minus ``exclude``. Active or unknown ids in ``include``
  are skipped; a deceased one is mutation.deceased on ``nik`` (``problem="include_deceased"``,
  masked ``person``). Whether a returning child is still coverable (age, 3 children) is the
  family checks' business, not checked here.
* **TMT** (effective_date): default ``Settings.default_effective_date(today)`` (first day of the
  next month). mutation.date_invalid on ``effective_date`` with ``problem``: ``unreadable`` (not
  a date), ``too_early`` (more than ``max_past_months`` before today), ``too_late`` (more than
  ``max_future_months`` after), ``before_start`` (before the subject's start_date), ``before_end``
  (AKTIFKAN or a later move before the previous end_date of anyone it changes), ``pending``
  (after the TMT of a status change still to come for anyone it changes: a person keeps the
  status before their last change, so changes are scheduled one at a time; a TMT on or before
  the pending one replaces it).
* **A change takes effect on its TMT.** Every change of status records ``status_since`` = TMT
  and ``previous_status`` = the status in effect the day before; `Person.status_on` (and the
  database's `status_in_effect`) give the status on any day from today on. A worker's change
  carries along every dependant covered the day before its TMT or active later: the worker's
  change replaces a dependant's own one still to come (they leave as PPU members).
* **Where issues go.** Unknown kind: mutation.kind_invalid on ``kind`` (alone). A kind that does
  not fit the subject's state (not_active, not_inactive, deceased): column ``kind``; about another
  person (the worker, an included dependant): ``nik``. Invalid proof: mutation.reason_invalid on
  ``phk_proof`` (``problem="phk_proof"``). Issues carry ``row`` when given.
* ``before``/``after`` hold exactly the membership fields that change (`MEMBERSHIP_FIELDS`), with
  statuses and segments as plain strings and dates as `date`. The subject comes first, then the
  dependants in the order of ``family``. ``family`` entries with the subject's id are ignored,
  and only those whose ``worker_id`` is the worker's id count as the worker's dependants.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Final, TypeVar

from edabu_lite.identity.privacy import mask_nik
from edabu_lite.issues import Issue
from edabu_lite.months import add_months, first_day_of_next_month, shift_months
from edabu_lite.mutations.kinds import (
    ACTIVE,
    DATED_REASONS,
    DECEASED,
    DEPENDANT_REASONS,
    INACTIVE,
    KINDS,
    MANDIRI_CLASSES,
    MOVED_TO_MANDIRI,
    MOVED_WITHOUT_REASON,
    PBPU,
    PPU,
    REASON_RELATIONSHIPS,
    WORKER_DECEASED,
    WORKER_MOVED,
    WORKER_REASONS,
    MutationKind,
    PhkProof,
    Reason,
)
from edabu_lite.mutations.plans import (
    DEFAULT_SETTINGS,
    MEMBERSHIP_FIELDS,
    Person,
    Plan,
    PlannedChange,
    Request,
    Settings,
    coverage_class_on,
)
from edabu_lite.roster.vocabulary import Relationship, plain

SUBJECT: Final = "subject"
#: A dependant carried along by their worker leaves as a PPU member, whatever move of their
#: own was still to come.
_UNMOVED: Final = {"segment": PPU, "mandiri_class": None}
DEPENDANT: Final = "dependant"

# --- planning -----------------------------------------------------------------------------------

E = TypeVar("E", bound=StrEnum)
_INVALID: Final = object()


def _coerce(enum: type[E], value: object) -> E | object | None:
    """``value`` as a member of ``enum``, None when None, `_INVALID` otherwise. Never raises."""
    if value is None or isinstance(value, enum):
        return value
    if isinstance(value, str):
        try:
            return enum(value)
        except ValueError:
            return _INVALID
    return _INVALID


def _ids(value: object) -> frozenset[object] | None:
    """A set of ids from whatever the caller passed; None for None or something not iterable."""
    if value is None or isinstance(value, str | bytes):
        return None
    try:
        return frozenset(value)  # type: ignore[arg-type]
    except TypeError:
        return None


class _Planner:
    """One call of `plan_mutation`: collects issues, changes and notes."""

    def __init__(
        self,
        subject: Person,
        family: Sequence[Person],
        request: Request,
        today: date,
        settings: Settings,
        row: int | None,
    ) -> None:
        self.subject = subject
        self.request = request
        self.today = today
        self.settings = settings
        self.row = row
        self.issues: list[Issue] = []
        self.changes: list[PlannedChange] = []
        self.notes: list[str] = []
        others: dict[object, Person] = {}
        for person in family:
            if person.id != subject.id:
                others.setdefault(person.id, person)
        self.worker: Person | None = None
        self.dependants: list[Person] = []
        self.siblings: list[Person] = []  # the other dependants of a dependant's worker
        if subject.is_worker:
            self.dependants = [
                p for p in others.values() if not p.is_worker and p.worker_id == subject.id
            ]
        elif subject.worker_id is not None:
            worker = others.get(subject.worker_id)
            if worker is not None and worker.is_worker:
                self.worker = worker
            self.siblings = [
                p for p in others.values() if not p.is_worker and p.worker_id == subject.worker_id
            ]
        self.tmt = self._effective_date()

    # issues and notes

    def fail(self, code: str, column: str, **params: object) -> None:
        self.issues.append(Issue(code, column, self.row, params))

    def note(self, key: str) -> None:
        if key not in self.notes:
            self.notes.append(key)

    def change(self, person: Person, role: str, note: str | None = None, **updates: object) -> None:
        before = person.membership()
        previous = person.status_on(self.tmt - timedelta(days=1))
        # a new status, or the stored one from an earlier TMT (a worker's change replacing a
        # dependant's own one still to come)
        new_status = updates.get("status")
        if new_status is not None and (new_status != before["status"] or new_status != previous):
            pending = person.status_since
            if pending is not None and self.today < pending < self.tmt:
                # one change at a time: a person keeps the status before their last change
                params: dict[str, object] = {"problem": "pending"}
                if person is not self.subject:
                    params["person"] = mask_nik(person.nik)
                self.fail("mutation.date_invalid", "effective_date", **params)
            # takes effect on the TMT; until then the status in effect the day before holds
            updates["status_since"] = self.tmt
            updates["previous_status"] = previous
        after = {name: plain(value) for name, value in updates.items() if before[name] != value}
        self.changes.append(
            PlannedChange(
                person_id=person.id,
                nik=person.nik,
                role=role,
                before={name: before[name] for name in MEMBERSHIP_FIELDS if name in after},
                after={name: after[name] for name in MEMBERSHIP_FIELDS if name in after},
                version=person.version,
                note=note,
            )
        )

    def plan(self) -> Plan:
        kind = _coerce(MutationKind, self.request.kind)
        if kind is None or kind is _INVALID:
            self.issues = []  # nothing else is worth saying until the kind is known
            self.fail("mutation.kind_invalid", "kind")
        else:
            getattr(self, KINDS[kind].planner)()  # type: ignore[index]
        if any(issue.is_error for issue in self.issues):
            return Plan((), tuple(self.issues), self.tmt, ())
        return Plan(tuple(self.changes), tuple(self.issues), self.tmt, tuple(self.notes))

    # common checks

    def _effective_date(self) -> date:
        default = self.settings.default_effective_date(self.today)
        value = self.request.effective_date
        if value is None:
            tmt = default
        elif isinstance(value, date):
            tmt = value.date() if isinstance(value, datetime) else value
        else:
            self.fail("mutation.date_invalid", "effective_date", problem="unreadable")
            return default
        if tmt < shift_months(self.today, -self._past_months()):
            self.fail("mutation.date_invalid", "effective_date", problem="too_early")
        elif tmt > shift_months(self.today, self.settings.max_future_months):
            self.fail("mutation.date_invalid", "effective_date", problem="too_late")
        elif self.subject.start_date is not None and tmt < self.subject.start_date:
            self.fail("mutation.date_invalid", "effective_date", problem="before_start")
        return tmt

    def _past_months(self) -> int:
        """How far back the TMT may lie: further for a PHK or a death, often reported late."""
        dated = _coerce(Reason, self.request.reason) in DATED_REASONS
        if dated and _coerce(MutationKind, self.request.kind) == MutationKind.DEACTIVATE:
            return max(self.settings.late_report_months, self.settings.max_past_months)
        return self.settings.max_past_months

    def _event_date(self, reason: Reason) -> date | None:
        """The day of the event (Tanggal Kejadian); None after an issue."""
        value = self.request.event_date
        if value is None:
            if reason in DATED_REASONS:
                self.fail("mutation.event_date_required", "event_date")
                return None
            return self.tmt - timedelta(days=1)
        if not isinstance(value, date):
            self.fail("mutation.date_invalid", "event_date", problem="unreadable")
            return None
        day = value.date() if isinstance(value, datetime) else value
        if day > self.today:
            self.fail("mutation.date_invalid", "event_date", problem="future")
            return None
        if day < shift_months(self.today, -self.settings.late_report_months):
            self.fail("mutation.date_invalid", "event_date", problem="too_early")
            return None
        return day

    def _not_before_end(self, person: Person) -> None:
        if person.end_date is not None and self.tmt < person.end_date:
            params: dict[str, object] = {"problem": "before_end"}
            if person is not self.subject:
                params["person"] = mask_nik(person.nik)
            self.fail("mutation.date_invalid", "effective_date", **params)

    def _reason(self, *, required: bool) -> Reason | None:
        """The request's reason if it fits the subject, else None (with an issue)."""
        reason = _coerce(Reason, self.request.reason)
        if reason is None:
            if required:
                self.fail("mutation.reason_invalid", "reason", problem="required")
            return None
        if reason is _INVALID:
            self.fail("mutation.reason_invalid", "reason", problem="unknown")
            return None
        assert isinstance(reason, Reason)
        if self.subject.is_worker:
            if reason not in WORKER_REASONS:
                self.fail("mutation.reason_invalid", "reason", problem="dependant_only")
                return None
        elif reason not in DEPENDANT_REASONS:
            self.fail("mutation.reason_invalid", "reason", problem="worker_only")
            return None
        elif self.subject.relationship not in REASON_RELATIONSHIPS.get(
            reason, frozenset({self.subject.relationship})
        ) and not (reason == Reason.DIHENTIKAN and self._is_extra_child()):
            self.fail("mutation.reason_invalid", "reason", problem="relationship")
            return None
        return reason

    def _is_extra_child(self) -> bool:
        """The subject is an active child after the first `covered_children` by birth date
        among their worker's active children (an extra member, billed 1 %)."""
        subject = self.subject
        if subject.relationship != Relationship.CHILD or subject.birth_date is None:
            return False
        children = [
            p for p in (*self.siblings, subject)
            if p.relationship == Relationship.CHILD and p.status == ACTIVE
        ]  # fmt: skip
        children.sort(key=lambda p: (p.birth_date or date.max, p.id))
        return subject in children[self.settings.covered_children :]

    def _proof(self) -> PhkProof | None:
        proof = _coerce(PhkProof, self.request.phk_proof)
        if proof is _INVALID:
            self.fail("mutation.reason_invalid", "phk_proof", problem="phk_proof")
            return None
        return proof  # type: ignore[return-value]

    def _mandiri_class(self) -> int | None:
        value = self.request.mandiri_class
        if type(value) is int and value in MANDIRI_CLASSES:
            return value
        self.fail("mutation.class_required", "mandiri_class")
        return None

    def _unused_class(self) -> None:
        if self.request.mandiri_class is not None:
            self.note("mutation.note.mandiri_class_ignored")

    # the three kinds

    def deactivate(self) -> None:
        subject = self.subject
        if subject.status != ACTIVE:
            problem = "deceased" if subject.status == DECEASED else "not_active"
            self.fail("mutation.not_active", "kind", problem=problem)
        reason = self._reason(required=True)
        proof = self._proof()
        self._unused_class()
        if reason is None:
            return
        event = self._event_date(reason)
        if event is None:
            return
        tmt = self.tmt
        phk: dict[str, object] = {}
        if reason == Reason.PHK and subject.is_worker:
            if proof is not None:
                until = shift_months(event, self.settings.phk_coverage_months)
                phk = {"phk_date": event, "continued_coverage_until": until}
                self.note("mutation.note.phk_continued_coverage")
                if until <= self.today:
                    self.note("mutation.note.phk_coverage_over")
            else:
                self.note("mutation.note.phk_without_proof")
        elif proof is not None:
            self.note("mutation.note.phk_proof_ignored")
        status = DECEASED if reason == Reason.MENINGGAL else INACTIVE
        dated: dict[str, object] = {"event_date": event}
        if reason == Reason.MENINGGAL:
            dated["death_certificate"] = self.request.death_certificate
            if not self.request.death_certificate:
                self.note("mutation.note.death_certificate_missing")
        self.change(subject, SUBJECT, status=status, end_date=tmt, end_reason=str(reason),
                    **dated, **phk)  # fmt: skip
        if not subject.is_worker:
            return
        if reason == Reason.MENINGGAL:
            end_reason, note = WORKER_DECEASED, "mutation.note.worker_deceased"
        else:
            end_reason, note = str(reason), "mutation.note.dependants_deactivated"
        carried_phk = phk if self.settings.phk_covers_dependants else {}
        for dependant in self.dependants:
            if self._covered_at_tmt(dependant):
                self.change(
                    dependant,
                    DEPENDANT,
                    note,
                    status=INACTIVE,
                    end_date=tmt,
                    end_reason=end_reason,
                    **_UNMOVED,
                    **carried_phk,
                )
                self.note(note)

    def move_to_mandiri(self) -> None:
        subject = self.subject
        movable_inactive = subject.status == INACTIVE
        if subject.status == DECEASED:
            self.fail("mutation.deceased", "kind")
        elif subject.status != ACTIVE and not movable_inactive:
            self.fail("mutation.not_active", "kind", problem="not_active")
        if _coerce(Reason, self.request.reason) == Reason.MENINGGAL:
            self.fail("mutation.deceased", "reason")
            reason = None
        else:
            reason = self._reason(required=False)
        mandiri_class = self._mandiri_class()
        if self._proof() is not None:
            self.note("mutation.note.phk_proof_ignored")
        if movable_inactive:
            self._not_before_end(subject)
        if mandiri_class is None or self.issues:
            return
        moved = {"status": MOVED_TO_MANDIRI, "segment": PBPU, "mandiri_class": mandiri_class}
        if movable_inactive:
            # The employer's coverage ended earlier: keep end_*; free PHK coverage ends now.
            self.change(subject, SUBJECT, **moved, **self._coverage_ends(subject))
            if subject.is_worker:
                self._move_those_who_left_with(subject, moved)
            return
        end = {"end_date": self.tmt, "end_reason": str(reason or MOVED_WITHOUT_REASON)}
        self.change(subject, SUBJECT, **moved, **end)
        if not subject.is_worker:
            return
        exclude = _ids(self.request.exclude) or frozenset()
        left = {"status": INACTIVE, "end_date": self.tmt, "end_reason": WORKER_MOVED, **_UNMOVED}
        for dependant in self.dependants:
            if not self._covered_at_tmt(dependant):
                continue
            if dependant.id in exclude:
                note = "mutation.note.excluded_deactivated"
                self.change(dependant, DEPENDANT, note, **left)
            elif self.settings.move_same_kk_only and dependant.kk != subject.kk:
                note = "mutation.note.other_kk_deactivated"
                self.change(dependant, DEPENDANT, note, **left)
            else:
                note = "mutation.note.same_kk_moved"
                self.change(dependant, DEPENDANT, note, **moved, **end)
            self.note(note)

    def _covered_at_tmt(self, dependant: Person) -> bool:
        """Whether a worker's change carries ``dependant`` along: covered the day before its
        TMT, or (re)activated later. Their own change still to come is replaced by the
        worker's: a family is never covered without its worker on any day."""
        if dependant.status == DECEASED:
            # A recorded death is never replaced. Taking effect by the worker's TMT, it ends
            # the coverage itself; later, the dependant would be covered without the worker
            # in between: the worker's TMT must wait for it (one change at a time).
            if dependant.status_since is not None and dependant.status_since > self.tmt:
                person = mask_nik(dependant.nik)
                self.fail(
                    "mutation.date_invalid", "effective_date", problem="pending", person=person
                )
            return False
        before = dependant.status_on(self.tmt - timedelta(days=1))
        return before == ACTIVE or dependant.status == ACTIVE

    def _coverage_ends(self, person: Person) -> dict[str, object]:
        """PHK continued coverage still running on the TMT ends on it."""
        until = person.continued_coverage_until
        if until is not None and until > self.tmt:
            return {"continued_coverage_until": self.tmt}
        return {}

    def _move_those_who_left_with(self, worker: Person, moved: Mapping[str, object]) -> None:
        """A NONAKTIF worker moving to mandiri takes the NONAKTIF dependants who left with
        them (same end_date) on the same KK, unless excluded; the others stay as they are."""
        exclude = _ids(self.request.exclude) or frozenset()
        for dependant in self.dependants:
            if dependant.status != INACTIVE or dependant.end_date != worker.end_date:
                continue
            if dependant.id in exclude:
                self.note("mutation.note.excluded_stay")
            elif self.settings.move_same_kk_only and dependant.kk != worker.kk:
                self.note("mutation.note.other_kk_stay")
            else:
                note = "mutation.note.same_kk_moved"
                self.change(dependant, DEPENDANT, note, **moved, **self._coverage_ends(dependant))
                self.note(note)

    def reactivate(self) -> None:
        subject = self.subject
        if subject.status == DECEASED:
            self.fail("mutation.deceased", "kind", problem="reactivate")
        elif subject.status == ACTIVE:
            self.fail("mutation.not_inactive", "kind")
        elif subject.status not in (INACTIVE, MOVED_TO_MANDIRI):
            self.fail("mutation.not_active", "kind", problem="unknown_status")
        worker = self.worker
        if not subject.is_worker and (
            worker is None or worker.status != ACTIVE or worker.status_on(self.tmt) != ACTIVE
        ):  # the worker must be covered from the dependant's TMT on
            self.fail("mutation.not_active", "nik", problem="worker_not_active")
        if self.request.reason is not None:
            self.note("mutation.note.reason_ignored")
        if self.request.phk_proof is not None:
            self.note("mutation.note.phk_proof_ignored")
        self._unused_class()
        self._not_before_end(subject)
        returning = self._returning_dependants() if subject.is_worker else []
        for dependant in returning:
            self._not_before_end(dependant)
        if self.issues:
            return
        back = {
            "status": ACTIVE,
            "segment": PPU,
            "mandiri_class": None,
            "end_date": None,
            "end_reason": None,
            "event_date": None,
            "death_certificate": None,
            "phk_date": None,
            "continued_coverage_until": None,
        }
        rehired = {"start_date": self.tmt} if subject.is_worker else {}
        self.change(subject, SUBJECT, **back, **rehired)
        for dependant in returning:
            note = "mutation.note.dependants_reactivated"
            self.change(dependant, DEPENDANT, note, **back)
            self.note(note)

    def _returning_dependants(self) -> list[Person]:
        exclude = _ids(self.request.exclude) or frozenset()
        include = _ids(self.request.include)
        returning: list[Person] = []
        for dependant in self.dependants:
            if dependant.id in exclude:
                continue
            if include is None:
                if (
                    dependant.status in (INACTIVE, MOVED_TO_MANDIRI)
                    and self.subject.end_date is not None
                    and dependant.end_date == self.subject.end_date
                ):
                    returning.append(dependant)
            elif dependant.id in include:
                if dependant.status == DECEASED:
                    self.fail(
                        "mutation.deceased",
                        "nik",
                        problem="include_deceased",
                        person=mask_nik(dependant.nik),
                    )
                elif dependant.status in (INACTIVE, MOVED_TO_MANDIRI):
                    returning.append(dependant)
        return returning


def plan_mutation(
    subject: Person,
    family: Iterable[Person],
    request: Request,
    *,
    today: date,
    settings: Settings = DEFAULT_SETTINGS,
    row: int | None = None,
) -> Plan:
    """Plan ``request`` on ``subject`` (see the module docstring for every rule).

    ``family``: the subject's worker and all dependants of that worker, any status (the subject
    itself, if present, is ignored). ``row``: the sheet row, put on every issue. Never raises.
    """
    return _Planner(subject, tuple(family), request, today, settings, row).plan()


__all__ = [
    "ACTIVE",
    "DECEASED",
    "DEFAULT_SETTINGS",
    "DEPENDANT",
    "DEPENDANT_REASONS",
    "INACTIVE",
    "MANDIRI_CLASSES",
    "MEMBERSHIP_FIELDS",
    "MOVED_TO_MANDIRI",
    "MOVED_WITHOUT_REASON",
    "PBPU",
    "PPU",
    "SUBJECT",
    "WORKER_DECEASED",
    "WORKER_MOVED",
    "WORKER_REASONS",
    "MutationKind",
    "Person",
    "PhkProof",
    "Plan",
    "PlannedChange",
    "Reason",
    "Request",
    "Settings",
    "add_months",
    "coverage_class_on",
    "first_day_of_next_month",
    "plan_mutation",
]
