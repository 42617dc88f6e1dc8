"""Use cases for employers and users: create, log in (with lockout), change, disable.

Each function takes the acting ``Actor``, writes its audit event in the same transaction as
the change, and commits. Views and CLI commands only translate their input into these calls.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Session
from zxcvbn import zxcvbn

from edabu_lite.accounts.models import Employer, Role, User, UserSession
from edabu_lite.accounts.throttle import (
    Throttle,
    account_name,
    address,
    check_password,
    clear_user,
    forget,
    record_failure,
    refusal,
)
from edabu_lite.audit.operations import Actor, Change, record
from edabu_lite.database import utcnow

MIN_PASSWORD_LENGTH = 12
#: zxcvbn's score (0-4) a password needs: 3 is "safely unguessable" (about 10^10 guesses).
MIN_PASSWORD_SCORE = 3
EMPLOYER_CODE_MAX = 20


class AccountError(ValueError):
    """A request the accounts rules refuse; ``code`` is stable, the view words the message."""

    def __init__(self, code: str, /, **params: object) -> None:
        super().__init__(code)
        self.code = code
        self.params = params


def normalise_code(code: str) -> str:
    return code.strip().upper()


def find_employer(session: Session, code: str) -> Employer | None:
    return session.execute(
        sa.select(Employer).where(Employer.code == normalise_code(code))
    ).scalar_one_or_none()


def create_employer(
    session: Session, code: str, name: str, actor: Actor, *, minimum_wage: int | None = None
) -> Employer:
    code = normalise_code(code)
    if not code or len(code) > EMPLOYER_CODE_MAX or not code.isalnum():
        raise AccountError("employer.code_invalid", code=code)
    if not name.strip():
        raise AccountError("employer.name_required")
    if find_employer(session, code):
        raise AccountError("employer.exists", code=code)
    employer = Employer(code=code, name=name.strip(), minimum_wage=minimum_wage)
    session.add(employer)
    session.flush()
    record(
        session,
        employer.id,
        actor,
        Change(
            "employer.create",
            "employer",
            employer.id,
            code,
            after={"code": code, "name": employer.name, "minimum_wage": minimum_wage},
        ),
    )
    session.commit()
    return employer


def check_password_policy(password: str, username: str, context: Sequence[str] = ()) -> None:
    """At least `MIN_PASSWORD_LENGTH` characters and not easy to guess: zxcvbn, offline,
    knows common passwords, names, keyboard walks, repeats and dates, and is given the
    username, the person's and the employer's names (``context``) as words to avoid."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError("password.too_short", min=MIN_PASSWORD_LENGTH)
    if password.strip().lower() == username.strip().lower():
        raise AccountError("password.same_as_username")
    words = [username, *context, "edabu", "bpjs", "kesehatan", "jkn"]
    if zxcvbn(password[:100], user_inputs=[w for w in words if w])["score"] < MIN_PASSWORD_SCORE:
        raise AccountError("password.weak")


def _context(user: User) -> list[str]:
    employer = user.employer
    return [user.full_name or "", employer.code, employer.name]


def create_user(
    session: Session,
    employer: Employer,
    username: str,
    password: str,
    role: Role | str,
    actor: Actor,
    *,
    full_name: str | None = None,
    must_change: bool = False,
) -> User:
    """A new user. ``must_change``: an admin chose the password, the user replaces it at the
    first login."""
    username = username.strip()
    if not username or len(username) > 80 or any(ch.isspace() for ch in username):
        raise AccountError("user.username_invalid")
    try:
        role = Role(role)
    except ValueError as exc:
        raise AccountError("user.role_invalid", role=str(role)) from exc
    check_password_policy(password, username, [full_name or "", employer.code, employer.name])
    exists = session.execute(
        sa.select(User.id).where(User.employer_id == employer.id, User.username == username)
    ).first()
    if exists:
        raise AccountError("user.exists", username=username)
    user = User(employer_id=employer.id, username=username, role=role, full_name=full_name)
    user.set_password(password)
    user.must_change_password = must_change
    session.add(user)
    session.flush()
    record(
        session,
        employer.id,
        actor,
        Change(
            "user.create",
            "user",
            user.id,
            username,
            after={"username": username, "role": role.value, "full_name": full_name},
        ),
    )
    session.commit()
    return user


class LoginOutcome(StrEnum):
    OK = "ok"
    INVALID = "invalid"  # unknown employer/user or wrong password: one message for all
    LOCKED = "locked"  # this address, for this account name
    WAIT = "wait"  # this address failed before: try again after a few seconds
    DISABLED = "disabled"


@dataclass(frozen=True, slots=True)
class LoginResult:
    outcome: LoginOutcome
    user: User | None = None
    locked_until: datetime | None = None
    wait_seconds: int = 0


def authenticate(
    session: Session,
    employer_code: str,
    username: str,
    password: str,
    client_addr: str | None,
    *,
    throttle: Throttle | None = None,
) -> LoginResult:
    """Check a login (see `throttle` for the locks and waits). An unknown employer or user
    costs the same work and gets the same answers as a wrong password."""
    throttle = throttle or Throttle()
    now = utcnow()
    account, addr = account_name(employer_code, username), address(client_addr)
    refused = refusal(session, account, addr, now, throttle)
    if refused is not None:
        if refused.locked_until is not None:
            return LoginResult(LoginOutcome.LOCKED, locked_until=refused.locked_until)
        return LoginResult(LoginOutcome.WAIT, wait_seconds=refused.wait_seconds)
    employer = find_employer(session, employer_code)
    user = None
    if employer is not None:
        user = session.execute(
            sa.select(User).where(
                User.employer_id == employer.id, User.username == username.strip()
            )
        ).scalar_one_or_none()
    if not check_password(user, password):
        return _failed_login(session, employer, user, username, addr, account, now, throttle)
    assert user is not None  # a password matched
    if not user.active:
        return LoginResult(LoginOutcome.DISABLED)
    forget(session, account, addr)
    user.last_login_at = now
    actor = Actor(user.username, "web", user.id, client_addr)
    record(session, user.employer_id, actor, Change("auth.login", "user", user.id, user.username))
    session.commit()
    return LoginResult(LoginOutcome.OK, user)


def _failed_login(
    session: Session,
    employer: Employer | None,
    user: User | None,
    username: str,
    addr: str,
    account: str,
    now: datetime,
    throttle: Throttle,
) -> LoginResult:
    failure = record_failure(
        session,
        account,
        addr,
        now,
        throttle,
        employer_id=employer.id if employer else None,
        user_id=user.id if user else None,
    )
    label = username.strip()[:80]
    actor = Actor(label, "web", user.id if user else None, addr)
    if user is not None:
        record(
            session,
            user.employer_id,
            actor,
            Change(
                "auth.login_failed",
                "user",
                user.id,
                user.username,
                after={"failed_logins": failure.failures, "client_addr": addr},
            ),
        )
    if failure.locked_until is not None and employer is not None:
        # Recorded for unknown names too: someone is trying usernames at this employer.
        record(
            session,
            employer.id,
            actor,
            Change(
                "auth.lockout",
                "user",
                user.id if user else None,
                label,
                after={"client_addr": addr, "locked_until": failure.locked_until},
            ),
        )
    session.commit()
    if failure.locked_until is not None:
        return LoginResult(LoginOutcome.LOCKED, locked_until=failure.locked_until)
    return LoginResult(LoginOutcome.INVALID)


def record_logout(session: Session, user: User, actor: Actor) -> None:
    record(session, user.employer_id, actor, Change("auth.logout", "user", user.id, user.username))
    session.commit()


def _user_snapshot(user: User) -> dict[str, object]:
    return {"role": user.role.value, "active": user.active, "full_name": user.full_name}


def update_user(
    session: Session,
    user: User,
    actor: Actor,
    *,
    role: Role | str | None = None,
    active: bool | None = None,
    full_name: str | None = None,
) -> User:
    """Re-role, disable/enable or rename a user. An admin cannot demote or disable
    themself, so an employer is never left without an admin by accident."""
    before = _user_snapshot(user)
    if role is not None:
        try:
            role = Role(role)
        except ValueError as exc:
            raise AccountError("user.role_invalid", role=str(role)) from exc
    if user.id == actor.user_id and ((role is not None and role != user.role) or active is False):
        raise AccountError("user.self_change")
    if role is not None and role != user.role:
        user.role = role
        _end_all_sessions(session, user)  # sign in again with the new role
    if active is not None and active != user.active:
        user.active = active
        _end_all_sessions(session, user)  # a disabled user's open sessions end now
        if active:
            clear_user(session, user)
    if full_name is not None:
        user.full_name = full_name.strip() or None
    after = _user_snapshot(user)
    if after != before:
        record(
            session,
            user.employer_id,
            actor,
            Change(
                "user.update",
                "user",
                user.id,
                user.username,
                before=before,
                after=after,
            ),
        )
    session.commit()
    return user


def change_password(session: Session, user: User, current: str, new: str, actor: Actor) -> None:
    if not user.check_password(current):
        raise AccountError("password.current_wrong")
    if current == new:
        raise AccountError("password.unchanged")
    check_password_policy(new, user.username, _context(user))
    user.set_password(new)
    user.must_change_password = False
    _end_all_sessions(session, user)  # other sessions with the old password end
    record(
        session,
        user.employer_id,
        actor,
        Change(
            "user.password_change",
            "user",
            user.id,
            user.username,
        ),
    )
    session.commit()


def reset_password(
    session: Session, user: User, new: str, actor: Actor, *, must_change: bool = True
) -> None:
    """An admin (or the CLI) sets a user's password; unlocks the account. The user must
    choose their own at the next login unless ``must_change`` is False (the demo's)."""
    check_password_policy(new, user.username, _context(user))
    user.set_password(new)
    user.must_change_password = must_change
    _end_all_sessions(session, user)
    clear_user(session, user)
    record(
        session,
        user.employer_id,
        actor,
        Change(
            "user.password_reset",
            "user",
            user.id,
            user.username,
        ),
    )
    session.commit()


def set_locale(session: Session, user: User, locale: str) -> None:
    user.locale = locale
    session.commit()


def update_employer_settings(
    session: Session,
    employer: Employer,
    actor: Actor,
    *,
    name: str,
    minimum_wage: int | None,
    mutations_need_approval: bool,
) -> None:
    before = _employer_snapshot(employer)
    if not name.strip():
        raise AccountError("employer.name_required")
    if minimum_wage is not None and minimum_wage < 0:
        raise AccountError("employer.minimum_wage_invalid")
    if mutations_need_approval and not employer.mutations_need_approval:
        admins = active_admins(session, employer.id)
        if admins < 2:
            raise AccountError("employer.approval_needs_two_admins", admins=admins)
    employer.name = name.strip()
    employer.minimum_wage = minimum_wage
    employer.mutations_need_approval = mutations_need_approval
    after = _employer_snapshot(employer)
    if after != before:
        record(
            session,
            employer.id,
            actor,
            Change(
                "employer.update",
                "employer",
                employer.id,
                employer.code,
                before=before,
                after=after,
            ),
        )
    session.commit()


def active_admins(session: Session, employer_id: int) -> int:
    """Active admins of the employer: maker-checker needs a second one to approve."""
    return session.scalar(
        sa.select(sa.func.count()).where(
            User.employer_id == employer_id, User.role == Role.ADMIN, User.active
        )
    )


def unlock_user(session: Session, user: User, actor: Actor) -> None:
    """End a lockout after failed logins, from every address, keeping the password (audited)."""
    clear_user(session, user)
    record(session, user.employer_id, actor, Change("auth.unlock", "user", user.id, user.username))
    session.commit()


def session_key(token: str) -> str:
    """What the database keeps of a session's random token: its SHA-256."""
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(session: Session, user: User, addr: str | None) -> str:
    """Open a session for a login; returns the token the cookie carries."""
    token = secrets.token_urlsafe(32)
    session.add(UserSession(id=session_key(token), user_id=user.id, client_addr=addr))
    session.commit()
    return token


def session_open(session: Session, user: User, token: str | None) -> bool:
    """Whether the cookie's session is still open on the server for this user."""
    if not token:
        return False
    row = session.get(UserSession, session_key(token))
    return row is not None and row.user_id == user.id and row.ended_at is None


def end_session(session: Session, token: str | None) -> None:
    """End one session (logout): every copy of its cookie stops working."""
    if token:
        session.execute(
            sa.update(UserSession)
            .where(UserSession.id == session_key(token), UserSession.ended_at.is_(None))
            .values(ended_at=utcnow())
        )
        session.commit()


def _end_all_sessions(session: Session, user: User) -> None:
    session.execute(
        sa.update(UserSession)
        .where(UserSession.user_id == user.id, UserSession.ended_at.is_(None))
        .values(ended_at=utcnow())
    )
    user.session_epoch += 1


def sign_out_everywhere(session: Session, user: User, actor: Actor) -> None:
    """An admin's "keluarkan dari semua perangkat": every session of the user ends (audited)."""
    _end_all_sessions(session, user)
    record(
        session,
        user.employer_id,
        actor,
        Change("auth.sessions_ended", "user", user.id, user.username),
    )
    session.commit()


def _employer_snapshot(employer: Employer) -> dict[str, object]:
    return {
        "name": employer.name,
        "minimum_wage": employer.minimum_wage,
        "mutations_need_approval": employer.mutations_need_approval,
    }
