"""What the generic upload jobs know of the sheet kinds: each feature package registers the
function that stages its kind of sheet (`register`), and the runner and the commands look it
up (`stager`). So ``imports`` imports neither the roster nor the mutations.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from edabu_lite.imports.models import JobKind


@dataclass(frozen=True, slots=True)
class Limits:
    """The bounds an upload is read within (MAX_UPLOAD_MB, MAX_IMPORT_ROWS)."""

    max_bytes: int
    max_rows: int


#: ``stage(session, job, source, limits, *, progress=None)`` of each sheet kind.
Stager = Callable[..., Any]
_STAGERS: dict[JobKind, Stager] = {}
_HELPER_PRELOADS: list[str] = []


def register(kind: JobKind, stage: Stager, *, helper_preload: str | None = None) -> None:
    """``helper_preload``: the module a kind's helper processes start with (the fork server
    imports it once; see `pipeline.start_fork_server`)."""
    _STAGERS[kind] = stage
    if helper_preload and helper_preload not in _HELPER_PRELOADS:
        _HELPER_PRELOADS.append(helper_preload)


def helper_preloads() -> list[str]:
    return list(_HELPER_PRELOADS)


def stager(kind: JobKind) -> Stager:
    try:
        return _STAGERS[kind]
    except KeyError:  # the package was not imported: a wiring bug, not bad input
        raise LookupError(f"no pipeline registered for {kind.value} sheets") from None
