"""mask_nik and NikRedactingFilter: a full NIK never reaches log output (UU PDP)."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import pytest

from edabu_lite.identity import NikRedactingFilter, mask_kk, mask_nik, redact_niks

NIK = "3201014508900001"
KK = "3201011203150001"


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        (NIK, "3201********0001"),
        ("320101450890001", "320*********001"),
        ("12345678", "12****78"),
        ("1234567", "1*****7"),
        ("123", "***"),
        ("", ""),
        (None, ""),
        (3201014508900001, "3201********0001"),
        ("3201 0145 0890 0001", "3201***********0001"),
    ],
)
def test_mask_nik(value, masked):
    assert mask_nik(value) == masked


def test_mask_keeps_at_most_half_of_any_value():
    for length in range(0, 40):
        masked = mask_nik("9" * length)
        assert len(masked) == length
        assert masked.count("9") <= length // 2


def test_mask_is_safe_on_hostile_objects():
    class Hostile:
        def __str__(self) -> str:
            raise RuntimeError("no")

    assert mask_nik(Hostile()) == "********"
    assert mask_nik(["x"]) == "[***]"


def test_mask_kk_masks_like_nik():
    assert mask_kk(KK) == "3201********0001"


def test_redact_niks_masks_nik_like_runs():
    text = (
        f"nik={NIK}, kk={KK}; typo 32010145089000011 and 320101450890001; typed 3201 0145-0890.0001"
    )
    redacted = redact_niks(text)
    assert "nik=3201********0001, kk=3201********0001" in redacted
    assert "typo 3201*********0011 and 320*********001" in redacted  # mistyped NIKs leak too
    assert "typed 3201***********0001" in redacted
    assert "0145" not in redacted and "0890" not in redacted


@pytest.mark.parametrize(
    "text",
    [
        "card 0001234567890",  # 13 digits
        "phone 081234567890",
        "at 2025-06-01 12:00:00.123456",
        "rows 1000000 of 3000000, 12 3456 7890",
        "ip 192.168.100.200",
    ],
)
def test_redact_niks_leaves_shorter_numbers_readable(text):
    assert redact_niks(text) == text


@pytest.fixture
def captured() -> Iterator[tuple[logging.Logger, io.StringIO]]:
    """A logger whose only handler writes to a buffer, with the filter on the handler."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s %(message)s"))
    handler.addFilter(NikRedactingFilter())
    logger = logging.getLogger("tests.identity.privacy")
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    yield logger, stream
    logger.removeHandler(handler)


def test_full_nik_in_args_never_reaches_the_output(captured):
    logger, stream = captured
    logger.info("NIK %s ditolak: %s", NIK, "nik.date")
    logger.warning("peserta %(nik)s / KK %(kk)s", {"nik": NIK, "kk": KK})
    logger.error(f"f-string with {NIK} inside")
    logger.info("as int %d", int(NIK))
    output = stream.getvalue()
    assert NIK not in output and KK not in output
    assert output.count("3201********0001") == 5
    assert "ditolak: nik.date" in output


def test_full_nik_in_a_traceback_is_masked(captured):
    logger, stream = captured
    try:
        raise ValueError(f"bad NIK {NIK}")
    except ValueError:
        logger.exception("import failed for %s", NIK)
    output = stream.getvalue()
    assert "Traceback" in output and "ValueError: bad NIK 3201********0001" in output
    assert NIK not in output


def test_records_from_child_loggers_are_masked_at_the_handler(captured):
    _, stream = captured
    logging.getLogger("tests.identity.privacy.child").info("child saw %s", NIK)
    assert "child saw 3201********0001" in stream.getvalue()
    assert NIK not in stream.getvalue()


def test_without_the_filter_the_nik_would_leak():
    # Control: proves the assertions above test the filter, not the formatter. The app
    # installs a redacting record factory process-wide; use the plain one for this control.
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    logger = logging.getLogger("tests.identity.privacy.unfiltered")
    logger.addHandler(handler)
    logger.propagate = False
    factory = logging.getLogRecordFactory()
    logging.setLogRecordFactory(logging.LogRecord)
    try:
        logger.warning("NIK %s", NIK)
    finally:
        logging.setLogRecordFactory(factory)
        logger.removeHandler(handler)
    assert NIK in stream.getvalue()


def test_filter_never_drops_records_and_survives_bad_args():
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "%s and %s", (NIK,), None)
    assert NikRedactingFilter().filter(record) is True
    assert NIK not in str(record.msg) and NIK not in str(record.args)


def test_caplog_sees_masked_text_when_filter_is_on_its_handler(caplog):
    caplog.handler.addFilter(NikRedactingFilter())
    logging.getLogger("tests.identity.privacy.caplog").warning("duplicate %s", NIK)
    assert "duplicate 3201********0001" in caplog.text
    assert NIK not in caplog.text
