"""The audited view of a person (`snapshot`) and its canonical JSON text, which an import
stages per row and its commit stores as the audit event's ``after`` unchanged.

Pure: no database, no Flask, so the import's helper process can build it per row.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from edabu_lite.audit.chain import Canonical, encode_flat
from edabu_lite.roster.vocabulary import Relationship, Segment, Status

# Roster keys (contract §2) stored as-is on Participant; worker_nik becomes worker_id.
ROSTER_FIELDS = (
    "nik",
    "kk",
    "name",
    "birth_place",
    "birth_date",
    "sex",
    "marital_status",
    "relationship",
    "employee_number",
    "wage",
    "care_class",
    "faskes_code",
    "start_date",
    "card_number",
    "phone",
    "email",
    "in_school",
)


def snapshot(values: Mapping[str, Any]) -> dict[str, Any]:
    """The audited view of a person: roster fields plus worker NIK and membership state."""
    plain = {k: values[k] for k in _SNAPSHOT_KEYS if k in values}
    for key, value in plain.items():
        if value.__class__ in _ENUMS:  # one set look-up: this runs once per imported person
            plain[key] = value.value
    return plain


_SNAPSHOT_KEYS = (*ROSTER_FIELDS, "worker_nik", "status", "segment")
_SNAPSHOT_KEY_SET = frozenset(_SNAPSHOT_KEYS)
_ENUMS = frozenset({Relationship, Status, Segment})


def snapshot_json(values: Mapping[str, Any]) -> str:
    """`snapshot` as the audit trail's canonical JSON text: how an import stages a row's
    parsed values, so its commit stores that text as the audit event's ``after`` as is
    (`staged_snapshot`). A parsed row has no other keys, so it is encoded as it is (a
    vocabulary enum is written as its text, as `snapshot` would make it)."""
    if values.keys() <= _SNAPSHOT_KEY_SET:
        return encode_flat(values)
    return encode_flat(snapshot(values))


#: How `snapshot_json` text begins: its smallest key, which every parsed row has, and no
#: space after the colon. Rows staged by earlier versions (``json.dumps`` defaults, keys in
#: schema order) begin otherwise.
_SNAPSHOT_START = '{"' + min(_SNAPSHOT_KEYS) + '":'


def staged_snapshot(data: str) -> Canonical:
    """The audited ``after`` of a staged row's parsed values (JSON text): the text itself
    when `snapshot_json` wrote it, else re-encoded (a job staged before an upgrade)."""
    start = len(_SNAPSHOT_START)
    if data.startswith(_SNAPSHOT_START) and data[start : start + 1] != " ":
        return Canonical(data)
    return Canonical(snapshot_json(json.loads(data)))
