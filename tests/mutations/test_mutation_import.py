"""A mutation sheet of several chunks: read and staged chunk by chunk, then planned as one
batch whose issues land on the staged rows they came from."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from openpyxl import Workbook

from edabu_lite.imports import operations as jobs
from edabu_lite.imports.models import ImportJob, JobKind, JobStatus, RowAction, StagedRow
from edabu_lite.imports.registry import Limits
from edabu_lite.mutations import importer
from edabu_lite.mutations.models import MutationBatch, MutationItem
from edabu_lite.sheets.columns import MUTATION_COLUMNS
from tests.conftest import TEST_ACTOR
from tests.factories import register

WORKER = "3273015507900001"
TODAY = date(2026, 12, 5)


def sheet(path, rows):  # type: ignore[no-untyped-def]
    book = Workbook(write_only=True)
    out = book.create_sheet()
    out.append([spec.header for spec in MUTATION_COLUMNS])
    for row in rows:
        out.append([row.get(spec.key) for spec in MUTATION_COLUMNS])
    book.save(path)
    return path


def test_a_sheet_of_several_chunks_is_staged_as_read_and_planned_once(
    session, employer, tmp_path, monkeypatch
):
    register(session, employer)
    rows = [{"nik": WORKER, "kind": "NONAKTIF", "reason": "PHK", "phk_proof": "A",
             "event_date": date(2026, 11, 20)}]  # fmt: skip
    # Unknown people (valid NIKs nobody registered) and unreadable NIKs, past one chunk.
    rows += [{"nik": f"3273015507{n:06d}"[:16], "kind": "Pindah Mandiri", "mandiri_class": 3}
             for n in range(2, 1500)]  # fmt: skip
    rows += [{"nik": f"12345{n}", "kind": "NONAKTIF", "reason": "PHK"} for n in range(700)]
    path = sheet(tmp_path / "big.xlsx", rows)
    job = jobs.create_job(
        session, employer.id, JobKind.MUTATION, "big.xlsx", b"", TEST_ACTOR, keep_file=False
    )
    jobs.start_processing(session, job)
    reads: list[int] = []
    report = jobs.report_progress

    def counted(session, job, *, read, validated, expected=None):  # type: ignore[no-untyped-def]
        reads.append(read)
        return report(session, job, read=read, validated=validated, expected=expected)

    monkeypatch.setattr(importer.jobs, "report_progress", counted)
    monkeypatch.setattr(importer, "CHUNK", 1000)
    importer.stage_mutations(
        session, job, str(path), Limits(max_bytes=10**8, max_rows=10**6), today=TODAY
    )

    assert reads == [1000, 2000, 2199]  # progress after each chunk as it was staged
    job = session.get(ImportJob, job.id)
    assert job.status == JobStatus.VALIDATED and job.rows == 2199
    batch = session.scalars(sa.select(MutationBatch).where(MutationBatch.job_id == job.id)).one()
    planned = session.scalars(sa.select(MutationItem).filter_by(batch_id=batch.id))
    items = {i.row: i for i in planned}
    staged = session.scalars(
        sa.select(StagedRow).where(StagedRow.job_id == job.id).order_by(StagedRow.row)
    ).all()
    assert [s.row for s in staged] == list(range(2, 2201)) == sorted(items)
    for row in staged:
        item = items[row.row]
        assert (row.issues, row.has_error, row.nik) == (item.issues, item.has_error, item.nik)
        assert row.action == (RowAction.SKIP if item.has_error else RowAction.UPDATE)
        assert row.raw[0] == rows[row.row - 2]["nik"]  # the cells as uploaded
    assert not staged[0].has_error and staged[0].participant_id is not None
    assert all(s.has_error for s in staged[1:])
    assert job.error_rows == batch.error_items == 2198 and job.valid_rows == 1
    codes = {i["code"] for s in staged[1:] for i in s.issues}
    assert {"nik.length"} <= codes and len(codes) >= 2
