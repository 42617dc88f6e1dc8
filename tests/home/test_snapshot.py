"""Beranda's numbers are kept in the database (`home.snapshots`) and refreshed by a job on
the queue after every change (`home.refresh`): the page reads them, says so while they are
stale, and shows the new numbers once the job ran. Here the queue is the production one
(`queue`): a job waits until the test runs it."""

from __future__ import annotations

import html
import io
import re
from datetime import date

import pytest
import sqlalchemy as sa

from edabu_lite import clock
from edabu_lite.accounts import operations as account_ops
from edabu_lite.accounts.models import Employer, Role
from edabu_lite.contributions import operations as contributions
from edabu_lite.home import refresh, snapshots
from edabu_lite.home.models import DashboardSnapshot
from edabu_lite.imports import operations as jobs
from edabu_lite.imports.models import JobKind
from edabu_lite.jobs import huey
from edabu_lite.labels import ACTION
from edabu_lite.mutations import operations as ops
from edabu_lite.mutations.kinds import MutationKind, Reason
from edabu_lite.mutations.plans import Request
from edabu_lite.mutations.revert import revert_batch
from edabu_lite.roster.importing import Limits, commit_roster, stage_roster
from tests.conftest import TEST_ACTOR, csrf_token, login, make_user
from tests.factories import family, register, worker_row
from tests.sheet_factory import write_roster

TODAY = date(2026, 12, 5)
STALE = re.compile(r"Angka per (\d\d:\d\d); sedang diperbarui\.")
LIMITS = Limits(max_bytes=20 * 1024 * 1024, max_rows=10_000)


@pytest.fixture(autouse=True)
def _today(monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setattr(clock, "today", lambda: TODAY)


@pytest.fixture
def queue():  # type: ignore[no-untyped-def]
    """The job queue as in production (a SQLite queue no consumer reads): an enqueued job
    waits until ``run()`` executes it. The suite's queue otherwise runs jobs inline."""
    huey.immediate = False
    huey.flush()

    def run() -> list[str]:
        ran = []
        while (task := huey.dequeue()) is not None:
            ran.append(task.name)
            huey.execute(task)
        return ran

    try:
        yield run
    finally:
        huey.flush()
        # Back to the inline queue, huey drops this SQLite queue: its connection is closed
        # first, or it is collected open (a ResourceWarning in a later test on Python 3.13).
        huey.storage.close()
        huey.immediate = True


def _nik(n: int) -> str:
    return f"32730101019{n + 1:05d}"  # serial 0001 on: 0000 is no NIK


def _name(n: int) -> str:
    return "Pekerja " + chr(ord("A") + n // 26) + chr(ord("a") + n % 26)  # names have no digits


def _workers(n: int, first: int = 0) -> list[dict[str, object]]:
    return [worker_row(_nik(first + i), _nik(500 + first + i), _name(first + i))
            for i in range(n)]  # fmt: skip


def _import(session, employer, tmp_path, rows, name="roster.xlsx"):  # type: ignore[no-untyped-def]
    path = write_roster(tmp_path / name, rows)
    content = path.read_bytes()
    job = jobs.create_job(session, employer.id, JobKind.ROSTER, path.name, content, TEST_ACTOR)
    jobs.start_processing(session, job)
    job = stage_roster(session, job, io.BytesIO(content), LIMITS, today=TODAY)
    return commit_roster(session, job, TEST_ACTOR)


def _page(client) -> tuple[int, str | None]:  # type: ignore[no-untyped-def]
    """(active workers on Beranda, its stale line or None)."""
    page = html.unescape(client.get("/").get_data(as_text=True))
    card = re.search(r'data-testid="count-active_workers".*?display-6">([\d.]+)<', page, re.S)
    assert card, page[:2000]
    stale = STALE.search(page)
    assert (stale is not None) == ('data-testid="stale"' in page)
    return int(card.group(1).replace(".", "")), stale.group(0) if stale else None


def _kept(session, employer) -> dict[str, DashboardSnapshot]:  # type: ignore[no-untyped-def]
    session.expire_all()
    rows = session.scalars(
        sa.select(DashboardSnapshot).where(DashboardSnapshot.employer_id == employer.id)
    )
    return {row.part: row for row in rows}


# --------------------------------------------------------------------------- after a change


@pytest.mark.parametrize("role", list(Role))
def test_an_import_commit_refreshes_beranda_each_role_sees_stale_then_new(
    queue, client, session, employer, users, login_as, tmp_path, role
):  # type: ignore[no-untyped-def]
    _import(session, employer, tmp_path, _workers(3))
    assert queue() == ["refresh_dashboard"]  # asked for by the commit itself
    login_as(role)
    assert _page(client) == (3, None)  # a login changes no number: current, no stale line
    queue()  # (the page asked for the login to be confirmed: nothing is computed again)

    _import(session, employer, tmp_path, _workers(57, first=3), name="more.xlsx")
    workers, stale = _page(client)
    assert workers == 3 and stale  # the kept numbers, said to be of before the import
    assert queue() == ["refresh_dashboard"]  # one job: the commit's; the page's was deduplicated
    assert _page(client) == (60, None)
    assert not queue()  # nothing left to ask for


def test_a_batch_apply_and_its_revert_refresh_beranda(queue, client, session, employer, login_as):  # type: ignore[no-untyped-def]
    register(session, employer, [*family(), *_workers(2)])
    queue()
    login_as(Role.ADMIN)
    assert _page(client) == (3, None)
    queue()  # the page asked for the login to be confirmed
    leave = Request(MutationKind.DEACTIVATE, Reason.PENSIUN, effective_date=date(2026, 12, 1))
    batch = ops.plan_batch(session, employer.id, [ops.ItemInput(_nik(0), leave)], TEST_ACTOR,
                           source="web", today=TODAY)  # fmt: skip
    assert not queue()  # a draft changes nobody
    ops.apply_batch(session, batch, TEST_ACTOR)
    assert _page(client)[1]
    queue()
    assert _page(client) == (2, None)
    revert_batch(session, batch, TEST_ACTOR, Role.ADMIN)
    workers, stale = _page(client)
    assert workers == 2 and stale
    queue()
    assert _page(client) == (3, None)


def test_a_person_added_in_the_form_is_counted_once_the_job_ran(
    queue, client, session, employer, login_as
):  # type: ignore[no-untyped-def]
    register(session, employer, _workers(2))
    queue()
    login_as(Role.OPERATOR)
    new = {"nik": "3273014101950007", "kk": "3273012001150099", "name": "Dewi Lestari",
           "birth_place": "Bandung", "birth_date": "1995-01-01", "sex": "P",
           "marital_status": "Belum Kawin", "employee_number": "EMP-777", "wage": "6500000",
           "care_class": "1", "faskes_code": "0112U020", "start_date": "2026-12-01",
           "card_number": "", "phone": "", "email": ""}  # fmt: skip
    token = csrf_token(client, "/peserta/baru")
    page = client.post("/peserta/baru", data={**new, "csrf_token": token}).get_data(as_text=True)
    hidden = dict(re.findall(r'name="(checked|version)" type="hidden" value="([^"]*)"', page))
    assert hidden, page[:2000]
    saved = client.post("/peserta/baru", data={**new, **hidden, "csrf_token": token, "save": "1"})
    assert saved.status_code == 302
    workers, stale = _page(client)
    assert workers == 2 and stale
    assert queue() == ["refresh_dashboard"]
    assert _page(client) == (3, None)


def test_a_wage_change_by_import_moves_the_kept_bill(queue, session, employer, tmp_path):  # type: ignore[no-untyped-def]
    rows = _workers(3)
    _import(session, employer, tmp_path, rows)
    queue()
    month = TODAY.replace(day=1)
    kept = _kept(session, employer)
    assert set(kept) == set(snapshots.parts_for(TODAY))  # the counts, the movers, 12 bills
    before = contributions.bill_for(session, employer, month).total
    assert kept[snapshots.bill_part(month)].payload == {"total": before}
    _import(session, employer, tmp_path, [{**rows[0], "wage": 9_000_000}, *rows[1:]], "w.xlsx")
    queue()
    after = contributions.bill_for(session, employer, month).total
    assert after > before
    assert _kept(session, employer)[snapshots.bill_part(month)].payload == {"total": after}


# --------------------------------------------------------------------------- what is stale


def test_without_the_refresh_after_commit_the_page_asks_for_it(
    app, queue, client, session, employer, login_as, tmp_path
):  # type: ignore[no-untyped-def]
    app.config[refresh.AFTER_COMMIT] = False
    _import(session, employer, tmp_path, _workers(3))
    assert not queue()  # nobody asked
    login_as(Role.VIEWER)
    assert _page(client) == (3, None)  # the first visit computes its counts
    queue()
    _import(session, employer, tmp_path, _workers(2, first=3), name="more.xlsx")
    assert huey.pending_count() == 0
    workers, stale = _page(client)
    assert workers == 3 and stale
    assert huey.pending_count() == 1  # the page asked, once however often it is seen
    assert _page(client)[1] and huey.pending_count() == 1
    queue()
    assert _page(client) == (5, None)


def test_events_that_change_no_number_confirm_instead_of_computing(
    queue, client, session, employer, users, login_as
):  # type: ignore[no-untyped-def]
    register(session, employer, _workers(2))
    queue()
    login_as(Role.VIEWER)
    # an export: audited, changes nobody
    assert client.get("/peserta/ekspor.xlsx").status_code == 200
    seq = session.scalar(sa.select(Employer.audit_seq).where(Employer.id == employer.id))
    computed = {part: row.computed_at for part, row in _kept(session, employer).items()}
    assert _page(client) == (2, None)
    assert queue() == ["refresh_dashboard"]  # asked for by the page: to confirm them
    kept = _kept(session, employer)
    assert {row.audit_seq for row in kept.values()} == {seq}
    assert all(kept[part].computed_at > when for part, when in computed.items())
    done = snapshots.refresh(session, employer.id, TODAY)
    assert done == snapshots.Refreshed([], [], 0)  # nothing left to compute or confirm


def test_a_new_day_is_stale_and_computes_only_what_depends_on_the_day(
    queue, client, session, employer, login_as, monkeypatch
):  # type: ignore[no-untyped-def]
    register(session, employer, _workers(2))
    queue()
    login_as(Role.VIEWER)
    monkeypatch.setattr(clock, "today", lambda: date(2026, 12, 6))
    workers, stale = _page(client)
    assert workers == 2 and stale
    done = snapshots.refresh(session, employer.id, date(2026, 12, 6))
    assert done is not None and done.computed == ["people", "movers"]  # no bill: same data
    assert _page(client) == (2, None)
    queue()
    next_month = date(2027, 1, 1)
    monkeypatch.setattr(clock, "today", lambda: next_month)
    assert _page(client)[1]
    done = snapshots.refresh(session, employer.id, next_month)
    assert done is not None and done.computed == ["people", "movers", "bill:2027-01"]
    assert done.dropped == 1  # January 2026 left the chart
    assert set(_kept(session, employer)) == set(snapshots.parts_for(next_month))


def test_each_hour_the_numbers_of_an_earlier_day_are_refreshed(
    session, employer, other_employer, monkeypatch
):  # type: ignore[no-untyped-def]
    """Inline queue: the hourly task asks, and the refresh runs at once."""
    register(session, employer, _workers(2))
    register(session, other_employer, _workers(1, first=100))
    monkeypatch.setattr(clock, "today", lambda: date(2026, 12, 6))
    refresh.refresh_after_midnight()
    for who in (employer, other_employer):
        assert _kept(session, who)[snapshots.PEOPLE].day == date(2026, 12, 6)
    assert snapshots.behind_today(session, date(2026, 12, 6)) == []


def test_the_charts_say_when_they_are_stale_and_leave_a_missing_month_as_a_gap(
    queue, client, session, employer, login_as, tmp_path
):  # type: ignore[no-untyped-def]
    register(session, employer, _workers(2))
    queue()
    login_as(Role.VIEWER)
    for path in ("/beranda/grafik/peserta.svg", "/beranda/grafik/iuran.svg"):
        assert "sedang diperbarui" not in client.get(path).get_data(as_text=True)
    _import(session, employer, tmp_path, _workers(1, first=10))
    session.execute(
        sa.delete(DashboardSnapshot).where(DashboardSnapshot.part == snapshots.bill_part(TODAY))
    )
    session.commit()
    for path in ("/beranda/grafik/peserta.svg", "/beranda/grafik/iuran.svg"):
        response = client.get(path)
        assert response.status_code == 200 and "sedang diperbarui" in response.get_data(True)
    queue()
    for path in ("/beranda/grafik/peserta.svg", "/beranda/grafik/iuran.svg"):
        assert "sedang diperbarui" not in client.get(path).get_data(as_text=True)


def test_the_first_visit_computes_and_keeps_the_numbers(queue, client, session, employer, login_as):  # type: ignore[no-untyped-def]
    register(session, employer, _workers(4))
    huey.flush()  # as if no job had ever run: nothing kept
    assert not _kept(session, employer)
    login_as(Role.VIEWER)
    assert _page(client) == (4, None)
    assert set(_kept(session, employer)) == {"people"}
    for path in ("/beranda/grafik/peserta.svg", "/beranda/grafik/iuran.svg"):
        assert client.get(path).status_code == 200
    assert set(_kept(session, employer)) == set(snapshots.parts_for(TODAY))
    assert _page(client) == (4, None)


# --------------------------------------------------------------------------- isolation, queue


def test_another_employers_numbers_never_leak(
    client, session, employer, other_employer, users, tmp_path
):  # type: ignore[no-untyped-def]
    """Inline queue (the suite's): each change refreshes its own employer at once."""
    register(session, employer, _workers(5))
    register(session, other_employer, _workers(2, first=100))
    make_user(session, other_employer, "lain", Role.VIEWER)
    assert login(client, employer.code, "viewer").status_code == 302
    assert _page(client) == (5, None)
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    assert login(client, other_employer.code, "lain").status_code == 302
    assert _page(client) == (2, None)
    mine = _kept(session, employer)[snapshots.PEOPLE].payload["active_workers"]
    theirs = _kept(session, other_employer)[snapshots.PEOPLE].payload["active_workers"]
    assert (mine, theirs) == (5, 2)
    _import(session, employer, tmp_path, _workers(3, first=50))
    assert _page(client) == (2, None)  # still theirs, and not made stale by the other's import
    assert _kept(session, employer)[snapshots.PEOPLE].payload["active_workers"] == 8


def test_the_job_survives_an_employer_with_no_people_and_one_that_is_gone(session):  # type: ignore[no-untyped-def]
    empty = account_ops.create_employer(session, "BU000009", "PT Kosong", TEST_ACTOR)
    refresh.refresh_dashboard(empty.id)  # inline, as the suite's queue runs jobs
    kept = _kept(session, empty)
    assert set(kept) == set(snapshots.parts_for(TODAY))
    assert kept["people"].payload["by_status"] == {} and kept["people"].payload["needs"] == {}
    assert {row.payload["total"] for p, row in kept.items() if p.startswith("bill:")} == {0}
    assert snapshots.refresh(session, 10_000, TODAY) is None


def test_asking_again_while_a_refresh_waits_adds_no_job(queue, session, employer):  # type: ignore[no-untyped-def]
    register(session, employer, _workers(1))
    for n in range(5):
        register(session, employer, _workers(1, first=10 + n))
    assert refresh.request(employer.id) is False
    assert huey.pending_count() == 1
    queue()
    assert refresh.request(employer.id) is True and huey.pending_count() == 1


def test_a_queue_that_fails_leaves_the_change_committed(session, employer, monkeypatch):  # type: ignore[no-untyped-def]
    def broken(*_args, **_kwargs):  # type: ignore[no-untyped-def]
        raise ConnectionError("queue down")

    working = refresh.refresh_dashboard
    monkeypatch.setattr(refresh, "refresh_dashboard", broken)
    people = register(session, employer, _workers(2))
    assert len(people) == 2 and not _kept(session, employer)
    monkeypatch.setattr(refresh, "refresh_dashboard", working)
    assert refresh.request(employer.id)  # the failed request left no mark holding it back
    assert _kept(session, employer)[snapshots.PEOPLE].payload["active_workers"] == 2


def test_every_audit_action_is_classified():  # type: ignore[no-untyped-def]
    """What may change the numbers: people, the minimum wage, the rates, imports committed,
    batches applied or reverted. Not: logins, users, uploads, exports, batches in review,
    the employer's creation, API tokens."""
    changing = {action for action in ACTION if snapshots.changes_numbers(action)}
    assert changing == {
        "employer.update", "contribution_setting.create",
        "contribution_setting.update", "participant.create", "participant.demo_seed",
        "participant.import_insert", "participant.import_update", "participant.mutation",
        "participant.update", "participant.nik_correct", "roster_import.commit",
        "mutation_batch.apply", "mutation_batch.revert",
    }  # fmt: skip
    assert snapshots.changes_numbers("something.new")  # unknown: counted as a change
