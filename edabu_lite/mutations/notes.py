"""The wording of the planner's preview notes (`rules.plan_mutation` gives their keys): the
Indonesian msgids, translated when shown (`messages.note_message`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from edabu_lite.issues import N_

#: Preview notes: key -> Indonesian msgid (``pybabel extract -k N_``); translate when rendering.
NOTE_MESSAGES: Final[Mapping[str, str]] = {
    "mutation.note.dependants_deactivated": N_(
        "Anggota keluarga yang ditanggung ikut dinonaktifkan bersama pekerja dengan TMT yang sama."
    ),
    "mutation.note.worker_deceased": N_(
        "Anggota keluarga pekerja yang meninggal dinonaktifkan. Mereka dapat dipindahkan ke "
        "mandiri (PINDAH_MANDIRI) dalam batch yang sama, satu baris per orang."
    ),
    "mutation.note.phk_continued_coverage": N_(
        "PHK dengan bukti: pekerja dan anggota keluarganya tetap mendapat manfaat tanpa iuran "
        "sampai tanggal manfaat lanjutan, di ruang perawatan kelas III."
    ),
    "mutation.note.phk_without_proof": N_(
        "PHK tanpa bukti (A, B, atau C): dinonaktifkan biasa, tanpa manfaat lanjutan pasca-PHK. "
        "Isi Bukti PHK bila dokumennya ada."
    ),
    "mutation.note.phk_proof_ignored": N_(
        "Bukti PHK diabaikan: manfaat lanjutan hanya berlaku untuk NONAKTIF dengan alasan PHK."
    ),
    "mutation.note.mandiri_class_ignored": N_(
        "Kelas Mandiri diabaikan: hanya dipakai untuk PINDAH_MANDIRI."
    ),
    "mutation.note.reason_ignored": N_("Alasan diabaikan: AKTIFKAN tidak memerlukan alasan."),
    "mutation.note.same_kk_moved": N_(
        "Anggota keluarga aktif pada KK yang sama ikut pindah ke mandiri dengan kelas yang sama."
    ),
    "mutation.note.other_kk_deactivated": N_(
        "Anggota keluarga pada KK lain tidak ikut pindah ke mandiri: mereka dinonaktifkan dan "
        "dapat dipindahkan ke mandiri tersendiri."
    ),
    "mutation.note.excluded_deactivated": N_(
        "Anggota keluarga yang dikecualikan tidak ikut pindah ke mandiri. Karena pekerjanya "
        "keluar, mereka dinonaktifkan dan dapat dipindahkan ke mandiri tersendiri."
    ),
    "mutation.note.phk_coverage_over": N_(
        "Manfaat lanjutan PHK (6 bulan sejak tanggal PHK) sudah berakhir: PHK ini dilaporkan "
        "terlambat. Peserta dapat langsung dipindahkan ke mandiri."
    ),
    "mutation.note.death_certificate_missing": N_(
        "Nomor surat kematian belum diisi. Lengkapi bila dokumennya sudah ada."
    ),
    "mutation.note.excluded_stay": N_(
        "Anggota keluarga yang dikecualikan tetap nonaktif; mereka dapat dipindahkan ke "
        "mandiri tersendiri."
    ),
    "mutation.note.other_kk_stay": N_(
        "Anggota keluarga pada KK lain tetap nonaktif; mereka dapat dipindahkan ke mandiri "
        "tersendiri."
    ),
    "mutation.note.dependants_reactivated": N_(
        "Anggota keluarga yang dipilih ikut diaktifkan kembali. Periksa kembali usia anak dan "
        "jumlah tanggungan."
    ),
}
