"""User-facing wording of `MutationError` codes and of plan notes (translated when shown)."""

from __future__ import annotations

from flask_babel import gettext as _

from edabu_lite.labels import batch_status_label, label
from edabu_lite.mutations.notes import NOTE_MESSAGES
from edabu_lite.mutations.operations import MutationError


def mutation_error_message(error: MutationError) -> str:
    params = error.params
    messages = {
        "batch.state": lambda: _(
            "Batch ini berstatus \u201c%(status)s\u201d sehingga tidak dapat diproses lagi.",
            status=batch_status_label(params.get("status")),
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
        "batch.expired": lambda: _(
            "Draf ini dibuat lebih dari %(days)s hari lalu dan sudah kedaluwarsa: data peserta "
            "mungkin sudah berubah. Buang draf ini lalu buat mutasi baru.",
            days=params.get("days"),
        ),
        "batch.reason_required": lambda: _(
            "Tuliskan alasan penolakan di kolom catatan, agar pengaju tahu apa yang perlu "
            "diperbaiki."
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
    return label(name, "field")
