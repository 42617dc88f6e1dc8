"""Language selection: Bahasa Indonesia by default, English on request.

The choice is remembered on the user's account when logged in, in the session otherwise.
Source strings (msgids) are Indonesian, so the default needs no compiled catalogue.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Flask, current_app, has_request_context, request, session
from flask_babel import format_datetime, format_decimal
from flask_babel import gettext as flask_gettext
from flask_login import current_user
from jinja2 import pass_context
from jinja2.runtime import Context

from edabu_lite.database import utcnow
from edabu_lite.identity.privacy import mask_nik
from edabu_lite.imports.cells import decode_cell
from edabu_lite.labels import field_value, label

SESSION_KEY = "locale"


def supported() -> dict[str, str]:
    return current_app.config["LANGUAGES"]


def select_locale() -> str:
    if not has_request_context():  # CLI and jobs speak the default language
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    if request.path.startswith("/api/"):  # no session: the client's Accept-Language
        return (
            request.accept_languages.best_match(supported())
            or current_app.config["BABEL_DEFAULT_LOCALE"]
        )
    choice = None
    if current_user and getattr(current_user, "is_authenticated", False):
        choice = current_user.locale
    choice = choice or session.get(SESSION_KEY)
    if choice in supported():
        return choice
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def format_rupiah(amount: int | None) -> str:
    """Rp 4.500.000 (Indonesian thousands separator, whole Rupiah)."""
    if amount is None:
        return "–"
    return "Rp " + f"{amount:,}".replace(",", ".")


def format_thousands(number: int | None) -> str:
    """12.345 in Indonesian, 12,345 in English."""
    if number is None:
        return "–"

    return format_decimal(number)


def format_date(value: date | None) -> str:
    return value.strftime("%d-%m-%Y") if value else "–"


def _raw_cell(value: object) -> str:
    """A stored raw cell for display: dates as DD-MM-YYYY, numbers without '.0'."""
    cell = decode_cell(value)
    if isinstance(cell, date):
        return format_date(cell)
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    return "" if cell is None else str(cell)


def _count_with_separators(app: Flask) -> None:
    """Templates' ``ngettext`` writes ``%(num)s`` as every count is written (9.259, 9,259):
    the one Flask-Babel installs fills it with the bare number (9259). The plural form is
    still chosen by the number. Called after ``babel.init_app``, which installs it."""
    plain = app.jinja_env.globals["ngettext"]

    @pass_context
    def ngettext(context: Context, singular: str, plural: str, num: int, **variables: Any) -> str:
        variables.setdefault("num", format_thousands(num))
        return plain(context, singular, plural, num, **variables)

    app.jinja_env.globals["ngettext"] = ngettext


def register_template_helpers(app: Flask) -> None:
    app.jinja_env.globals["now_utc"] = utcnow
    # Plain gettext for Python objects that translate themselves (Issue.message): Jinja's
    # own `_` is context-bound and cannot be handed to Python code.
    app.jinja_env.globals["translate"] = flask_gettext
    # Stored times are naive UTC; Flask-Babel shows them in Asia/Jakarta (WIB).
    app.jinja_env.filters["datetime_local"] = lambda value: format_datetime(
        value, "dd-MM-yyyy HH:mm"
    )
    app.jinja_env.filters["rupiah"] = format_rupiah
    app.jinja_env.filters["tanggal"] = format_date
    app.jinja_env.filters["thousands"] = format_thousands
    app.jinja_env.filters["label"] = label
    app.jinja_env.globals["field_value"] = field_value
    app.jinja_env.filters["mask_nik"] = mask_nik
    app.jinja_env.filters["raw_cell"] = _raw_cell
    _count_with_separators(app)

    @app.context_processor
    def _languages() -> dict[str, Any]:
        return {
            "LANGUAGES": supported(),
            "current_locale": select_locale(),
            "view_functions": app.view_functions,  # the nav shows only features that exist
        }
