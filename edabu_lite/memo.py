"""Results kept in the web process under a key that changes when the data does (an
employer's audit sequence, which every change to its people moves; the day). Bounded, the
oldest dropped first; shared by the threads of one process, never across processes."""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

T = TypeVar("T")

KEPT = 4096
_VALUES: dict[Hashable, Any] = {}
_LOCK = threading.Lock()


def remember(key: Hashable, compute: Callable[[], T]) -> T:
    """The value kept under ``key``, else ``compute()`` kept under it."""
    if key in _VALUES:
        return _VALUES[key]  # type: ignore[no-any-return]
    value = compute()
    with _LOCK:
        while len(_VALUES) >= KEPT:
            del _VALUES[next(iter(_VALUES))]
        _VALUES[key] = value
    return value


def forget() -> None:
    """Drop everything (tests)."""
    with _LOCK:
        _VALUES.clear()
