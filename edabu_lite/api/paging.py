"""Cursor paging for the API's lists: a page is the next ``limit`` rows after the last id of
the previous one, so page 3,000 costs what page 1 does (an index probe), and rows added or
removed meanwhile never shift a page. The cursor is opaque to clients."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Sequence
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from edabu_lite.api.errors import ApiError, request_issue


def decode(cursor: str | None) -> int:
    """The last id of the previous page (0: the first page); 422 for a cursor not ours."""
    if not cursor:
        return 0
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("ascii")
        kind, _sep, number = text.partition(":")
        if kind != "id" or not number.isdigit() or len(number) > 18:
            raise ValueError(text)
        return int(number)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise ApiError(
            422,
            "request.invalid",
            _("Cursor tidak sah: gunakan next_cursor dari halaman sebelumnya."),
            [request_issue("cursor", _("Cursor tidak sah."))],
        ) from None


def encode(last_id: int) -> str:
    return base64.urlsafe_b64encode(f"id:{last_id}".encode("ascii")).decode("ascii").rstrip("=")


def page(
    session: Session,
    stmt: sa.Select,
    id_column: Any,
    cursor: str | None,
    limit: int,
    *,
    key: Callable[[Any], int] | None = None,
    columns: bool = False,
) -> tuple[Sequence[Any], str | None]:
    """(rows, next cursor or None) of ``stmt`` in ``id_column`` order; ``key``: a row's
    value of ``id_column`` when that is not its ``id`` (a job's staged rows by sheet row);
    ``columns``: ``stmt`` selects columns (rows come back), not one entity (objects do)."""
    after = decode(cursor)
    found = session.execute(stmt.where(id_column > after).order_by(id_column).limit(limit + 1))
    rows = found.all() if columns else found.scalars().all()
    more = len(rows) > limit
    rows = rows[:limit]
    if not more:
        return rows, None
    return rows, encode(key(rows[-1]) if key else rows[-1].id)
