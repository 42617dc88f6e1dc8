"""UU PDP: with the app configured, no full NIK reaches any log output, from any logger."""

from __future__ import annotations

import logging

NIK = "3273015507900001"


def test_no_full_nik_in_any_logger(app, caplog):
    caplog.set_level(logging.DEBUG)
    for name in ("edabu_lite", "sqlalchemy.engine", "werkzeug", "huey", "some.library"):
        logging.getLogger(name).warning("participant %s failed, kk=%s", NIK, NIK[:15] + "9")
    app.logger.error("row with NIK " + NIK)
    assert NIK not in caplog.text
    assert "3273********0001" in caplog.text


def test_exception_text_is_redacted(app, caplog):
    try:
        raise ValueError(f"bad NIK {NIK}")
    except ValueError:
        logging.getLogger("edabu_lite.test").exception("import failed")
    assert NIK not in caplog.text
    assert "bad NIK 3273" in caplog.text
