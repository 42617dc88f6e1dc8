"""The pager's own links walk a list exactly: following "next" from the first page to the end
lists every row once, in order, "previous" walks back the same pages, "last" is the end;
whatever a user or a crawler puts in ?page=, ?setelah= or ?sebelum= gets a page, never a
500 (keyset links on the default order, plain page numbers on the others)."""

from __future__ import annotations

import html
import re

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from edabu_lite.accounts.models import Role
from edabu_lite.demo import _as_stored
from edabu_lite.demo_data import generate_families
from edabu_lite.roster.models import Participant
from edabu_lite.roster.operations import add_participants
from tests.conftest import TEST_ACTOR
from tests.world import add_generated

ROW = re.compile(r'<a href="/peserta/(\d+)">')
NEXT = re.compile(r'rel="next" href="([^"]+)"')
PREV = re.compile(r'rel="prev" href="([^"]+)"')
LAST = re.compile(r'href="([^"]+)" aria-label="Halaman terakhir"')


@pytest.fixture
def roster(session, employer):  # type: ignore[no-untyped-def]
    add_generated(session, employer, 173, seed=12)


def _link(pattern: re.Pattern[str], page: str) -> str:
    return html.unescape(pattern.search(page).group(1))


@pytest.mark.parametrize("order", ["", "nama", "-tmt"])
def test_next_previous_and_last_links_walk_the_list_exactly(client, roster, login_as, order):
    login_as(Role.VIEWER)
    url = f"/peserta?urut={order}" if order else "/peserta"
    pages, seen, links = [], [], []
    for _ in range(10):
        body = client.get(url).get_data(as_text=True)
        pages.append(ROW.findall(body))
        seen += pages[-1]
        following = _link(NEXT, body)
        links.append(following)
        if 'page-item disabled">\n      <a class="page-link" rel="next"' in body:
            break
        url = following
    assert len(pages) == 4 and [len(p) for p in pages] == [50, 50, 50, 23]
    assert len(seen) == len(set(seen)) == 173
    back = []
    for _ in range(3):
        url = _link(PREV, client.get(url).get_data(as_text=True))
        back.append(ROW.findall(client.get(url).get_data(as_text=True)))
    assert back == pages[2::-1]
    last = _link(LAST, client.get(url).get_data(as_text=True))
    assert ROW.findall(client.get(last).get_data(as_text=True)) == pages[-1]
    if not order:
        assert "setelah=" in links[0] and "akhir=1" in last  # the default order: keyset


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    page=st.one_of(st.text(max_size=25), st.integers(-(10**30), 10**30).map(str)),
    cursor=st.text(max_size=40),
    which=st.sampled_from(["setelah", "sebelum", "akhir"]),
    order=st.sampled_from(["", "nama", "-nik", "x"]),
)
def test_any_page_and_cursor_gets_a_page(client, roster, login_as, page, cursor, which, order):
    login_as(Role.VIEWER)
    response = client.get("/peserta", query_string={"page": page, which: cursor, "urut": order})
    if "\x00" in page + cursor:  # never typed by a person: a bad request (security.py)
        assert response.status_code == 400
        return
    assert response.status_code == 200
    shown = ROW.findall(response.get_data(as_text=True))
    assert 1 <= len(shown) <= 50


def test_kept_counts_stay_bounded_and_keyed(session, employer, monkeypatch):
    from edabu_lite import memo, paging

    monkeypatch.setattr(memo, "_VALUES", {})
    monkeypatch.setattr(memo, "KEPT", 3)
    stmt = sa.select(Participant.id).where(Participant.employer_id == employer.id)
    assert paging.count(session, stmt, ("k", 1)) == 0
    add_participants(
        session, employer.id, [_as_stored(p) for p in generate_families(2)], TEST_ACTOR
    )
    session.commit()
    assert paging.count(session, stmt, ("k", 1)) == 0  # the same key: the kept count
    assert paging.count(session, stmt, ("k", 2)) == 2  # a new key (the trail moved): counted
    for n in range(3, 8):
        paging.count(session, stmt, ("k", n))
    assert len(memo._VALUES) == 3 and ("count", ("k", 1)) not in memo._VALUES
