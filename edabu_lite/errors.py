"""Error pages: every failure a user can cause gets a page in their language, never a trace."""

from __future__ import annotations

from flask import Flask, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException


def _page(status: int, title: str, message: str):  # type: ignore[no-untyped-def]
    return render_template("errors/error.html", status=status, title=title, message=message), status


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

    @app.errorhandler(HTTPException)
    def other_http(error: HTTPException):  # type: ignore[no-untyped-def]
        return _page(error.code or 500, error.name, _("Permintaan tidak dapat diproses."))

    @app.errorhandler(Exception)
    def unexpected(error: Exception):  # type: ignore[no-untyped-def]
        from edabu_lite.extensions import db

        db.session.rollback()
        app.logger.exception("unhandled error on %s %s", request.method, request.path)
        return _page(
            500,
            _("Terjadi kesalahan"),
            _(
                "Terjadi kesalahan di server. Tidak ada data yang diubah. Coba lagi, dan "
                "hubungi admin bila berulang."
            ),
        )
