"""Server-side role checks, tenancy scoping and response hardening for the web layer.

Every view that touches data goes through ``scoped`` / ``get_scoped_or_404`` so a user only
ever sees their own employer's rows: another employer's id in a URL answers 404, not 403,
so ids of other tenants cannot even be probed.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import abort, request
from flask_login import current_user, login_required
from werkzeug.routing import IntegerConverter, Map

from edabu_lite.accounts.models import Role
from edabu_lite.audit.operations import Actor
from edabu_lite.extensions import db

F = TypeVar("F", bound=Callable[..., Any])
M = TypeVar("M")


#: The largest id a row can have (ids are INTEGER: 32 bits on PostgreSQL).
MAX_ID = 2**31 - 1


def role_required(needed: Role) -> Callable[[F], F]:
    """Login plus at least ``needed`` (admin ⊇ operator ⊇ viewer); 403 otherwise."""

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if not current_user.can(needed):
                abort(403)
            return view(*args, **kwargs)

        guarded = login_required(wrapper)
        guarded.required_role = needed  # read by the route-walking role/tenancy tests
        return guarded  # type: ignore[return-value]

    return decorator


def scoped(model: type[M]) -> sa.Select:
    """SELECT of ``model`` limited to the logged-in user's employer."""
    return sa.select(model).where(model.employer_id == current_user.employer_id)  # type: ignore[attr-defined]


def get_scoped_or_404(model: type[M], object_id: int) -> M:
    obj = db.session.execute(scoped(model).where(model.id == object_id)).scalar_one_or_none()  # type: ignore[attr-defined]
    if obj is None:
        abort(404)
    return obj


def safe_path(target: str | None, default: str) -> str:
    """``target`` when it is a path on this site, else ``default``. Browsers drop tabs and
    line breaks from a Location and read a backslash as ``/``, so ``/%09/evil.example`` (a
    tab) would lead off-site: any such character, a scheme or a host refuses the target."""
    if not target or any(ch.isspace() or ord(ch) < 32 or ch in "\\\x7f" for ch in target):
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return default
    return target


def refuse_nul_characters() -> None:
    """A NUL character in a query or form value is never something a person typed, and
    PostgreSQL text cannot hold one (the query would fail): refuse the request as bad."""
    if b"\x00" in request.query_string or b"%00" in request.query_string.lower():
        abort(400)
    if request.mimetype != "multipart/form-data" and any(
        "\x00" in value for value in request.form.values()
    ):
        abort(400)


def client_addr() -> str | None:
    return request.remote_addr


def web_actor() -> Actor:
    """The logged-in user as the actor of an audited change."""
    return Actor(current_user.username, "web", current_user.id, client_addr())


def harden_response(response):  # type: ignore[no-untyped-def]
    """Headers every page gets: no sniffing, no framing, no referrer leak, own-origin only."""
    headers = response.headers
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault(
        "Content-Security-Policy",
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "frame-ancestors 'none'; form-action 'self'; base-uri 'self'",
    )
    if request.endpoint and request.endpoint != "static":
        # Pages and downloads carry personal data: never stored by a browser or proxy (the
        # downloads' own "no-cache" still let a browser keep the file).
        headers["Cache-Control"] = "no-store"
    return response


class IdConverter(IntegerConverter):
    """``<int:…>`` in every route, bounded to what a database id can be: a number past it
    is no object's id, so it is a 404 at routing instead of an overflow in the driver."""

    def __init__(self, url_map: Map, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", MAX_ID)
        super().__init__(url_map, *args, **kwargs)
