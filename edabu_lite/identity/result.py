"""The value every identity parser returns: the clean value, decoded parts, and the issues."""

from __future__ import annotations

from typing import Generic, NamedTuple, TypeVar

from edabu_lite.issues import Issue

P = TypeVar("P")


class ParseResult(NamedTuple, Generic[P]):
    """Outcome of parsing one cell.

    ``value`` is the normalised digit string whenever the cell had the right shape (even if a
    later check failed), else None. ``parts`` holds the decoded parts when nothing blocks (no
    error issue), else None. ``issues`` lists errors and warnings, already positioned.
    """

    value: str | None
    parts: P | None
    issues: tuple[Issue, ...]

    @property
    def ok(self) -> bool:
        """True when no issue is an error (warnings do not block)."""
        return not any(issue.is_error for issue in self.issues)

    @property
    def errors(self) -> list[Issue]:
        return [issue for issue in self.issues if issue.is_error]

    @property
    def warnings(self) -> list[Issue]:
        return [issue for issue in self.issues if not issue.is_error]
