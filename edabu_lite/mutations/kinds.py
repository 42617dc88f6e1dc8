"""What a mutation is, in words the sheet, the forms, the rules and the database share: its
kinds, the reasons people leave for, the PHK proofs, and the membership values the rules set.
Pure: no Flask, no database."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from edabu_lite.issues import N_
from edabu_lite.roster.vocabulary import Relationship, Segment, Status


class MutationKind(StrEnum):
    DEACTIVATE = "NONAKTIF"
    MOVE_TO_MANDIRI = "PINDAH_MANDIRI"
    REACTIVATE = "AKTIFKAN"


class Reason(StrEnum):
    PHK = "PHK"
    MENGUNDURKAN_DIRI = "MENGUNDURKAN_DIRI"
    HABIS_KONTRAK = "HABIS_KONTRAK"
    PENSIUN = "PENSIUN"
    MENINGGAL = "MENINGGAL"
    USIA = "USIA"
    MENIKAH = "MENIKAH"
    CERAI = "CERAI"
    BEKERJA = "BEKERJA"  # a dependant now covered by their own employer
    DIHENTIKAN = "DIHENTIKAN"  # an extra member the worker stops paying the 1 % for


class PhkProof(StrEnum):
    A = "A"  # PHK receipt + manpower office's receipt of the PHK report
    B = "B"  # joint agreement (perjanjian bersama) + its receipt or registration deed
    C = "C"  # final industrial-court decision


WORKER_REASONS: Final = frozenset(
    {Reason.PHK, Reason.MENGUNDURKAN_DIRI, Reason.HABIS_KONTRAK, Reason.PENSIUN, Reason.MENINGGAL}
)
DEPENDANT_REASONS: Final = frozenset(
    {Reason.USIA, Reason.MENIKAH, Reason.CERAI, Reason.BEKERJA, Reason.DIHENTIKAN, Reason.MENINGGAL}
)
#: Dependant reasons that only fit some relationships (DIHENTIKAN: also a 4th child on, which
#: the rules work out from the family).
REASON_RELATIONSHIPS: Final[Mapping[Reason, frozenset[str]]] = {
    Reason.USIA: frozenset({Relationship.CHILD}),
    Reason.MENIKAH: frozenset({Relationship.CHILD}),
    Reason.CERAI: frozenset({Relationship.HUSBAND, Relationship.WIFE}),
    Reason.DIHENTIKAN: frozenset(
        {Relationship.FATHER, Relationship.MOTHER, Relationship.PARENT_IN_LAW}
    ),
}
#: Leaving for these is dated by the event (Tanggal Kejadian), which must be given, and may be
#: reported up to `Settings.late_report_months` late (the TMT as well).
DATED_REASONS: Final = frozenset({Reason.PHK, Reason.MENINGGAL})

# Membership states: short names for the roster.vocabulary members (the model columns' values;
# that module is pure, so this one stays free of SQLAlchemy/Flask). A plan's before/after still
# holds them as plain strings (see `_Planner.change`).
ACTIVE: Final = Status.ACTIVE
INACTIVE: Final = Status.INACTIVE
MOVED_TO_MANDIRI: Final = Status.MOVED_TO_MANDIRI
DECEASED: Final = Status.DECEASED
PPU: Final = Segment.PPU
PBPU: Final = Segment.PBPU

#: end_reason of a dependant whose coverage ended because their worker died.
WORKER_DECEASED: Final = "PESERTA_MENINGGAL"
#: end_reason of a dependant left behind when their worker moved to mandiri.
WORKER_MOVED: Final = "PESERTA_PINDAH_MANDIRI"
#: end_reason of a move to mandiri given without a reason.
MOVED_WITHOUT_REASON: Final = "PINDAH_MANDIRI"

MANDIRI_CLASSES: Final = (1, 2, 3)


@dataclass(frozen=True, slots=True)
class KindSpec:
    """Everything the sheet, the form, the planner and the pages need to know of one kind of
    mutation; adding a kind means adding a row to `KINDS` and its planner method."""

    label: str  # the msgid people read (forms, preview); translate when rendering
    words: tuple[str, ...]  # how sheets spell it, matched as `sheets.columns.header_key` does
    reason: str  # "required", "optional" or "unused"
    needs_class: bool  # a Kelas Mandiri is required
    takes_proof: bool  # Bukti PHK is read (elsewhere ignored with a note)
    chooses_dependants: bool  # the preview lets the user pick the dependants who go along
    planner: str  # the `rules._Planner` method that plans it


KINDS: Final[Mapping[MutationKind, KindSpec]] = {
    MutationKind.DEACTIVATE: KindSpec(
        label=N_("Nonaktifkan"),
        words=(
            "NONAKTIF", "Non Aktif", "Nonaktifkan", "Non Aktifkan", "Dinonaktifkan",
            "Tidak Aktif", "Deactivate", "Deactivated", "Inactive",
        ),
        reason="required",
        needs_class=False,
        takes_proof=True,
        chooses_dependants=False,
        planner="deactivate",
    ),
    MutationKind.MOVE_TO_MANDIRI: KindSpec(
        label=N_("Pindah ke mandiri (PBPU)"),
        words=(
            "PINDAH_MANDIRI", "Pindah ke Mandiri", "Mandiri", "Pindah PBPU", "Pindah ke PBPU",
            "PBPU", "Move to Mandiri",
        ),
        reason="optional",
        needs_class=True,
        takes_proof=False,
        chooses_dependants=True,
        planner="move_to_mandiri",
    ),
    MutationKind.REACTIVATE: KindSpec(
        label=N_("Aktifkan kembali"),
        words=(
            "AKTIFKAN", "Aktifkan Kembali", "Aktif Kembali", "Aktif", "Reaktivasi", "Reaktifasi",
            "Reactivate", "Activate",
        ),
        reason="unused",
        needs_class=False,
        takes_proof=False,
        chooses_dependants=True,
        planner="reactivate",
    ),
}  # fmt: skip
