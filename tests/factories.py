"""The people tests are made of, built in one place: a clean family as a roster sheet holds
it (`family`), one worker row (`worker_row`), and either registered for an employer
(`register`)."""

from __future__ import annotations

from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from edabu_lite.mutations.plans import Person
from edabu_lite.roster.models import Participant
from edabu_lite.roster.operations import add_participants
from tests.conftest import TEST_ACTOR


def family(
    worker_nik: str = "3273015507900001",
    kk: str = "3273012001150003",
    start_row_name: str = "Siti Aminah",
) -> list[dict[str, object]]:
    """A clean family: a woman worker (NIK day 15+40), her husband and two children."""
    worker = {
        "nik": worker_nik,
        "kk": kk,
        "name": start_row_name,
        "birth_place": "Bandung",
        "birth_date": date(1990, 7, 15),
        "sex": "P",
        "marital_status": "Kawin",
        "relationship": "Peserta",
        "worker_nik": None,
        "employee_number": "EMP-001",
        "wage": 6_500_000,
        "care_class": 1,
        "faskes_code": "0112U020",
        "start_date": date(2024, 1, 1),
        "card_number": None,
        "phone": "081234567890",
        "email": "siti@example.com",
        "in_school": None,
    }
    husband = {
        **worker,
        "nik": "3273011203880002",
        "name": "Budi Hartono",
        "birth_date": date(1988, 3, 12),
        "sex": "L",
        "relationship": "Suami",
        "worker_nik": worker_nik,
        "employee_number": None,
        "wage": None,
        "start_date": None,
        "email": None,
        "phone": None,
    }
    child1 = {
        **husband,
        "nik": "3273015005150003",
        "name": "Ayu Hartono",
        "birth_date": date(2015, 5, 10),
        "sex": "P",
        "relationship": "Anak",
        "marital_status": "Belum Kawin",
    }
    child2 = {
        **child1,
        "nik": "3273012108180004",
        "name": "Raka Hartono",
        "birth_date": date(2018, 8, 21),
        "sex": "L",
    }
    return [worker, husband, child1, child2]


def worker_row(nik: str, kk: str, name: str, **overrides: Any) -> dict[str, Any]:
    """One worker with no family, every required cell filled."""
    return {
        "nik": nik,
        "kk": kk,
        "name": name,
        "birth_date": date(1990, 1, 1),
        "sex": "L",
        "marital_status": "Kawin",
        "relationship": "Peserta",
        "wage": 6_000_000,
        "care_class": 1,
        "faskes_code": "0112U020",
        "start_date": date(2024, 1, 1),
        **overrides,
    }


def register(session: Session, employer: Any, rows: list[dict[str, Any]] | None = None):  # type: ignore[no-untyped-def]
    """``rows`` (by default `family()`) registered straight away for ``employer`` (no
    import); returns the employer's people by NIK."""
    add_participants(session, employer.id, rows if rows is not None else family(), TEST_ACTOR)
    session.commit()
    people = session.scalars(sa.select(Participant).where(Participant.employer_id == employer.id))
    return {p.nik: p for p in people}


def rule_person(
    id: int, relationship: str, *, worker_id: int | None = None, kk: str, **overrides: Any
) -> Person:
    """A person as the mutation rules see them (`rules.Person`): active, PPU, Kelas 1 unless
    ``overrides`` say otherwise; a dependant needs ``worker_id``."""
    values: dict[str, Any] = {
        "id": id,
        "nik": f"3201014508{id:06d}",
        "kk": kk,
        "relationship": relationship,
        "worker_id": worker_id,
        "status": "AKTIF",
        "segment": "PPU",
        "care_class": 1,
        "mandiri_class": None,
        "end_date": None,
        "end_reason": None,
        "phk_date": None,
        "continued_coverage_until": None,
        "version": 1,
        "start_date": date(2020, 1, 1) if relationship == "Peserta" else None,
    }
    values.update(overrides)
    return Person(**values)
