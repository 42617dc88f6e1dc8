"""The shapes of ``/api/v1/mutation-batches`` (OpenAPI, through flask-smorest). An item's
cells are not validated here: each goes as it came to the mutation sheet's row schema
(`mutations.sheet.MutationRowSchema`), so the API reports the same §5 mutation.* codes as a
sheet row would, with ``row`` = the item's position (1-based)."""

from __future__ import annotations

from typing import Any, Final

from marshmallow import Schema, fields, validate

from edabu_lite.api.schemas import IssueSchema, PageArgs
from edabu_lite.mutations.models import BatchStatus
from edabu_lite.mutations.sheet import MUTATION_ROW_KEYS, NOTE_MAX

#: Items one request may carry (as many as the web lets a person select).
MAX_ITEMS: Final = 5000

_ITEM_CELLS: Final = {
    "nik": "The person's NIK, 16 digits as text.",
    "kind": "NONAKTIF, PINDAH_MANDIRI or AKTIFKAN.",
    "reason": "Required for NONAKTIF: PHK, MENGUNDURKAN_DIRI, HABIS_KONTRAK, PENSIUN, "
    "MENINGGAL; for dependants also USIA, MENIKAH, CERAI, BEKERJA, DIHENTIKAN.",
    "effective_date": "TMT, YYYY-MM-DD (default: the 1st of next month).",
    "mandiri_class": "Required for PINDAH_MANDIRI: 1, 2 or 3.",
    "phk_proof": "A, B or C: with PHK, 6 months of continued coverage from event_date.",
    "note": f"Free text kept in the audit trail (at most {NOTE_MAX} characters).",
    "event_date": "Tanggal Kejadian, YYYY-MM-DD: required for PHK and MENINGGAL.",
    "death_certificate": "For MENINGGAL: the death certificate's number.",
}
assert tuple(_ITEM_CELLS) == MUTATION_ROW_KEYS  # the contract's §3 columns, in order

MutationItemInputSchema = Schema.from_dict(
    {
        key: fields.Raw(allow_none=True, metadata={"description": text})
        for key, text in _ITEM_CELLS.items()
    },
    name="MutationItemInput",
)


class _AsSent(fields.Nested):
    """Documented as the nested schema, loaded as sent: the endpoint checks each item
    itself, so its issues name the item by position (`row`) with the sheet's codes."""

    def deserialize(self, value: Any, attr: str | None = None, data: Any = None, **kw: Any) -> Any:
        return value


class NewBatchSchema(Schema):
    items = fields.List(
        _AsSent(MutationItemInputSchema),
        required=True,
        validate=validate.Length(min=1, max=MAX_ITEMS),
        metadata={"description": "Mutation sheet rows (contract §3), one per item."},
    )
    title = fields.String(
        validate=validate.Length(max=200), metadata={"description": "Shown in the batch list."}
    )


class ApplySchema(Schema):
    note = fields.String(
        validate=validate.Length(max=500),
        metadata={"description": "For the admin who approves it (maker-checker)."},
    )


class BatchArgs(PageArgs):
    """The items are paged: `limit` per page (100 by default), `cursor` for the next."""


class ChangeSchema(Schema):
    person_id = fields.Integer(required=True)
    nik = fields.String(allow_none=True)
    role = fields.String(
        required=True, metadata={"description": "subject, or a family member carried along."}
    )
    before = fields.Dict(required=True)
    after = fields.Dict(required=True)
    note = fields.String(allow_none=True, metadata={"description": "Why they are treated so."})


class BatchItemSchema(Schema):
    id = fields.Integer(required=True)
    position = fields.Integer(required=True)
    row = fields.Integer(allow_none=True, metadata={"description": "Item (or sheet row)."})
    participant_id = fields.Integer(allow_none=True)
    nik = fields.String(allow_none=True)
    kind = fields.String(allow_none=True)
    reason = fields.String(allow_none=True)
    effective_date = fields.Date(allow_none=True)
    event_date = fields.Date(allow_none=True)
    mandiri_class = fields.Integer(allow_none=True)
    phk_proof = fields.String(allow_none=True)
    death_certificate = fields.String(allow_none=True)
    note = fields.String(allow_none=True)
    has_error = fields.Boolean(required=True)
    issues = fields.List(fields.Nested(IssueSchema), required=True)
    notes = fields.List(fields.String(), required=True)
    changes = fields.List(
        fields.Nested(ChangeSchema),
        required=True,
        metadata={"description": "Everyone the item changes, before → after."},
    )


class BatchSchema(Schema):
    id = fields.Integer(required=True)
    status = fields.String(required=True, validate=validate.OneOf([s.value for s in BatchStatus]))
    message = fields.String(required=True, metadata={"description": "The status in words."})
    source = fields.String(required=True)
    title = fields.String(allow_none=True)
    created_by = fields.String(required=True)
    created_at = fields.DateTime(required=True)
    expires_at = fields.DateTime(
        allow_none=True, metadata={"description": "A draft can be applied until then."}
    )
    needs_approval = fields.Boolean(
        required=True,
        metadata={"description": "The employer requires an admin's approval (maker-checker)."},
    )
    submitted_at = fields.DateTime(allow_none=True)
    reviewed_by = fields.String(allow_none=True)
    review_note = fields.String(allow_none=True)
    applied_by = fields.String(allow_none=True)
    applied_at = fields.DateTime(allow_none=True)
    reverts_batch_id = fields.Integer(allow_none=True)
    reverted_by_batch_id = fields.Integer(allow_none=True)
    items_count = fields.Integer(required=True)
    error_items = fields.Integer(required=True)
    affected = fields.Integer(
        required=True, metadata={"description": "People whose membership changes."}
    )
    items = fields.List(fields.Nested(BatchItemSchema), required=True)
    next_cursor = fields.String(
        allow_none=True,
        required=True,
        metadata={"description": "More items: GET the batch with this `cursor`."},
    )
