"""User-facing wording of ``AccountError`` codes (translated at render time)."""

from __future__ import annotations

from flask_babel import gettext as _

from edabu_lite.accounts.operations import AccountError


def account_error_message(error: AccountError) -> str:
    messages = {
        "employer.code_invalid": lambda: _(
            "Kode badan usaha hanya boleh huruf dan angka, paling banyak 20 karakter."
        ),
        "employer.name_required": lambda: _("Nama badan usaha wajib diisi."),
        "employer.exists": lambda: _("Kode badan usaha %(code)s sudah terdaftar.", **error.params),
        "employer.minimum_wage_invalid": lambda: _("Upah minimum tidak boleh negatif."),
        "employer.approval_needs_two_admins": lambda: _(
            "Persetujuan mutasi (maker-checker) butuh minimal dua admin aktif, karena tidak ada "
            "yang boleh menyetujui batch buatannya sendiri. Saat ini ada %(admins)s. Tambahkan "
            "admin kedua di halaman Pengguna, lalu aktifkan lagi.",
            **error.params,
        ),
        "user.username_invalid": lambda: _(
            "Nama pengguna wajib diisi, tanpa spasi, paling banyak 80 karakter."
        ),
        "user.role_invalid": lambda: _("Peran harus admin, operator, atau viewer."),
        "user.exists": lambda: _(
            "Nama pengguna %(username)s sudah dipakai di badan usaha ini.", **error.params
        ),
        "user.self_change": lambda: _(
            "Anda tidak dapat menurunkan peran atau menonaktifkan akun Anda sendiri. Minta admin "
            "lain melakukannya."
        ),
        "password.too_short": lambda: _("Kata sandi minimal %(min)s karakter.", **error.params),
        "password.same_as_username": lambda: _("Kata sandi tidak boleh sama dengan nama pengguna."),
        "password.weak": lambda: _(
            "Kata sandi ini mudah ditebak (kata umum, urutan, pengulangan, nama, atau tanggal). "
            "Pakai beberapa kata acak yang hanya Anda ketahui, misalnya "
            "“tiga-ekor-kucing-oren”."
        ),
        "password.current_wrong": lambda: _("Kata sandi saat ini salah."),
        "password.unchanged": lambda: _("Kata sandi baru harus berbeda dari yang lama."),
    }
    factory = messages.get(error.code)
    return factory() if factory else error.code
