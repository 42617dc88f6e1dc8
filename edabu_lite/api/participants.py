"""``/api/v1/participants``: the employer's people, one person, adding and changing one person.

Adding and changing go through `roster.people` — the roster row schema, the family checks
and the same transaction as the web forms — so an HR system gets exactly the §5 issues an
upload of the row would get. A change may carry ``If-Match`` with the person's ETag (their
version): when the person changed since, nothing is stored and the answer is 412."""

from __future__ import annotations

from datetime import date
from typing import Any

import orjson
from flask import Response, request
from flask_babel import gettext as _
from flask_smorest import Blueprint

from edabu_lite import clock
from edabu_lite.accounts.models import Role
from edabu_lite.api import auth, paging
from edabu_lite.api.errors import ApiError
from edabu_lite.api.idempotency import idempotent
from edabu_lite.api.schemas import (
    ErrorSchema,
    NewParticipantSchema,
    ParticipantArgs,
    ParticipantChangeSchema,
    ParticipantPageSchema,
    ParticipantSchema,
    SavedParticipantSchema,
)
from edabu_lite.api.setup import guarded
from edabu_lite.extensions import db
from edabu_lite.roster import people
from edabu_lite.roster.listing import participant_filter
from edabu_lite.roster.models import Participant
from edabu_lite.roster.snapshot import ROSTER_FIELDS
from edabu_lite.roster.vocabulary import status_on

blp = guarded(
    Blueprint(
        "participants",
        __name__,
        url_prefix="/participants",
        description="Peserta: the employer's people.",
    )
)

#: What an endpoint returns for flask-smorest to write: the data, the status, headers.
Reply = tuple[dict[str, Any], int, dict[str, str]]

#: The API's filter names → the list page's (`roster.listing.FILTER_KEYS`).
_FILTERS = {"q": "q", "status": "status", "kind": "jenis", "segment": "segmen"}


@blp.route("", methods=["GET"])
@auth.token_required(Role.VIEWER)
@blp.arguments(ParticipantArgs, location="query", as_kwargs=True)
@blp.response(200, ParticipantPageSchema)
@blp.alt_response(422, schema=ErrorSchema)
def list_participants(limit: int, cursor: str | None, **filters: Any) -> dict[str, Any]:
    """The employer's people in id order, filtered; page on with `next_cursor`."""
    today = clock.today()
    args = {_FILTERS[k]: str(v) for k, v in filters.items() if k in _FILTERS}
    if "care_class" in filters:
        args["kelas"] = str(filters["care_class"])
    stmt = participant_filter(db.session, auth.employer().id, args, today)
    stmt = stmt.with_only_columns(*_COLUMNS)  # rows, not objects: a page is 100 people
    rows, next_cursor = paging.page(db.session, stmt, Participant.id, cursor, limit, columns=True)
    body = {"items": [as_dict(p, today) for p in rows], "next_cursor": next_cursor}
    # Written here rather than through the response schema (which documents it): marshmallow
    # took half of a page's time. The API's schemathesis test checks every answer against it.
    return Response(orjson.dumps(body), mimetype="application/json")


@blp.route("/<int:participant_id>", methods=["GET"])
@auth.token_required(Role.VIEWER)
@blp.response(200, ParticipantSchema)
@blp.alt_response(404, schema=ErrorSchema)
def get_participant(participant_id: int) -> Reply:
    """One person; the ETag header is their version (send it back as If-Match)."""
    person = _person(participant_id)
    return as_dict(person, clock.today()), 200, {"ETag": _etag(person)}


@blp.route("", methods=["POST"])
@auth.token_required(Role.OPERATOR)
@idempotent
@blp.arguments(NewParticipantSchema)
@blp.response(201, SavedParticipantSchema)
@blp.alt_response(409, schema=ErrorSchema)
@blp.alt_response(422, schema=ErrorSchema)
def create_participant(cells: dict[str, Any]) -> Reply:
    """Register a worker, or a dependant (`worker_nik` names the worker), as a roster row.
    Errors: 422 with the row's §5 issues; warnings come back with the person."""
    employer, today = auth.employer(), clock.today()
    checked = people.check_new(db.session, employer, cells, today=today)
    _refuse_errors(checked)
    try:
        person = people.add(db.session, employer, checked, auth.actor())
    except people.Conflict:
        raise ApiError(
            409, "nik.registered", _("NIK ini baru saja didaftarkan oleh proses lain.")
        ) from None
    return _saved(person, checked, today, 201)


@blp.route("/<int:participant_id>", methods=["PATCH"])
@auth.token_required(Role.OPERATOR)
@blp.arguments(ParticipantChangeSchema)
@blp.response(200, SavedParticipantSchema)
@blp.alt_response(404, schema=ErrorSchema)
@blp.alt_response(412, schema=ErrorSchema)
@blp.alt_response(422, schema=ErrorSchema)
def change_participant(edits: dict[str, Any], participant_id: int) -> Reply:
    """Change a person's data (the fields of the web's "Ubah data"); a wage or class change
    counts from `effective_from` (this month by default). `If-Match`: the ETag of the person
    as last read; 412 when they changed since."""
    employer, today = auth.employer(), clock.today()
    person = _person(participant_id)
    version = _expected_version(person)
    month = edits.pop("effective_from", None)
    checked = people.check_change(
        db.session, employer, person, edits, today=today, effective_from=month
    )
    _refuse_errors(checked)
    if checked.changes:
        try:
            person = people.apply_change(
                db.session, employer, person.id, version, checked, auth.actor()
            )
        except people.Conflict:
            raise _changed_since() from None
    return _saved(person, checked, today, 200)


# --------------------------------------------------------------------------- helpers


#: What a person's JSON is made of, as columns (the list reads rows, not objects).
_COLUMNS = [
    getattr(Participant, key)
    for key in (
        "id", *ROSTER_FIELDS, "worker_id", "segment", "status", "status_since",
        "previous_status", "end_date", "end_reason", "mandiri_class", "version",
    )
]  # fmt: skip


def as_dict(person: Any, today: date) -> dict[str, Any]:
    """A person (a `Participant` or a row of `_COLUMNS`) as `ParticipantSchema` has it."""
    data: dict[str, Any] = {key: getattr(person, key) for key in ROSTER_FIELDS}
    data["id"] = person.id
    now = status_on(person.status, person.status_since, person.previous_status, today)
    coming = now != person.status
    data.update(
        relationship=person.relationship.value,
        worker_id=person.worker_id,
        segment=person.segment.value,
        status=now.value,
        scheduled_status=person.status.value if coming else None,
        scheduled_from=person.status_since if coming else None,
        end_date=person.end_date,
        end_reason=person.end_reason,
        mandiri_class=person.mandiri_class,
        version=person.version,
    )
    return data


def _person(participant_id: int) -> Participant:
    person = db.session.get(Participant, participant_id)
    if person is None or person.employer_id != auth.employer().id:
        raise ApiError(404, "not_found", _("Peserta tidak ditemukan."))
    return person


def _etag(person: Participant) -> str:
    return f'"{person.id}-{person.version}"'


def _expected_version(person: Participant) -> int:
    """The version the client saw (If-Match), else the stored one."""
    match = request.headers.get("If-Match")
    if match is None or match.strip() == "*":
        return person.version
    if _etag(person) not in [tag.strip().removeprefix("W/") for tag in match.split(",")]:
        raise _changed_since()
    return person.version


def _changed_since() -> ApiError:
    return ApiError(
        412,
        "version.mismatch",
        _("Peserta sudah diubah sejak Anda membacanya. Baca ulang lalu kirim perubahan lagi."),
    )


def _refuse_errors(checked: people.Checked) -> None:
    if not checked.ok:
        raise ApiError(
            422,
            "participant.invalid",
            _("Data peserta tidak dapat disimpan; lihat issues."),
            checked.issues,
        )


def _saved(person: Participant, checked: people.Checked, today: date, status: int) -> Reply:
    warnings = [i.to_dict(_) for i in checked.issues if not i.is_error]
    data = {"participant": as_dict(person, today), "warnings": warnings}
    return data, status, {"ETag": _etag(person)}
