"""``/api/v1/iuran/{YYYY-MM}``: the month's contribution as `edabu iuran --json` gives it
(contract §4, the same `bill_for`), and its per-worker lines paged by cursor."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask_babel import gettext as _
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from edabu_lite.accounts.models import Role
from edabu_lite.api import auth, paging
from edabu_lite.api.errors import ApiError, request_issue
from edabu_lite.api.schemas import ErrorSchema, PageArgs
from edabu_lite.api.setup import guarded
from edabu_lite.contributions import operations as contributions
from edabu_lite.extensions import db

blp = guarded(
    Blueprint(
        "iuran",
        __name__,
        url_prefix="/iuran",
        description="Rincian Iuran: the month's contribution (contract §4).",
    )
)


class BillSchema(Schema):
    employer = fields.String(required=True)
    month = fields.String(required=True, metadata={"description": "YYYY-MM"})
    workers = fields.Integer(required=True)
    covered = fields.Integer(required=True)
    extra_members = fields.Integer(required=True)
    employer_share = fields.Integer(required=True)
    worker_share = fields.Integer(required=True)
    extra_family = fields.Integer(required=True)
    total = fields.Integer(required=True)


class LineSchema(Schema):
    participant_id = fields.Integer(required=True)
    nik = fields.String(allow_none=True, required=True)
    name = fields.String(required=True)
    employee_number = fields.String(allow_none=True)
    wage = fields.Integer(required=True, metadata={"description": "The month's wage"})
    base = fields.Integer(required=True, metadata={"description": "Floored and capped"})
    dependants = fields.Integer(required=True)
    extra_members = fields.Integer(required=True)
    employer_share = fields.Integer(required=True)
    worker_share = fields.Integer(required=True)
    extra_family = fields.Integer(required=True)
    total = fields.Integer(required=True)


class LinePageSchema(Schema):
    month = fields.String(required=True)
    items = fields.List(fields.Nested(LineSchema), required=True)
    next_cursor = fields.String(allow_none=True, required=True)


@blp.route("/<month>", methods=["GET"])
@auth.token_required(Role.VIEWER)
@blp.response(200, BillSchema)
@blp.alt_response(422, schema=ErrorSchema)
def bill(month: str) -> dict[str, Any]:
    """The month's totals: workers, people covered, extra members, shares, total."""
    employer = auth.employer()
    found = contributions.bill_for(db.session, employer, _month(month))
    return found.as_json(employer.code)


@blp.route("/<month>/lines", methods=["GET"])
@auth.token_required(Role.VIEWER)
@blp.arguments(PageArgs, location="query", as_kwargs=True)
@blp.response(200, LinePageSchema)
@blp.alt_response(422, schema=ErrorSchema)
def lines(month: str, limit: int, cursor: str | None) -> dict[str, Any]:
    """Each counted worker's line, in id order; page on with `next_cursor`."""
    first = _month(month)
    after = paging.decode(cursor)
    rows = contributions.lines_after(db.session, auth.employer(), first, after, limit + 1)
    more = len(rows) > limit
    rows = rows[:limit]
    return {
        "month": f"{first:%Y-%m}",
        "items": [{"participant_id": r.id, **r._mapping} for r in rows],
        "next_cursor": paging.encode(rows[-1].id) if more else None,
    }


def _month(text: str) -> date:
    month = contributions.parse_month(text)
    if month is None:
        raise ApiError(
            422,
            "request.invalid",
            _("Bulan %(month)s tidak dikenali. Tulis YYYY-MM, misalnya 2027-01.", month=text[:20]),
            [request_issue("month", _("Tulis bulan sebagai YYYY-MM."))],
        )
    return month
