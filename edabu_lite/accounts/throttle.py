"""How failed logins slow down and lock out guessing, without letting a stranger lock out an
account's owner and without telling anyone whether an account exists.

* **Per account and address**: ``threshold`` failures from one address lock that address out
  of that account for ``lock_minutes`` (audited ``auth.lockout`` when the employer exists).
  The owner, logging in from anywhere else, is not affected.
* **Per account**: an address that has already failed must wait before its next try, the wait
  growing with the failures of the account from every address in the last ``lock_minutes``
  (1 s, 2 s, 4 s … up to ``max_delay``): guessing from many addresses slows down too, while
  an address with no failure (the owner's, usually) is never made to wait.
* **The same for every name**: failures are kept per account name as typed, whether or not
  such a user exists, and an unknown user's password is checked against a dummy hash, so the
  answers and their timing are the same.

An admin sees the locks on the users page and can clear them (audited ``auth.unlock``).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from edabu_lite.accounts.models import LoginFailure, User

ACCOUNT_MAX = 120


@dataclass(frozen=True, slots=True)
class Throttle:
    threshold: int = 5
    lock_minutes: int = 15
    max_delay: int = 60

    @property
    def window(self) -> timedelta:
        return timedelta(minutes=self.lock_minutes)


@dataclass(frozen=True, slots=True)
class Refusal:
    """Why a login is not even checked: locked until, or wait so many seconds."""

    locked_until: datetime | None = None
    wait_seconds: int = 0


def account_name(employer_code: str, username: str) -> str:
    return f"{employer_code.strip().upper()}/{username.strip().lower()}"[:ACCOUNT_MAX]


def address(client_addr: str | None) -> str:
    return (client_addr or "-")[:64]


@functools.cache
def _dummy_hash() -> str:
    return generate_password_hash("no user has this password", method="scrypt")


def check_password(user: User | None, password: str) -> bool:
    """The user's password check, or the same work against a dummy hash when there is none."""
    if user is None:
        check_password_hash(_dummy_hash(), password)
        return False
    return user.check_password(password)


def refusal(
    session: Session, account: str, addr: str, now: datetime, throttle: Throttle
) -> Refusal | None:
    rows = _recent(session, account, now, throttle)
    mine = next((row for row in rows if row.client_addr == addr), None)
    if mine is None:
        return None
    if mine.locked_until is not None and mine.locked_until > now:
        return Refusal(locked_until=mine.locked_until)
    wait = _delay(rows, now, throttle) - (now - mine.last_failed_at).total_seconds()
    return Refusal(wait_seconds=int(wait) + 1) if wait > 0 else None


def record_failure(
    session: Session,
    account: str,
    addr: str,
    now: datetime,
    throttle: Throttle,
    *,
    employer_id: int | None,
    user_id: int | None,
) -> LoginFailure:
    """Count one failure; the row says whether it locked the address out (``locked_until``)."""
    row = _failure_row(session, account, addr)
    if row is None:
        try:  # two failures at once from one address: the second finds the first's row
            with session.begin_nested():
                session.add(
                    LoginFailure(
                        account=account,
                        client_addr=addr,
                        employer_id=employer_id,
                        user_id=user_id,
                        failures=0,
                        last_failed_at=now,
                    )
                )
        except IntegrityError:
            pass
        row = _failure_row(session, account, addr)
        assert row is not None  # inserted here or by the other failure
    elif now - row.last_failed_at > throttle.window:
        row.failures = 0  # an old streak is forgotten
    row.failures += 1
    row.last_failed_at = now
    row.locked_until = None
    if row.failures >= throttle.threshold:
        row.locked_until = now + throttle.window
    return row


def _failure_row(session: Session, account: str, addr: str) -> LoginFailure | None:
    return session.scalar(
        sa.select(LoginFailure)
        .where(LoginFailure.account == account, LoginFailure.client_addr == addr)
        .with_for_update()
    )


def forget(session: Session, account: str, addr: str) -> None:
    """A successful login clears that address's failures."""
    session.execute(
        sa.delete(LoginFailure).where(
            LoginFailure.account == account, LoginFailure.client_addr == addr
        )
    )


def clear_user(session: Session, user: User) -> int:
    """An admin's unlock: every address's failures and locks on this user."""
    result = session.execute(sa.delete(LoginFailure).where(LoginFailure.user_id == user.id))
    return result.rowcount or 0


def locks(session: Session, employer_id: int, now: datetime) -> dict[int, tuple[int, datetime]]:
    """The employer's users locked out somewhere: user id → (addresses, until the last)."""
    rows = session.execute(
        sa.select(
            LoginFailure.user_id,
            sa.func.count(),
            sa.func.max(LoginFailure.locked_until),
        )
        .where(
            LoginFailure.employer_id == employer_id,
            LoginFailure.user_id.is_not(None),
            LoginFailure.locked_until > now,
        )
        .group_by(LoginFailure.user_id)
    )
    return {user_id: (count, until) for user_id, count, until in rows}


def purge(session: Session, now: datetime, throttle: Throttle) -> int:
    """Forget failures older than the window whose lock is over."""
    old = now - throttle.window
    result = session.execute(
        sa.delete(LoginFailure).where(
            LoginFailure.last_failed_at < old,
            sa.or_(LoginFailure.locked_until.is_(None), LoginFailure.locked_until < now),
        )
    )
    return result.rowcount or 0


def _recent(
    session: Session, account: str, now: datetime, throttle: Throttle
) -> list[LoginFailure]:
    return list(
        session.scalars(
            sa.select(LoginFailure).where(
                LoginFailure.account == account,
                sa.or_(
                    LoginFailure.last_failed_at > now - throttle.window,
                    LoginFailure.locked_until > now,
                ),
            )
        )
    )


def _delay(rows: list[LoginFailure], now: datetime, throttle: Throttle) -> float:
    """Seconds an address that failed waits between tries: doubling with every failure of
    the account beyond the first ``threshold`` (a lock counts as ``threshold`` failures)."""
    failures = sum(
        throttle.threshold if row.locked_until and row.locked_until > now else row.failures
        for row in rows
    )
    beyond = failures - throttle.threshold
    if beyond < 0:
        return 0
    return min(2.0**beyond, throttle.max_delay)
