"""Employers (badan usaha) and their users.

An employer is the tenant: every other table hangs off ``employer_id`` and every query made
for a logged-in user is scoped to that user's employer.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from edabu_lite.database import str_enum, utcnow
from edabu_lite.extensions import db


class Role(StrEnum):
    """What a user may do, checked on the server for every route."""

    ADMIN = "admin"  # everything, plus users and employer settings
    OPERATOR = "operator"  # imports and mutations
    VIEWER = "viewer"  # read and download only

    @property
    def rank(self) -> int:
        return {"viewer": 0, "operator": 1, "admin": 2}[self.value]

    def allows(self, needed: Role | str) -> bool:
        return self.rank >= Role(needed).rank


class Employer(db.Model):
    __tablename__ = "employer"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(20), unique=True)  # Kode BU, the e-Dabu login
    name: Mapped[str] = mapped_column(sa.String(200))
    # Regional minimum wage (UMK, or UMP where there is no UMK) in whole Rupiah; the floor of
    # the contribution base and of the wage.below_minimum warning. None: not yet set.
    minimum_wage: Mapped[int | None] = mapped_column(sa.BigInteger)
    mutations_need_approval: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Head of this employer's audit hash chain; updated in the same transaction as each event,
    # so a deleted or reordered tail is detectable and concurrent writers serialise on this row.
    audit_seq: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    audit_head: Mapped[str | None] = mapped_column(sa.String(64))

    users: Mapped[list[User]] = relationship(back_populates="employer")

    def __repr__(self) -> str:
        return f"<Employer {self.code}>"


class User(UserMixin, db.Model):
    __tablename__ = "user_account"  # "user" is reserved in PostgreSQL
    __table_args__ = (sa.UniqueConstraint("employer_id", "username"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    employer_id: Mapped[int] = mapped_column(sa.ForeignKey("employer.id"), index=True)
    username: Mapped[str] = mapped_column(sa.String(80))
    full_name: Mapped[str | None] = mapped_column(sa.String(200))
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    role: Mapped[Role] = mapped_column(str_enum(Role, 20))
    active: Mapped[bool] = mapped_column(default=True)
    # Set when an admin chose the password: the user must replace it at the next login.
    must_change_password: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    locale: Mapped[str | None] = mapped_column(sa.String(10))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column()
    password_changed_at: Mapped[datetime | None] = mapped_column()
    # Bumped on password change or disable: it is part of the session id, so old sessions end.
    session_epoch: Mapped[int] = mapped_column(default=0)

    employer: Mapped[Employer] = relationship(back_populates="users")

    @property
    def is_active(self) -> bool:  # flask-login refuses inactive users
        return self.active

    def get_id(self) -> str:
        return f"{self.id}:{self.session_epoch}"

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password, method="scrypt")
        self.password_changed_at = utcnow()

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    def can(self, needed: Role) -> bool:
        return self.role.allows(needed)

    def __repr__(self) -> str:
        return f"<User {self.username}@{self.employer_id}>"


class UserSession(db.Model):
    """One login on one device: the server's word on whether that session is still open.
    Its id is the SHA-256 of the random value in the (signed) session cookie, so copies of
    a cookie end together at logout, and the table alone opens no session."""

    __tablename__ = "user_session"
    __table_args__ = (sa.Index("ix_user_session_user", "user_id"),)

    id: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column()
    client_addr: Mapped[str | None] = mapped_column(sa.String(64))


class LoginFailure(db.Model):
    """Failed logins to one account from one address, and that address's lock on it.

    Kept per account *name* (the employer code and username as typed), whether or not such
    a user exists, so a login answers an unknown user exactly as a real one, and per address,
    so whoever knows a username can lock only their own address out, not its owner."""

    __tablename__ = "login_failure"
    __table_args__ = (sa.UniqueConstraint("account", "client_addr"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account: Mapped[str] = mapped_column(sa.String(120))  # "BU000001/admin", lower case
    client_addr: Mapped[str] = mapped_column(sa.String(64))
    employer_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("employer.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    failures: Mapped[int] = mapped_column(default=0)
    last_failed_at: Mapped[datetime] = mapped_column(default=utcnow)
    locked_until: Mapped[datetime | None] = mapped_column()
