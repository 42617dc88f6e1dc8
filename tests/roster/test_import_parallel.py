"""A large import's helper process changes nothing: the same file staged and committed with
and without it gives the same staged rows, counts, participants, links and audit events.

Small chunks (40 rows) give many chunk boundaries: families cut in two, a dependant listed
before their worker (linked after the inserts), a dependant whose worker is stored already.
"""

from __future__ import annotations

import io
import re
import subprocess
import sys
import textwrap
import zipfile
from contextlib import contextmanager
from datetime import date

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import aliased

from edabu_lite.accounts.operations import create_employer
from edabu_lite.audit.models import AuditEvent
from edabu_lite.audit.operations import verify_chain
from edabu_lite.demo_data import generate_families
from edabu_lite.imports import operations as jobs
from edabu_lite.imports import pipeline
from edabu_lite.imports.models import JobKind, JobStatus, StagedRow
from edabu_lite.roster.importing import Limits, commit_roster, reading, sizes, stage_roster
from edabu_lite.roster.models import Participant
from edabu_lite.roster.operations import ROSTER_FIELDS, add_participants
from tests.conftest import TEST_ACTOR
from tests.sheet_factory import write_roster
from tests.sheets.xlsx_parts import rearranged, rows_1_3_4_2

TODAY = date(2026, 11, 22)
LIMITS = Limits(max_bytes=20 * 1024 * 1024, max_rows=10_000)


def roster_rows() -> tuple[list[dict], list[dict], dict[str, str]]:
    """(rows of the file, people registered before the import, links worth checking)."""
    rows = list(generate_families(420, seed=11, today=TODAY, error_rate=0.03))
    stored = [dict(r) for r in rows[:12]]  # whole families registered already...
    rows[3] = {**rows[3], "phone": "081299990000"}  # ...one of them changed: an update
    worker = next(i for i in range(100, 200) if rows[i]["relationship"] == "Peserta")
    stored.append(dict(rows[worker]))  # a worker registered; the file has the dependants only
    links = {rows[worker + 1]["nik"]: rows[worker]["nik"]}
    del rows[worker]
    first = next(
        i
        for i in range(200, 300)
        if rows[i]["relationship"] == "Peserta" and rows[i + 1]["worker_nik"] == rows[i]["nik"]
    )
    rows[first], rows[first + 1] = rows[first + 1], rows[first]  # dependant before worker
    links[rows[first]["nik"]] = rows[first + 1]["nik"]
    rows.append(dict(rows[50]))  # a duplicate NIK
    return rows, stored, links


def roster_for(session, employers, tmp_path):  # type: ignore[no-untyped-def]
    """The `roster_rows` sheet written to a file, and its stored part registered at each of
    ``employers`` alike; returns the file and the dependants' workers."""
    rows, stored, links = roster_rows()
    path = write_roster(tmp_path / "big.xlsx", rows)
    for target in employers:
        add_participants(session, target.id, stored, TEST_ACTOR)
    session.commit()
    return path, links


def import_file(
    session, employer, path, parallel: bool, monkeypatch, *, from_disk=False, cells=True
):  # type: ignore[no-untyped-def]
    """Stage ``path``; from a stream (the helper gets chunks) or, ``from_disk``, from the
    file itself (the helper reads the sheet); ``cells``: see `stage_roster`."""
    monkeypatch.setattr(reading, "PARALLEL_MIN_BYTES", 0 if parallel else 1 << 40)
    content = path.read_bytes()
    job = jobs.create_job(session, employer.id, JobKind.ROSTER, path.name, content, TEST_ACTOR)
    jobs.start_processing(session, job)
    source = str(path) if from_disk else io.BytesIO(content)
    return stage_roster(session, job, source, LIMITS, today=TODAY, cells=cells)


def staged_rows(session, job) -> list[tuple]:  # type: ignore[no-untyped-def]
    return [
        (
            r.row,
            r.nik,
            r.family_key,
            r.raw,
            r.data,
            r.issues,
            r.has_error,
            r.has_warning,
            r.action,
            r.changes,
        )
        for r in session.scalars(
            sa.select(StagedRow).where(StagedRow.job_id == job.id).order_by(StagedRow.row)
        )
    ]


def counts(job) -> tuple:  # type: ignore[no-untyped-def]
    return (
        job.status,
        job.rows,
        job.valid_rows,
        job.error_rows,
        job.warning_rows,
        job.planned_inserts,
        job.planned_updates,
        job.planned_unchanged,
        job.inserted,
        job.updated,
        job.unchanged,
        job.skipped,
        job.issue_counts,
    )


def roster(session, employer) -> dict[str, tuple]:  # type: ignore[no-untyped-def]
    worker = aliased(Participant)
    rows = session.execute(
        sa.select(Participant, worker.nik)
        .outerjoin(worker, Participant.worker_id == worker.id)
        .where(Participant.employer_id == employer.id)
    ).all()
    return {
        p.nik: (*(getattr(p, f) for f in ROSTER_FIELDS), worker_nik, p.status, p.version)
        for p, worker_nik in rows
    }


def audit_trail(session, employer) -> list[tuple]:  # type: ignore[no-untyped-def]
    events = session.scalars(
        sa.select(AuditEvent).where(AuditEvent.employer_id == employer.id).order_by(AuditEvent.seq)
    )
    return [
        (
            e.seq,
            e.action,
            e.target_type,
            e.target_label,
            e.nik,
            e.before,
            {k: v for k, v in (e.after or {}).items() if k not in {"filename", "sha256"}},
        )
        for e in events
        if e.action != "employer.create"  # names the employer
    ]


def test_helper_process_changes_nothing(session, employer, tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    twin = create_employer(  # the same settings (minimum wage) as ``employer``
        session, "BU000003", "PT Kembar", TEST_ACTOR, minimum_wage=employer.minimum_wage
    )
    monkeypatch.setattr(sizes, "CHUNK", 40)
    monkeypatch.setattr(pipeline, "AHEAD", 2)
    helpers = []
    real_helper_process = reading.helper_process

    @contextmanager
    def spied(wanted, preload):  # type: ignore[no-untyped-def]
        with real_helper_process(wanted, preload) as helper:
            if helper is not None:
                helpers.append(helper)
            yield helper

    monkeypatch.setattr(reading, "helper_process", spied)
    path, links = roster_for(session, (employer, twin), tmp_path)

    serial = import_file(session, employer, path, False, monkeypatch)
    parallel = import_file(session, twin, path, True, monkeypatch)
    assert staged_rows(session, serial) == staged_rows(session, parallel)
    assert serial.planned_updates == 1 and serial.planned_inserts > 300
    assert serial.error_rows > 0
    commit_roster(session, serial, TEST_ACTOR, valid_only=True)
    commit_roster(session, parallel, TEST_ACTOR, valid_only=True)

    assert counts(serial) == counts(parallel)
    assert roster(session, employer) == roster(session, twin)
    assert audit_trail(session, employer) == audit_trail(session, twin)
    assert verify_chain(session, employer.id).ok and verify_chain(session, twin.id).ok
    people = roster(session, employer)
    assert sum(1 for p in people.values() if p[-3] is not None) > 100, "dependants linked"
    for dependant, worker in links.items():
        assert people[dependant][-3] == worker
    if pipeline.usable_cpus() > 1:
        assert sum(h.sent for h in helpers) > 0, "the helper did some chunks"


def test_helper_reading_the_file_itself_changes_nothing_even_if_it_dies(  # type: ignore[no-untyped-def]
    session, employer, tmp_path, monkeypatch
):
    others = [
        create_employer(
            session, f"BU00001{n}", f"PT Kembar {n}", TEST_ACTOR, minimum_wage=employer.minimum_wage
        )
        for n in (1, 2)
    ]
    monkeypatch.setattr(sizes, "CHUNK", 40)
    path, _links = roster_for(session, (employer, *others), tmp_path)
    killed = []
    real_results = pipeline.Helper.results

    def dying(helper):  # type: ignore[no-untyped-def]
        for number, item in enumerate(real_results(helper)):
            yield item
            if number == 3 and not killed and helper._process.pid:
                helper._process.kill()  # the helper dies after a few chunks
                killed.append(helper._process.pid)

    serial = import_file(session, employer, path, False, monkeypatch)
    reading = import_file(session, others[0], path, True, monkeypatch, from_disk=True)
    monkeypatch.setattr(pipeline.Helper, "results", dying)
    dead = import_file(session, others[1], path, True, monkeypatch, from_disk=True)
    expected = staged_rows(session, serial)
    assert staged_rows(session, reading) == expected
    assert staged_rows(session, dead) == expected
    assert counts(reading) == counts(serial) == counts(dead)
    if pipeline.usable_cpus() > 1:
        assert killed, "the helper was running and was killed"
    for job, target in ((serial, employer), (reading, others[0]), (dead, others[1])):
        commit_roster(session, job, TEST_ACTOR, valid_only=True)
        assert verify_chain(session, target.id).ok
    assert roster(session, employer) == roster(session, others[0]) == roster(session, others[1])


def test_without_cells_the_helper_stages_the_same_issues_and_plans(
    session, employer, tmp_path, monkeypatch
):  # type: ignore[no-untyped-def]
    """A dry run's staging (no cells kept) through the helper reading the file: every row's
    issues, plan and family as with the cells, in one process or two."""
    twin = create_employer(
        session, "BU000003", "PT Kembar", TEST_ACTOR, minimum_wage=employer.minimum_wage
    )
    monkeypatch.setattr(sizes, "CHUNK", 40)
    path, _links = roster_for(session, (employer, twin), tmp_path)
    kept = import_file(session, employer, path, False, monkeypatch)
    lean = import_file(session, twin, path, True, monkeypatch, from_disk=True, cells=False)

    def without_cells(job):  # type: ignore[no-untyped-def]
        return [
            (row, nik, key, *rest)
            for row, nik, key, _raw, _data, *rest in staged_rows(session, job)
        ]

    assert without_cells(lean) == without_cells(kept)
    assert all(
        raw == [] and data is None for _r, _n, _k, raw, data, *_ in staged_rows(session, lean)
    )
    assert counts(lean)[:-1] == counts(kept)[:-1] and lean.issue_counts == kept.issue_counts
    assert kept.error_rows > 0 and kept.planned_updates == 1


def test_a_helper_starts_with_the_region_table_loaded():
    """Loading the region table (~0.6 s) is the fork server's job, once, not each helper's at
    its first NIK: it held back the first chunk of every large import. What the fork server
    imports (`HELPER_PRELOAD`) leaves the table loaded; checked in a fresh interpreter, as a
    fork server starts (this run's own fork server may have been started by another test
    with another preload)."""
    probe = (
        "import importlib, sys; importlib.import_module(sys.argv[1]); "
        "from edabu_lite.identity import regions; print(regions._table is not None)"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe, reading.HELPER_PRELOAD],
        capture_output=True, text=True, check=True, timeout=120,
    )  # fmt: skip
    assert done.stdout.strip() == "True"


def test_start_helpers_leaves_a_fork_server_with_the_preload_running():
    """A job consumer starts the helpers' fork server when it starts, so the first large
    upload does not wait for its cold start. In a fresh interpreter (this run's own fork
    server may have been started by another test): after `start_helpers` a child process is
    the fork server, with `HELPER_PRELOAD` to import."""
    # Any other process of the machine may end between listing /proc and reading its files.
    probe = textwrap.dedent("""
        import os, pathlib, time
        from edabu_lite.roster.importing import start_helpers
        assert start_helpers()
        time.sleep(0.2)
        me = str(os.getpid())
        for pid in filter(str.isdigit, os.listdir("/proc")):
            try:
                parent = pathlib.Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1]
                command = pathlib.Path(f"/proc/{pid}/cmdline").read_bytes().decode()
            except (FileNotFoundError, ProcessLookupError):
                continue
            if parent == me:
                print(command.replace("\\0", " "))
    """)
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          check=False, timeout=120)  # fmt: skip
    assert done.returncode == 0, done.stderr
    servers = [c for c in done.stdout.splitlines() if "multiprocessing.forkserver" in c]
    assert len(servers) == 1 and reading.HELPER_PRELOAD in servers[0]


def test_the_worker_command_starts_the_helpers(runner, monkeypatch):  # type: ignore[no-untyped-def]
    """With every registered sheet kind's preload (the roster's row checks)."""
    from edabu_lite.jobs import cli, recycle, tasks

    started: list[list[str]] = []
    monkeypatch.setattr(cli, "start_fork_server", lambda modules: started.append(modules))
    monkeypatch.setattr(tasks, "_app", None)

    monkeypatch.setattr(recycle, "Consumer", lambda *a, **k: _NoConsumer())
    # Not in this process: a later inline job would measure its growth and send it SIGHUP.
    monkeypatch.setattr(recycle, "mark_ready", lambda: None)
    monkeypatch.setattr(recycle, "restartable_command_line", lambda: None)
    result = runner.invoke(args=["worker"])
    assert result.exit_code == 0, result.output
    assert started == [[reading.HELPER_PRELOAD]]
    assert tasks._app is not None  # the consumer's tasks run in the command's app


class _NoConsumer:
    def run(self) -> None:
        pass


def _set_dimension(path, ref: str):  # type: ignore[no-untyped-def]
    """The workbook at ``path`` with its sheet's ``<dimension ref>`` set to ``ref`` (which
    may lie about the sheet's extent)."""
    with zipfile.ZipFile(path) as archive:
        members = {info.filename: archive.read(info) for info in archive.infolist()}
    part = "xl/worksheets/sheet1.xml"
    xml, found = re.subn(
        rb'<dimension ref="[^"]*"', f'<dimension ref="{ref}"'.encode(), members[part], count=1
    )
    assert found == 1, "the sheet declares a dimension"
    members[part] = xml
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def _spy_helpers(monkeypatch) -> dict[str, list]:  # type: ignore[no-untyped-def]
    seen: dict[str, list] = {"helpers": [], "early": [], "abandoned": []}
    real_helper_process, real_start = reading.helper_process, reading._EarlyStart.start
    real_abandon = pipeline.Helper.abandon

    @contextmanager
    def spied(wanted, preload):  # type: ignore[no-untyped-def]
        with real_helper_process(wanted, preload) as helper:
            if helper is not None:
                seen["helpers"].append(helper)
            yield helper

    def start(self, part):  # type: ignore[no-untyped-def]
        seen["early"].append(part)
        real_start(self, part)

    def abandon(self):  # type: ignore[no-untyped-def]
        seen["abandoned"].append(self)
        real_abandon(self)

    monkeypatch.setattr(reading, "helper_process", spied)
    monkeypatch.setattr(reading._EarlyStart, "start", start)
    monkeypatch.setattr(pipeline.Helper, "abandon", abandon)
    return seen


@pytest.mark.parametrize("dimension", [None, "A1:R5"], ids=["true dimension", "lying dimension"])
def test_the_helper_starts_before_the_extent_scan_and_a_wrong_guess_is_dropped(
    session, employer, tmp_path, monkeypatch, dimension
):  # type: ignore[no-untyped-def]
    """The helper starts reading while the sheet is still being checked, on the part the
    sheet's <dimension> promises. A dimension that lies (5 rows declared, 420 there) gives a
    part that reads otherwise: what the helper read is dropped and the rows are read here,
    with the same result."""
    if pipeline.usable_cpus() < 2:
        pytest.skip("no helper process with one CPU")
    twin = create_employer(
        session, "BU000003", "PT Kembar", TEST_ACTOR, minimum_wage=employer.minimum_wage
    )
    monkeypatch.setattr(sizes, "CHUNK", 40)
    rows, _stored, _links = roster_rows()
    path = write_roster(tmp_path / "big.xlsx", rows)
    if dimension:
        _set_dimension(path, dimension)
    serial = import_file(session, employer, path, False, monkeypatch)
    seen = _spy_helpers(monkeypatch)
    early = import_file(session, twin, path, True, monkeypatch, from_disk=True)
    assert staged_rows(session, early) == staged_rows(session, serial)
    assert counts(early) == counts(serial)
    assert len(seen["early"]) == 1, "the helper was started before the sheet was open"
    assert seen["abandoned"] == (seen["helpers"] if dimension else [])


def test_a_file_refused_after_the_helper_started_stops_it(session, employer, tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    """The dimension promises 10 rows, the extent scan finds 420 (over the limit of 50): the
    file is refused as usual, nothing is staged, and the helper reading it is stopped."""
    if pipeline.usable_cpus() < 2:
        pytest.skip("no helper process with one CPU")
    rows, _stored, _links = roster_rows()
    path = _set_dimension(write_roster(tmp_path / "big.xlsx", rows), "A1:R11")
    seen = _spy_helpers(monkeypatch)
    monkeypatch.setattr(reading, "PARALLEL_MIN_BYTES", 0)
    job = jobs.create_job(session, employer.id, JobKind.ROSTER, path.name, b"x", TEST_ACTOR)
    jobs.start_processing(session, job)
    stage_roster(
        session, job, str(path), Limits(max_bytes=LIMITS.max_bytes, max_rows=50), today=TODAY
    )
    assert job.status == JobStatus.REJECTED
    assert [i["code"] for i in job.file_issues] == ["file.too_many_rows"]
    assert session.scalar(sa.select(sa.func.count()).select_from(StagedRow)) == 0
    assert len(seen["early"]) == 1 and seen["abandoned"] == seen["helpers"]
    assert not seen["helpers"][0]._process.is_alive()


def test_a_roster_stored_out_of_row_order_imports_as_the_same_roster_in_order(
    session, employer, tmp_path, monkeypatch
):  # type: ignore[no-untyped-def]
    """python-calamine-plus cannot stream it: python-calamine reads it whole, here
    (sheets/backend.py). The helper started on the fork's guess before the extent scan
    found the rows out of order is dropped; the staged rows are those of the file in order."""
    if pipeline.usable_cpus() < 2:
        pytest.skip("no helper process with one CPU")
    monkeypatch.delenv("EDABU_SHEET_BACKEND", raising=False)
    twin = create_employer(
        session, "BU000003", "PT Kembar", TEST_ACTOR, minimum_wage=employer.minimum_wage
    )
    monkeypatch.setattr(sizes, "CHUNK", 40)
    rows, _stored, _links = roster_rows()
    path = write_roster(tmp_path / "big.xlsx", rows)
    shuffled = tmp_path / "shuffled.xlsx"
    shuffled.write_bytes(rearranged(path, rows_1_3_4_2))
    serial = import_file(session, employer, path, False, monkeypatch)
    seen = _spy_helpers(monkeypatch)
    job = import_file(session, twin, shuffled, True, monkeypatch, from_disk=True)
    assert staged_rows(session, job) == staged_rows(session, serial)
    assert counts(job) == counts(serial) and serial.rows > 400
    assert len(seen["early"]) == 1 and seen["abandoned"] == seen["helpers"]
