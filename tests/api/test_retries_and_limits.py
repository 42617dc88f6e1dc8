"""Safe retries (Idempotency-Key) and the per-token rate limit."""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa

from edabu_lite.api.models import IdempotentRequest
from edabu_lite.app import create_app
from edabu_lite.extensions import db
from edabu_lite.roster.models import Participant
from tests.api.conftest import worker_json

URL = "/api/v1/participants"


def row(n: int) -> dict[str, object]:
    return worker_json(n, "Pekerja Ulang")


def people(session) -> int:  # type: ignore[no-untyped-def]
    return session.scalar(sa.select(sa.func.count()).select_from(Participant))


def test_a_retry_with_the_same_key_replays_the_first_answer(api, session):
    key = {"Idempotency-Key": "hris-2026-12-05-0001"}
    first = api["operator"].post(URL, json=row(1), headers=key)
    assert first.status_code == 201
    again = api["operator"].post(URL, json=row(1), headers=key)
    assert again.status_code == 201 and again.json == first.json
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.headers["ETag"] == first.headers["ETag"]
    assert people(session) == 1
    other_body = api["operator"].post(URL, json=row(2), headers=key)
    assert other_body.status_code == 422 and other_body.json["code"] == "idempotency.key_reused"
    # Keys belong to a token: another token's same key is another request.
    theirs = api["other"].post(URL, json=row(1), headers=key)
    assert theirs.status_code == 201
    assert people(session) == 2


@pytest.mark.parametrize("key", ["", " ", "x" * 201, "kunci\u00e9"])
def test_a_bad_key_is_refused(api, session, key):
    response = api["operator"].post(URL, json=row(3), headers={"Idempotency-Key": key})
    assert response.status_code == 422 and response.json["code"] == "idempotency.key_invalid"
    assert people(session) == 0


def test_two_racing_requests_with_one_key_make_one_person(app, secrets, session):
    headers = {"Authorization": f"Bearer {secrets['operator']}", "Idempotency-Key": "race-1"}
    answers: list[int] = []
    barrier = threading.Barrier(2)

    def send() -> None:
        with app.app_context():
            client = app.test_client()
            barrier.wait()
            answers.append(client.post(URL, json=row(4), headers=headers).status_code)

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(answers) in ([201, 201], [201, 409])  # replayed, or "still running"
    session.expire_all()
    assert people(session) == 1
    stored = session.scalars(sa.select(IdempotentRequest)).all()
    assert [r.status for r in stored] == [201]


def test_the_rate_limit_is_per_token(app, secrets):
    limited = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
            "RATELIMIT_ENABLED": True,
            "RATELIMIT_STORAGE_URI": "memory://",
            "API_RATE_LIMIT": "3 per minute",
            "SECRET_KEY": "x",
        }
    )
    try:
        client = limited.test_client()
        mine = {"Authorization": f"Bearer {secrets['viewer']}"}
        codes = [client.get(URL, headers=mine).status_code for _ in range(4)]
        assert codes == [200, 200, 200, 429]
        refused = client.get(URL, headers=mine)
        assert refused.json["code"] == "rate_limited" and "Retry-After" in refused.headers
        assert (
            client.get(URL, headers={"Authorization": f"Bearer {secrets['operator']}"}).status_code
            == 200
        )
    finally:  # its own engine: closed here, or its connections are collected open later
        with limited.app_context():
            db.engine.dispose()
