"""Beranda's numbers kept in the database, shared by every web process (`home.snapshots`)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from edabu_lite.database import utcnow
from edabu_lite.extensions import db


class DashboardSnapshot(db.Model):
    """One part of an employer's Beranda as computed at one data version: ``people`` (the
    counts and "Perlu tindakan"), ``movers`` (the joiners-and-leavers chart) or
    ``bill:YYYY-MM`` (one month's total of the contribution chart)."""

    __tablename__ = "dashboard_snapshot"

    employer_id: Mapped[int] = mapped_column(sa.ForeignKey("employer.id"), primary_key=True)
    part: Mapped[str] = mapped_column(sa.String(20), primary_key=True)
    #: The day it counts as of (statuses in effect; a month's bill does not depend on it).
    day: Mapped[date] = mapped_column()
    #: The employer's audit sequence when it was computed: every change to the data moves it.
    audit_seq: Mapped[int] = mapped_column(sa.BigInteger)
    #: When they were computed, or last found still current: the time a stale part is of.
    computed_at: Mapped[datetime] = mapped_column(default=utcnow)
    payload: Mapped[Any] = mapped_column(sa.JSON)
