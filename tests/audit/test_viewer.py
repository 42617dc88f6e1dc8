"""The audit viewer's action filter and drop-down: the import's per-person events are left
out of the action index, so both must still find them, and the employer's other actions."""

from __future__ import annotations

import re

import sqlalchemy as sa

from edabu_lite.accounts.models import Role
from edabu_lite.audit.models import BULK_ACTION, AuditEvent
from edabu_lite.audit.operations import Change, record
from tests.conftest import TEST_ACTOR

OPTION_RE = re.compile(r'<select[^>]*id="action".*?</select>', re.S)


def _actions_offered(page: str) -> list[str]:
    select = OPTION_RE.search(page)
    assert select, "no action drop-down"
    return re.findall(r'<option value="([^"]*)"', select.group(0))[1:]  # past "Semua"


def _imported(session, employer, niks) -> None:  # type: ignore[no-untyped-def]
    for n, nik in enumerate(niks, 1):
        record(session, employer.id, TEST_ACTOR, Change(BULK_ACTION, "participant", n, "x", nik))
    session.commit()


def _shown_actions(client, query: str = "") -> list[str]:  # type: ignore[no-untyped-def]
    page = client.get(f"/audit{query}").get_data(as_text=True)
    return re.findall(r'<td data-action="([^"]+)">', page)


def test_drop_down_offers_the_import_action_and_the_others(
    client, session, employer, other_employer, login_as
) -> None:  # type: ignore[no-untyped-def]
    record(session, other_employer.id, TEST_ACTOR, Change("other.only", "x", 1))
    session.commit()
    login_as(Role.VIEWER)
    before = _actions_offered(client.get("/audit").get_data(as_text=True))
    assert BULK_ACTION not in before  # no import yet
    assert "auth.login" in before and "other.only" not in before

    _imported(session, employer, ["3201010101900001", "3201010101900002"])
    after = _actions_offered(client.get("/audit").get_data(as_text=True))
    assert after == sorted({*before, BULK_ACTION})


def test_action_filter_finds_import_events_and_the_others(
    client, session, employer, login_as
) -> None:  # type: ignore[no-untyped-def]
    _imported(session, employer, ["3201010101900001", "3201010101900002"])
    login_as(Role.VIEWER)
    assert _shown_actions(client, f"?action={BULK_ACTION}") == [BULK_ACTION] * 2
    assert _shown_actions(client, "?action=participant.import") == [BULK_ACTION] * 2
    logins = _shown_actions(client, "?action=auth")
    assert logins and set(logins) == {"auth.login"}
    everything = session.scalar(
        sa.select(sa.func.count()).where(AuditEvent.employer_id == employer.id)
    )
    assert len(_shown_actions(client)) == everything
    # A LIKE wildcard is a character like any other, not "any action".
    assert _shown_actions(client, "?action=%25") == []
