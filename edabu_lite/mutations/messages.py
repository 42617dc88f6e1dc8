"""User-facing wording of `MutationError` codes and of plan notes (translated when shown)."""

from __future__ import annotations

from flask_babel import gettext as _

from edabu_lite.mutations.operations import MutationError
from edabu_lite.mutations.rules import NOTE_MESSAGES


def mutation_error_message(error: MutationError) -> str:
    params = error.params
    messages = {
        "batch.state": lambda: _(
            "Batch ini berstatus %(status)s sehingga tidak dapat diproses lagi.",
            status=params.get("status"),
        ),
        "batch.has_errors": lambda: _(
            "Batch masih memiliki %(errors)s baris bermasalah. Perbaiki dulu, lalu buat batch "
            "baru.",
            errors=params.get("errors"),
        ),
        "batch.needs_approval": lambda: _(
            "Badan usaha ini mewajibkan persetujuan admin. Ajukan batch untuk disetujui."
        ),
        "batch.not_admin": lambda: _("Hanya admin yang dapat melakukan ini."),
        "batch.self_review": lambda: _(
            "Anda tidak dapat menyetujui atau menolak batch yang Anda buat sendiri. Minta admin "
            "lain memeriksanya."
        ),
        "batch.revert_blocked": lambda: _(
            "Batch tidak dapat dikembalikan karena data peserta %(people)s sudah berubah lagi "
            "setelah batch ini diterapkan.",
            people=params.get("people"),
        ),
        "mutation.conflict": lambda: _(
            "Data peserta berubah setelah pratinjau dibuat (oleh pengguna lain). Tidak ada yang "
            "disimpan. Buat batch baru dari data terbaru."
        ),
    }
    factory = messages.get(error.code)
    return factory() if factory else error.code


def note_message(key: str) -> str:
    text = NOTE_MESSAGES.get(key)
    return _(text) if text else key


def field_label(name: str) -> str:
    """Membership field names as the preview shows them."""
    labels = {
        "status": lambda: _("Status"),
        "segment": lambda: _("Segmen"),
        "care_class": lambda: _("Kelas"),
        "mandiri_class": lambda: _("Kelas mandiri"),
        "end_date": lambda: _("TMT berakhir"),
        "end_reason": lambda: _("Alasan"),
        "phk_date": lambda: _("Tanggal PHK"),
        "continued_coverage_until": lambda: _("Manfaat lanjutan PHK s.d."),
    }
    factory = labels.get(name)
    return factory() if factory else name


def field_value(value: object) -> str:
    """ISO dates as DD-MM-YYYY, empty as a dash."""
    from datetime import date

    if value is None or value == "":
        return "–"
    if isinstance(value, str) and len(value) == 10 and value[4] == "-" and value[7] == "-":
        try:
            return date.fromisoformat(value).strftime("%d-%m-%Y")
        except ValueError:
            return value
    return str(value)
