"""``/api/v1/mutation-batches``: plan a batch from §3 rows, read it (the preview), apply it
(or submit it for approval), revert it.

Each item is checked by the mutation sheet's row schema (`mutations.importer.item_from_row`)
and the batch is planned, applied, submitted and reverted by `mutations.operations`, as on
the web and in ``edabu mutation import``. A batch whose items have errors is not kept: the
answer is 422 with every item's issues (``row`` = the item's position), and the HR system
sends the corrected batch again."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import current_app, url_for
from flask_babel import gettext as _
from flask_smorest import Blueprint

from edabu_lite import clock
from edabu_lite.accounts.models import Role
from edabu_lite.api import auth, paging
from edabu_lite.api.batch_schemas import (
    ApplySchema,
    BatchArgs,
    BatchSchema,
    MutationItemInputSchema,
    NewBatchSchema,
)
from edabu_lite.api.errors import ApiError, request_issue
from edabu_lite.api.idempotency import idempotent
from edabu_lite.api.schemas import ErrorSchema
from edabu_lite.api.setup import guarded
from edabu_lite.database import utcnow
from edabu_lite.extensions import db
from edabu_lite.issues import Issue
from edabu_lite.mutations import operations as ops
from edabu_lite.mutations import revert
from edabu_lite.mutations.importer import item_from_row
from edabu_lite.mutations.messages import mutation_error_message, note_message
from edabu_lite.mutations.models import BatchStatus, MutationBatch, MutationItem

blp = guarded(
    Blueprint(
        "mutation_batches",
        __name__,
        url_prefix="/mutation-batches",
        description="Mutasi peserta: plan a batch from §3 rows, preview, apply, revert.",
    )
)

#: What an endpoint returns for flask-smorest to write: the data, the status, headers.
Reply = tuple[dict[str, Any], int, dict[str, str]]

#: Items in the answer of a POST (the first page); GET pages through the rest.
FIRST_PAGE = 100

_ITEM_KEYS = frozenset(MutationItemInputSchema().fields)


@blp.route("", methods=["POST"])
@auth.token_required(Role.OPERATOR)
@idempotent
@blp.arguments(NewBatchSchema)
@blp.response(201, BatchSchema)
@blp.alt_response(422, schema=ErrorSchema)
def create_batch(body: dict[str, Any]) -> Reply:
    """Plan a draft batch from mutation rows.

    Each item has the keys of a §3 mutation sheet row. Nothing changes yet: the answer is
    the preview (everyone affected, before → after); apply it with POST .../apply. When any
    item has an error nothing is kept: 422 `batch.invalid` with every item's issues, `row`
    being the item's position (1-based)."""
    today = clock.today()
    shape: list[dict[str, Any]] = []
    inputs: list[ops.ItemInput] = []
    for position, item in enumerate(body["items"], start=1):
        if not isinstance(item, dict):
            shape.append(
                request_issue(None, _("Setiap item harus berupa objek JSON."), row=position)
            )
            continue
        unknown = sorted(set(item) - _ITEM_KEYS)
        shape += [request_issue(key, _("Kolom tidak dikenal."), row=position) for key in unknown]
        inputs.append(item_from_row(item, position, today))
    if shape:
        found: list[Any] = [*shape, *(i for item in inputs for i in item.issues)]
        raise _invalid(found, sorted({i["row"] for i in shape}) + _rows_in_error(inputs))
    try:
        batch = ops.plan_batch(
            db.session,
            auth.employer().id,
            inputs,
            auth.actor(),
            source="api",
            title=body.get("title") or None,
            today=today,
            refuse_errors=True,
        )
    except ops.PlanRefused as refused:
        raise _invalid(
            refused.issues, sorted({i.row for i in refused.issues if i.is_error})
        ) from None
    return _answer(batch, 201)


@blp.route("/<int:batch_id>", methods=["GET"])
@auth.token_required(Role.VIEWER)
@blp.arguments(BatchArgs, location="query", as_kwargs=True)
@blp.response(200, BatchSchema)
@blp.alt_response(404, schema=ErrorSchema)
@blp.alt_response(422, schema=ErrorSchema)
def get_batch(batch_id: int, limit: int, cursor: str | None) -> dict[str, Any]:
    """A batch and a page of its items.

    A draft is the preview: what applying it would do to everyone it affects (before →
    after, with the plan's notes). Items come in order, `limit` per page; page on with
    `next_cursor` as `cursor`."""
    return as_dict(_batch(batch_id), limit=limit, cursor=cursor)


@blp.route("/<int:batch_id>/apply", methods=["POST"])
@auth.token_required(Role.OPERATOR)
@blp.arguments(ApplySchema, required=False)
@blp.response(200, BatchSchema)
@blp.alt_response(202, schema=BatchSchema, description="Submitted for an admin's approval.")
@blp.alt_response(403, schema=ErrorSchema)
@blp.alt_response(404, schema=ErrorSchema)
@blp.alt_response(409, schema=ErrorSchema)
def apply_batch(choice: dict[str, Any], batch_id: int) -> Reply:
    """Apply a draft.

    Everyone in the preview changes, in one transaction (200, status `applied`). When the
    employer requires an admin's approval (maker-checker) a token cannot approve: the draft
    is submitted with `note` for the reviewer (202, status `submitted`) and an admin
    approves it on the web. Someone changed since the preview: 409 `mutation.conflict`,
    nothing changed; plan the batch again. Not a draft (or expired): 409."""
    batch = _batch(batch_id)
    days = current_app.config["DRAFT_DAYS"]
    try:
        if auth.employer().mutations_need_approval:
            ops.submit_batch(
                db.session, batch, auth.actor(), note=choice.get("note"), draft_days=days
            )
            return _answer(batch, 202)
        ops.apply_batch(db.session, batch, auth.actor(), draft_days=days)
    except ops.MutationError as error:
        raise _refused(error) from None
    return _answer(batch, 200)


@blp.route("/<int:batch_id>/revert", methods=["POST"])
@auth.token_required(Role.OPERATOR)
@blp.response(201, BatchSchema, description="The new batch that reverted it.")
@blp.alt_response(403, schema=ErrorSchema)
@blp.alt_response(404, schema=ErrorSchema)
@blp.alt_response(409, schema=ErrorSchema)
def revert_batch(batch_id: int) -> Reply:
    """Revert an applied batch.

    Everyone it changed goes back as they were, by a new, applied batch (the answer, with
    `reverts_batch_id`). Not applied, already reverted, or someone it changed was changed
    again since: 409. A token may revert only a batch it made and applied itself while the
    employer does not require approval (403 otherwise: an admin reverts it on the web)."""
    batch = _batch(batch_id)
    role = Role(auth.current_token().role)
    try:
        undo = revert.revert_batch(db.session, batch, auth.actor(), role)
    except ops.MutationError as error:
        raise _refused(error) from None
    return _answer(undo, 201)


# --------------------------------------------------------------------------- helpers


def as_dict(batch: MutationBatch, *, limit: int = FIRST_PAGE, cursor: str | None = None) -> dict:
    """A batch with a page of its items, for `BatchSchema`."""
    stmt = sa.select(MutationItem).where(MutationItem.batch_id == batch.id)
    items, next_cursor = paging.page(db.session, stmt, MutationItem.id, cursor, limit)
    days = current_app.config["DRAFT_DAYS"]
    draft = batch.status == BatchStatus.DRAFT
    return {
        "id": batch.id,
        "status": batch.status.value,
        "message": _status_message(batch, days),
        "source": batch.source,
        "title": batch.title,
        "created_by": batch.created_by,
        "created_at": _utc(batch.created_at),
        "expires_at": _utc(batch.created_at + timedelta(days=days)) if draft else None,
        "needs_approval": auth.employer().mutations_need_approval,
        "submitted_at": _utc(batch.submitted_at),
        "reviewed_by": batch.reviewed_by,
        "review_note": batch.review_note,
        "applied_by": batch.applied_by,
        "applied_at": _utc(batch.applied_at),
        "reverts_batch_id": batch.reverts_batch_id,
        "reverted_by_batch_id": batch.reverted_by_batch_id,
        "items_count": batch.items_count,
        "error_items": batch.error_items,
        "affected": batch.affected,
        "items": [_item(item) for item in items],
        "next_cursor": next_cursor,
    }


def _item(item: MutationItem) -> dict[str, Any]:
    return {
        "id": item.id,
        "position": item.position,
        "row": item.row,
        "participant_id": item.participant_id,
        "nik": item.nik,
        "kind": item.kind,
        "reason": item.reason,
        "effective_date": item.effective_date,
        "event_date": item.event_date,
        "mandiri_class": item.mandiri_class,
        "phk_proof": item.phk_proof,
        "death_certificate": item.death_certificate,
        "note": item.note,
        "has_error": item.has_error,
        "issues": [Issue.from_dict(i).to_dict(_) for i in item.issues],
        "notes": [note_message(key) for key in item.notes or []],
        "changes": [
            {
                "person_id": c["person_id"],
                "nik": c.get("nik"),
                "role": c["role"],
                "before": c["before"],
                "after": c["after"],
                "note": note_message(c["note"]) if c.get("note") else None,
            }
            for c in item.changes
        ],
    }


def _answer(batch: MutationBatch, status: int) -> Reply:
    location = url_for("mutation_batches.get_batch", batch_id=batch.id)
    return as_dict(batch), status, {"Location": location}


def _utc(moment: datetime | None) -> datetime | None:
    """Stored times are naive UTC: say so in the answer."""
    return moment.replace(tzinfo=UTC) if moment is not None else None


def _batch(batch_id: int) -> MutationBatch:
    batch = db.session.get(MutationBatch, batch_id)
    if batch is None or batch.employer_id != auth.employer().id:
        raise ApiError(404, "not_found", _("Batch mutasi tidak ditemukan."))
    return batch


def _status_message(batch: MutationBatch, days: int) -> str:
    status = batch.status
    if status == BatchStatus.DRAFT and batch.expired(utcnow(), days):
        return _("Draf ini kedaluwarsa dan tidak dapat diterapkan lagi; buat batch baru.")
    if status == BatchStatus.DRAFT:
        return _(
            "Pratinjau: belum ada yang berubah. Terapkan dengan POST .../apply "
            "(%(n)s peserta akan berubah).",
            n=batch.affected,
        )
    if status == BatchStatus.APPLIED and batch.reverted_by_batch_id:
        return _("Diterapkan, lalu dikembalikan oleh batch #%(id)s.", id=batch.reverted_by_batch_id)
    if status == BatchStatus.APPLIED and batch.reverts_batch_id:
        return _("Batch #%(id)s dikembalikan oleh batch ini.", id=batch.reverts_batch_id)
    messages = {
        BatchStatus.SUBMITTED: _(
            "Diajukan: badan usaha ini mewajibkan persetujuan admin. Admin menyetujuinya di "
            "web, lalu batch diterapkan."
        ),
        BatchStatus.APPROVED: _("Disetujui; sedang diterapkan."),
        BatchStatus.APPLIED: _("Diterapkan: %(n)s peserta berubah.", n=batch.affected),
        BatchStatus.REJECTED: _("Ditolak oleh admin; lihat review_note."),
        BatchStatus.CANCELLED: _("Dibatalkan. Tidak ada data yang diubah."),
    }
    return messages[status]


def _rows_in_error(inputs: list[ops.ItemInput]) -> list[int]:
    return [i.row for i in inputs if i.row is not None and any(x.is_error for x in i.issues)]


def _invalid(issues: list[Any], rows: list[int]) -> ApiError:
    return ApiError(
        422,
        "batch.invalid",
        _(
            "Batch tidak dibuat: %(n)s item bermasalah (lihat issues; row = urutan item, mulai "
            "dari 1). Perbaiki lalu kirim ulang seluruh batch.",
            n=len(set(rows)),
        ),
        issues,
    )


#: A refused transition's HTTP status; any other is 409 (the batch's state forbids it).
_STATUS = {"batch.not_admin": 403}


def _refused(error: ops.MutationError) -> ApiError:
    db.session.rollback()
    if error.code == "batch.not_admin":
        message = _(
            "Token hanya dapat mengembalikan batch yang dibuat dan diterapkannya sendiri, dan "
            "hanya bila badan usaha tidak mewajibkan persetujuan. Minta admin "
            "mengembalikannya di web."
        )
    else:
        message = mutation_error_message(error)
    issues = [Issue("mutation.conflict")] if error.code == "mutation.conflict" else []
    return ApiError(_STATUS.get(error.code, 409), error.code, message, issues)
