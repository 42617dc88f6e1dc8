"""Who calls the API: the bearer token of each request, its employer and role.

Every endpoint is wrapped by `token_required` with the least role it needs; the token is
looked up before anything else, so a request without a usable token learns nothing (401),
and an object of another employer is a 404 exactly like one that does not exist. Session
cookies are never read here: a browser logged in to the web cannot be made to call the API
(the API is exempt from CSRF because it takes no cookies)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import request
from flask_babel import gettext as _

from edabu_lite.accounts.models import Employer, Role
from edabu_lite.actor import Actor
from edabu_lite.api.errors import ApiError
from edabu_lite.api.models import ApiToken
from edabu_lite.api.tokens import authenticate, digest
from edabu_lite.database import utcnow
from edabu_lite.extensions import db

F = TypeVar("F", bound=Callable[..., Any])

# Kept on the request itself (its WSGI environ), not on `flask.g`: `g` belongs to the app
# context, which a caller holding one open (a test, a script) shares across requests.
_TOKEN = "edabu.api_token"  # noqa: S105 - an environ key, not a secret
_EMPLOYER = "edabu.api_employer"
_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="edabu_lite"'}


def token_required(needed: Role) -> Callable[[F], F]:
    """A usable bearer token whose role allows ``needed``; 401 / 403 otherwise."""

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            token = current_token()
            if not Role(token.role).allows(needed):
                raise ApiError(
                    403,
                    "auth.forbidden",
                    _("Peran token (%(role)s) tidak mengizinkan tindakan ini.", role=token.role),
                )
            return view(*args, **kwargs)

        wrapper.required_role = needed  # type: ignore[attr-defined]  # the walking tests read it
        return wrapper  # type: ignore[return-value]

    return decorator


def current_token() -> ApiToken:
    """The request's token (looked up once per request); raises the 401."""
    token = request.environ.get(_TOKEN)
    if token is not None:
        return token  # type: ignore[no-any-return]
    header = request.headers.get("Authorization", "")
    scheme, _sep, secret = header.partition(" ")
    if not header:
        raise ApiError(
            401,
            "auth.required",
            _("Sertakan token API: header Authorization: Bearer TOKEN."),
            headers=_CHALLENGE,
        )
    found = authenticate(db.session, secret.strip(), utcnow()) if scheme == "Bearer" else None
    if found is None:
        raise ApiError(
            401,
            "auth.invalid_token",
            _("Token API tidak sah, sudah dicabut atau kedaluwarsa. Minta token baru dari admin."),
            headers=_CHALLENGE,
        )
    request.environ[_TOKEN] = found
    return found


def employer() -> Employer:
    """The token's employer (every query of an endpoint is scoped to it)."""
    found = request.environ.get(_EMPLOYER)
    if found is None:
        found = request.environ[_EMPLOYER] = db.session.get(Employer, current_token().employer_id)
    return found  # type: ignore[no-any-return]


def actor() -> Actor:
    """The token as the audit trail names it: ``token:NAME``, source ``api``."""
    token = current_token()
    return Actor(f"token:{token.name}", "api", None, request.remote_addr)


def rate_key() -> str:
    """Flask-Limiter's key, worked out before the token is looked up: the token's own hash
    (the same in every process), else the client's address."""
    scheme, _sep, secret = request.headers.get("Authorization", "").partition(" ")
    if scheme == "Bearer" and secret.strip():
        return "token:" + digest(secret.strip())[:32]
    return f"address:{request.remote_addr}"
