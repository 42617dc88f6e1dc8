"""/api/v1/iuran/{month}: the totals are `edabu iuran --json`'s, and the per-worker lines,
paged over several pages, add up to them."""

from __future__ import annotations

import json
from datetime import date

import pytest

from edabu_lite import clock
from tests.api.conftest import workers
from tests.factories import register


@pytest.fixture
def payroll(session, employer, other_employer):  # type: ignore[no-untyped-def]
    """130 workers of employer A (wages around the minimum and the cap), 5 of employer B."""
    rows = workers(130)
    for n, row in enumerate(rows):
        row["wage"] = [4_000_000, 6_000_000, 15_000_000][n % 3]
        row["start_date"] = date(2025, 1, 1)
    register(session, employer, rows)
    register(session, other_employer, workers(5, first=9001))


def month() -> str:
    return f"{clock.today():%Y-%m}"


@pytest.mark.parametrize("role", ["viewer", "operator"])
def test_totals_are_the_commands(api, payroll, runner, employer, role):
    answer = api[role].get(f"/api/v1/iuran/{month()}")
    assert answer.status_code == 200
    command = runner.invoke(
        args=["iuran", "--employer", employer.code, "--month", month(), "--json"]
    )
    assert answer.json == json.loads(command.output)
    assert answer.json["workers"] == 130


def test_lines_page_through_every_worker_and_add_up(api, payroll):
    totals = api["viewer"].get(f"/api/v1/iuran/{month()}").json
    lines, cursor, pages = [], None, 0
    while True:
        query = {"limit": 50, **({"cursor": cursor} if cursor else {})}
        page = api["viewer"].get(f"/api/v1/iuran/{month()}/lines", query_string=query).json
        lines += page["items"]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert pages == 3 and len(lines) == 130
    assert len({line["participant_id"] for line in lines}) == 130
    assert sum(line["total"] for line in lines) == totals["total"]
    assert sum(line["employer_share"] for line in lines) == totals["employer_share"]
    capped = [line for line in lines if line["wage"] == 15_000_000]
    assert {line["base"] for line in capped} == {12_000_000}  # the cap
    floored = [line for line in lines if line["wage"] == 4_000_000]
    assert {line["base"] for line in floored} == {5_000_000}  # the employer's minimum wage


@pytest.mark.parametrize("bad", ["2026-13", "26-01", "januari", "1999-12"])
def test_a_month_that_is_not_one_is_a_422(api, payroll, bad):
    for path in (f"/api/v1/iuran/{bad}", f"/api/v1/iuran/{bad}/lines"):
        answer = api["viewer"].get(path)
        assert answer.status_code == 422
        assert answer.json["issues"][0]["column"] == "month"
