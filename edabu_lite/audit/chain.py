"""Canonical content and hashing of audit events (pure: no database access).

The hash covers every field a reader relies on, serialised as sorted-key JSON, chained to
the previous event's hash. Verification recomputes the same function.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

HASHED_FIELDS = (
    "employer_id",
    "seq",
    "created_at",
    "actor",
    "actor_user_id",
    "source",
    "action",
    "target_type",
    "target_id",
    "target_label",
    "nik",
    "before",
    "after",
    "batch_id",
    "job_id",
    "client_addr",
    "prev_hash",
)


def _default(value: Any) -> str:
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(f"not JSON-serialisable in an audit event: {type(value).__name__}")


def canonical(fields: Mapping[str, Any]) -> str:
    """Deterministic JSON of the hashed fields (missing ones count as null)."""
    return json.dumps(
        {name: fields.get(name) for name in HASHED_FIELDS},
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        default=_default,
    )


def event_hash(fields: Mapping[str, Any]) -> str:
    return hashlib.sha256(canonical(fields).encode("utf-8")).hexdigest()


_PLAIN = (str, int, float, bool, type(None))


def jsonable(values: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """before/after snapshots as plain JSON values, so they hash the same after a round trip.
    Snapshots are flat: scalars and dates (fast path); anything nested takes the slow path."""
    if values is None:
        return None
    plain: dict[str, Any] = {}
    for key, value in values.items():
        if isinstance(value, _PLAIN) and not isinstance(value, float):
            plain[key] = value
        elif isinstance(value, datetime | date):
            plain[key] = value.isoformat()
        else:
            return json.loads(json.dumps(dict(values), default=_default, sort_keys=True))
    return plain
