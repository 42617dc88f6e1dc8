"""The words a person reads for the tool's internal codes: statuses, reasons, relationships,
roles, segments, sources and audit actions, in the user's language.

Every screen and every file a user reads shows these labels, never the codes (which stay in
the database, the contract's sheets and the JSON of the command line). Templates use the
``label`` filter: ``{{ person.status|label('status') }}``. A code without a label (data
from a later version, say) is shown as it is rather than failing the page.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from enum import Enum
from typing import Final

import flask_babel

from edabu_lite.identity.privacy import mask_nik
from edabu_lite.issues import N_

STATUS: Final = {
    "AKTIF": N_("Aktif"),
    "NONAKTIF": N_("Nonaktif"),
    "PINDAH_MANDIRI": N_("Pindah ke mandiri"),
    "MENINGGAL": N_("Meninggal"),
}
KIND: Final = {
    "NONAKTIF": N_("Nonaktifkan"),
    "PINDAH_MANDIRI": N_("Pindah ke mandiri (PBPU)"),
    "AKTIFKAN": N_("Aktifkan kembali"),
}
REASON: Final = {
    "PHK": N_("PHK"),
    "MENGUNDURKAN_DIRI": N_("Mengundurkan diri"),
    "HABIS_KONTRAK": N_("Habis kontrak"),
    "PENSIUN": N_("Pensiun"),
    "MENINGGAL": N_("Meninggal dunia"),
    "USIA": N_("Melewati batas usia"),
    "MENIKAH": N_("Menikah"),
    "CERAI": N_("Cerai"),
    "BEKERJA": N_("Bekerja (ditanggung pemberi kerja sendiri)"),
    "DIHENTIKAN": N_("Dihentikan (anggota keluarga lain)"),
    "PESERTA_MENINGGAL": N_("Peserta utama meninggal"),
    "PESERTA_PINDAH_MANDIRI": N_("Peserta utama pindah ke mandiri"),
}
RELATIONSHIP: Final = {
    "Peserta": N_("Pekerja (peserta utama)"),
    "Suami": N_("Suami"),
    "Istri": N_("Istri"),
    "Anak": N_("Anak"),
    "Ayah": N_("Ayah"),
    "Ibu": N_("Ibu"),
    "Mertua": N_("Mertua"),
}
SEGMENT: Final = {
    "PPU": N_("PPU (pekerja penerima upah)"),
    "PBPU": N_("PBPU (mandiri)"),
}
BATCH_STATUS: Final = {
    "draft": N_("Pratinjau"),
    "submitted": N_("Menunggu persetujuan"),
    "approved": N_("Disetujui"),
    "applied": N_("Diterapkan"),
    "rejected": N_("Ditolak"),
    "cancelled": N_("Dibatalkan"),
    "reverted": N_("Dikembalikan"),
    "expired": N_("Kedaluwarsa"),
}
JOB_STATUS: Final = {
    "queued": N_("Menunggu"),
    "processing": N_("Sedang diperiksa"),
    "validated": N_("Siap ditinjau"),
    "rejected": N_("Ditolak"),
    "failed": N_("Gagal"),
    "committing": N_("Menyimpan"),
    "committed": N_("Tersimpan"),
    "cancelled": N_("Dibatalkan"),
}
SEX: Final = {"L": N_("Laki-laki"), "P": N_("Perempuan")}
MARITAL: Final = {
    "Belum Kawin": N_("Belum kawin"),
    "Kawin": N_("Kawin"),
    "Cerai Hidup": N_("Cerai hidup"),
    "Cerai Mati": N_("Cerai mati"),
}
ROLE: Final = {
    "admin": N_("Admin"),
    "operator": N_("Operator"),
    "viewer": N_("Pemantau (hanya baca)"),
}
SOURCE: Final = {
    "web": N_("Web"),
    "cli": N_("Baris perintah"),
    "api": N_("API"),
    "job": N_("Proses latar"),
}
#: Audit actions; `audit_action` also names the source of events written by the tool itself.
ACTION: Final = {
    "auth.login": N_("Masuk"),
    "auth.logout": N_("Keluar"),
    "auth.login_failed": N_("Gagal masuk"),
    "auth.lockout": N_("Perangkat dikunci sementara"),
    "auth.unlock": N_("Kunci akun dibuka"),
    "auth.sessions_ended": N_("Dikeluarkan dari semua perangkat"),
    "audit.key_rotated": N_("Kunci jejak audit diganti"),
    "employer.create": N_("Badan usaha dibuat"),
    "employer.update": N_("Pengaturan diubah"),
    "contribution_setting.create": N_("Tarif iuran ditambahkan"),
    "contribution_setting.update": N_("Tarif iuran diubah"),
    "contribution.reconcile": N_("Tagihan BPJS direkonsiliasi"),
    "user.create": N_("Pengguna ditambahkan"),
    "user.update": N_("Pengguna diubah"),
    "user.password_change": N_("Kata sandi diganti"),
    "user.password_reset": N_("Kata sandi diatur ulang"),
    "participant.create": N_("Peserta ditambahkan"),
    "participant.demo_seed": N_("Ditambahkan sebagai data contoh (demo)"),
    "participant.import_insert": N_("Ditambahkan lewat impor"),
    "participant.import_update": N_("Diperbarui lewat impor"),
    "participant.mutation": N_("Diubah oleh mutasi"),
    "participant.update": N_("Data peserta diubah"),
    "participant.nik_correct": N_("NIK dikoreksi"),
    "roster.export": N_("Daftar peserta diekspor"),
    "roster_import.upload": N_("Berkas peserta diunggah"),
    "roster_import.commit": N_("Impor peserta disimpan"),
    "roster_import.cancel": N_("Impor peserta dibatalkan"),
    "roster_import.retry": N_("Impor peserta dicoba lagi"),
    "mutation_import.upload": N_("Lembar mutasi diunggah"),
    "mutation_import.cancel": N_("Lembar mutasi dibatalkan"),
    "mutation_import.retry": N_("Lembar mutasi dicoba lagi"),
    "mutation_batch.create": N_("Mutasi dibuat"),
    "mutation_batch.submit": N_("Mutasi diajukan untuk persetujuan"),
    "mutation_batch.approve": N_("Mutasi disetujui"),
    "mutation_batch.reject": N_("Mutasi ditolak"),
    "mutation_batch.cancel": N_("Mutasi dibatalkan"),
    "mutation_batch.apply": N_("Mutasi diterapkan"),
    "mutation_batch.revert": N_("Mutasi dikembalikan"),
    "api_token.create": N_("Token API dibuat"),
    "api_token.revoke": N_("Token API dicabut"),
}
#: Data fields as people name them (audit before → after, import changes).
FIELD: Final = {
    "nik": N_("NIK"),
    "kk": N_("No KK"),
    "name": N_("Nama"),
    "q": N_("Pencarian"),
    "jenis": N_("Jenis"),
    "birth_place": N_("Tempat lahir"),
    "birth_date": N_("Tanggal lahir"),
    "sex": N_("Jenis kelamin"),
    "marital_status": N_("Status kawin"),
    "relationship": N_("Hubungan keluarga"),
    "worker_nik": N_("NIK peserta utama"),
    "employee_number": N_("No pegawai"),
    "wage": N_("Gaji"),
    "care_class": N_("Kelas rawat"),
    "faskes_code": N_("Kode faskes"),
    "start_date": N_("TMT"),
    "card_number": N_("No kartu JKN"),
    "phone": N_("No HP"),
    "email": N_("Email"),
    "in_school": N_("Masih sekolah"),
    "status": N_("Status"),
    "segment": N_("Segmen"),
    "mandiri_class": N_("Kelas mandiri"),
    "end_date": N_("TMT berakhir"),
    "end_reason": N_("Alasan"),
    "phk_date": N_("Tanggal PHK"),
    "event_date": N_("Tanggal kejadian"),
    "death_certificate": N_("No surat kematian"),
    "continued_coverage_until": N_("Manfaat lanjutan PHK berhenti per"),
    "status_since": N_("Status berlaku sejak"),
    "previous_status": N_("Status sebelumnya"),
    "faskes_since": N_("Faskes berlaku mulai"),
    "effective_from": N_("Berlaku mulai"),
    "correction_reason": N_("Alasan koreksi"),
    "role": N_("Peran"),
    "prefix": N_("Awalan"),
    "expires_at": N_("Berlaku s.d."),
    "active": N_("Aktif"),
    "full_name": N_("Nama lengkap"),
    "locale": N_("Bahasa"),
    "minimum_wage": N_("Upah minimum"),
    "employer_rate_bp": N_("Iuran pemberi kerja (basis poin)"),
    "worker_rate_bp": N_("Iuran pekerja (basis poin)"),
    "extra_member_rate_bp": N_("Iuran anggota tambahan (basis poin)"),
    "wage_cap": N_("Batas atas gaji"),
    "class1_wage_threshold": N_("Batas gaji Kelas 1"),
    "mandiri_class1": N_("Iuran mandiri Kelas 1"),
    "mandiri_class2": N_("Iuran mandiri Kelas 2"),
    "mandiri_class3": N_("Iuran mandiri Kelas 3"),
    "mutations_need_approval": N_("Mutasi perlu persetujuan"),
    "inserted": N_("Ditambahkan"),
    "updated": N_("Diperbarui"),
    "unchanged": N_("Tidak berubah"),
    "skipped": N_("Dilewati"),
    "valid_only": N_("Hanya baris valid"),
    "rows": N_("Baris"),
    "items": N_("Baris"),
    "errors": N_("Bermasalah"),
    "affected": N_("Orang terdampak"),
    "source": N_("Sumber"),
    "note": N_("Catatan"),
    "filename": N_("Berkas"),
}

#: Issue codes as a filter names them (the full message, with its fix, is the catalogue's).
ISSUE: Final = {
    "file.unreadable": N_("Berkas tidak terbaca"),
    "file.too_large": N_("Berkas terlalu besar"),
    "file.too_many_rows": N_("Terlalu banyak baris"),
    "file.cell_too_long": N_("Isi sel terlalu panjang"),
    "file.row_too_long": N_("Isi baris terlalu panjang"),
    "file.empty": N_("Berkas kosong"),
    "header.missing_column": N_("Kolom wajib tidak ada"),
    "header.duplicate_column": N_("Kolom ganda"),
    "header.unknown_column": N_("Kolom tidak dikenal"),
    "nik.required": N_("NIK kosong"),
    "nik.not_text": N_("NIK tersimpan sebagai angka"),
    "nik.format": N_("NIK berisi karakter selain angka"),
    "nik.length": N_("NIK tidak 16 digit"),
    "nik.province": N_("Kode provinsi NIK salah"),
    "nik.region": N_("Kode wilayah NIK tidak dikenal"),
    "nik.date": N_("Tanggal dalam NIK mustahil"),
    "nik.serial": N_("Nomor urut NIK 0000"),
    "nik.birth_date_mismatch": N_("NIK tidak cocok dengan tanggal lahir"),
    "nik.sex_mismatch": N_("NIK tidak cocok dengan jenis kelamin"),
    "kk.required": N_("No KK kosong"),
    "kk.not_text": N_("No KK tersimpan sebagai angka"),
    "kk.format": N_("No KK berisi karakter selain angka"),
    "kk.length": N_("No KK tidak 16 digit"),
    "kk.province": N_("Kode provinsi No KK salah"),
    "kk.region": N_("Kode wilayah No KK tidak dikenal"),
    "kk.date": N_("Tanggal dalam No KK janggal"),
    "kk.same_as_nik": N_("No KK sama dengan NIK"),
    "name.required": N_("Nama kosong"),
    "name.format": N_("Nama berisi karakter tidak wajar"),
    "birth_date.required": N_("Tanggal lahir kosong"),
    "birth_date.format": N_("Tanggal lahir tidak terbaca"),
    "birth_date.future": N_("Tanggal lahir di masa depan"),
    "sex.invalid": N_("Jenis kelamin tidak dikenal"),
    "marital_status.invalid": N_("Status kawin tidak dikenal"),
    "relationship.invalid": N_("Hubungan keluarga tidak dikenal"),
    "wage.required": N_("Gaji kosong"),
    "wage.format": N_("Gaji tidak terbaca"),
    "wage.below_minimum": N_("Gaji di bawah upah minimum"),
    "care_class.invalid": N_("Kelas rawat tidak dikenal"),
    "care_class.wage_mismatch": N_("Kelas rawat tidak sesuai gaji"),
    "faskes_code.format": N_("Kode faskes salah"),
    "start_date.format": N_("TMT tidak terbaca"),
    "card_number.not_text": N_("No kartu tersimpan sebagai angka"),
    "card_number.format": N_("No kartu salah"),
    "phone.format": N_("No HP tidak wajar"),
    "email.format": N_("Email tidak wajar"),
    "row.duplicate_nik": N_("NIK ganda dalam berkas"),
    "row.nik_other_employer": N_("Aktif di badan usaha lain"),
    "family.worker_missing": N_("Peserta utama tidak ditemukan"),
    "family.kk_mismatch": N_("No KK berbeda dengan peserta utama"),
    "family.husband_count": N_("Lebih dari satu suami"),
    "family.spouse_mismatch": N_("Data suami/istri tidak cocok"),
    "family.spouse_count": N_("Jumlah pasangan janggal"),
    "family.extra_member": N_("Anggota keluarga tambahan (iuran 1%)"),
    "family.child_age": N_("Anak melewati batas usia"),
    "family.not_dependant": N_("Tidak dapat ditanggung"),
    "nik.newborn_pending": N_("Bayi baru lahir, NIK menyusul"),
    "mutation.event_date_required": N_("Tanggal kejadian wajib diisi"),
    "mutation.unknown_nik": N_("NIK tidak terdaftar"),
    "mutation.kind_invalid": N_("Jenis mutasi tidak dikenal"),
    "mutation.reason_invalid": N_("Alasan tidak sesuai"),
    "mutation.not_active": N_("Peserta sudah tidak aktif"),
    "mutation.not_inactive": N_("Peserta masih aktif"),
    "mutation.class_required": N_("Kelas mandiri wajib diisi"),
    "mutation.date_invalid": N_("Tanggal tidak sesuai"),
    "faskes_code.too_soon": N_("Pindah faskes terlalu cepat"),
    "nik.registered": N_("NIK sudah terdaftar"),
    "nik.unchanged": N_("NIK tidak berubah"),
    "effective_from.invalid": N_("Bulan berlaku tidak valid"),
    "mutation.deceased": N_("Peserta sudah meninggal"),
    "mutation.conflict": N_("Data berubah sejak pratinjau"),
}

VOCABULARIES: Final[Mapping[str, Mapping[str, str]]] = {
    "status": STATUS,
    "kind": KIND,
    "batch_status": BATCH_STATUS,
    "job_status": JOB_STATUS,
    "reason": REASON,
    "relationship": RELATIONSHIP,
    "segment": SEGMENT,
    "sex": SEX,
    "marital": MARITAL,
    "role": ROLE,
    "source": SOURCE,
    "action": ACTION,
    "field": FIELD,
    "issue": ISSUE,
}


def label(code: object, vocabulary: str, gettext: Callable[[str], str] | None = None) -> str:
    """The label of ``code`` in ``vocabulary``, translated with ``gettext`` (Flask-Babel's by
    default); the code itself when it has none, a dash for nothing."""
    if code is None or code == "":
        return "–"
    text = code.value if isinstance(code, Enum) else str(code)
    message = VOCABULARIES[vocabulary].get(text)
    if message is None:
        return text
    return (gettext or flask_babel.gettext)(message)


def batch_status_label(status: object) -> str:
    return label(status, "batch_status")


def choices(vocabulary: str) -> list[tuple[str, str]]:
    """(code, label) pairs of a vocabulary, for a filter's drop-down."""
    return [(code, label(code, vocabulary)) for code in VOCABULARIES[vocabulary]]


#: Fields whose values are codes, and the vocabulary that names them.
_CODED_FIELDS: Final = {
    "status": "status",
    "previous_status": "status",
    "segment": "segment",
    "end_reason": "reason",
    "relationship": "relationship",
    "sex": "sex",
    "marital_status": "marital",
    "role": "role",
    "source": "source",
}
_RUPIAH_FIELDS: Final = frozenset(
    {"wage", "minimum_wage", "wage_cap", "class1_wage_threshold", "mandiri_class1",
     "mandiri_class2", "mandiri_class3"}
)  # fmt: skip
#: Identity numbers are shown masked in lists of changes (UU PDP); the person's page has them.
_IDENTITY_FIELDS: Final = frozenset({"nik", "kk", "worker_nik"})


def field_value(name: str, value: object) -> str:
    """A stored field value as a person reads it: codes as labels, ISO dates as DD-MM-YYYY,
    Rupiah with thousands dots, yes/no as words, nothing as a dash."""
    if value is None or value == "":
        return "–"
    if name in _CODED_FIELDS:
        return label(value, _CODED_FIELDS[name])
    if name in _IDENTITY_FIELDS:
        return mask_nik(str(value))
    if isinstance(value, bool):
        return flask_babel.gettext("Ya") if value else flask_babel.gettext("Tidak")
    if name in _RUPIAH_FIELDS and isinstance(value, int):
        return "Rp " + f"{value:,}".replace(",", ".")
    if isinstance(value, str) and len(value) == 10 and value[4] == "-" and value[7] == "-":
        try:
            return date.fromisoformat(value).strftime("%d-%m-%Y")
        except ValueError:
            return value
    return str(value)
