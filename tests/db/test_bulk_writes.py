"""The bulk-write path (`bulk_insert`: executemany, COPY on PostgreSQL), reserved ids and the
one-parameter IN, on the engine under test: rows read back through the ORM equal rows
written the ordinary way."""

from __future__ import annotations

import json
import logging
from datetime import date, datetime

import pytest
import sqlalchemy as sa

from edabu_lite import database
from edabu_lite.database import (
    among,
    bulk_cache,
    bulk_insert,
    dialect_name,
    int_array_element,
    reserve_ids,
    sql_timestamp,
)
from edabu_lite.imports import operations as jobs
from edabu_lite.imports.models import JobKind, RowAction, StagedRow
from edabu_lite.roster.models import Participant, Relationship, Segment, Status
from tests.conftest import TEST_ACTOR

COLUMNS = (
    "job_id",
    "row",
    "nik",
    "raw",
    "data",
    "issues",
    "has_error",
    "has_warning",
    "action",
    "changes",
)


def staged_values(job_id: int, row: int) -> tuple[object, ...]:
    raw = ["3273015507900001", {"d": "1990-07-15"}, 12.5, None, 'tab\there \\ "quoted" é']
    data = None if row % 2 else {"nik": "3273015507900001", "birth_date": "1990-07-15"}
    issues = [{"code": "nik.not_text", "column": "nik", "row": row}] if row % 3 == 0 else []
    return (
        job_id,
        row,
        f"32730155079{row:05d}",
        json.dumps(raw),
        json.dumps(data),
        json.dumps(issues),
        row % 3 == 0,
        False,
        RowAction.INSERT.value,
        "null",
    )


@pytest.mark.parametrize("count", [3, database.COPY_MIN_ROWS + 1], ids=["executemany", "copy"])
def test_staged_rows_round_trip(session, employer, count) -> None:  # type: ignore[no-untyped-def]
    job = jobs.create_job(session, employer.id, JobKind.ROSTER, "a.xlsx", b"x", TEST_ACTOR)
    bulk_insert(
        session,
        StagedRow.__table__,
        COLUMNS,
        [staged_values(job.id, row) for row in range(2, count + 2)],
    )
    session.commit()
    stored = session.scalars(sa.select(StagedRow).order_by(StagedRow.row)).all()
    assert len(stored) == count
    for item in stored:
        expected = staged_values(job.id, item.row)
        assert item.raw == json.loads(expected[3])
        assert item.data == json.loads(expected[4])  # JSON null reads back as None
        assert item.issues == json.loads(expected[5])
        assert item.has_error is expected[6] and item.has_warning is False
        assert item.action == RowAction.INSERT and item.changes is None


@pytest.mark.parametrize("count", [2, database.COPY_MIN_ROWS], ids=["executemany", "copy"])
def test_participants_with_reserved_ids_and_links(session, employer, count) -> None:  # type: ignore[no-untyped-def]
    ids = list(reserve_ids(session, Participant.__table__, count))
    assert ids == sorted(set(ids)) and len(ids) == count
    now = datetime(2026, 11, 22, 7, 8, 9, 123456)
    rows = [
        (
            pid,
            employer.id,
            f"3273015507{index:06d}",
            "3273012001150003",
            "Siti",
            None,
            "1990-07-15",
            "P",
            "Kawin",
            Relationship.CHILD.value if index else "Peserta",
            ids[0] if index else None,
            None,
            None if index else 6_500_000,
            1,
            "0381P055",
            None,
            None,
            None,
            None,
            bool(index % 2),
            Segment.PPU.value,
            Status.ACTIVE.value,
            sql_timestamp(now),
            sql_timestamp(now),
            1,
        )
        for index, pid in enumerate(ids)
    ]
    columns = (
        "id",
        "employer_id",
        "nik",
        "kk",
        "name",
        "birth_place",
        "birth_date",
        "sex",
        "marital_status",
        "relationship",
        "worker_id",
        "employee_number",
        "wage",
        "care_class",
        "faskes_code",
        "start_date",
        "card_number",
        "phone",
        "email",
        "in_school",
        "segment",
        "status",
        "created_at",
        "updated_at",
        "version",
    )
    bulk_insert(session, Participant.__table__, columns, rows)
    session.commit()
    people = session.scalars(sa.select(Participant).order_by(Participant.id)).all()
    assert [p.id for p in people] == ids
    worker = people[0]
    assert worker.relationship == Relationship.WORKER and worker.wage == 6_500_000
    assert worker.birth_date == date(1990, 7, 15) and worker.created_at == now
    assert {d.id for d in worker.dependants} == set(ids[1:])
    assert [p.in_school for p in people] == [bool(i % 2) for i in range(count)]
    more = list(reserve_ids(session, Participant.__table__, 2))
    assert min(more) > max(ids)


def test_among_matches_in(session, employer) -> None:  # type: ignore[no-untyped-def]
    from edabu_lite.roster.operations import add_participants
    from tests.factories import family

    add_participants(session, employer.id, family(), TEST_ACTOR)
    niks = ["3273015507900001", "3273012108180004", "9999999999999999"]
    found = session.scalars(
        sa.select(Participant.nik).where(among(session, Participant.nik, niks))
    ).all()
    assert sorted(found) == sorted(niks[:2])
    ids = session.scalars(sa.select(Participant.id)).all()
    assert (
        session.scalar(sa.select(sa.func.count()).where(among(session, Participant.id, ids[:2])))
        == 2
    )
    assert (
        session.scalars(sa.select(Participant.nik).where(among(session, Participant.nik, []))).all()
        == []
    )


def test_int_array_element_reads_a_typed_array_parameter(session) -> None:  # type: ignore[no-untyped-def]
    """The commit's arrays of ids (PostgreSQL): every element by its 1-based index, the array
    sent as the value of an INTEGER[] parameter, read once. A text parameter cast to an array
    would be parsed again for every row of the INSERT (array input is not immutable, so the
    planner keeps the cast)."""
    if dialect_name(session) != "postgresql":
        pytest.skip("SQLite computes the ids in SQL; the arrays are PostgreSQL's")
    values = [7, 0, 2**31 - 1, 42, *range(100, 5000)]
    n = sa.func.generate_series(1, len(values)).table_valued("n").render_derived()
    statement = sa.select(int_array_element(values, n.c.n)).select_from(n).order_by(n.c.n)
    assert session.scalars(statement).all() == values
    compiled = statement.compile(dialect=session.get_bind().dialect)
    assert "CAST" not in compiled.string and ")s::INTEGER[]" in compiled.string
    assert session.scalar(sa.select(int_array_element([5, 6], 3))) is None  # past the end


def test_bulk_cache_is_set_back(session) -> None:  # type: ignore[no-untyped-def]
    connection = session.connection()
    if connection.dialect.name != "sqlite":
        with bulk_cache(session):
            pass
        return
    before = connection.exec_driver_sql("PRAGMA cache_size").scalar()
    with bulk_cache(session):
        assert connection.exec_driver_sql("PRAGMA cache_size").scalar() == (
            -database.BULK_CACHE_KIB
        )
    assert connection.exec_driver_sql("PRAGMA cache_size").scalar() == before


def test_upkeep_runs_on_a_connection_of_its_own_and_commits(session, employer) -> None:  # type: ignore[no-untyped-def]
    session.commit()
    statement = f"UPDATE employer SET name = 'PT Sesudah' WHERE id = {int(employer.id)}"  # noqa: S608
    database.upkeep_later(session.get_bind(), statement, "test upkeep")
    database.wait_for_upkeep()
    session.expire_all()
    assert session.get(type(employer), employer.id).name == "PT Sesudah"


def test_failed_upkeep_is_logged_not_raised(session, caplog) -> None:  # type: ignore[no-untyped-def]
    with caplog.at_level(logging.WARNING, logger=database.__name__):
        thread = database.upkeep_later(session.get_bind(), "ANALYZE no_such_table", "probe")
        database.wait_for_upkeep()
    assert not thread.is_alive()
    assert "probe after a large import failed" in caplog.text
