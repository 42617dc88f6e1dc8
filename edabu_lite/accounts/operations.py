"""Use cases for employers and users: create, log in (with lockout), change, disable.

Each function takes the acting ``Actor``, writes its audit event in the same transaction as
the change, and commits. Views and CLI commands only translate their input into these calls.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Session

from edabu_lite.accounts.models import Employer, Role, User, UserSession
from edabu_lite.audit.operations import Actor, Change, record
from edabu_lite.database import utcnow

MIN_PASSWORD_LENGTH = 10
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


def check_password_policy(password: str, username: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError("password.too_short", min=MIN_PASSWORD_LENGTH)
    if password.strip().lower() == username.strip().lower():
        raise AccountError("password.same_as_username")


def create_user(
    session: Session,
    employer: Employer,
    username: str,
    password: str,
    role: Role | str,
    actor: Actor,
    *,
    full_name: str | None = None,
) -> User:
    username = username.strip()
    if not username or len(username) > 80 or any(ch.isspace() for ch in username):
        raise AccountError("user.username_invalid")
    try:
        role = Role(role)
    except ValueError as exc:
        raise AccountError("user.role_invalid", role=str(role)) from exc
    check_password_policy(password, username)
    exists = session.execute(
        sa.select(User.id).where(User.employer_id == employer.id, User.username == username)
    ).first()
    if exists:
        raise AccountError("user.exists", username=username)
    user = User(employer_id=employer.id, username=username, role=role, full_name=full_name)
    user.set_password(password)
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
    LOCKED = "locked"
    DISABLED = "disabled"


@dataclass(frozen=True, slots=True)
class LoginResult:
    outcome: LoginOutcome
    user: User | None = None
    locked_until: datetime | None = None


def authenticate(
    session: Session,
    employer_code: str,
    username: str,
    password: str,
    client_addr: str | None,
    *,
    threshold: int = 5,
    lock_minutes: int = 15,
) -> LoginResult:
    """Check a login; count failures, lock after ``threshold`` of them for ``lock_minutes``."""
    employer = find_employer(session, employer_code)
    user = None
    if employer is not None:
        user = session.execute(
            sa.select(User).where(
                User.employer_id == employer.id, User.username == username.strip()
            )
        ).scalar_one_or_none()
    if user is None:
        return LoginResult(LoginOutcome.INVALID)
    actor = Actor(user.username, "web", user.id, client_addr)
    now = utcnow()
    if user.is_locked(now):
        return LoginResult(LoginOutcome.LOCKED, locked_until=user.locked_until)
    if not user.check_password(password):
        return _failed_login(session, user, actor, now, threshold, lock_minutes)
    if not user.active:
        return LoginResult(LoginOutcome.DISABLED)
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now
    record(session, user.employer_id, actor, Change("auth.login", "user", user.id, user.username))
    session.commit()
    return LoginResult(LoginOutcome.OK, user)


def _failed_login(
    session: Session, user: User, actor: Actor, now: datetime, threshold: int, lock_minutes: int
) -> LoginResult:
    user.failed_logins += 1
    record(
        session,
        user.employer_id,
        actor,
        Change(
            "auth.login_failed",
            "user",
            user.id,
            user.username,
            after={"failed_logins": user.failed_logins},
        ),
    )
    if user.failed_logins >= threshold:
        user.locked_until = now + timedelta(minutes=lock_minutes)
        user.failed_logins = 0
        record(
            session,
            user.employer_id,
            actor,
            Change(
                "auth.lockout",
                "user",
                user.id,
                user.username,
                after={"locked_until": user.locked_until},
            ),
        )
        session.commit()
        return LoginResult(LoginOutcome.LOCKED, locked_until=user.locked_until)
    session.commit()
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
            user.failed_logins, user.locked_until = 0, None
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
    check_password_policy(new, user.username)
    user.set_password(new)
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


def reset_password(session: Session, user: User, new: str, actor: Actor) -> None:
    """An admin (or the CLI) sets a user's password; unlocks the account."""
    check_password_policy(new, user.username)
    user.set_password(new)
    _end_all_sessions(session, user)
    user.failed_logins, user.locked_until = 0, None
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
    """End a lockout after failed logins, keeping the password (audited)."""
    user.failed_logins = 0
    user.locked_until = None
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
