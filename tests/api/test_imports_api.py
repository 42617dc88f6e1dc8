"""/api/v1/roster-imports: upload (the job runs inline in tests), job status, issues paged
over several pages, commit all or valid rows only, limits, idempotent retries, roles and
tenancy."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
import sqlalchemy as sa

from edabu_lite.audit.models import AuditEvent
from edabu_lite.imports import operations as jobs
from edabu_lite.imports.models import ImportJob, JobKind, JobStatus
from edabu_lite.roster.models import Participant
from tests.api.conftest import nik, workers
from tests.conftest import TEST_ACTOR
from tests.factories import family
from tests.sheet_factory import HEADERS, KEYS, write_roster

URL = "/api/v1/roster-imports"


def send(client, path: Path, *, headers=None, **form):  # type: ignore[no-untyped-def]
    """POST the sheet at ``path`` as multipart/form-data."""
    data = {"file": (io.BytesIO(path.read_bytes()), path.name), **form}
    return client.post(URL, data=data, content_type="multipart/form-data", headers=headers)


def count(session, model) -> int:  # type: ignore[no-untyped-def]
    return session.scalar(sa.select(sa.func.count()).select_from(model))


@pytest.fixture
def clean(tmp_path):  # type: ignore[no-untyped-def]
    return write_roster(tmp_path / "keluarga.xlsx", family())


@pytest.fixture
def mixed(tmp_path):  # type: ignore[no-untyped-def]
    """130 good workers, 150 with an error (a faskes code), 20 with a warning (a phone)."""
    rows = workers(300)
    for row in rows[130:280]:
        row["faskes_code"] = "12345"
    for row in rows[280:]:
        row["phone"] = "tidak ada"
    return write_roster(tmp_path / "campur.xlsx", rows)


def test_upload_gives_the_job_and_its_location(api, employer, session, clean):
    response = send(api["operator"], clean)
    assert response.status_code == 202, response.json
    job = response.json
    assert response.headers["Location"] == f"{URL}/{job['id']}"
    assert job["status"] == "validated" and job["filename"] == "keluarga.xlsx"
    assert job["counts"] == {
        "rows": 4, "valid_rows": 4, "error_rows": 0, "warning_rows": 0, "inserted": 4,
        "updated": 0, "unchanged": 0, "skipped": 0, "planned": True,
    }  # fmt: skip
    assert job["progress"]["rows_read"] == 4 and job["progress"]["stale"] is False
    assert job["created_at"].endswith("+00:00") and job["purged_at"] is None
    for role in ("viewer", "operator"):
        again = api[role].get(response.headers["Location"])
        assert again.status_code == 200 and again.json == job
    stored = session.get(ImportJob, job["id"])
    assert (stored.source, stored.actor) == ("api", "token:hris-operator")
    assert count(session, Participant) == 0  # nothing stored before the commit


def test_roles_and_tenancy(api, session, employer, other_employer, clean):
    assert send(api["viewer"], clean).status_code == 403
    assert send(api[None], clean).status_code == 401
    theirs = send(api["other"], clean).json["id"]
    mine = send(api["operator"], clean).json["id"]
    for role in ("viewer", "operator"):
        for path in (f"{URL}/{theirs}", f"{URL}/{theirs}/issues", f"{URL}/999999"):
            gone = api[role].get(path)
            assert gone.status_code == 404 and gone.json["code"] == "not_found", path
    assert api["operator"].post(f"{URL}/{theirs}/commit", json={}).status_code == 404
    refused = api["viewer"].post(f"{URL}/{mine}/commit", json={})
    assert refused.status_code == 403 and refused.json["code"] == "auth.forbidden"
    assert api["viewer"].get(f"{URL}/{mine}/issues").status_code == 200
    assert session.get(ImportJob, theirs).status == JobStatus.VALIDATED  # untouched


def test_a_mutation_sheets_job_is_not_a_roster_import(api, session, employer):
    job = jobs.create_job(
        session, employer.id, JobKind.MUTATION, "mutasi.xlsx", b"", TEST_ACTOR, keep_file=False
    )
    assert api["viewer"].get(f"{URL}/{job.id}").status_code == 404
    assert api["operator"].post(f"{URL}/{job.id}/commit", json={}).status_code == 404


def test_issues_page_through_every_problem_row_once(api, employer, mixed):
    job = send(api["operator"], mixed).json
    assert job["counts"]["error_rows"] == 150 and job["counts"]["warning_rows"] == 20
    assert job["issue_counts"] == {"faskes_code.format": 150, "phone.format": 20}
    path = f"{URL}/{job['id']}/issues"
    seen, cursor, pages = [], None, 0
    while True:
        query = {"limit": 100, **({"cursor": cursor} if cursor else {})}
        response = api["viewer"].get(path, query_string=query)
        assert response.status_code == 200, response.json
        seen += response.json["items"]
        pages += 1
        cursor = response.json["next_cursor"]
        if cursor is None:
            break
    assert pages == 2
    rows = [issue["row"] for issue in seen]
    assert rows == sorted(rows) and len(rows) == len(set(rows)) == 170
    assert rows[0] == 132 and rows[-1] == 301  # sheet rows: the header is row 1
    first = seen[0]
    assert first == {
        "row": 132, "column": "faskes_code", "code": "faskes_code.format",
        "severity": "error", "message": first["message"],
    }  # fmt: skip
    assert first["message"]
    errors = api["viewer"].get(path, query_string={"severity": "error", "limit": 500}).json
    assert len(errors["items"]) == 150 and errors["next_cursor"] is None
    assert {i["code"] for i in errors["items"]} == {"faskes_code.format"}
    warnings = api["viewer"].get(path, query_string={"severity": "warning"}).json["items"]
    assert [i["code"] for i in warnings] == ["phone.format"] * 20


@pytest.mark.parametrize("query", [{"severity": "fatal"}, {"limit": 0}, {"cursor": "bukan-cursor"}])
def test_bad_issue_query_is_a_422(api, employer, clean, query):
    job = send(api["operator"], clean).json
    response = api["viewer"].get(f"{URL}/{job['id']}/issues", query_string=query)
    assert response.status_code == 422 and response.json["code"] == "request.invalid"
    assert response.json["issues"][0]["column"] == next(iter(query))


def test_file_issues_come_first(api, employer, tmp_path):
    rows = workers(2)
    path = write_roster(
        tmp_path / "ekstra.xlsx",
        rows,
        headers=[*HEADERS, "Catatan HR"],
        keys=[*KEYS, "extra"],
    )
    job = send(api["operator"], path).json
    assert [i["code"] for i in job["file_issues"]] == ["header.unknown_column"]
    page = api["viewer"].get(f"{URL}/{job['id']}/issues").json
    assert [i["code"] for i in page["items"]] == ["header.unknown_column"]
    assert page["items"][0]["row"] is None


def test_commit_is_refused_with_errors_then_valid_rows_only(api, session, employer, mixed):
    job = send(api["operator"], mixed).json
    path = f"{URL}/{job['id']}/commit"
    blocked = api["operator"].post(path, json={})
    assert blocked.status_code == 422
    body = blocked.json
    assert body["code"] == "import.blocked" and "150" in body["message"]
    assert len(body["issues"]) == 50 and body["issues"][0]["row"] == 132
    assert {i["severity"] for i in body["issues"]} == {"error"}
    assert count(session, Participant) == 0
    assert api["viewer"].get(f"{URL}/{job['id']}").json["status"] == "validated"

    done = api["operator"].post(path, json={"valid_only": True})
    assert done.status_code == 200, done.json
    assert done.json["status"] == "committed" and done.json["valid_only"] is True
    counts = done.json["counts"]
    assert counts["planned"] is False
    assert (counts["inserted"], counts["skipped"]) == (150, 150)  # 130 good + 20 warned
    assert count(session, Participant) == 150
    stored = set(session.scalars(sa.select(Participant.nik)))
    assert nik(1) in stored and nik(131) not in stored and nik(300) in stored
    event = session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "roster_import.commit")
    ).one()
    assert (event.actor, event.source) == ("token:hris-operator", "api")

    again = api["operator"].post(path, json={"valid_only": True})
    assert again.status_code == 409 and again.json["code"] == "import.state"
    assert "committed" in again.json["message"]
    assert count(session, Participant) == 150


def test_commit_of_a_clean_file_without_a_body(api, session, employer, clean):
    job = send(api["operator"], clean).json
    done = api["operator"].post(f"{URL}/{job['id']}/commit")
    assert done.status_code == 200, done.json
    assert done.json["counts"]["inserted"] == 4 and done.json["counts"]["skipped"] == 0
    assert count(session, Participant) == 4


@pytest.mark.parametrize(
    "body",
    [
        {"data": "valid_only", "content_type": "application/json"},  # not JSON at all
        {"json": {"valid_only": "barangkali"}},
        {"json": {"valid_only": True, "semua": 1}},
        {"json": [True]},
    ],
)
def test_malformed_commit_is_refused_and_changes_nothing(api, session, employer, mixed, body):
    job = send(api["operator"], mixed).json
    response = api["operator"].post(f"{URL}/{job['id']}/commit", **body)
    assert response.status_code == 422, response.json
    assert response.json["code"] == "request.invalid" and response.json["message"]
    assert count(session, Participant) == 0


def test_an_unreadable_file_is_a_rejected_job(api, session, employer, tmp_path):
    bogus = tmp_path / "data.xlsx"
    bogus.write_text("NIK,No KK\n3273015507900001,3273012001150003\n")
    job = send(api["operator"], bogus).json
    assert job["status"] == "rejected"
    assert [i["code"] for i in job["file_issues"]] == ["file.unreadable"]
    commit = api["operator"].post(f"{URL}/{job['id']}/commit", json={"valid_only": True})
    assert commit.status_code == 409 and commit.json["code"] == "import.state"


def test_upload_limits_reject_the_job(api, app, session, employer, clean):
    app.config["MAX_IMPORT_ROWS"] = 3
    rows = send(api["operator"], clean).json
    assert rows["status"] == "rejected"
    assert [i["code"] for i in rows["file_issues"]] == ["file.too_many_rows"]
    app.config["MAX_UPLOAD_MB"] = 0
    size = send(api["operator"], clean).json
    assert size["status"] == "rejected"
    assert [i["code"] for i in size["file_issues"]] == ["file.too_large"]


def test_a_body_over_the_request_limit_is_a_413(api, app, session, employer, clean):
    app.config["MAX_CONTENT_LENGTH"] = 1024
    response = send(api["operator"], clean, headers={"Idempotency-Key": "besar-1"})
    assert response.status_code == 413
    assert response.json["code"] == "file.too_large"
    assert count(session, ImportJob) == 0


@pytest.mark.parametrize(
    "data",
    [{}, {"berkas": (io.BytesIO(b"x"), "a.xlsx")}, {"file": "bukan berkas"}],
)
def test_an_upload_without_its_file_is_a_422(api, session, employer, data):
    response = api["operator"].post(URL, data=data, content_type="multipart/form-data")
    assert response.status_code == 422
    assert response.json["code"] == "request.invalid"
    assert "file" in {i["column"] for i in response.json["issues"]}
    assert count(session, ImportJob) == 0


def test_bad_full_roster_flag_and_json_body_are_422(api, session, employer, clean):
    flag = send(api["operator"], clean, full_roster="barangkali")
    assert flag.status_code == 422 and flag.json["issues"][0]["column"] == "full_roster"
    as_json = api["operator"].post(URL, json={"file": "abc"})
    assert as_json.status_code == 422
    assert count(session, ImportJob) == 0


def test_full_roster_is_kept_on_the_job(api, session, employer, clean):
    job = send(api["operator"], clean, full_roster="true").json
    assert job["full_roster"] is True
    assert session.get(ImportJob, job["id"]).full_roster is True


def test_a_retried_upload_is_the_same_job(api, session, employer, clean):
    key = {"Idempotency-Key": "impor-2026-12-01"}
    first = send(api["operator"], clean, headers=key)
    assert first.status_code == 202
    # The test client draws a new multipart boundary for each request, as a client
    # building its retry again does: the same file and fields are the same request.
    again = send(api["operator"], clean, headers=key)
    assert again.status_code == 202
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json["id"] == first.json["id"]
    assert again.headers["Location"] == first.headers["Location"]  # where it is, again
    assert count(session, ImportJob) == 1
    other = send(api["operator"], clean, headers=key, full_roster="true")
    assert other.status_code == 422 and other.json["code"] == "idempotency.key_reused"
    assert count(session, ImportJob) == 1
