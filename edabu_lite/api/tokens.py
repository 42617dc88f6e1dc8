"""API tokens: create (the token is shown once), list, revoke, and find the token a request
carries. Creating and revoking are audited like any other change of the employer's setup."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from edabu_lite.accounts.models import Employer, Role
from edabu_lite.actor import Actor
from edabu_lite.api.models import ApiToken
from edabu_lite.audit.operations import Change, record
from edabu_lite.database import utcnow

#: Roles a token may carry: an HR system imports and changes people, or only reads.
#: Approving batches and managing users stay with people (admins on the web).
TOKEN_ROLES: Final = (Role.OPERATOR.value, Role.VIEWER.value)
#: Every token starts with this, so a leaked one is recognisable (secret scanners).
PREFIX: Final = "edabu_"
SHOWN_CHARS: Final = len(PREFIX) + 6
#: "Last used" is written at most this often per token, not on every request.
LAST_USED_EVERY: Final = timedelta(minutes=1)
MAX_NAME: Final = 100


class TokenError(ValueError):
    """A token request refused; ``code`` is stable, the caller words the message."""

    def __init__(self, code: str, **params: object) -> None:
        super().__init__(code)
        self.code = code
        self.params = params


@dataclass(frozen=True, slots=True)
class NewToken:
    token: ApiToken
    secret: str  # the whole token: shown once, never stored


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def create_token(
    session: Session,
    employer: Employer,
    name: str,
    role: str,
    actor: Actor,
    *,
    days: int | None = None,
) -> NewToken:
    """A new token for ``employer``; ``days``: it expires after that many days (None: never).
    Commits, with its audit event."""
    name = " ".join(name.split())
    if not name or len(name) > MAX_NAME:
        raise TokenError("token.name_invalid", max=MAX_NAME)
    if role not in TOKEN_ROLES:
        raise TokenError("token.role_invalid", roles=", ".join(TOKEN_ROLES))
    if days is not None and not 1 <= days <= 3660:
        raise TokenError("token.days_invalid")
    if _active_named(session, employer.id, name) is not None:
        raise TokenError("token.name_taken", name=name)
    secret = PREFIX + secrets.token_urlsafe(32)
    now = utcnow()
    token = ApiToken(
        employer_id=employer.id,
        name=name,
        role=role,
        token_hash=digest(secret),
        prefix=secret[:SHOWN_CHARS],
        created_at=now,
        created_by=actor.name[:200],
        expires_at=now + timedelta(days=days) if days else None,
    )
    session.add(token)
    session.flush()
    record(session, employer.id, actor, _change("api_token.create", token))
    session.commit()
    return NewToken(token, secret)


def revoke_token(session: Session, employer_id: int, token_id: int, actor: Actor) -> ApiToken:
    """Revoke one of the employer's tokens (at once: the next request with it is a 401)."""
    token = session.execute(
        sa.select(ApiToken)
        .where(ApiToken.employer_id == employer_id, ApiToken.id == token_id)
        .with_for_update()
    ).scalar_one_or_none()
    if token is None:
        raise TokenError("token.not_found")
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        record(session, employer_id, actor, _change("api_token.revoke", token))
    session.commit()
    return token


def find_named(session: Session, employer_id: int, name: str) -> ApiToken | None:
    """The employer's usable token called ``name`` (the CLI revokes by name)."""
    return _active_named(session, employer_id, " ".join(name.split()))


def tokens_of(session: Session, employer_id: int) -> list[ApiToken]:
    """The employer's tokens, usable ones first, newest first."""
    return list(
        session.scalars(
            sa.select(ApiToken)
            .where(ApiToken.employer_id == employer_id)
            .order_by(ApiToken.revoked_at.is_not(None), ApiToken.created_at.desc())
        )
    )


def authenticate(session: Session, secret: str, now: datetime) -> ApiToken | None:
    """The usable token ``secret`` is, else None; notes its use (at most once a minute)."""
    if not secret.startswith(PREFIX) or len(secret) > 200:
        return None
    token = session.execute(
        sa.select(ApiToken).where(ApiToken.token_hash == digest(secret))
    ).scalar_one_or_none()
    if token is None or not token.usable(now):
        return None
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_EVERY:
        session.execute(sa.update(ApiToken).where(ApiToken.id == token.id).values(last_used_at=now))
        session.commit()
    return token


def _active_named(session: Session, employer_id: int, name: str) -> ApiToken | None:
    now = utcnow()
    for token in session.scalars(
        sa.select(ApiToken).where(ApiToken.employer_id == employer_id, ApiToken.name == name)
    ):
        if token.usable(now):
            return token
    return None


def _change(action: str, token: ApiToken) -> Change:
    after = {"name": token.name, "role": token.role, "prefix": token.prefix}
    if token.expires_at is not None:
        after["expires_at"] = token.expires_at.isoformat(timespec="seconds")
    return Change(action, "api_token", token.id, token.name, after=after)


def error_message(error: TokenError) -> str:
    """The refusal in the user's language (the CLI and the admin page)."""
    messages = {
        "token.name_invalid": _("Nama token wajib diisi, paling banyak %(max)s karakter."),
        "token.role_invalid": _("Peran token harus salah satu dari: %(roles)s."),
        "token.days_invalid": _("Masa berlaku token harus 1–3660 hari."),
        "token.name_taken": _(
            "Sudah ada token aktif bernama %(name)s. Pilih nama lain atau cabut token itu dulu."
        ),
        "token.not_found": _("Token tidak ditemukan."),
    }
    return messages[error.code] % error.params if error.params else messages[error.code]
