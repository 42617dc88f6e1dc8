"""The API's documented shapes (OpenAPI, through flask-smorest): responses, query arguments
and request bodies. A person's cells are not validated here: they go as they came to the
roster row schema (`roster.schemas.load_row`, through `roster.people`), so the API reports
the same §5 codes as an upload of the same row. These schemas only describe and type them."""

from __future__ import annotations

from marshmallow import EXCLUDE, Schema, fields, validate

from edabu_lite.roster.models import Relationship, Segment, Status
from edabu_lite.roster.people import EDITABLE_FIELDS


class IssueSchema(Schema):
    row = fields.Integer(allow_none=True)
    column = fields.String(allow_none=True)
    code = fields.String(required=True, metadata={"description": "contract §5 code"})
    severity = fields.String(required=True, validate=validate.OneOf(["error", "warning"]))
    message = fields.String(required=True)


class ErrorSchema(Schema):
    """Every error: 401, 403, 404, 412, 422, 429 and the rest."""

    code = fields.String(required=True)
    message = fields.String(required=True)
    issues = fields.List(fields.Nested(IssueSchema), required=True)


class PageArgs(Schema):
    class Meta:
        unknown = EXCLUDE

    limit = fields.Integer(
        load_default=100,
        validate=validate.Range(1, 500),
        metadata={"description": "Items per page (1–500)."},
    )
    cursor = fields.String(
        load_default=None,
        validate=validate.Length(max=200),
        metadata={"description": "`next_cursor` of the previous page."},
    )


class ParticipantArgs(PageArgs):
    q = fields.String(
        validate=validate.Length(max=100),
        metadata={"description": "Name, employee number, or a NIK/KK prefix (4+ digits)."},
    )
    status = fields.String(
        validate=validate.OneOf([s.value for s in Status]),
        metadata={"description": "Status in effect today."},
    )
    kind = fields.String(validate=validate.OneOf(["worker", "dependant"]))
    segment = fields.String(validate=validate.OneOf([s.value for s in Segment]))
    care_class = fields.Integer(validate=validate.OneOf([1, 2, 3]))


class ParticipantSchema(Schema):
    id = fields.Integer(required=True)
    nik = fields.String(allow_none=True, metadata={"description": "None: a newborn waiting"})
    kk = fields.String(required=True)
    name = fields.String(required=True)
    birth_place = fields.String(allow_none=True)
    birth_date = fields.Date(required=True)
    sex = fields.String(required=True)
    marital_status = fields.String(required=True)
    relationship = fields.String(
        required=True, validate=validate.OneOf([r.value for r in Relationship])
    )
    worker_id = fields.Integer(allow_none=True)
    employee_number = fields.String(allow_none=True)
    wage = fields.Integer(allow_none=True)
    care_class = fields.Integer(required=True)
    faskes_code = fields.String(required=True)
    start_date = fields.Date(allow_none=True)
    card_number = fields.String(allow_none=True)
    phone = fields.String(allow_none=True)
    email = fields.String(allow_none=True)
    in_school = fields.Boolean(allow_none=True)
    segment = fields.String(required=True)
    status = fields.String(required=True, metadata={"description": "In effect today."})
    scheduled_status = fields.String(
        allow_none=True, metadata={"description": "A status that takes effect later."}
    )
    scheduled_from = fields.Date(allow_none=True)
    end_date = fields.Date(allow_none=True)
    end_reason = fields.String(allow_none=True)
    mandiri_class = fields.Integer(allow_none=True)
    version = fields.Integer(required=True, metadata={"description": "Also the ETag."})


class ParticipantPageSchema(Schema):
    items = fields.List(fields.Nested(ParticipantSchema), required=True)
    next_cursor = fields.String(allow_none=True, required=True)


class SavedParticipantSchema(Schema):
    participant = fields.Nested(ParticipantSchema, required=True)
    warnings = fields.List(fields.Nested(IssueSchema), required=True)


def _cell(description: str) -> fields.Field:
    """A roster cell as sent: text, a number or a boolean; the row schema reads it."""
    return fields.Raw(allow_none=True, metadata={"description": description})


_CELLS = {
    "nik": "NIK, 16 digits as text (empty for a newborn waiting for one).",
    "kk": "Nomor KK, 16 digits as text.",
    "name": "Full name as on the KTP/KK.",
    "birth_place": "Place of birth.",
    "birth_date": "YYYY-MM-DD.",
    "sex": "L or P.",
    "marital_status": "Belum Kawin, Kawin, Cerai Hidup, Cerai Mati.",
    "relationship": "Peserta, Suami, Istri, Anak, Ayah, Ibu, Mertua.",
    "worker_nik": "A dependant's worker (their NIK).",
    "employee_number": "NIP/NIK karyawan.",
    "wage": "Monthly wage in whole Rupiah (workers).",
    "care_class": "1, 2 or 3.",
    "faskes_code": "Kode faskes tingkat pertama.",
    "start_date": "TMT, YYYY-MM-DD.",
    "card_number": "Nomor kartu JKN, 13 digits as text.",
    "phone": "Phone number.",
    "email": "E-mail address.",
    "in_school": "Children 21–25: still in school (true/false).",
}


NewParticipantSchema = Schema.from_dict(
    {key: _cell(text) for key, text in _CELLS.items()}, name="NewParticipant"
)

ParticipantChangeSchema = Schema.from_dict(
    {
        **{key: _cell(_CELLS[key]) for key in EDITABLE_FIELDS},
        "effective_from": fields.Date(
            metadata={"description": "A wage or class change counts from this month (1st)."}
        ),
    },
    name="ParticipantChange",
)
