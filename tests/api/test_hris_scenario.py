"""An HR system's month through the API alone: it registers new hires one by one, uploads
the roster payroll exported (some rows broken), commits the valid rows only, dismisses a
worker with a PHK batch, and reads the people's status back."""

from __future__ import annotations

import io
from datetime import timedelta

from edabu_lite import clock
from edabu_lite.audit.operations import verify_chain
from tests.api.conftest import nik, workers
from tests.factories import family
from tests.sheet_factory import write_roster

WORKER = "3273015507900001"  # family(): a worker, her husband, two children


def _json_row(row: dict) -> dict:
    return {k: v.isoformat() if hasattr(v, "isoformat") else v for k, v in row.items()}


def test_an_hris_month(api, session, employer, tmp_path):
    hris = api["operator"]
    for row in workers(3):
        created = hris.post("/api/v1/participants", json=_json_row(row))
        assert created.status_code == 201, created.json

    roster = [*family(), *workers(3), *workers(4, first=10)]
    roster[4]["wage"] = 7_500_000  # a raise for a worker registered above
    roster[8]["nik"] = "3273010101"  # broken: too short
    roster[9]["birth_date"] = "kemarin"  # broken
    sheet = write_roster(tmp_path / "payroll-desember.xlsx", roster)
    upload = hris.post(
        "/api/v1/roster-imports",
        data={"file": (io.BytesIO(sheet.read_bytes()), sheet.name)},
        content_type="multipart/form-data",
        headers={"Idempotency-Key": "payroll-2026-12"},
    )
    assert upload.status_code == 202, upload.json
    job = hris.get(upload.headers["Location"]).json
    assert job["status"] == "validated"
    assert job["counts"]["error_rows"] == 2
    assert (job["counts"]["inserted"], job["counts"]["updated"]) == (6, 1)
    errors = hris.get(f"{upload.headers['Location']}/issues", query_string={"severity": "error"})
    assert {i["row"] for i in errors.json["items"]} == {10, 11}
    done = hris.post(f"{upload.headers['Location']}/commit", json={"valid_only": True})
    assert done.status_code == 200, done.json
    assert (done.json["counts"]["inserted"], done.json["counts"]["updated"]) == (6, 1)

    event = clock.today() - timedelta(days=3)
    phk = {"nik": WORKER, "kind": "NONAKTIF", "reason": "PHK", "phk_proof": "B",
           "event_date": event.isoformat()}  # fmt: skip
    batch = hris.post("/api/v1/mutation-batches", json={"items": [phk]})
    assert batch.status_code == 201, batch.json
    assert batch.json["affected"] == 4
    applied = hris.post(f"/api/v1/mutation-batches/{batch.json['id']}/apply")
    assert applied.status_code == 200, applied.json

    people = api["viewer"].get("/api/v1/participants", query_string={"limit": 500}).json
    by_nik = {p["nik"]: p for p in people["items"]}
    assert len(by_nik) == 3 + 6  # the three hires, the family and the two good new workers
    assert by_nik[nik(1)]["wage"] == 7_500_000
    for member in family():
        leaving = by_nik[member["nik"]]
        assert leaving["status"] == "AKTIF" and leaving["scheduled_status"] == "NONAKTIF"
    assert by_nik[WORKER]["end_reason"] == "PHK"
    assert by_nik[nik(10)]["status"] == "AKTIF" and by_nik[nik(10)]["scheduled_status"] is None
    assert verify_chain(session, employer.id).ok
