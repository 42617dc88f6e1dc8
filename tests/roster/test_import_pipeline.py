"""The roster import pipeline against a real database: stage, preview plan, commit."""

from __future__ import annotations

import io
import json
import logging
from datetime import date

import pytest
import sqlalchemy as sa
from hypothesis import given
from hypothesis import strategies as st

from edabu_lite import database
from edabu_lite.audit.chain import encode
from edabu_lite.audit.models import AuditEvent
from edabu_lite.audit.operations import verify_chain
from edabu_lite.database import wait_for_upkeep
from edabu_lite.imports import operations as jobs
from edabu_lite.imports.models import ImportJob, JobKind, JobStatus, RowAction, StagedRow
from edabu_lite.issues import Issue
from edabu_lite.roster.importing import (
    ImportBlocked,
    ImportConflict,
    Limits,
    commit_roster,
    sizes,
    stage_roster,
)
from edabu_lite.roster.importing import commit as importer_commit
from edabu_lite.roster.models import Participant, Relationship, Segment, Status
from edabu_lite.roster.operations import add_participants
from edabu_lite.roster.snapshot import ROSTER_FIELDS, snapshot, snapshot_json, staged_snapshot
from tests.conftest import TEST_ACTOR
from tests.factories import family, worker_row
from tests.sheet_factory import write_roster

LIMITS = Limits(max_bytes=20 * 1024 * 1024, max_rows=10_000)
TODAY = date(2026, 11, 22)


def stage(session, employer, path) -> ImportJob:  # type: ignore[no-untyped-def]
    content = path.read_bytes()
    job = jobs.create_job(session, employer.id, JobKind.ROSTER, path.name, content, TEST_ACTOR)
    jobs.start_processing(session, job)
    return stage_roster(session, job, io.BytesIO(content), LIMITS, today=TODAY)


def staged(session, job) -> dict[int, StagedRow]:  # type: ignore[no-untyped-def]
    rows = session.scalars(sa.select(StagedRow).where(StagedRow.job_id == job.id)).all()
    return {r.row: r for r in rows}


def codes(row: StagedRow) -> set[str]:
    return {i["code"] for i in row.issues}


def people(session, employer):  # type: ignore[no-untyped-def]
    return {
        p.nik: p
        for p in session.scalars(
            sa.select(Participant).where(Participant.employer_id == employer.id)
        )
    }


def test_clean_family_is_planned_then_committed_once(session, employer, tmp_path):
    job = stage(session, employer, write_roster(tmp_path / "a.xlsx", family()))
    assert job.status == JobStatus.VALIDATED
    assert (job.rows, job.error_rows, job.planned_inserts) == (4, 0, 4)
    assert all(r.action == RowAction.INSERT and not r.issues for r in staged(session, job).values())
    commit_roster(session, job, TEST_ACTOR)
    assert job.status == JobStatus.COMMITTED and job.inserted == 4
    stored = people(session, employer)
    worker = stored["3273015507900001"]
    assert worker.relationship == Relationship.WORKER and worker.wage == 6_500_000
    assert {d.nik for d in worker.dependants} == {
        "3273011203880002",
        "3273015005150003",
        "3273012108180004",
    }
    assert stored["3273015005150003"].birth_date == date(2015, 5, 10)
    actions = session.scalars(sa.select(AuditEvent.action).where(AuditEvent.job_id == job.id)).all()
    assert actions.count("participant.import_insert") == 4
    assert "roster_import.commit" in actions
    assert verify_chain(session, employer.id).ok
    with pytest.raises(jobs.JobStateError):
        commit_roster(session, job, TEST_ACTOR)
    assert len(people(session, employer)) == 4


def test_same_file_again_is_all_unchanged(session, employer, tmp_path):
    path = write_roster(tmp_path / "a.xlsx", family())
    commit_roster(session, stage(session, employer, path), TEST_ACTOR)
    again = stage(session, employer, path)
    assert (again.planned_inserts, again.planned_updates, again.planned_unchanged) == (0, 0, 4)
    commit_roster(session, again, TEST_ACTOR)
    assert again.updated == 0 and again.unchanged == 4


def test_changed_wage_is_an_update_with_before_and_after(session, employer, tmp_path):
    commit_roster(
        session, stage(session, employer, write_roster(tmp_path / "a.xlsx", family())), TEST_ACTOR
    )
    rows = family()
    rows[0]["wage"] = 7_250_000
    job = stage(session, employer, write_roster(tmp_path / "b.xlsx", rows))
    assert job.planned_updates == 1
    row = staged(session, job)[2]
    assert row.action == RowAction.UPDATE and row.changes == {"wage": [6_500_000, 7_250_000]}
    commit_roster(session, job, TEST_ACTOR)
    worker = people(session, employer)["3273015507900001"]
    assert worker.wage == 7_250_000 and worker.version == 2
    event = session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "participant.import_update")
    ).one()
    assert event.before == {"wage": 6_500_000} and event.after == {"wage": 7_250_000}
    assert event.target_label == "3273********0001" and event.nik == "3273015507900001"


def test_errors_block_commit_and_valid_only_takes_whole_families(session, employer, tmp_path):
    good = family()
    bad = family(worker_nik="3273016604920005", kk="3273012001150099", start_row_name="Rina")
    bad[0]["birth_date"] = date(1992, 4, 26)
    for member in bad[1:]:
        member["worker_nik"] = "3273016604920005"
        member["kk"] = "3273012001150099"
        member["nik"] = member["nik"][:12] + "9" + member["nik"][13:]
    bad[3]["nik"] = 3273012108189004  # Excel damage: typed as a number
    job = stage(session, employer, write_roster(tmp_path / "mix.xlsx", good + bad))
    rows = staged(session, job)
    assert "nik.not_text" in codes(rows[9])
    assert job.error_rows == 1
    # The preview promises what the only commit allowed (valid rows only) will do.
    assert [rows[r].action for r in (6, 7, 8, 9)] == [RowAction.HELD_BACK] * 3 + [RowAction.SKIP]
    assert (job.planned_inserts, job.planned_updates, job.planned_unchanged) == (4, 0, 0)
    with pytest.raises(ImportBlocked):
        commit_roster(session, job, TEST_ACTOR)
    assert people(session, employer) == {}
    commit_roster(session, job, TEST_ACTOR, valid_only=True)
    stored = people(session, employer)
    assert set(stored) == {p["nik"] for p in good}  # Rina's whole family waits
    assert job.inserted == 4 and job.skipped == 4


def test_family_rules_reach_the_staged_rows(session, employer, tmp_path):
    rows = family()
    orphan = {
        **rows[2],
        "nik": "3273014101200007",
        "worker_nik": "3273010101800009",
        "birth_date": date(2020, 1, 1),
        "name": "Tanpa Pekerja",
    }
    duplicate = dict(rows[3])
    job = stage(session, employer, write_roster(tmp_path / "f.xlsx", [*rows, orphan, duplicate]))
    result = staged(session, job)
    assert "family.worker_missing" in codes(result[6])
    assert "row.duplicate_nik" in codes(result[7])
    assert result[6].action == RowAction.SKIP and result[6].has_error
    assert job.issue_counts["family.worker_missing"] == 1


def test_dependant_of_a_worker_already_registered(session, employer, tmp_path):
    rows = family()
    commit_roster(
        session, stage(session, employer, write_roster(tmp_path / "a.xlsx", rows[:3])), TEST_ACTOR
    )
    job = stage(session, employer, write_roster(tmp_path / "b.xlsx", [rows[3]]))
    assert job.error_rows == 0 and job.planned_inserts == 1
    commit_roster(session, job, TEST_ACTOR)
    stored = people(session, employer)
    assert stored["3273012108180004"].worker_id == stored["3273015507900001"].id


@pytest.mark.parametrize(
    "first_import, batch",
    [(True, None), (True, 1), (False, None)],
    ids=["first import", "first import, NIK by NIK", "roster known"],
)
def test_nik_active_at_another_employer_is_a_warning(
    session, employer, other_employer, tmp_path, monkeypatch, first_import, batch
):  # type: ignore[no-untyped-def]
    """Asked chunk by chunk when the employer has people registered, in batches of NIKs on a
    first import (by the write-behind thread, here also one NIK at a time): the same
    warning either way, and only for a NIK active there."""
    if batch:
        monkeypatch.setattr(sizes, "FAMILY_LOOKUP", batch)
    rows = family()
    elsewhere = [
        {**rows[0], "worker_nik": None},
        {**rows[1], "relationship": "Peserta", "worker_nik": None},
    ]
    add_participants(session, other_employer.id, elsewhere, TEST_ACTOR)
    session.execute(
        sa.update(Participant)
        .where(Participant.nik == rows[1]["nik"])
        .values(status=Status.INACTIVE)
    )
    if not first_import:
        add_participants(
            session,
            employer.id,
            family("3273015507900002", "3273012001150004", "Ani")[:1],
            TEST_ACTOR,
        )
    session.commit()
    job = stage(session, employer, write_roster(tmp_path / "a.xlsx", rows))
    first = staged(session, job)[2]
    assert "row.nik_other_employer" in codes(first)
    assert first.has_warning and not first.has_error and first.action == RowAction.INSERT
    assert "row.nik_other_employer" not in codes(staged(session, job)[3])  # inactive there
    assert job.issue_counts["row.nik_other_employer"] == 1 and job.warning_rows == 1


def test_missing_column_rejects_the_file(session, employer, tmp_path):
    headers = [h for h in __import__("tests.sheet_factory").sheet_factory.HEADERS if h != "No KK"]
    keys = [k for k in __import__("tests.sheet_factory").sheet_factory.KEYS if k != "kk"]
    job = stage(session, employer, write_roster(tmp_path / "m.xlsx", family(), headers, keys))
    assert job.status == JobStatus.REJECTED
    issues = [Issue.from_dict(i) for i in job.file_issues]
    assert [i.code for i in issues if i.is_error] == ["header.missing_column"]
    assert session.scalar(sa.select(sa.func.count()).select_from(StagedRow)) == 0


def test_conflict_when_someone_changed_the_person_after_preview(session, employer, tmp_path):
    commit_roster(
        session, stage(session, employer, write_roster(tmp_path / "a.xlsx", family())), TEST_ACTOR
    )
    rows = family()
    rows[0]["wage"] = 9_000_000
    job = stage(session, employer, write_roster(tmp_path / "b.xlsx", rows))
    worker = people(session, employer)["3273015507900001"]
    worker.phone = "081299990000"  # another user edits meanwhile (version 1 → 2)
    session.commit()
    with pytest.raises(ImportConflict):
        commit_roster(session, job, TEST_ACTOR)
    session.refresh(job)
    assert job.status == JobStatus.VALIDATED
    assert people(session, employer)["3273015507900001"].wage == 6_500_000


def test_no_full_nik_is_logged_during_an_import(session, employer, tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    rows = family()
    rows[1]["nik"] = 3273011203880002  # an error row too
    job = stage(session, employer, write_roster(tmp_path / "a.xlsx", rows))
    commit_roster(session, job, TEST_ACTOR, valid_only=True)
    for row in rows:
        assert str(row["nik"]) not in caplog.text


def test_duplicate_in_one_chunk_keeps_the_first_row(session, employer, tmp_path):
    rows = family()
    job = stage(session, employer, write_roster(tmp_path / "d.xlsx", [*rows, dict(rows[1])]))
    result = staged(session, job)
    assert not result[3].has_error and "row.duplicate_nik" in codes(result[6])
    # Its family has an error now (the copy), so "valid rows only" will leave it out.
    assert result[3].action == RowAction.HELD_BACK


def test_staged_values_are_the_audited_snapshot_as_is(session, employer, tmp_path):
    """The staged JSON is the canonical snapshot, stored as each inserted person's audited
    ``after``; a job staged by an earlier version (``json.dumps`` spelling) is re-encoded,
    so its events still verify."""
    job = stage(session, employer, write_roster(tmp_path / "a.xlsx", family()))
    texts = dict(
        session.execute(
            sa.select(StagedRow.nik, sa.cast(StagedRow.data, sa.Text)).where(
                StagedRow.job_id == job.id
            )
        ).all()
    )
    assert all(staged_snapshot(text) == text for text in texts.values())
    older = next(iter(texts))
    session.execute(  # as an earlier version staged it: keys in schema order, ", " and ": "
        sa.update(StagedRow)
        .where(StagedRow.job_id == job.id, StagedRow.nik == older)
        .values(data=dict(reversed(json.loads(texts[older]).items())))
    )
    session.commit()
    commit_roster(session, job, TEST_ACTOR)
    assert verify_chain(session, employer.id).ok
    events = dict(
        session.execute(
            sa.select(AuditEvent.nik, sa.cast(AuditEvent.after, sa.Text)).where(
                AuditEvent.action == "participant.import_insert"
            )
        ).all()
    )
    assert events == {nik: snapshot_json(json.loads(text)) for nik, text in texts.items()}


snapshot_values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.text(),
    st.dates(),
    st.sampled_from([*Relationship, *Status, *Segment]),
)


@given(
    st.dictionaries(
        st.sampled_from([*ROSTER_FIELDS, "worker_nik", "status", "segment", "other", "_private"]),
        snapshot_values,
    )
)
def test_snapshot_json_is_the_canonical_text_of_the_snapshot(values) -> None:  # type: ignore[no-untyped-def]
    """Staged text = what the audit trail's encoder writes for `snapshot` (the commit stores
    it as the hashed ``after``), whatever the keys and however enums are held."""
    text = snapshot_json(values)
    assert text == encode(snapshot(values))
    assert staged_snapshot(text) == text  # as is, or re-encoded to the same text


def test_ids_of_rows_held_back_are_no_nulls_in_the_array(session, employer, tmp_path):
    """PostgreSQL finds an element of an array with NULLs by counting the NULLs before it:
    rows held back must leave 0 in the id array, or a large 'valid rows only' commit slows
    down quadratically (19 s instead of 5 for 100,000 rows)."""

    def another(worker_nik: str, kk: str, digit: str, born: date) -> list[dict]:
        people = family(worker_nik=worker_nik, kk=kk)
        people[0]["birth_date"] = born
        for member in people[1:]:
            member.update(
                worker_nik=worker_nik, kk=kk, nik=member["nik"][:12] + digit + member["nik"][13:]
            )
        return people

    bad = another("3273016604920005", "3273012001150099", "9", date(1992, 4, 26))
    bad[3]["nik"] = 3273012108189004  # Excel damage: the whole family is held back
    later = another("3273015508900001", "3273012001150077", "8", date(1990, 8, 15))
    job = stage(session, employer, write_roster(tmp_path / "gap.xlsx", family() + bad + later))
    assert job.error_rows == 1
    ids = importer_commit._RowIds.reserve(session, job)
    kept = [2, 3, 4, 5, 10, 11, 12, 13]  # sheet rows of the first and the last family
    assert len({ids.of(row) for row in kept}) == 8
    if ids.by_row is not None:  # PostgreSQL
        assert None not in ids.by_row and ids.by_row.count(0) == 4  # rows 6-9, held back
        # Each family's three dependants point at its worker (rows 2 and 10); workers, and
        # the rows held back, at nobody.
        assert ids.workers == [0, *[ids.of(2)] * 3, 0, 0, 0, 0, 0, *[ids.of(10)] * 3]
    commit_roster(session, job, TEST_ACTOR, valid_only=True)
    stored = people(session, employer)
    assert len(stored) == 8
    assert stored["3273012108180004"].worker_id == stored["3273015507900001"].id


def test_changed_dates_and_flags_are_updates_and_equal_ones_are_not(session, employer, tmp_path):
    """The comparison with the roster reads the staged JSON (dates as ISO text) against the
    stored values (dates as dates, the relationship as its enum): equal values must not
    count as changes, changed ones are recorded as JSON values."""
    commit_roster(
        session, stage(session, employer, write_roster(tmp_path / "a.xlsx", family())), TEST_ACTOR
    )
    changed = family()
    changed[0]["start_date"] = date(2025, 3, 1)
    changed[3]["in_school"] = True
    job = stage(session, employer, write_roster(tmp_path / "b.xlsx", changed))
    rows = staged(session, job)
    assert (job.planned_updates, job.planned_unchanged) == (2, 2)
    assert rows[2].changes == {"start_date": ["2024-01-01", "2025-03-01"]}
    assert rows[5].changes == {"in_school": [None, True]}
    commit_roster(session, job, TEST_ACTOR)
    assert people(session, employer)["3273015507900001"].start_date == date(2025, 3, 1)


def test_a_large_commit_refreshes_the_planner_statistics(session, employer, tmp_path, monkeypatch):
    """Right after a large commit PostgreSQL still plans for the table as it was, and the
    next upload's comparison took minutes' worth of scans (14 s instead of 5 at 100k rows):
    participant is re-sampled, in the background once the import is committed. Here
    'large' is lowered to one family. SQLite has no statistics at all until ANALYZE, and
    walked all of an employer's people for a NIK prefix or a person's family."""
    monkeypatch.setattr(importer_commit, "LARGE_COMMIT_ROWS", 4)
    commit_roster(
        session, stage(session, employer, write_roster(tmp_path / "a.xlsx", family())), TEST_ACTOR
    )
    wait_for_upkeep()
    if session.get_bind().dialect.name == "postgresql":
        stats = sa.text("SELECT reltuples, relallvisible FROM pg_class WHERE relname = :t")
        sampled, visible = session.execute(stats, {"t": "participant"}).one()
        assert sampled == 4  # -1 (never sampled) without the ANALYZE
        assert visible > 0  # 0 until a vacuum: every index-only scan then reads the rows
        return
    session.rollback()
    sampled = sa.text("SELECT tbl FROM sqlite_stat1 WHERE tbl IN ('participant', 'audit_event')")
    assert set(session.scalars(sampled)) == {"participant", "audit_event"}


def test_a_failed_analyze_leaves_the_import_committed(
    session, employer, tmp_path, monkeypatch, caplog
):
    if session.get_bind().dialect.name != "postgresql":
        pytest.skip("the statistics refresh runs on PostgreSQL only")
    monkeypatch.setattr(importer_commit, "LARGE_COMMIT_ROWS", 4)
    monkeypatch.setattr(importer_commit, "VACUUM_ANALYZE", "VACUUM (ANALYZE) no_such_table")
    job = stage(session, employer, write_roster(tmp_path / "a.xlsx", family()))
    with caplog.at_level(logging.WARNING, logger=database.__name__):
        commit_roster(session, job, TEST_ACTOR)
        wait_for_upkeep()
    assert job.status == JobStatus.COMMITTED and len(people(session, employer)) == 4
    assert "VACUUM and ANALYZE after a large import failed" in caplog.text


def _autocheckpoint_at_commit(engine) -> list[int]:  # type: ignore[no-untyped-def]
    """The ``wal_autocheckpoint`` setting of every connection as it commits."""
    seen: list[int] = []

    def commit(connection) -> None:  # type: ignore[no-untyped-def]
        raw = connection.connection.dbapi_connection
        seen.append(raw.execute("PRAGMA wal_autocheckpoint").fetchone()[0])

    sa.event.listen(engine, "commit", commit)
    return seen


@pytest.mark.parametrize("large", [True, False], ids=["large", "small"])
def test_a_large_sqlite_commit_leaves_its_checkpoint_to_the_background(
    session, employer, tmp_path, monkeypatch, large
):  # type: ignore[no-untyped-def]
    """Committing a 100,000-person import copied the whole write-ahead log into the database
    file before returning (~0.5 s, the data durable already): a large commit checkpoints in
    the background instead, and the connection checkpoints as usual once back in the pool."""
    engine = session.get_bind()
    if engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL has no write-ahead log of the application's to checkpoint")
    monkeypatch.setattr(importer_commit, "LARGE_COMMIT_ROWS", 4 if large else 5)
    upkeep: list[str] = []
    monkeypatch.setattr(
        importer_commit, "upkeep_later", lambda _engine, sql, _what: upkeep.append(sql)
    )
    job = stage(session, employer, write_roster(tmp_path / "a.xlsx", family()))
    seen = _autocheckpoint_at_commit(engine)
    commit_roster(session, job, TEST_ACTOR)
    assert seen[0] == (0 if large else database.WAL_AUTOCHECKPOINT)  # the import's commit
    expected = [*importer_commit.SQLITE_ANALYZE, database.CHECKPOINT]
    assert upkeep == ([expected] if large else [])
    with engine.connect() as connection:  # the pool's connection is itself again
        pragma = connection.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar()
        assert pragma == database.WAL_AUTOCHECKPOINT
    assert len(people(session, employer)) == 4


def test_staging_without_cells_keeps_every_issue_and_plan(session, employer, tmp_path):
    """A dry run stages each row's issues and plan but not its cells (nothing reads them
    before a commit or an error report): the same preview, no personal data written."""
    rows = family()
    rows[1]["birth_date"] = "31-02-1990"  # an error, and its family held back
    other = worker_row("3273014101920005", "3273012001150009", "Dewi Lestari", wage=3_000_000)
    path = write_roster(tmp_path / "a.xlsx", [*rows, other])  # a warning: below minimum

    def preview(cells: bool):  # type: ignore[no-untyped-def]
        content = path.read_bytes()
        job = jobs.create_job(session, employer.id, JobKind.ROSTER, path.name, content, TEST_ACTOR)
        jobs.start_processing(session, job)
        stage_roster(session, job, io.BytesIO(content), LIMITS, today=TODAY, cells=cells)
        found = staged(session, job)
        return (
            job,
            {
                row: (s.nik, s.family_key, s.issues, s.has_error, s.has_warning, s.action)
                for row, s in found.items()
            },
            found,
        )

    kept, kept_rows, _ = preview(cells=True)
    lean, lean_rows, lean_staged = preview(cells=False)
    assert lean_rows == kept_rows
    assert any(action == RowAction.HELD_BACK for *_, action in lean_rows.values())
    assert (lean.valid_rows, lean.error_rows, lean.planned_inserts, lean.issue_counts) == (
        kept.valid_rows, kept.error_rows, kept.planned_inserts, kept.issue_counts,
    )  # fmt: skip
    assert all(s.raw == [] and s.data is None for s in lean_staged.values())
