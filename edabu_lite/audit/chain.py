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
    return _CANONICAL.encode({name: fields.get(name) for name in HASHED_FIELDS})


# One encoder for every event: ``json.dumps`` with these options builds a new one per call,
# a third of the cost when an import writes 100,000 events. Same output.
_CANONICAL = json.JSONEncoder(
    sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_default
)


def event_hash(fields: Mapping[str, Any]) -> str:
    return hashlib.sha256(canonical(fields).encode("utf-8")).hexdigest()


# Hashing in two steps, so the costly canonical JSON of a long run of events can be built
# before (and elsewhere than) the chain is linked: `split_canonical` gives the text around
# the prev_hash value, `linked_hash` puts the previous hash in and hashes. Equal to
# `event_hash` of the fields with that prev_hash.
_PREV_SENTINEL = "\x00prev_hash\x00"
_PREV_MARKER = '"prev_hash":' + _CANONICAL.encode(_PREV_SENTINEL)


def split_canonical(fields: Mapping[str, Any]) -> tuple[bytes, bytes]:
    """The canonical UTF-8 text before and after the prev_hash value. The last marker is the
    real one: only scalars follow prev_hash in key order, whose quotes JSON escapes."""
    text = canonical({**fields, "prev_hash": _PREV_SENTINEL})
    head, _marker, tail = text.rpartition(_PREV_MARKER)
    return (head + '"prev_hash":').encode("utf-8"), tail.encode("utf-8")


def linked_hash(head: bytes, tail: bytes, prev_hash: str | None) -> str:
    value = b"null" if prev_hash is None else b'"' + prev_hash.encode("ascii") + b'"'
    return hashlib.sha256(head + value + tail).hexdigest()


_PLAIN = (str, int, float, bool, type(None))
_EXACT = frozenset({str, int, bool, type(None)})  # the common case, one set look-up


def jsonable(values: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """before/after snapshots as plain JSON values, so they hash the same after a round trip.
    Snapshots are flat: scalars and dates (fast path); anything nested takes the slow path."""
    if values is None:
        return None
    plain: dict[str, Any] = {}
    for key, value in values.items():
        exact = value.__class__ in _EXACT
        if exact or (isinstance(value, _PLAIN) and not isinstance(value, float)):
            plain[key] = value
        elif isinstance(value, datetime | date):
            plain[key] = value.isoformat()
        else:
            return json.loads(json.dumps(dict(values), default=_default, sort_keys=True))
    return plain
