"""Paging for every list, preview and history page.

One place decides how a ``?page=`` from the address bar is read, so no list can answer a 500
to a page number that is huge, negative or not a number, and a page past the last shows the
last page (a list that shrank since the link was made still shows its end). The pager's
links are built from the request's own endpoint and path arguments, so a page with an id in
its path (an import's preview, a batch) keeps it.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask import request, url_for
from sqlalchemy.orm import Session

from edabu_lite import memo

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
    #: The attributes of the list's order when it pages by keyset (see `paginate`).
    keys: tuple[str, ...] = ()

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

    # The pager's links. With a keyset they name the row to continue after (or before), so
    # the next page is an index probe however deep it lies; the page number rides along
    # for the "page N of M" the user reads.
    @property
    def first_url(self) -> str:
        return page_url(1)

    @property
    def prev_url(self) -> str:
        if not self.has_prev:
            return page_url(1)
        if self.keys and self.items:
            return page_url(self.page - 1, **{BEFORE: _cursor(self.items[0], self.keys)})
        return page_url(self.page - 1)

    @property
    def next_url(self) -> str:
        if not self.has_next:
            return page_url(self.page)
        if self.keys and self.items:
            return page_url(self.page + 1, **{AFTER: _cursor(self.items[-1], self.keys)})
        return page_url(self.page + 1)

    @property
    def last_url(self) -> str:
        if self.keys:
            return page_url(self.pages, **{END: "1"})
        return page_url(self.pages)


#: Query parameters of keyset links: continue after / before a row, or the list's end.
AFTER, BEFORE, END = "setelah", "sebelum", "akhir"


def page_url(number: int, **cursor: str) -> str:
    """The current request's address (endpoint, path arguments, query) with ``page=number``
    and the given cursor instead of any it had."""
    args = {k: v for k, v in request.args.to_dict().items() if k not in (AFTER, BEFORE, END)}
    return url_for(request.endpoint, **{**request.view_args, **args, "page": number, **cursor})


def _cursor(row: object, keys: Sequence[str]) -> str:
    return "~".join(str(getattr(row, key)) for key in keys)


def _values(text: str, columns: Sequence[sa.ColumnElement[Any]]) -> list[Any] | None:
    """A cursor's values typed as their columns, or None when it is not one of ours."""
    parts = text.split("~")
    if len(parts) != len(columns):
        return None
    values: list[Any] = []
    for part, column in zip(parts, columns, strict=True):
        if column.type.python_type is int:
            if not (part.isascii() and part.lstrip("-").isdigit()) or len(part) > 18:
                return None
            values.append(int(part))
        else:
            values.append(part)
    return values


def count(session: Session, stmt: sa.Select, key: Hashable | None = None) -> int:
    """How many rows ``stmt`` selects. With ``key``, a count made before under the same key
    is reused: the caller puts into the key whatever changes when the rows do (an employer's
    audit sequence, which every change to its people moves; a finished job's id and
    creation time), so a list of 300,000 people is not counted again on every page."""

    def counted() -> int:
        query = sa.select(sa.func.count()).select_from(stmt.order_by(None).subquery())
        return session.scalar(query) or 0

    return counted() if key is None else memo.remember(("count", key), counted)


def paginate(
    session: Session,
    stmt: sa.Select,
    per_page: int,
    page: int | None = None,
    *,
    total: int | None = None,
    count_key: Hashable | None = None,
    id_column: sa.ColumnElement[Any] | None = None,
    keyset: Sequence[sa.ColumnElement[Any]] = (),
) -> Page:
    """The page of ``stmt`` asked for in the request (or ``page``), clamped to the last one.

    ``total`` when the caller knows it, else counted (see `count` for ``count_key``). With
    ``id_column`` a deep page is found by its ids first (an index-only walk past the rows
    before it), then only its own rows are read: OFFSET 250,000 over whole rows read every
    skipped row. With ``keyset`` (the columns ``stmt`` is ordered by, ascending, not null,
    unique together) the pager's own links continue after or before a row instead: any
    page it leads to costs what the first one does."""
    wanted = page_number(request.args) if page is None else page
    if total is None:
        total = count(session, stmt, count_key)
    last = max(1, math.ceil(total / per_page))
    number = min(wanted, last)
    keys = tuple(column.key for column in keyset)
    if keyset and number == wanted and number > 1:
        items = _by_keyset(session, stmt, keyset, per_page, total, number)
        if items is not None:
            return Page(items=items, page=number, per_page=per_page, total=total, keys=keys)
    offset = (number - 1) * per_page
    if id_column is None or offset == 0:
        items = _fetch(session, stmt.limit(per_page).offset(offset))
    else:
        ids = session.scalars(stmt.with_only_columns(id_column).limit(per_page).offset(offset))
        items = _by_ids(session, stmt, id_column, list(ids))
    return Page(items=items, page=number, per_page=per_page, total=total, keys=keys)


def paginate_found(session: Session, stmt: sa.Select, per_page: int) -> Page:
    """The page asked for of ``stmt`` (one entity, ordered), for a list that is found by a
    scan of a whole table and is usually short, such as the people also active at another
    employer: its ids are read in one pass, which gives the count too, then only the page's
    rows. (Counting, then reading the page, would scan the table twice.)"""
    id_column = sa.inspect(stmt.column_descriptions[0]["entity"]).primary_key[0]
    ids = list(session.scalars(stmt.with_only_columns(id_column)))
    number = min(page_number(request.args), max(1, math.ceil(len(ids) / per_page)))
    wanted = ids[(number - 1) * per_page : number * per_page]
    items = _by_ids(session, stmt, id_column, wanted)
    return Page(items=items, page=number, per_page=per_page, total=len(ids))


def _by_ids(
    session: Session, stmt: sa.Select, id_column: sa.ColumnElement[Any], ids: Sequence[Any]
) -> list[Any]:
    """The rows of ``stmt``'s entity with these ids, in their order. By id alone: the ids
    come from ``stmt`` (scoped already), and with its filters again the planner may walk
    them all instead of looking up fifty rows."""
    entity = stmt.column_descriptions[0]["entity"]
    rows = session.scalars(sa.select(entity).where(id_column.in_(ids)))
    found = {getattr(row, id_column.key): row for row in rows}
    return [found[i] for i in ids if i in found]


def _fetch(session: Session, stmt: sa.Select) -> list[Any]:
    """A list of one entity (or column) gives its objects; of several columns, its rows."""
    if len(stmt.selected_columns) == 1 or stmt.column_descriptions[0].get("entity") is not None:
        return list(session.scalars(stmt))
    return list(session.execute(stmt))


def _by_keyset(
    session: Session,
    stmt: sa.Select,
    keyset: Sequence[sa.ColumnElement[Any]],
    per_page: int,
    total: int,
    number: int,
) -> list[Any] | None:
    """The page a keyset link asks for, or None for an address without a usable cursor."""
    args = request.args
    row = sa.tuple_(*keyset)
    if args.get(END) and number == max(1, math.ceil(total / per_page)):
        size = total - (number - 1) * per_page
        backwards = stmt.order_by(None).order_by(*(c.desc() for c in keyset)).limit(size)
        return list(reversed(_fetch(session, backwards)))
    after = _values(args.get(AFTER, ""), keyset)
    if after is not None:
        return _fetch(session, stmt.where(row > sa.tuple_(*after)).limit(per_page))
    before = _values(args.get(BEFORE, ""), keyset)
    if before is not None:
        backwards = stmt.where(row < sa.tuple_(*before)).order_by(None)
        backwards = backwards.order_by(*(c.desc() for c in keyset)).limit(per_page)
        return list(reversed(_fetch(session, backwards)))
    return None
