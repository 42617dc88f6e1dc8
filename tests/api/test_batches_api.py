"""/api/v1/mutation-batches: a PHK batch planned from §3 rows (the preview), applied,
reverted; maker-checker submits instead of applying; conflicts; items checked by the mutation
sheet's row schema (codes with ``row`` = the item's position); idempotent retries; items
paged; roles and tenancy."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from edabu_lite import clock
from edabu_lite.audit.models import AuditEvent
from edabu_lite.audit.operations import verify_chain
from edabu_lite.mutations import operations as ops
from edabu_lite.mutations.models import BatchStatus, MutationBatch
from edabu_lite.mutations.rules import MutationKind, Reason, Request
from edabu_lite.roster.models import Participant, Status
from tests.api.conftest import nik, workers
from tests.conftest import TEST_ACTOR
from tests.factories import register

URL = "/api/v1/mutation-batches"
WORKER = "3273015507900001"  # tests.factories.family(): a worker, her husband, two children


def phk(person: str = WORKER, **extra: object) -> dict[str, object]:
    """A §3 row: dismissed ten days ago, with proof A (continued coverage)."""
    event = clock.today() - timedelta(days=10)
    row = {"nik": person, "kind": "NONAKTIF", "reason": "PHK", "phk_proof": "A",
           "event_date": event.isoformat(), "note": "PHK efisiensi"}  # fmt: skip
    return {**row, **extra}


@pytest.fixture
def household(session, employer, other_employer):  # type: ignore[no-untyped-def]
    """Employer A: the family (4 people) and 150 single workers; employer B: one worker."""
    register(session, employer)
    register(session, employer, workers(150))
    register(session, other_employer, workers(1, first=9001))


def batches(session) -> int:  # type: ignore[no-untyped-def]
    return session.scalar(sa.select(sa.func.count()).select_from(MutationBatch))


def person(session, number: str) -> Participant:  # type: ignore[no-untyped-def]
    found = session.scalars(sa.select(Participant).where(Participant.nik == number)).one()
    session.refresh(found)
    return found


def test_a_phk_batch_is_previewed_then_applied(api, session, employer, household):
    before = person(session, WORKER).version
    created = api["operator"].post(URL, json={"items": [phk()], "title": "PHK Desember"})
    assert created.status_code == 201, created.json
    batch = created.json
    assert created.headers["Location"] == f"{URL}/{batch['id']}"
    assert (batch["status"], batch["source"], batch["title"]) == ("draft", "api", "PHK Desember")
    assert batch["created_by"] == "token:hris-operator" and batch["expires_at"]
    assert (batch["items_count"], batch["error_items"], batch["affected"]) == (1, 0, 4)
    item = batch["items"][0]
    assert (item["row"], item["kind"], item["reason"], item["phk_proof"]) == (
        1,
        "NONAKTIF",
        "PHK",
        "A",
    )
    assert item["issues"] == [] and item["notes"]  # the plan says what happens, in words
    roles = sorted(c["role"] for c in item["changes"])
    assert len(roles) == 4 and "subject" in roles
    subject = next(c for c in item["changes"] if c["role"] == "subject")
    assert subject["nik"] == WORKER and subject["before"]["status"] == "AKTIF"
    assert subject["after"]["status"] == "NONAKTIF" and subject["after"]["end_reason"] == "PHK"
    assert subject["after"]["continued_coverage_until"]
    assert person(session, WORKER).version == before  # a draft changes nobody

    viewed = api["viewer"].get(created.headers["Location"])
    assert viewed.status_code == 200 and viewed.json["items"] == batch["items"]
    assert api["viewer"].post(f"{URL}/{batch['id']}/apply").status_code == 403

    applied = api["operator"].post(f"{URL}/{batch['id']}/apply")
    assert applied.status_code == 200, applied.json
    assert (
        applied.json["status"] == "applied" and applied.json["applied_by"] == "token:hris-operator"
    )
    assert "4" in applied.json["message"]
    worker = person(session, WORKER)
    assert worker.status == Status.INACTIVE and worker.end_reason == "PHK"
    assert worker.phk_date == clock.today() - timedelta(days=10)
    assert worker.continued_coverage_until is not None
    listed = api["viewer"].get(f"/api/v1/participants/{worker.id}").json
    assert listed["end_reason"] == "PHK"
    assert listed["status"] == "AKTIF" and listed["scheduled_status"] == "NONAKTIF"  # from TMT
    events = session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "participant.mutation")
    ).all()
    assert len(events) == 4 and {(e.actor, e.source) for e in events} == {
        ("token:hris-operator", "api")
    }
    again = api["operator"].post(f"{URL}/{batch['id']}/apply")
    assert again.status_code == 409 and again.json["code"] == "batch.state"
    assert verify_chain(session, employer.id).ok


def test_revert_by_the_token_that_applied_it(api, session, employer, household):
    batch = api["operator"].post(URL, json={"items": [phk()]}).json
    assert api["operator"].post(f"{URL}/{batch['id']}/apply").status_code == 200
    assert api["viewer"].post(f"{URL}/{batch['id']}/revert").status_code == 403
    undo = api["operator"].post(f"{URL}/{batch['id']}/revert")
    assert undo.status_code == 201, undo.json
    assert undo.json["reverts_batch_id"] == batch["id"] and undo.json["status"] == "applied"
    assert undo.headers["Location"] == f"{URL}/{undo.json['id']}"
    worker = person(session, WORKER)
    assert worker.status == Status.ACTIVE and worker.phk_date is None
    reverted = api["viewer"].get(f"{URL}/{batch['id']}").json
    assert reverted["reverted_by_batch_id"] == undo.json["id"]
    twice = api["operator"].post(f"{URL}/{batch['id']}/revert")
    assert twice.status_code == 409 and twice.json["code"] == "batch.state"
    draft = api["operator"].post(URL, json={"items": [phk()]}).json
    not_applied = api["operator"].post(f"{URL}/{draft['id']}/revert")
    assert not_applied.status_code == 409 and not_applied.json["code"] == "batch.state"
    assert verify_chain(session, employer.id).ok


def test_a_batch_someone_else_applied_is_reverted_by_an_admin_only(
    api, session, employer, household
):
    made = ops.plan_batch(
        session,
        employer.id,
        [ops.ItemInput(nik=nik(1), request=Request(MutationKind.DEACTIVATE, Reason.PENSIUN))],
        TEST_ACTOR,
        source="cli",
    )
    ops.apply_batch(session, made, TEST_ACTOR)
    refused = api["operator"].post(f"{URL}/{made.id}/revert")
    assert refused.status_code == 403 and refused.json["code"] == "batch.not_admin"
    assert "admin" in refused.json["message"]
    assert person(session, nik(1)).status == Status.INACTIVE


def test_with_maker_checker_apply_submits(api, session, employer, household):
    batch = api["operator"].post(URL, json={"items": [phk()]}).json
    employer.mutations_need_approval = True
    session.commit()
    assert api["viewer"].get(f"{URL}/{batch['id']}").json["needs_approval"] is True
    submitted = api["operator"].post(f"{URL}/{batch['id']}/apply", json={"note": "Mohon cek"})
    assert submitted.status_code == 202, submitted.json
    assert submitted.json["status"] == "submitted" and "admin" in submitted.json["message"]
    assert person(session, WORKER).status == Status.ACTIVE  # nothing changed yet
    stored = session.get(MutationBatch, batch["id"])
    assert stored.submit_note == "Mohon cek"
    again = api["operator"].post(f"{URL}/{batch['id']}/apply")
    assert again.status_code == 409 and again.json["code"] == "batch.state"
    # applied without approval and later switched to maker-checker: an admin's to revert
    employer.mutations_need_approval = False
    session.commit()
    mine = api["operator"].post(URL, json={"items": [phk(nik(2), phk_proof=None)]}).json
    assert api["operator"].post(f"{URL}/{mine['id']}/apply").status_code == 200
    employer.mutations_need_approval = True
    session.commit()
    assert api["operator"].post(f"{URL}/{mine['id']}/revert").status_code == 403


def test_someone_changed_since_the_preview_is_a_conflict(api, session, employer, household):
    batch = api["operator"].post(URL, json={"items": [phk()]}).json
    worker = person(session, WORKER)
    changed = api["operator"].patch(
        f"/api/v1/participants/{worker.id}", json={"phone": "0812345678"}
    )
    assert changed.status_code == 200, changed.json
    conflict = api["operator"].post(f"{URL}/{batch['id']}/apply")
    assert conflict.status_code == 409
    assert conflict.json["code"] == "mutation.conflict"
    assert [i["code"] for i in conflict.json["issues"]] == ["mutation.conflict"]
    assert person(session, WORKER).status == Status.ACTIVE
    assert api["viewer"].get(f"{URL}/{batch['id']}").json["status"] == "draft"


def test_an_expired_draft_is_refused(api, app, session, employer, household):
    batch = api["operator"].post(URL, json={"items": [phk()]}).json
    stored = session.get(MutationBatch, batch["id"])
    stored.created_at -= timedelta(days=app.config["DRAFT_DAYS"] + 1)
    session.commit()
    assert "kedaluwarsa" in api["viewer"].get(f"{URL}/{batch['id']}").json["message"]
    refused = api["operator"].post(f"{URL}/{batch['id']}/apply")
    assert refused.status_code == 409 and refused.json["code"] == "batch.expired"


def test_roles_and_tenancy(api, session, employer, household):
    assert api["viewer"].post(URL, json={"items": [phk()]}).status_code == 403
    assert api[None].post(URL, json={"items": [phk()]}).status_code == 401
    mine = api["operator"].post(URL, json={"items": [phk()]}).json["id"]
    theirs = api["other"].post(URL, json={"items": [phk(nik(9001), phk_proof=None)]})
    assert theirs.status_code == 201, theirs.json
    for role in ("viewer", "operator"):
        for path in (f"{URL}/{theirs.json['id']}", f"{URL}/999999"):
            gone = api[role].get(path)
            assert gone.status_code == 404 and gone.json["code"] == "not_found"
    for action in ("apply", "revert"):
        gone = api["operator"].post(f"{URL}/{theirs.json['id']}/{action}")
        assert gone.status_code == 404
    # a person of another employer is unknown here
    unknown = api["operator"].post(URL, json={"items": [phk(nik(9001))]})
    assert unknown.status_code == 422
    assert [i["code"] for i in unknown.json["issues"]] == ["mutation.unknown_nik"]
    assert api["other"].get(f"{URL}/{mine}").status_code == 404
    assert session.get(MutationBatch, theirs.json["id"]).status == BatchStatus.DRAFT


def test_items_are_checked_by_the_sheet_schema_and_nothing_is_kept(
    api, session, employer, household
):
    items = [
        phk(),
        {"nik": nik(1), "kind": "PECAT"},
        {"nik": nik(2), "kind": "NONAKTIF", "reason": "PHK"},
        {"nik": 3273010101900003, "kind": "NONAKTIF", "reason": "PENSIUN"},
        {"nik": nik(4), "kind": "PINDAH_MANDIRI", "mandiri_class": "VIP"},
        {"nik": "3273010101909999", "kind": "NONAKTIF", "reason": "PENSIUN"},
        {"nik": nik(6), "kind": "NONAKTIF", "reason": "PENSIUN", "effective_date": "31-02-2027"},
    ]
    response = api["operator"].post(URL, json={"items": items})
    assert response.status_code == 422, response.json
    body = response.json
    assert body["code"] == "batch.invalid" and "6 item" in body["message"]
    found = {(i["row"], i["code"]) for i in body["issues"] if i["severity"] == "error"}
    assert found == {
        (2, "mutation.kind_invalid"),
        (3, "mutation.event_date_required"),
        (4, "nik.not_text"),
        (5, "mutation.class_required"),
        (6, "mutation.unknown_nik"),
        (7, "mutation.date_invalid"),
    }
    assert batches(session) == 0
    assert person(session, WORKER).status == Status.ACTIVE


@pytest.mark.parametrize(
    ("body", "column"),
    [
        ({"data": "items=1", "content_type": "application/x-www-form-urlencoded"}, None),
        ({"data": "{items: [", "content_type": "application/json"}, None),
        ({"json": {"items": "NONAKTIF"}}, "items"),
        ({"json": {"items": []}}, "items"),
        ({"json": {"baris": [{}]}}, "baris"),
        ({"json": ["NONAKTIF"]}, None),
        ({"json": {"items": [phk()], "title": 5}}, "title"),
    ],
)
def test_malformed_requests_are_422_with_issues(api, session, employer, household, body, column):
    response = api["operator"].post(URL, **body)
    assert response.status_code == 422, response.json
    assert response.json["code"] == "request.invalid" and response.json["message"]
    assert column in {i["column"] for i in response.json["issues"]}
    assert batches(session) == 0


def test_items_that_are_not_rows_are_named_by_position(api, session, employer, household):
    items = [phk(), "NONAKTIF", {**phk(nik(1)), "alasan": "PHK"}, None]
    response = api["operator"].post(URL, json={"items": items})
    assert response.status_code == 422
    found = [(i["row"], i["column"], i["code"]) for i in response.json["issues"]]
    assert found == [
        (2, None, "request.invalid"),
        (3, "alasan", "request.invalid"),
        (4, None, "request.invalid"),
    ]
    assert batches(session) == 0


def test_a_retried_create_is_the_same_batch(api, session, employer, household):
    key = {"Idempotency-Key": "mutasi-2026-12-05-001"}
    first = api["operator"].post(URL, json={"items": [phk()]}, headers=key)
    again = api["operator"].post(URL, json={"items": [phk()]}, headers=key)
    assert first.status_code == again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json["id"] == first.json["id"]
    assert batches(session) == 1
    refused = api["operator"].post(URL, json={"items": [phk(nik(3))]}, headers=key)
    assert refused.status_code == 422 and refused.json["code"] == "idempotency.key_reused"
    assert batches(session) == 1


def test_items_page_through_a_large_batch(api, session, employer, household):
    items = [{"nik": nik(n), "kind": "NONAKTIF", "reason": "HABIS_KONTRAK"} for n in range(1, 151)]
    created = api["operator"].post(URL, json={"items": items})
    assert created.status_code == 201, created.json
    batch = created.json
    assert batch["items_count"] == 150 and len(batch["items"]) == 100
    path = f"{URL}/{batch['id']}"
    seen, cursor = [], None
    while True:
        page = api["viewer"].get(
            path, query_string={"limit": 60, **({"cursor": cursor} if cursor else {})}
        )
        assert page.status_code == 200, page.json
        seen += [item["nik"] for item in page.json["items"]]
        cursor = page.json["next_cursor"]
        if cursor is None:
            break
    assert seen == [nik(n) for n in range(1, 151)]
    assert api["viewer"].get(path, query_string={"cursor": "x!"}).status_code == 422
