"""The audit chain's keys, held outside the database.

Each event's hash is an HMAC-SHA256 under a secret key, so someone who can write to the
database but cannot read this file cannot recompute the chain after editing an event. The
keys live in a JSON file (``AUDIT_KEY_FILE``, by default ``audit-keys.json`` in the instance
folder, created with one key on first use, readable by its owner only); every process of a
deployment must see the same file (mount it as a secret). Old keys stay in the file so the
events they signed can still be verified; the last one signs new events.

`rotate` adds a key; the caller records an ``audit.key_rotated`` event in every employer's
chain, signed with the new key, from which on the chain must use it (`verify_chain`).
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import json
import os
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from flask import current_app

from edabu_lite.audit.chain import Signer

KEY_FILE_NAME = "audit-keys.json"


@dataclass(frozen=True, slots=True)
class Keyring:
    keys: dict[str, bytes]  # key id → secret, oldest first
    current: str

    def sign(self, key_id: str, data: bytes) -> str:
        return hmac.digest(self.keys[key_id], data, "sha256").hex()

    def signer(self, key_id: str | None = None) -> Signer:
        """Signs with ``key_id`` (the current key by default)."""
        return functools.partial(self.sign, key_id or self.current)


class KeyFileError(RuntimeError):
    """The key file cannot be read: verification and new events must not go on without it."""


def key_file() -> Path:
    configured = current_app.config.get("AUDIT_KEY_FILE")
    if configured:
        return Path(configured)
    return Path(current_app.config["INSTANCE_PATH"]) / KEY_FILE_NAME


_cache: dict[Path, tuple[float, Keyring]] = {}


def keyring(path: Path | None = None) -> Keyring:
    """The keys of ``path`` (the app's key file by default), created with a first key when
    missing; read again when the file changes (a rotation by another process)."""
    path = path or key_file()
    try:
        stamp = path.stat().st_mtime
    except FileNotFoundError:
        _create(path)
        stamp = path.stat().st_mtime
    cached = _cache.get(path)
    if cached is not None and cached[0] == stamp:
        return cached[1]
    ring = _read(path)
    _cache[path] = (stamp, ring)
    return ring


def rotate(path: Path | None = None) -> tuple[str, str]:
    """Add a new key as the current one; returns (previous id, new id)."""
    path = path or key_file()
    previous = keyring(path)
    data = json.loads(path.read_text())
    new_id = _new_key(data)
    temporary = path.with_suffix(".tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump(data, handle, indent=1)
    os.replace(temporary, path)  # atomic: readers see the old file or the new one
    _cache.pop(path, None)
    return previous.current, new_id


def _new_key(data: dict) -> str:  # type: ignore[type-arg]
    secret = secrets.token_bytes(32)
    key_id = hashlib.sha256(secret).hexdigest()[:12]  # names the key, reveals nothing of it
    data.setdefault("keys", []).append(
        {"id": key_id, "secret": secret.hex(), "created": datetime.now(UTC).isoformat()}
    )
    return key_id


def _create(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    data: dict = {}  # type: ignore[type-arg]
    _new_key(data)
    try:  # O_EXCL: two processes starting together must not write two different keys
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    with os.fdopen(fd, "w") as handle:
        json.dump(data, handle, indent=1)


def _read(path: Path) -> Keyring:
    try:
        entries = json.loads(path.read_text())["keys"]
        keys = {entry["id"]: bytes.fromhex(entry["secret"]) for entry in entries}
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise KeyFileError(f"the audit key file {path} cannot be read: {exc}") from exc
    if not keys:
        raise KeyFileError(f"the audit key file {path} holds no key")
    return Keyring(keys, next(reversed(keys)))
