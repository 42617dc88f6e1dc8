"""The participant list at two pages and more, for each role: sorting, the status filter in
words, a page past the last, and the mutation bar for those who may use it."""

from __future__ import annotations

import re

import pytest

from edabu_lite.accounts.models import Role
from edabu_lite.demo import _as_stored
from edabu_lite.demo_data import generate_families
from edabu_lite.roster.operations import add_participants
from tests.conftest import TEST_ACTOR
from tests.world import add_generated

NAME = re.compile(r'<a href="/peserta/\d+">([^<]+)</a>')


@pytest.fixture
def roster(session, employer):  # type: ignore[no-untyped-def]
    return add_generated(session, employer, 130, seed=9)


@pytest.mark.parametrize("role", list(Role))
def test_sorted_pages_for_every_role(client, roster, login_as, role):
    login_as(role)
    names = sorted(p["name"] for p in roster)
    first = client.get("/peserta?urut=nama").get_data(as_text=True)
    second = client.get("/peserta?urut=nama&page=2").get_data(as_text=True)
    assert NAME.findall(first) + NAME.findall(second) == names[:100]
    assert 'aria-sort="ascending"' in first
    last = NAME.findall(client.get("/peserta?urut=-nama&page=3").get_data(as_text=True))
    assert last == sorted(names, reverse=True)[100:]
    past = client.get("/peserta?urut=-nama&page=999").get_data(as_text=True)
    assert NAME.findall(past) == last and "Halaman 3 dari 3" in past
    by_nik = client.get("/peserta?urut=nik").get_data(as_text=True)
    niks = re.findall(r'<td class="nik">(\d{16})</td><td class="nik">', by_nik)
    assert niks == sorted(p["nik"] for p in roster)[:50]
    assert ('data-testid="mutation-panel"' in first) == (role != Role.VIEWER)


def test_status_filter_offers_words(client, roster, login_as):
    login_as(Role.VIEWER)
    page = client.get("/peserta").get_data(as_text=True)
    assert '<option value="PINDAH_MANDIRI" >Pindah ke mandiri</option>' in page
    assert len(NAME.findall(client.get("/peserta?status=NONAKTIF").get_data(as_text=True))) == 0
    assert "130 peserta" in page


def test_the_count_follows_every_change(client, session, employer, roster, login_as):
    """The list's count is kept between pages; a change to the people (which the audit trail
    numbers) counts again."""
    login_as(Role.VIEWER)
    assert "130 peserta" in client.get("/peserta?page=2").get_data(as_text=True)
    extra = dict(_as_stored(next(iter(generate_families(1, seed=77)))))
    add_participants(session, employer.id, [extra], TEST_ACTOR)
    session.commit()
    assert "131 peserta" in client.get("/peserta?page=2").get_data(as_text=True)


def test_number_search_finds_nik_and_kk_prefixes_then_employee_numbers(
    client, session, employer, roster, login_as
):
    login_as(Role.VIEWER)
    nik = roster[0]["nik"]
    page = client.get(f"/peserta?q={nik[:8]}").get_data(as_text=True)
    expected = {
        p["name"] for p in roster if p["nik"].startswith(nik[:8]) or p["kk"].startswith(nik[:8])
    }
    assert set(NAME.findall(page)) == expected
    worker = next(p for p in roster if p.get("employee_number"))
    found = NAME.findall(
        client.get(f"/peserta?q={worker['employee_number']}").get_data(as_text=True)
    )
    assert found == [worker["name"]]
    percent = client.get("/peserta?q=%25").get_data(as_text=True)
    assert NAME.findall(percent) == []  # a wildcard is a character, not "everyone"
