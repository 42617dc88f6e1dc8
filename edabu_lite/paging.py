"""Paging for every list, preview and history page.

One place decides how a ``?page=`` from the address bar is read, so no list can answer a 500
to a page number that is huge, negative or not a number, and a page past the last shows the
last page (a list that shrank since the link was made still shows its end). The pager's
links are built from the request's own endpoint and path arguments, so a page with an id in
its path (an import's preview, a batch) keeps it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask import request, url_for
from sqlalchemy.orm import Session

#: Bigger page numbers are read as this one (then clamped to the last page): a number the
#: database cannot take as an OFFSET never reaches it.
MAX_PAGE = 1_000_000


def page_number(args: Mapping[str, str], key: str = "page") -> int:
    """The page asked for, 1 when absent or not a positive whole number."""
    raw = (args.get(key) or "").strip()
    if not raw.isascii() or not raw.isdigit():
        return 1
    if len(raw) > len(str(MAX_PAGE)):
        return MAX_PAGE
    return max(1, min(int(raw), MAX_PAGE))


@dataclass(frozen=True, slots=True)
class Page:
    """One page of a list: its rows, where it is, and the links to its neighbours."""

    items: Sequence[Any]
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def first_index(self) -> int:
        """The 1-based position of the page's first row (0 for an empty list)."""
        return (self.page - 1) * self.per_page + 1 if self.total else 0

    @property
    def last_index(self) -> int:
        return (self.page - 1) * self.per_page + len(self.items)

    def url(self, number: int) -> str:
        """This page's address with another page number, filters kept."""
        return page_url(number)


def page_url(number: int) -> str:
    """The current request's address (endpoint, path arguments, query) with ``page=number``."""
    args = {**request.view_args, **request.args.to_dict(), "page": number}
    return url_for(request.endpoint, **args)


def paginate(session: Session, stmt: sa.Select, per_page: int, page: int | None = None) -> Page:
    """The page of ``stmt`` asked for in the request (or ``page``), clamped to the last one."""
    wanted = page_number(request.args) if page is None else page
    total = (
        session.scalar(sa.select(sa.func.count()).select_from(stmt.order_by(None).subquery())) or 0
    )
    last = max(1, math.ceil(total / per_page))
    number = min(wanted, last)
    items = session.scalars(stmt.limit(per_page).offset((number - 1) * per_page)).all()
    return Page(items=items, page=number, per_page=per_page, total=total)
