"""Beranda tells HR what to do: each "Perlu tindakan" count links to a list showing exactly
those people or batches; the counts by status, segment and class link to their lists; the
charts are SVG drawn on the server, without script."""

from __future__ import annotations

import html
import itertools
import re
from datetime import date

import pytest
import sqlalchemy as sa
from hypothesis import given
from hypothesis import strategies as st

from edabu_lite import clock
from edabu_lite.accounts.models import Role
from edabu_lite.home.models import DashboardSnapshot
from edabu_lite.mutations.kinds import MutationKind, Reason
from edabu_lite.mutations.operations import ItemInput, plan_batch, submit_batch
from edabu_lite.mutations.plans import Request
from edabu_lite.roster.models import Participant
from tests.conftest import TEST_ACTOR
from tests.factories import register, worker_row

TODAY = date(2026, 12, 5)
NEED = re.compile(r'<li class="list-group-item"><a class="d-flex[^"]*" href="([^"]+)">\s*'
                  r'<span>([^<]+)</span><span class="badge[^"]*">([\d.]+)</span>')  # fmt: skip


@pytest.fixture(autouse=True)
def _today(monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setattr(clock, "today", lambda: TODAY)


def _nik(n: int) -> str:
    return f"32730101019{n:05d}"


@pytest.fixture
def office(session, employer, users):  # type: ignore[no-untyped-def]
    """60 workers (two pages), three of them below the minimum wage; a child turning 21 in
    30 days and one turning 25 in school in 10; a PHK whose coverage ends in 20 days; a
    submitted batch and a draft."""
    employer.minimum_wage = 5_000_000
    rows = [worker_row(_nik(n), _nik(500 + n), f"Pekerja {n:02d}",
                       wage=4_000_000 if n < 3 else 6_000_000) for n in range(60)]  # fmt: skip
    child = {**rows[10], "nik": _nik(200), "name": "Anak Hampir 21", "relationship": "Anak",
             "worker_nik": rows[10]["nik"], "birth_date": date(2006, 1, 4), "wage": None,
             "marital_status": "Belum Kawin", "start_date": None}  # fmt: skip
    student = {**child, "nik": _nik(201), "name": "Mahasiswa Hampir 25",
               "birth_date": date(2001, 12, 15), "in_school": True}  # fmt: skip
    young = {**child, "nik": _nik(202), "name": "Anak Kecil", "birth_date": date(2015, 1, 1)}
    baby = {**child, "nik": None, "name": "Bayi Menunggu", "birth_date": date(2026, 11, 20)}
    register(session, employer, [*rows, child, student, young, baby])
    session.execute(
        sa.update(Participant)
        .where(Participant.nik == _nik(20))
        .values(
            status="NONAKTIF",
            previous_status="AKTIF",
            status_since=date(2026, 7, 1),
            end_date=date(2026, 7, 1),
            end_reason="PHK",
            phk_date=date(2026, 6, 25),
            continued_coverage_until=date(2026, 12, 25),
        )
    )
    # That update bypasses the audit trail, as no operation may: Beranda's kept numbers
    # cannot know of it, so they are dropped (the page computes them again).
    session.execute(sa.delete(DashboardSnapshot))
    session.commit()
    leave = Request(MutationKind.DEACTIVATE, Reason.PENSIUN, effective_date=date(2027, 1, 1))
    submitted = plan_batch(session, employer.id, [ItemInput(nik=_nik(30), request=leave)],
                           TEST_ACTOR, source="web")  # fmt: skip
    submit_batch(session, submitted, TEST_ACTOR)
    plan_batch(session, employer.id, [ItemInput(nik=_nik(31), request=leave)], TEST_ACTOR,
               source="web")  # fmt: skip
    return employer


def _names(page: str) -> set[str]:
    return set(re.findall(r'<td><a href="/peserta/\d+">([^<]+)</a></td>', page))


@pytest.mark.parametrize("role", list(Role))
def test_each_alert_leads_to_exactly_what_it_counts(client, office, login_as, role):  # type: ignore[no-untyped-def]
    login_as(role)
    home = html.unescape(client.get("/").get_data(as_text=True))
    needs = {text: (link, int(count.replace(".", ""))) for link, text, count in NEED.findall(home)}
    expected = {
        "Anak mencapai batas usia dalam 60 hari": {"Anak Hampir 21", "Mahasiswa Hampir 25"},
        "Manfaat lanjutan PHK berakhir dalam 30 hari": {"Pekerja 20"},
        "Gaji di bawah upah minimum": {"Pekerja 00", "Pekerja 01", "Pekerja 02"},
        "Bayi baru lahir menunggu NIK": {"Bayi Menunggu"},
    }
    for text, names in expected.items():
        link, count = needs[text]
        listed = client.get(link).get_data(as_text=True)
        assert count == len(names) and _names(listed) == names, text
    link, count = needs["Pratinjau mutasi belum diterapkan"]
    drafts = client.get(link).get_data(as_text=True)
    assert count == 1 and len(re.findall(r'<td><a href="/mutasi/\d+">', drafts)) == 1
    waiting = "Mutasi menunggu persetujuan"
    assert (waiting in needs) is (role == Role.ADMIN)
    if role == Role.ADMIN:
        link, count = needs[waiting]
        batches = client.get(link).get_data(as_text=True)
        assert count == 1 and len(re.findall(r'<td><a href="/mutasi/\d+">', batches)) == 1


def test_the_counts_link_to_their_lists(client, office, login_as):  # type: ignore[no-untyped-def]
    login_as(Role.VIEWER)
    home = html.unescape(client.get("/").get_data(as_text=True))
    card = re.search(r'data-testid="count-active_workers" href="([^"]+)">.*?display-6">([\d.]+)<',
                     home, re.S)  # fmt: skip
    assert card and card.group(2) == "59"  # 60 workers, one on PHK coverage
    first = client.get(card.group(1)).get_data(as_text=True)
    second = client.get(card.group(1) + "&page=2").get_data(as_text=True)
    assert len(_names(first)) == 50 and len(_names(second)) == 9
    kelas = re.search(r'href="(/peserta\?[^"]*kelas=1[^"]*)"', home)
    assert kelas and len(_names(client.get(kelas.group(1)).get_data(as_text=True))) == 50


def test_the_charts_are_svg_without_script(client, office, login_as):  # type: ignore[no-untyped-def]
    login_as(Role.VIEWER)
    for path in ("/beranda/grafik/peserta.svg", "/beranda/grafik/iuran.svg"):
        response = client.get(path)
        body = response.get_data(as_text=True)
        assert response.content_type.startswith("image/svg+xml")
        assert body.lstrip().startswith("<svg") and "<script" not in body
        assert "unsafe-inline" in response.headers["Content-Security-Policy"]
        assert "script-src" not in response.headers["Content-Security-Policy"]
    movers = client.get("/beranda/grafik/peserta.svg").get_data(as_text=True)
    assert "Masuk" in movers and "Keluar" in movers


@given(st.integers(min_value=0, max_value=10**13))
def test_chart_axes_are_whole_round_steps_from_zero_over_the_top(top):  # type: ignore[no-untyped-def]
    from edabu_lite.home.charts import ticks

    marks = ticks(top)
    steps = {b - a for a, b in itertools.pairwise(marks)}
    assert marks[0] == 0 and marks[-1] >= max(top, 1) and len(steps) == 1
    assert 2 <= len(marks) <= 11 and marks[-2] < max(top, 1)
