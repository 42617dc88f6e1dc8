"""Canonical content and hashing of audit events (pure: no database access).

The hash covers every field a reader relies on, serialised as sorted-key JSON, chained to
the previous event's hash, and is an HMAC under a key kept outside the database (`keys`):
the ``sign`` argument. Verification recomputes the same function.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from datetime import date, datetime
from typing import Any

import orjson

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


#: Hashes an event's canonical bytes: an HMAC under the current key (`keys.Keyring.signer`).
Signer = Callable[[bytes], str]


def unkeyed(data: bytes) -> str:
    """The plain SHA-256 of events written before the chain was keyed (the migration that
    keyed it checks them with this)."""
    return hashlib.sha256(data).hexdigest()


def event_hash(fields: Mapping[str, Any], sign: Signer) -> str:
    return sign(canonical(fields).encode("utf-8"))


# Hashing in two steps, so the costly canonical JSON of a long run of events can be built
# before (and elsewhere than) the chain is linked: `split_encoded` gives the text around the
# prev_hash value, `linked_hash` puts the previous hash in and hashes. Equal to `event_hash`
# of the same fields with that prev_hash (a property test holds the two together).
encode_text = json.encoder.encode_basestring  # what the canonical encoder does with a str


def encode_flat(values: Mapping[str, Any]) -> str:
    """`encode` of a flat mapping (a person's snapshot, one per imported row): by orjson,
    several times faster, when every value is text, a whole number, a boolean, None or a
    date, for which orjson writes the very same text (a property test holds the two
    together). Anything else takes `encode`: orjson writes some floats differently."""
    for value in values.values():
        if value.__class__ not in _FLAT:
            return encode(values)
    try:
        return orjson.dumps(values, option=orjson.OPT_SORT_KEYS).decode()
    except TypeError:  # a key that is not text, a number beyond 64 bits, a lone surrogate
        return encode(values)


_FLAT = frozenset({str, int, bool, type(None), date, datetime})


class Canonical(str):
    """JSON text that is already what `encode` gives for its value (an import's staged
    snapshot): stored and hashed as it is, not decoded and encoded again. Only for text
    written by `encode` itself: verification re-encodes the stored value, so any other
    spelling would read as an edited event."""

    __slots__ = ()


def encode(value: Any) -> str:
    """One value as the canonical text writes it (``after`` as stored, for instance); the
    common scalars without the encoder's machinery. Dates in a snapshot become ISO text, so
    the stored JSON hashes the same when read back."""
    kind = value.__class__
    if kind is str:
        return encode_text(value)
    if kind is Canonical:
        return str.__str__(value)
    if value is None:
        return "null"
    if kind is int:
        return int.__repr__(value)
    return _CANONICAL.encode(value)


def split_encoded(
    *,
    action: str,
    actor: str,
    actor_user_id: str,
    after: str,
    batch_id: str,
    before: str,
    client_addr: str,
    created_at: str,
    employer_id: str,
    job_id: str,
    nik: str,
    seq: str,
    source: str,
    target_id: str,
    target_label: str,
    target_type: str,
) -> tuple[bytes, bytes]:
    """The `canonical` text before and after the prev_hash value, from values already passed
    through `encode` (every hashed field but prev_hash): a long run of events encodes what
    they share once, and each event's ``after`` once for both the hash and the stored
    column. Spelled out in key order, which the check below keeps equal to the sorted
    `HASHED_FIELDS`."""
    head = (
        f'{{"action":{action},"actor":{actor},"actor_user_id":{actor_user_id},"after":{after},'
        f'"batch_id":{batch_id},"before":{before},"client_addr":{client_addr},'
        f'"created_at":{created_at},"employer_id":{employer_id},"job_id":{job_id},'
        f'"nik":{nik},"prev_hash":'
    )
    tail = (
        f',"seq":{seq},"source":{source},"target_id":{target_id},'
        f'"target_label":{target_label},"target_type":{target_type}}}'
    )
    return head.encode("utf-8"), tail.encode("utf-8")


_SPELLED = split_encoded.__code__.co_varnames[: split_encoded.__code__.co_kwonlyargcount]
if [*_SPELLED[:11], "prev_hash", *_SPELLED[11:]] != sorted(HASHED_FIELDS):  # pragma: no cover
    raise AssertionError("split_encoded must spell out every hashed field in key order")


def linked_hash(head: bytes, tail: bytes, prev_hash: str | None, sign: Signer) -> str:
    value = b"null" if prev_hash is None else b'"' + prev_hash.encode("ascii") + b'"'
    return sign(head + value + tail)
