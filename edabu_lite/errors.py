"""Error pages: every failure a user can cause gets a page in their language, never a trace."""

from __future__ import annotations

import contextlib

from flask import Flask, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from werkzeug.exceptions import HTTPException

from edabu_lite.api import errors as api_errors
from edabu_lite.extensions import db
from edabu_lite.operability import request_id


def _page(status: int, title: str, message: str, data: object = None):  # type: ignore[no-untyped-def]
    """The error page, or for an API request the contract's JSON body (``data``: webargs'
    field messages of a 422)."""
    if api_errors.is_api_request():
        return api_errors.for_status(status, message, data)
    page = render_template(
        "errors/error.html", status=status, title=title, message=message, request_id=request_id()
    )
    return page, status


#: The page when even the error page cannot be drawn (the database is away: the layout asks
#: it who is logged in and in which language): no template, both languages.
_BARE = """<!doctype html><html lang="id"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>edabu_lite</title>
</head><body style="font-family:sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem">
<h1>Layanan sedang terganggu</h1><p>Server tidak dapat menjangkau basis data saat ini. Tidak
ada data yang diubah. Coba lagi dalam beberapa saat.</p><hr><p lang="en">The service cannot
reach its database right now. Nothing was changed. Please try again in a moment.</p>
<p><small>Kode permintaan / request id: {request_id}</small></p></body></html>"""


def _bare(status: int):  # type: ignore[no-untyped-def]
    if api_errors.is_api_request():
        message = "The service cannot reach its database right now. Nothing was changed."
        response = api_errors.for_status(status, message)
        response.headers["Retry-After"] = "30"
        return response
    body = _BARE.format(request_id=request_id())
    return body, status, {"Content-Type": "text/html; charset=utf-8", "Retry-After": "30"}


#: PostgreSQL's deadlock_detected and serialization_failure.
_CONFLICTS = frozenset({"40P01", "40001"})


def _sqlstate(error: Exception) -> str | None:
    return getattr(getattr(error, "orig", None), "sqlstate", None)


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(_error: CSRFError):  # type: ignore[no-untyped-def]
        return _page(
            400,
            _("Sesi formulir kedaluwarsa"),
            _("Formulir ini sudah kedaluwarsa atau tidak sah. Muat ulang halaman lalu kirim lagi."),
        )

    @app.errorhandler(403)
    def forbidden(_error):  # type: ignore[no-untyped-def]
        return _page(
            403,
            _("Akses ditolak"),
            _(
                "Peran Anda tidak mengizinkan tindakan ini. Minta admin perusahaan Anda "
                "bila Anda memerlukannya."
            ),
        )

    @app.errorhandler(404)
    def not_found(_error):  # type: ignore[no-untyped-def]
        return _page(404, _("Tidak ditemukan"), _("Halaman atau data yang Anda cari tidak ada."))

    @app.errorhandler(413)
    def too_large(_error):  # type: ignore[no-untyped-def]
        limit = app.config["MAX_UPLOAD_MB"]
        return _page(
            413,
            _("Berkas terlalu besar"),
            _(
                "Ukuran berkas melebihi batas %(limit)s MB. Pecah berkas menjadi beberapa "
                "bagian lalu unggah lagi.",
                limit=limit,
            ),
        )

    @app.errorhandler(429)
    def rate_limited(_error):  # type: ignore[no-untyped-def]
        return _page(
            429,
            _("Terlalu banyak percobaan"),
            _("Terlalu banyak permintaan dari alamat Anda. Tunggu satu menit lalu coba lagi."),
        )

    @app.errorhandler(api_errors.ApiError)
    def api_error(error: api_errors.ApiError):  # type: ignore[no-untyped-def]
        return api_errors.respond(error)

    @app.errorhandler(HTTPException)
    def other_http(error: HTTPException):  # type: ignore[no-untyped-def]
        data = getattr(error, "data", None)
        return _page(error.code or 500, error.name, _("Permintaan tidak dapat diproses."), data)

    @app.errorhandler(Exception)
    def unexpected(error: Exception):  # type: ignore[no-untyped-def]
        with contextlib.suppress(Exception):  # a dead connection cannot even roll back
            db.session.rollback()
        route = request.url_rule.rule if request.url_rule else "-"
        if _sqlstate(error) in _CONFLICTS:
            # Two writers over the same rows: one was stopped, nothing of it was kept.
            app.logger.warning("write conflict on %s %s [%s]", request.method, route, request_id())
            return _page(
                409,
                _("Data sedang diubah"),
                _(
                    "Data yang sama sedang diubah oleh proses lain, jadi tidak ada yang disimpan. "
                    "Muat ulang halaman untuk melihat keadaan terbaru, lalu coba lagi."
                ),
            )
        app.logger.exception("unhandled error on %s %s [%s]", request.method, route, request_id())
        if (isinstance(error, DBAPIError) and error.connection_invalidated) or isinstance(
            error, (OperationalError, InterfaceError)
        ):
            return _bare(503)
        try:
            return _page(
                500,
                _("Terjadi kesalahan"),
                _(
                    "Terjadi kesalahan di server. Tidak ada data yang diubah. Coba lagi, dan "
                    "hubungi admin bila berulang."
                ),
            )
        except Exception:  # the page itself needs what failed
            app.logger.exception("the error page could not be drawn [%s]", request_id())
            return _bare(500)
