"""The roster's fixed vocabulary: relationships, membership statuses and segments.

Pure (no Flask-SQLAlchemy, no database), so the validation and rules modules
(`edabu_lite.roster.schemas`, `edabu_lite.mutations.rules`) can use the same values as the
model columns (`edabu_lite.roster.models`) without importing the models. StrEnum members
compare equal to, hash like and serialise as their string values.
"""

from __future__ import annotations

from datetime import date, timedelta
from enum import StrEnum
from typing import TypeVar

S = TypeVar("S", bound=str)


class Relationship(StrEnum):
    """Relationship to the worker, as written in the sheet's Hubungan Keluarga column."""

    WORKER = "Peserta"
    HUSBAND = "Suami"
    WIFE = "Istri"
    CHILD = "Anak"
    FATHER = "Ayah"
    MOTHER = "Ibu"
    PARENT_IN_LAW = "Mertua"


class Segment(StrEnum):
    PPU = "PPU"  # Pekerja Penerima Upah (badan usaha): paid through this employer
    PBPU = "PBPU"  # mandiri: pays their own contribution


class Status(StrEnum):
    """The person's state from this employer's point of view."""

    ACTIVE = "AKTIF"
    INACTIVE = "NONAKTIF"
    MOVED_TO_MANDIRI = "PINDAH_MANDIRI"
    DECEASED = "MENINGGAL"


def status_on(status: S, since: date | None, previous: S | None, day: date) -> S:
    """The status in effect on ``day``: a change takes effect on its TMT (``since``); before
    it the ``previous`` status holds, when one is known."""
    if since is not None and day < since and previous:
        return previous
    return status


def last_covered_day(stop: date | None) -> date | None:
    """The last day of PHK continued coverage: the stored ``continued_coverage_until`` is the
    day it stops (exclusive, like a TMT), people read the last day covered."""
    return stop - timedelta(days=1) if stop is not None else None


def plain(value: object) -> object:
    """A StrEnum member (also inside a mapping) as its plain ``str`` value; others as is: for
    parsed rows and rule plans that must pickle fast and compare and serialise as text."""
    if isinstance(value, StrEnum):
        return value.value
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    return value


__all__ = ["Relationship", "Segment", "Status", "plain", "status_on"]
