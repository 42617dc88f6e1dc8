"""Data ganda (Pandawa I): the page lists this employer's active people whose NIK is active at
another employer, two pages of them, for every role, without naming the other employer."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from edabu_lite import clock
from edabu_lite.accounts import operations as account_ops
from edabu_lite.accounts.models import Employer, Role
from edabu_lite.paging import page_number
from edabu_lite.roster.listing import active_elsewhere
from edabu_lite.roster.models import Status
from tests.conftest import TEST_ACTOR
from tests.factories import register, worker_row

SHARED = 55  # more than one page (50)


def _nik(n: int) -> str:
    return f"3273011501{90 + n // 10000:02d}{n % 10000:04d}"


@pytest.fixture
def double(session, employer):  # type: ignore[no-untyped-def]
    other = account_ops.create_employer(session, "BU000099", "PT Lain Rahasia", TEST_ACTOR)
    ours = [worker_row(_nik(n), f"32730120011500{n:02d}", f"Pekerja {n:02d}") for n in range(60)]
    theirs = [worker_row(_nik(n), f"32730120011599{n:02d}", f"Orang {n:02d}")
              for n in range(SHARED + 2)]  # fmt: skip
    mine = register(session, employer, ours)
    elsewhere = register(session, other, theirs)
    # one left the other employer, one left us: neither is data ganda any more
    elsewhere[_nik(SHARED)].status = Status.INACTIVE
    mine[_nik(SHARED + 1)].status = Status.INACTIVE
    session.commit()
    return mine


@pytest.mark.parametrize("role", [Role.VIEWER, Role.OPERATOR, Role.ADMIN])
def test_two_pages_of_people_active_elsewhere(client, login_as, double, role):
    login_as(role)
    first = client.get("/peserta/data-ganda").get_data(as_text=True)
    second = client.get("/peserta/data-ganda?page=2").get_data(as_text=True)
    listed = {n for n in range(60) if f"Pekerja {n:02d}" in first + second}
    assert listed == set(range(SHARED))
    assert "55 peserta" in first and "Pandawa I" in first
    assert "PT Lain Rahasia" not in first + second and "Orang" not in first + second
    assert "Data ganda" in client.get("/peserta").get_data(as_text=True)  # linked from the list


def test_a_change_still_to_come_elsewhere_counts_from_its_tmt(
    client, session, login_as, double, monkeypatch
):
    from edabu_lite.roster.models import Participant

    theirs = session.query(Participant).filter(Participant.name == "Orang 00").one()
    theirs.status, theirs.previous_status = Status.INACTIVE, Status.ACTIVE
    theirs.status_since = date(2030, 1, 1)
    session.commit()
    login_as(Role.VIEWER)
    monkeypatch.setattr(clock, "today", lambda: date(2029, 12, 31))
    assert "Pekerja 00" in client.get("/peserta/data-ganda").get_data(as_text=True)
    monkeypatch.setattr(clock, "today", lambda: date(2030, 1, 1))
    pages = [client.get(f"/peserta/data-ganda?page={n}").get_data(as_text=True) for n in (1, 2)]
    assert "Pekerja 00" not in "".join(pages)


@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(page=st.one_of(st.text(max_size=12), st.integers(-(10**20), 10**20).map(str)))
def test_any_page_number_gets_the_page_it_stands_for(client, login_as, double, page):
    """The list is found in one pass and paged from it: a page past the end is the last,
    anything else that is not a page number the first, each in the list's order (KK)."""
    login_as(Role.VIEWER)
    response = client.get("/peserta/data-ganda", query_string={"page": page})
    if "\x00" in page:  # never typed by a person: a bad request (security.py)
        assert response.status_code == 400
        return
    body = response.get_data(as_text=True)
    expected = range(50, SHARED) if page_number({"page": page}) >= 2 else range(50)
    assert [n for n in range(60) if f"Pekerja {n:02d}" in body] == list(expected), page
    assert "55 peserta" in body


def test_an_employer_below_sees_the_same_people_from_its_side(session, employer, double):  # type: ignore[no-untyped-def]
    """The other employers are the ranges below and above this one's id: the employer
    registered later (a higher id) finds, as data ganda, its people active at this one."""
    other = session.scalar(sa.select(Employer.id).where(Employer.code == "BU000099"))
    assert other > employer.id
    found = session.scalars(active_elsewhere(other, clock.today())).all()
    assert [person.name for person in found] == [f"Orang {n:02d}" for n in range(SHARED)]
    assert {person.employer_id for person in found} == {other}


def _plan_sql(session, employer_id: int) -> str:  # type: ignore[no-untyped-def]
    statement = active_elsewhere(employer_id, date(2026, 12, 6))
    return str(statement.compile(session.get_bind(), compile_kwargs={"literal_binds": True}))


def test_sqlite_reads_only_the_other_employers_people(session, employer, double):  # type: ignore[no-untyped-def]
    """The set of NIKs active elsewhere comes from the employer index's two ranges beside
    this employer, not from a scan of the whole table (this employer's people included:
    41-62 ms a page at 300,000 people of one employer, with nobody anywhere else)."""
    if session.get_bind().dialect.name != "sqlite":
        pytest.skip("SQLite's planner; PostgreSQL's: the test below")
    plan = [
        row[3]
        for row in session.execute(sa.text(f"EXPLAIN QUERY PLAN {_plan_sql(session, employer.id)}"))
    ]
    assert not [step for step in plan if step.startswith("SCAN")], plan
    assert any("ix_participant_employer_kk (employer_id<?)" in step for step in plan), plan
    assert any("ix_participant_employer_kk (employer_id>?)" in step for step in plan), plan


def _scans(node: dict, found: list[dict]) -> list[dict]:  # type: ignore[type-arg]
    if "Relation Name" in node or "Index Name" in node:
        found.append(node)
    for child in node.get("Plans", []):
        _scans(child, found)
    return found


def test_postgresql_reads_only_the_other_employers_people(session, employer, double):  # type: ignore[no-untyped-def]
    """As on SQLite: when the planner builds the set (sequential scans and nested loops off,
    as for large tables, where it hashes the set), the other employers' people are reached
    through the employer index, on conditions of the employer id."""
    if session.get_bind().dialect.name != "postgresql":
        pytest.skip("PostgreSQL's planner; SQLite's: the test above")
    session.execute(sa.text("SET LOCAL enable_seqscan = off"))
    session.execute(sa.text("SET LOCAL enable_nestloop = off"))
    plan = session.execute(
        sa.text(f"EXPLAIN (FORMAT JSON) {_plan_sql(session, employer.id)}")
    ).scalar_one()
    scans = _scans(plan[0]["Plan"], [])
    assert not [s for s in scans if s["Node Type"] == "Seq Scan"], plan
    conditions = " ".join(
        s.get("Index Cond", "")
        for s in scans
        if s.get("Index Name") == "ix_participant_employer_kk"
    )
    assert f"(employer_id < {employer.id})" in conditions, plan
    assert f"(employer_id > {employer.id})" in conditions, plan
