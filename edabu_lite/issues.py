"""The shared issue model: every problem found in an upload, a row or a mutation is an `Issue`.

An issue is a stable dotted code (contract.md §5) plus where it was found (sheet row, column key)
and a few parameters for its message. Severity is fixed per code in `CATALOGUE`; messages are
Bahasa Indonesia msgids (`edabu_lite.catalogue`), translated only when rendered
(`Issue.message(gettext)`), so this module stays free of Flask.

Parameters must be JSON-serialisable scalars and must never carry a full NIK or KK (UU PDP):
construction rejects any 16-digit parameter value, so a careless caller fails in tests rather
than leaking identity numbers into reports, logs or the database.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from edabu_lite.catalogue import CATALOGUE, ERROR, N_, WARNING, Gettext, IssueType

__all__ = [
    "CATALOGUE",
    "ERROR",
    "N_",
    "WARNING",
    "Gettext",
    "Issue",
    "IssueType",
    "errors",
    "warnings",
]

_FULL_IDENTITY_NUMBER = re.compile(r"[0-9]{16}")


_JSON_SCALARS = (str, int, float, bool, type(None))


class _FrozenParams(dict[str, object]):
    """A read-only dict: immutable like the issue holding it, yet JSON-, pickle- and
    deepcopy-friendly (a MappingProxyType would break Huey payloads and dataclasses.asdict)."""

    __slots__ = ()

    def _read_only(self, *args: object, **kwargs: object) -> None:
        raise TypeError("issue params are read-only")

    __setitem__ = __delitem__ = __ior__ = _read_only  # type: ignore[assignment]
    clear = pop = popitem = setdefault = update = _read_only  # type: ignore[assignment]

    def __reduce__(self) -> tuple[type, tuple[dict[str, object]]]:
        return (_FrozenParams, (dict(self),))


_EMPTY: Mapping[str, object] = _FrozenParams()


@dataclass(frozen=True, slots=True)
class Issue:
    """A problem found at a row/column, identified by a catalogue code.

    ``row`` is the sheet row as Excel shows it (None for file-level issues), ``column`` the
    contract key of the cell (``"nik"``, ``"kk"``...), ``params`` the values the message needs.
    """

    code: str
    column: str | None = None
    row: int | None = None
    params: Mapping[str, object] = field(default_factory=lambda: _EMPTY, hash=False)

    def __post_init__(self) -> None:
        issue_type = CATALOGUE.get(self.code)
        if issue_type is None:
            raise ValueError(f"unknown issue code {self.code!r}")
        if self.params is not _EMPTY:
            object.__setattr__(self, "params", _checked_params(issue_type, self.params))
        elif issue_type.placeholders:
            _checked_params(issue_type, self.params)

    @property
    def severity(self) -> str:
        issue_type = CATALOGUE[self.code]
        if issue_type.warning_when is not None:
            param, values = issue_type.warning_when
            if self.params.get(param) in values:
                return WARNING
        return issue_type.severity

    @property
    def is_error(self) -> bool:
        return self.severity == ERROR

    def message(self, gettext: Gettext | None = None) -> str:
        """The message, translated with ``gettext`` when given, with the params filled in."""
        template = CATALOGUE[self.code].template(self.params)
        if gettext is not None:
            try:
                return gettext(template) % self.params
            except (KeyError, ValueError, TypeError):
                pass  # a broken translation must not hide the issue: use the msgid instead
        return template % self.params

    def to_dict(self, gettext: Gettext | None = None) -> dict[str, Any]:
        """The contract §4 JSON shape."""
        return {
            "row": self.row,
            "column": self.column,
            "code": self.code,
            "severity": self.severity,
            "message": self.message(gettext),
        }

    def to_storage(self) -> dict[str, Any]:
        """A compact JSON-ready form for a database column; messages are re-rendered on read."""
        stored: dict[str, Any] = {"code": self.code}
        if self.column is not None:
            stored["column"] = self.column
        if self.row is not None:
            stored["row"] = self.row
        if self.params:
            stored["params"] = dict(self.params)
        return stored

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Issue:
        """Rebuild an issue from `to_storage` output (or `to_dict`, whose message is dropped)."""
        return cls(
            code=data["code"],
            column=data.get("column"),
            row=data.get("row"),
            params=data.get("params") or _EMPTY,
        )

    def with_position(self, row: int | None = None, column: str | None = None) -> Issue:
        """A copy placed at ``row``/``column``; an argument left as None keeps the current one."""
        return replace(
            self,
            row=self.row if row is None else row,
            column=self.column if column is None else column,
        )


def _checked_params(issue_type: IssueType, params: Mapping[str, object]) -> Mapping[str, object]:
    missing = issue_type.needed(params).difference(params)
    if missing:
        raise ValueError(f"issue {issue_type.code!r} needs params {sorted(missing)}")
    for key, value in params.items():
        if not isinstance(value, _JSON_SCALARS):
            raise TypeError(f"issue param {key!r} must be a JSON scalar, not {type(value)}")
        if isinstance(value, str) and _FULL_IDENTITY_NUMBER.search(value):
            raise ValueError(f"issue param {key!r} holds a full NIK/KK; pass a masked value")
    return _FrozenParams(params)


def errors(issues: list[Issue] | tuple[Issue, ...]) -> list[Issue]:
    """The issues that block (severity error)."""
    return [issue for issue in issues if issue.is_error]


def warnings(issues: list[Issue] | tuple[Issue, ...]) -> list[Issue]:
    """The issues that only inform (severity warning)."""
    return [issue for issue in issues if not issue.is_error]
