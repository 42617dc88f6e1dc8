"""/api/v1/participants: list with filters and cursor paging (two pages and more, each
role), one person with its ETag, create and change through the roster row schema."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from edabu_lite.audit.models import AuditEvent
from edabu_lite.audit.operations import verify_chain
from edabu_lite.roster.models import Participant
from tests.api.conftest import name, nik, worker_json, workers
from tests.factories import register

URL = "/api/v1/participants"


@pytest.fixture
def crowd(session, employer, other_employer):  # type: ignore[no-untyped-def]
    """250 workers of employer A (three pages of 100) and one of employer B."""
    register(session, employer, workers(250))
    register(session, other_employer, workers(1, first=9001))


@pytest.mark.parametrize("role", ["viewer", "operator"])
def test_list_pages_through_everyone_once(api, crowd, role):
    seen, cursor, pages = [], None, 0
    while True:
        response = api[role].get(URL, query_string={"limit": 100, "cursor": cursor or ""})
        assert response.status_code == 200, response.json
        seen += [item["nik"] for item in response.json["items"]]
        pages += 1
        cursor = response.json["next_cursor"]
        if cursor is None:
            break
    assert pages == 3
    assert len(seen) == len(set(seen)) == 250
    assert nik(9001) not in seen  # employer B's worker


def test_filters_narrow_the_list(api, crowd, session, employer):
    found = api["viewer"].get(URL, query_string={"q": name(7)}).json["items"]
    assert [p["nik"] for p in found] == [nik(7)]
    assert api["viewer"].get(URL, query_string={"kind": "dependant"}).json["items"] == []
    active = api["viewer"].get(URL, query_string={"status": "AKTIF", "limit": 500}).json
    assert len(active["items"]) == 250 and active["next_cursor"] is None
    assert api["viewer"].get(URL, query_string={"status": "NONAKTIF"}).json["items"] == []


@pytest.mark.parametrize(
    "query",
    [{"limit": 0}, {"limit": 501}, {"limit": "x"}, {"cursor": "!!"}, {"status": "HIDUP"}],
)
def test_bad_query_is_a_422_naming_the_argument(api, crowd, query):
    response = api["viewer"].get(URL, query_string=query)
    assert response.status_code == 422
    body = response.json
    assert body["code"] == "request.invalid"
    assert body["issues"] and body["issues"][0]["column"] == next(iter(query))


def test_one_person_and_tenancy(api, crowd, session, other_employer):
    mine = api["viewer"].get(URL, query_string={"limit": 1}).json["items"][0]
    response = api["viewer"].get(f"{URL}/{mine['id']}")
    assert response.status_code == 200
    assert response.json["nik"] == mine["nik"] and response.json["birth_date"] == "1990-01-01"
    assert response.headers["ETag"] == f'"{mine["id"]}-{mine["version"]}"'
    theirs = session.scalar(
        sa.select(Participant.id).where(Participant.employer_id == other_employer.id)
    )
    for role in ("viewer", "operator"):
        gone = api[role].get(f"{URL}/{theirs}")
        assert gone.status_code == 404 and gone.json["code"] == "not_found"
        refused = api[role].patch(f"{URL}/{theirs}", json={"name": "Diganti"})
        assert refused.status_code in (403, 404)
    assert api["other"].get(f"{URL}/{theirs}").status_code == 200


def test_without_a_usable_token_nothing_is_said(api, crowd, client):
    assert api[None].get(URL).status_code == 401
    assert api[None].get(URL).json["code"] == "auth.required"
    bad = client.get(URL, headers={"Authorization": "Bearer edabu_nope"})
    assert bad.status_code == 401 and bad.json["code"] == "auth.invalid_token"
    basic = client.get(URL, headers={"Authorization": "Basic dXNlcjpwYXNz"})
    assert basic.status_code == 401
    assert "Bearer" in basic.headers["WWW-Authenticate"]


def test_create_a_worker_through_the_row_schema(api, crowd, session, employer):
    row = worker_json(500)
    assert api["viewer"].post(URL, json=row).status_code == 403
    created = api["operator"].post(URL, json=row)
    assert created.status_code == 201, created.json
    person = created.json["participant"]
    assert person["nik"] == nik(500) and person["status"] == "AKTIF"
    again = api["operator"].post(URL, json=row)
    assert again.status_code == 422
    assert [i["code"] for i in again.json["issues"]] == ["nik.registered"]
    event = session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "participant.create")
        .order_by(AuditEvent.seq.desc())
    ).first()  # fmt: skip
    assert event.actor == "token:hris-operator" and event.source == "api"
    assert verify_chain(session, employer.id).ok


def test_create_reports_the_schemas_codes(api, crowd):
    row = {"nik": 3273010101900999, "kk": "123", "name": "", "relationship": "Peserta"}
    response = api["operator"].post(URL, json=row)
    assert response.status_code == 422 and response.json["code"] == "participant.invalid"
    codes = {i["code"] for i in response.json["issues"]}
    assert {"nik.not_text", "kk.length", "name.required"} <= codes
    unknown = api["operator"].post(URL, json={"umur": 3})
    assert unknown.status_code == 422 and unknown.json["issues"][0]["column"] == "umur"


def test_change_with_if_match(api, crowd, session):
    person = api["viewer"].get(URL, query_string={"limit": 1}).json["items"][0]
    path = f"{URL}/{person['id']}"
    etag = api["viewer"].get(path).headers["ETag"]
    changed = api["operator"].patch(path, json={"wage": 7500000}, headers={"If-Match": etag})
    assert changed.status_code == 200, changed.json
    assert changed.json["participant"]["wage"] == 7500000
    assert changed.headers["ETag"] != etag
    stale = api["operator"].patch(path, json={"wage": 8000000}, headers={"If-Match": etag})
    assert stale.status_code == 412 and stale.json["code"] == "version.mismatch"
    stored = session.get(Participant, person["id"])
    session.refresh(stored)
    assert stored.wage == 7500000
    invalid = api["operator"].patch(path, json={"sex": "X"})
    assert invalid.status_code == 422
    assert [i["code"] for i in invalid.json["issues"]] == ["sex.invalid"]
    assert api["operator"].patch(path, json={"nik": nik(1)}).status_code == 422  # not editable
