"""`SheetRejected`: an upload that cannot be processed at all, with the file-level issue why."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from edabu_lite.issues import Issue

MIB: Final = 1024 * 1024
#: Characters in one cell: Excel's own limit.
MAX_CELL_CHARS: Final = 32_767


class SheetRejected(Exception):
    """The upload cannot be processed at all; ``issues`` says why (file- or header-level)."""

    def __init__(self, issues: Sequence[Issue]) -> None:
        self.issues: list[Issue] = list(issues)
        super().__init__(", ".join(issue.code for issue in self.issues))

    def __reduce__(self) -> tuple[type, tuple[list[Issue]]]:
        return SheetRejected, (self.issues,)  # raised in a helper process, re-raised here


def reject(code: str, **params: object) -> SheetRejected:
    return SheetRejected([Issue(code, params=params)])


def unreadable(reason: str, **params: object) -> SheetRejected:
    return reject("file.unreadable", reason=reason, **params)


def too_large(size: int, cap: int, reason: str | None = None) -> SheetRejected:
    extra = {} if reason is None else {"reason": reason}
    return reject("file.too_large", size_mb=mb(size), max_mb=mb(cap), **extra)


def too_long(code: str, limit: int, row: int | None = None) -> SheetRejected:
    """``file.cell_too_long`` / ``file.row_too_long``, at ``row`` when it is known."""
    max_chars = f"{limit:,}".replace(",", ".")  # 32.767, the Indonesian way
    return SheetRejected([Issue(code, row=row, params={"max_chars": max_chars})])


def mb(size: int) -> str:
    """Bytes as megabytes the Indonesian way: '20', '512', '2,5', '0,1'."""
    value = size / MIB
    if value >= 10 or value.is_integer():
        return f"{value:.0f}"
    return f"{max(value, 0.1):.1f}".replace(".", ",")
