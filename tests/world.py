"""An employer with at least two pages of everything a user can list: participants, audit
events, import history, an import preview (with errors and warnings), mutation batches and a
batch's items, in every state a batch can be in. The crawl test walks it as each role.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.orm import Session

from edabu_lite.accounts import operations as account_ops
from edabu_lite.accounts.models import Employer, Role
from edabu_lite.audit.operations import Actor
from edabu_lite.database import utcnow
from edabu_lite.demo import _as_stored
from edabu_lite.demo_data import generate_families
from edabu_lite.downloads.models import ExportKind, ExportStatus
from edabu_lite.downloads.operations import create_export
from edabu_lite.imports import operations as jobs
from edabu_lite.imports.models import ImportJob, JobKind
from edabu_lite.imports.runner import limits_from_config
from edabu_lite.mutations import operations as ops
from edabu_lite.mutations.models import MutationBatch
from edabu_lite.mutations.revert import revert_batch
from edabu_lite.mutations.rules import MutationKind, PhkProof, Reason, Request
from edabu_lite.roster.importing import commit_roster, stage_roster
from edabu_lite.roster.models import Participant, Relationship
from edabu_lite.roster.operations import add_participants
from tests.conftest import PASSWORD, TEST_ACTOR
from tests.sheet_factory import write_roster

#: Two pages and more of each list (pages hold 50 rows, the import history 30).
PEOPLE = 180
IMPORTS = 32
BATCHES = 54
BIG_BATCH = 55


@dataclass
class World:
    employer: Employer
    preview_job: int
    committed_job: int
    big_batch: int
    participant: int
    newborn: int  # a child whose NIK has not arrived (a dependant of ``participant``)


def add_generated(session: Session, employer: Employer, people: int, seed: int) -> list[dict]:
    """``people`` generated participants registered straight away (no import); returns them."""
    rows = [_as_stored(row) for row in generate_families(people, seed=seed)]
    add_participants(session, employer.id, rows, TEST_ACTOR)
    session.commit()
    return rows


def _stage(session: Session, employer: Employer, path: Path) -> ImportJob:
    content = path.read_bytes()
    job = jobs.create_job(session, employer.id, JobKind.ROSTER, path.name, content, TEST_ACTOR)
    jobs.start_processing(session, job)
    return stage_roster(session, job, io.BytesIO(content), limits_from_config())


def _newborn(worker: dict[str, object]) -> dict[str, object]:
    """A child of ``worker`` born a week ago whose NIK has not arrived (nik.newborn_pending):
    the pages then show someone without a NIK too."""
    return {
        **worker,
        "nik": None,
        "name": "Bayi Dua Halaman",
        "birth_date": date.today() - timedelta(days=7),
        "sex": "L",
        "marital_status": "Belum Kawin",
        "relationship": "Anak",
        "worker_nik": worker["nik"],
        "employee_number": None,
        "wage": None,
        "start_date": None,
        "phone": None,
        "email": None,
        "in_school": None,
        "card_number": None,
    }


def _exports(session: Session, employer: Employer, actor: Actor) -> None:
    """Background exports in each state the list links to: queued, running, and done (its
    file is not in the test's folder: its page says so)."""
    states = [ExportStatus.QUEUED, ExportStatus.RUNNING, ExportStatus.DONE]
    for status in states:
        job = create_export(
            session,
            employer.id,
            ExportKind.ROSTER,
            actor,
            filters={"jenis": "worker"},
            day=date(2026, 12, 1),
            rows_total=9_000,
            download_name="p.xlsx",
        )
        job.status = status
        if status == ExportStatus.DONE:
            job.rows_done, job.finished_at = 9_000, utcnow()
            job.expires_at = utcnow() + timedelta(hours=24)
    session.commit()


def build_world(session: Session, tmp_path: Path) -> World:
    employer = account_ops.create_employer(
        session, "BU000777", "PT Dua Halaman", TEST_ACTOR, minimum_wage=5_000_000
    )
    users = {
        username: account_ops.create_user(session, employer, username, PASSWORD, role, TEST_ACTOR)
        for username, role in [
            ("admin", Role.ADMIN),
            ("admin2", Role.ADMIN),
            ("operator", Role.OPERATOR),
            ("viewer", Role.VIEWER),
        ]
    }
    operator = Actor("operator", "web", users["operator"].id)
    admin = Actor("admin", "web", users["admin"].id)

    rows = list(generate_families(PEOPLE, seed=21))
    rows.append(_newborn(next(r for r in rows if r["relationship"] == "Peserta")))
    committed = _stage(session, employer, write_roster(tmp_path / "roster.xlsx", rows))
    commit_roster(session, committed, operator)

    # A preview with more than two pages, errors, warnings, updates and held-back families.
    changed = [dict(r) for r in rows[:40]]
    for r in changed[::5]:
        r["wage"] = (r.get("wage") or 0) + 250_000 if r.get("wage") else None
    more = list(generate_families(90, seed=22))
    more[3]["nik"] = int(str(more[3]["nik"])[:15] + "0")  # Excel damage
    more[10]["sex"] = "X"
    more[20]["birth_date"] = "31-02-2010"
    preview = _stage(session, employer, write_roster(tmp_path / "bulan-ini.xlsx", changed + more))

    small = list(generate_families(3, seed=23))
    for n in range(IMPORTS):
        _stage(session, employer, write_roster(tmp_path / f"kecil-{n}.xlsx", small))

    workers = session.scalars(
        sa.select(Participant)
        .where(
            Participant.employer_id == employer.id,
            Participant.relationship == Relationship.WORKER,
        )
        .order_by(Participant.id)
    ).all()
    leave = Request(MutationKind.DEACTIVATE, Reason.MENGUNDURKAN_DIRI, date(2027, 1, 1))
    phk = Request(MutationKind.DEACTIVATE, Reason.PHK, date(2027, 1, 1), phk_proof=PhkProof.A)
    batches: list[MutationBatch] = []
    for n in range(BATCHES):
        worker = workers[n % len(workers)]
        request = phk if n % 3 == 0 else leave
        batches.append(
            ops.plan_batch(
                session,
                employer.id,
                [ops.ItemInput(nik=worker.nik, request=request, row=None)],
                operator,
                source="web",
                title=f"Keluar {n}",
            )
        )
    big = ops.plan_batch(
        session,
        employer.id,
        [ops.ItemInput(nik=w.nik, request=leave, row=None) for w in workers[:BIG_BATCH]],
        operator,
        source="web",
        title="Banyak",
    )
    # Batches in every state: applied, reverted, submitted, rejected, cancelled.
    ops.apply_batch(session, batches[-1], admin)
    ops.apply_batch(session, batches[-2], admin)
    revert_batch(session, batches[-2], admin, Role.ADMIN)
    ops.cancel_batch(session, batches[-3], admin)
    employer.mutations_need_approval = True
    session.commit()
    ops.submit_batch(session, batches[-4], operator)
    ops.submit_batch(session, batches[-5], operator)
    ops.review_batch(session, batches[-5], admin, Role.ADMIN, approve=False, note="Salah orang")
    employer.mutations_need_approval = False
    session.commit()
    _exports(session, employer, operator)
    return World(
        employer=employer,
        preview_job=preview.id,
        committed_job=committed.id,
        big_batch=big.id,
        participant=workers[0].id,
        newborn=session.scalars(
            sa.select(Participant.id).where(
                Participant.employer_id == employer.id, Participant.nik.is_(None)
            )
        ).one(),
    )
