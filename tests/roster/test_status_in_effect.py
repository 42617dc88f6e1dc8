"""A change takes effect on its TMT: derived from the dates (`Participant.status_on`, and in
SQL `status_in_effect`), so the list, its filter, the counts and the person's page change at
midnight with nothing run. The day is moved across midnight with `edabu_lite.clock`."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from edabu_lite import clock
from edabu_lite.accounts.models import Role
from edabu_lite.home import dashboard
from edabu_lite.months import first_day_of_next_month
from edabu_lite.mutations import operations as ops
from edabu_lite.mutations.kinds import MutationKind, Reason
from edabu_lite.mutations.plans import Request
from edabu_lite.roster.models import Participant, Status, status_in_effect
from tests.conftest import TEST_ACTOR
from tests.factories import register

WORKER = "3273015507900001"


@pytest.fixture
def leaving(session, employer):  # type: ignore[no-untyped-def]
    """A family whose worker retires on the first of next month (applied today)."""
    register(session, employer)
    tmt = first_day_of_next_month(date.today())
    item = ops.ItemInput(WORKER, Request(MutationKind.DEACTIVATE, Reason.PENSIUN, tmt))
    batch = ops.plan_batch(session, employer.id, [item], TEST_ACTOR, source="web")
    ops.apply_batch(session, batch, TEST_ACTOR)
    return tmt


def _names(html: str) -> set[str]:
    return {name for name in ("Siti Aminah", "Budi Hartono") if name in html}


@pytest.mark.parametrize("days_before", [1, 0])
def test_the_list_the_filter_the_counts_and_the_page_follow_the_tmt(
    client, session, employer, login_as, leaving, monkeypatch, days_before
):
    day = leaving - timedelta(days=days_before)
    monkeypatch.setattr(clock, "today", lambda: day)
    login_as(Role.VIEWER)
    worker = session.scalars(sa.select(Participant).where(Participant.nik == WORKER)).one()
    assert worker.status == Status.INACTIVE  # stored at once; in effect from the TMT

    active = client.get("/peserta?status=AKTIF").get_data(as_text=True)
    inactive = client.get("/peserta?status=NONAKTIF").get_data(as_text=True)
    page = client.get(f"/peserta/{worker.id}").get_data(as_text=True)
    counts = dashboard.people(session, employer, day)
    if days_before:  # the evening before
        assert _names(active) == {"Siti Aminah", "Budi Hartono"} and not _names(inactive)
        assert f"Aktif — nonaktif per {leaving:%d-%m-%Y} (Pensiun)" in page
        assert counts.active_workers == 1 and counts.by_status.get("NONAKTIF", 0) == 0
    else:  # from midnight on
        assert not _names(active) and _names(inactive) == {"Siti Aminah", "Budi Hartono"}
        assert (
            ">Nonaktif</span>" in page and " per " not in page.split('data-testid="status"')[1][:80]
        )
        assert counts.active_workers == 0 and counts.by_status["NONAKTIF"] == 4


def test_the_sql_and_the_python_status_agree_on_every_day(session, employer, leaving):
    people = session.scalars(sa.select(Participant)).all()
    for day in (leaving - timedelta(days=1), leaving, leaving + timedelta(days=1)):
        in_sql = dict(session.execute(sa.select(Participant.id, status_in_effect(day))).all())
        assert in_sql == {p.id: p.status_on(day) for p in people}
