"""The audit hash chain: every write links to the previous event; tampering is found."""

from __future__ import annotations

import itertools

import pytest
import sqlalchemy as sa

from edabu_lite.accounts.models import Employer
from edabu_lite.audit.chain import HASHED_FIELDS, event_hash, unkeyed
from edabu_lite.audit.keys import key_file, keyring, rotate
from edabu_lite.audit.models import AuditEvent
from edabu_lite.audit.operations import (
    Actor,
    Change,
    record,
    record_key_rotation,
    record_many,
    verify_chain,
)
from tests.conftest import tamper

ACTOR = Actor("tester", "cli")


@pytest.fixture
def chain(session, employer):  # type: ignore[no-untyped-def]
    record_many(
        session,
        employer.id,
        ACTOR,
        [
            Change("test.event", "thing", i, f"thing {i}", before={"n": i}, after={"n": i + 1})
            for i in range(5)
        ],
    )
    session.commit()
    return session.scalars(
        sa.select(AuditEvent).where(AuditEvent.employer_id == employer.id).order_by(AuditEvent.seq)
    ).all()


def test_events_are_linked(chain, employer):
    assert [e.seq for e in chain] == list(range(1, len(chain) + 1))
    for previous, current in itertools.pairwise(chain):
        assert current.prev_hash == previous.hash
    assert chain[0].prev_hash is None
    assert employer.audit_head == chain[-1].hash and employer.audit_seq == len(chain)


def test_chain_verifies(session, employer, chain):
    result = verify_chain(session, employer.id)
    assert result.ok and result.checked == len(chain)


def test_edit_is_detected_at_that_event(session, employer, chain):
    target = chain[3]
    tamper(
        session, sa.update(AuditEvent).where(AuditEvent.id == target.id).values(after={"n": 999})
    )
    result = verify_chain(session, employer.id)
    assert not result.ok and result.first_bad_seq == target.seq
    assert "edited" in result.reason


def test_delete_in_the_middle_is_detected(session, employer, chain):
    tamper(session, sa.delete(AuditEvent).where(AuditEvent.id == chain[2].id))
    result = verify_chain(session, employer.id)
    assert not result.ok and result.first_bad_seq == chain[3].seq


def test_delete_of_the_tail_is_detected(session, employer, chain):
    tamper(session, sa.delete(AuditEvent).where(AuditEvent.id == chain[-1].id))
    result = verify_chain(session, employer.id)
    assert not result.ok and result.first_bad_seq == chain[-1].seq


def test_reorder_is_detected(session, employer, chain):
    (a_id, a_seq), (b_id, b_seq) = (chain[1].id, chain[1].seq), (chain[2].id, chain[2].seq)
    tamper(
        session,
        sa.update(AuditEvent).where(AuditEvent.id == a_id).values(seq=-1),
        sa.update(AuditEvent).where(AuditEvent.id == b_id).values(seq=a_seq),
        sa.update(AuditEvent).where(AuditEvent.id == a_id).values(seq=b_seq),
    )
    result = verify_chain(session, employer.id)
    assert not result.ok and result.first_bad_seq == a_seq and result.first_bad_id == b_id


def test_rehashed_forgery_still_breaks_the_link(session, employer, chain):
    """A forger who recomputes the edited event's own hash still breaks the next link."""
    target = chain[1]
    fields = {c.key: getattr(target, c.key) for c in AuditEvent.__table__.columns}
    fields["actor"] = "mallory"
    tamper(
        session,
        sa.update(AuditEvent)
        .where(AuditEvent.id == target.id)
        .values(actor="mallory", hash=event_hash(fields, keyring().signer())),
    )
    result = verify_chain(session, employer.id)
    assert not result.ok and result.first_bad_seq == chain[2].seq


def test_chains_are_per_employer(session, employer, other_employer, chain):
    record(session, other_employer.id, ACTOR, Change("test.other"))
    session.commit()
    first_of_other = session.scalars(
        sa.select(AuditEvent)
        .where(AuditEvent.employer_id == other_employer.id)
        .order_by(AuditEvent.seq)
    ).all()
    assert [e.seq for e in first_of_other] == [1, 2]  # employer.create, then ours
    assert verify_chain(session, employer.id).ok and verify_chain(session, other_employer.id).ok


def test_rollback_leaves_no_event_and_no_head_change(session, employer, chain):
    head = employer.audit_head
    record(session, employer.id, ACTOR, Change("test.rolled_back"))
    session.rollback()
    session.expire_all()
    assert employer.audit_head == head
    assert verify_chain(session, employer.id).ok


def test_the_database_rejects_update_and_delete(session, employer, chain):
    with pytest.raises(sa.exc.DBAPIError, match="append-only"):
        session.execute(
            sa.update(AuditEvent).where(AuditEvent.id == chain[0].id).values(actor="mallory")
        )
    session.rollback()
    with pytest.raises(sa.exc.DBAPIError, match="append-only"):
        session.execute(sa.delete(AuditEvent).where(AuditEvent.id == chain[0].id))
    session.rollback()


def forge_from(session, employer, chain, index: int, sign) -> None:  # type: ignore[no-untyped-def]
    """Change the actor of ``chain[index]`` and recompute every later hash and the head
    with ``sign``, as someone who can write to the database would."""
    statements, previous = [], chain[index - 1].hash if index else None
    for event in chain[index:]:
        fields = {name: getattr(event, name) for name in HASHED_FIELDS}
        if event is chain[index]:
            fields["actor"] = "mallory"
        fields["prev_hash"] = previous
        previous = event_hash(fields, sign)
        statements.append(
            sa.update(AuditEvent)
            .where(AuditEvent.id == event.id)
            .values(actor=fields["actor"], prev_hash=fields["prev_hash"], hash=previous)
        )
    statements.append(
        sa.update(Employer).where(Employer.id == employer.id).values(audit_head=previous)
    )
    tamper(session, *statements)


def test_a_forgery_recomputed_without_the_key_is_found(session, employer, chain):
    forge_from(session, employer, chain, 2, unkeyed)  # every hash after it recomputed
    result = verify_chain(session, employer.id)
    assert not result.ok and result.first_bad_seq == chain[2].seq and "edited" in result.reason


def test_a_forgery_with_a_made_up_key_is_found(session, employer, chain):
    import hashlib
    import hmac

    forge_from(
        session,
        employer,
        chain,
        0,
        lambda data: hmac.new(b"guess", data, hashlib.sha256).hexdigest(),
    )
    result = verify_chain(session, employer.id)
    assert not result.ok and result.first_bad_seq == 1


def test_only_the_key_holder_could_rewrite_the_chain(session, employer, chain):
    # The honest limit of the key: whoever holds it can rewrite; the anchor covers that.
    forge_from(session, employer, chain, 2, keyring().signer())
    assert verify_chain(session, employer.id).ok


def test_rotation_is_recorded_and_a_retired_key_cannot_sign_later_events(
    app, session, employer, chain, tmp_path
):
    own = tmp_path / "audit-keys.json"  # rotate a copy, not the test run's shared key file
    own.write_text(key_file().read_text())
    app.config["AUDIT_KEY_FILE"] = str(own)
    previous, new = rotate()
    record_key_rotation(session, employer.id, ACTOR, previous, new)
    record(session, employer.id, ACTOR, Change("test.after_rotation"))
    session.commit()
    assert verify_chain(session, employer.id).ok
    events = session.scalars(
        sa.select(AuditEvent).where(AuditEvent.employer_id == employer.id).order_by(AuditEvent.seq)
    ).all()
    assert events[-2].action == "audit.key_rotated" and events[-2].after["key_id"] == new
    # Someone holding only the old key re-signs the event after the rotation: found.
    forge_from(session, employer, events, len(events) - 1, keyring().signer(previous))
    result = verify_chain(session, employer.id)
    assert not result.ok and result.first_bad_seq == events[-1].seq
