"""The audit trail as an xlsx file (web download and `edabu audit export`), streamed."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import IO, Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask_babel import gettext
from sqlalchemy.orm import Session

from edabu_lite.audit.models import AuditEvent
from edabu_lite.issues import N_
from edabu_lite.labels import field_value, label
from edabu_lite.sheets.columns import CellKind, export_column
from edabu_lite.sheets.stream import write_rows

_col = export_column


AUDIT_COLUMNS = (
    _col("seq", N_("No"), 8, CellKind.INTEGER),
    _col("created_at", N_("Waktu (WIB)"), 20),
    _col("actor", N_("Pengguna"), 16),
    _col("source", N_("Sumber"), 14),
    _col("action", N_("Tindakan"), 30),
    _col("action_code", N_("Kode tindakan"), 26),
    _col("target_type", N_("Jenis sasaran"), 14),
    _col("target_label", N_("Sasaran"), 22),
    _col("nik", N_("NIK"), 20, CellKind.IDENTITY),
    _col("before", N_("Sebelum"), 40),
    _col("after", N_("Sesudah"), 40),
    _col("batch_id", N_("Batch"), 8, CellKind.INTEGER),
    _col("job_id", N_("Impor"), 8, CellKind.INTEGER),
    _col("client_addr", N_("Alamat IP"), 16),
    _col("hash", N_("Hash"), 66),
)


#: The zone of every time a user reads (the screens show WIB too).
WIB = ZoneInfo("Asia/Jakarta")


def _local(moment: datetime) -> str:
    return moment.replace(tzinfo=UTC).astimezone(WIB).strftime("%d-%m-%Y %H:%M:%S")


def _rows(session: Session, stmt: sa.Select, counter: list[int]) -> Iterator[dict[str, Any]]:
    for event in session.scalars(stmt.order_by(AuditEvent.seq).execution_options(yield_per=2000)):
        counter[0] += 1
        yield {
            "seq": event.seq,
            "created_at": _local(event.created_at),
            "actor": event.actor,
            "source": label(event.source, "source"),
            "action": label(event.action, "action"),
            "action_code": event.action,
            "target_type": event.target_type,
            "target_label": event.target_label,
            "nik": event.nik,
            "batch_id": event.batch_id,
            "job_id": event.job_id,
            "before": _compact(event.before),
            "after": _compact(event.after),
            "client_addr": event.client_addr,
            "hash": event.hash,
        }


def _compact(values: dict | None) -> str | None:
    """A snapshot as people read it: "Gaji: Rp 6.500.000; Status: Nonaktif"."""
    if not values:
        return None
    if not isinstance(values, dict):
        return str(values)
    return "; ".join(
        f"{label(name, 'field')}: {field_value(name, value)}" for name, value in values.items()
    )


def export_events(session: Session, stmt: sa.Select, out: IO[bytes]) -> int:
    """Write the events selected by ``stmt`` (already scoped to one employer), in the
    language of the request (or the default one)."""
    counter = [0]
    write_rows(
        out, AUDIT_COLUMNS, _rows(session, stmt, counter), sheet_title="Audit", gettext=gettext
    )
    return counter[0]
