"""Keeping NIK and KK numbers out of logs (UU PDP, Law 27/2022 on personal data protection).

`mask_nik` shows just enough of an identity number to recognise it in a support conversation
(first and last four digits of a NIK) and is safe on any input. `NikRedactingFilter` masks, in a
log record's message, arguments and traceback text, every run of 15 or more digits, also when
grouped by spaces, dots or hyphens as people type a NIK: a NIK or KK, a mistyped one (15 or 17
digits, which still holds most of the real number) or an NPWP. Shorter numbers (13-digit card
numbers, phone numbers, counts, dates) stay readable. Attach the filter to
*handlers* (``handler.addFilter(NikRedactingFilter())``): a logger's own filters do not see
records propagated from child loggers, a handler's do.
"""

from __future__ import annotations

import logging
import re

# 15+ digits, optionally one space/dot/hyphen/NBSP between two digits ("3201 0145 0890 0001").
_IDENTITY_RUN = re.compile(r"(?<![0-9])[0-9](?:[ .\-\u00a0]?[0-9]){14,}(?![0-9])")
MASK_CHAR = "*"


def mask_nik(value: object) -> str:
    """Mask an identity number for display in logs: ``3201********0001``.

    Keeps at most a quarter of the characters on each side (4 + 4 of 16), so a short or
    truncated value never shows most of itself. None gives "", anything else its ``str()``.
    """
    if value is None:
        return ""
    try:
        text = value if isinstance(value, str) else str(value)
    except Exception:  # a hostile __str__ must not break the log call that masks it
        return MASK_CHAR * 8
    keep = min(4, len(text) // 4)
    if keep == 0:
        return MASK_CHAR * len(text)
    return text[:keep] + MASK_CHAR * (len(text) - 2 * keep) + text[-keep:]


mask_kk = mask_nik


def redact_niks(text: str) -> str:
    """Mask every NIK-like run (15+ digits, possibly grouped) in ``text``, whoever wrote it."""
    return _IDENTITY_RUN.sub(lambda match: mask_nik(match.group()), text)


class NikRedactingFilter(logging.Filter):
    """A logging filter that masks NIK-like digit runs (see `redact_niks`); never drops a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # bad %-args: redact the parts, let the handler report the error
            record.msg = redact_niks(str(record.msg))
            record.args = _redacted_args(record.args)
        else:
            # Freeze the formatted text: args could be re-rendered by another handler otherwise.
            record.msg = redact_niks(message)
            record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact_niks(record.exc_text)
        if record.stack_info:
            record.stack_info = redact_niks(record.stack_info)
        return True


def _redacted_args(args: object) -> object:
    if isinstance(args, tuple):
        return tuple(redact_niks(str(arg)) for arg in args)
    if isinstance(args, dict):
        return {key: redact_niks(str(arg)) for key, arg in args.items()}
    return args


_factory_installed = False


def install_log_redaction() -> None:
    """Redact every log record when it is created, whatever logger, handler or library it
    comes from (werkzeug, SQLAlchemy, Huey, ours), so no handler can be forgotten. Idempotent."""
    global _factory_installed
    if _factory_installed:
        return
    previous = logging.getLogRecordFactory()
    nik_filter = NikRedactingFilter()

    def redacting_factory(*args: object, **kwargs: object) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        nik_filter.filter(record)
        return record

    logging.setLogRecordFactory(redacting_factory)
    _factory_installed = True
