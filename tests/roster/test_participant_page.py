"""The participant page's history: this person's events only, found through the NIK."""

from __future__ import annotations

import sqlalchemy as sa

from edabu_lite.accounts.models import Role
from edabu_lite.audit.operations import Change, record
from edabu_lite.roster.models import Participant
from edabu_lite.roster.operations import add_participants
from tests.conftest import TEST_ACTOR
from tests.factories import family


def test_history_lists_this_persons_events_only(
    client, session, employer, other_employer, login_as
):  # type: ignore[no-untyped-def]
    people = family()
    for target in (employer, other_employer):  # the same people at another employer too
        add_participants(session, target.id, people, TEST_ACTOR, action="participant.create")
    worker = session.scalars(
        sa.select(Participant).where(
            Participant.employer_id == employer.id, Participant.nik == people[0]["nik"]
        )
    ).one()
    record(
        session,
        employer.id,
        TEST_ACTOR,  # another target carrying the same NIK
        Change("roster.note", "import_job", worker.id, "x", worker.nik),
    )
    record(
        session,
        other_employer.id,
        TEST_ACTOR,
        Change("participant.elsewhere", "participant", worker.id, "x", worker.nik),
    )
    session.commit()
    login_as(Role.VIEWER)
    page = client.get(f"/peserta/{worker.id}").get_data(as_text=True)
    history = page[page.index('data-testid="history"') :]
    assert history.count("participant.create") == 1
    assert "roster.note" not in history and "participant.elsewhere" not in history
