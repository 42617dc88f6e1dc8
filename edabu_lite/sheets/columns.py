"""Column specifications of the versioned sheets (contract §2 roster, §3 mutations).

One spec drives header matching (with aliases), the downloadable template (widths, Text
format, drop-down lists, the Petunjuk sheet), the error report and the row schemas.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Final

from edabu_lite.issues import N_


class Need(StrEnum):
    """When a column must be present in the header (row-level requirements are the schema's)."""

    ALWAYS = "always"  # header required, cell required
    WORKERS = "workers"  # header required: cell required on worker rows
    DEPENDANTS = "dependants"  # header required: cell required on dependant rows
    KIND = "kind"  # header required: cell required for some mutation kinds
    OPTIONAL = "optional"  # header may be missing


class CellKind(StrEnum):
    IDENTITY = "identity"  # digits that must be a text cell (NIK, KK, card number)
    TEXT = "text"
    DATE = "date"
    INTEGER = "integer"
    CODE = "code"  # one of a fixed list: offered as a drop-down in the template


@dataclass(frozen=True, slots=True)
class ColumnSpec:
    key: str
    header: str
    need: Need
    kind: CellKind
    aliases: tuple[str, ...] = ()
    choices: tuple[str, ...] = ()  # for CODE columns: the canonical spellings
    width: int = 16
    help: str = ""  # Petunjuk text (Indonesian msgid)
    example: str = ""

    @property
    def header_required(self) -> bool:
        return self.need != Need.OPTIONAL


def export_column(
    key: str, header: str, width: int = 16, kind: CellKind = CellKind.TEXT
) -> ColumnSpec:
    """A column of a download-only sheet (audit trail, batch result): nothing is required."""
    return ColumnSpec(key, header, Need.OPTIONAL, kind, width=width)


def header_key(text: object) -> str:
    """Case-, space- and punctuation-insensitive form of a header cell ('No. KK' → 'nokk')."""
    if text is None:
        return ""
    folded = unicodedata.normalize("NFKD", str(text)).casefold()
    return re.sub(r"[^0-9a-z]", "", folded)


#: The messages column of the tool's own error reports (`writer.write_error_report`), in
#: Indonesian and English, then numbered when the sheet already had such a column. A report
#: uploaded again is read without it: it is neither data nor an unknown column.
REPORT_COLUMN: Final = N_("Keterangan")
REPORT_COLUMN_ALTERNATIVE: Final = N_("Keterangan Validasi")
_REPORT_HEADERS: Final = re.compile(
    r"(keterangan|remarks|keteranganvalidasi[0-9]*|validationremarks[0-9]*)"
)


def is_report_header(text: object) -> bool:
    """True for the header of an error report's messages column (any language)."""
    return _REPORT_HEADERS.fullmatch(header_key(text)) is not None


ROSTER_TEMPLATE_VERSION = 1

ROSTER_COLUMNS: tuple[ColumnSpec, ...] = (
    ColumnSpec(
        "nik",
        "NIK",
        Need.ALWAYS,
        CellKind.IDENTITY,
        ("nomor induk kependudukan", "no nik", "nik ktp", "id number"),
        width=20,
        help=N_("16 digit NIK dari KTP/KK. Ketik sebagai Teks, bukan angka."),
        example="3273015507900001",
    ),
    ColumnSpec(
        "kk",
        "No KK",
        Need.ALWAYS,
        CellKind.IDENTITY,
        (
            "kk",
            "nomor kk",
            "no kartu keluarga",
            "nomor kartu keluarga",
            "family card",
            "family card number",
            "kk number",
        ),
        width=20,
        help=N_("16 digit nomor Kartu Keluarga. Pekerja dan tanggungannya harus sama."),
        example="3273012001150003",
    ),
    ColumnSpec(
        "name",
        "Nama Lengkap",
        Need.ALWAYS,
        CellKind.TEXT,
        ("nama", "full name", "name", "nama peserta"),
        width=28,
        help=N_("Nama lengkap sesuai KTP/KK."),
        example="Siti Aminah",
    ),
    ColumnSpec(
        "birth_place",
        "Tempat Lahir",
        Need.OPTIONAL,
        CellKind.TEXT,
        ("birth place", "place of birth"),
        width=16,
        help=N_("Kota/kabupaten tempat lahir."),
        example="Bandung",
    ),
    ColumnSpec(
        "birth_date",
        "Tanggal Lahir",
        Need.ALWAYS,
        CellKind.DATE,
        ("tgl lahir", "birth date", "date of birth", "dob", "tanggal lahir dd-mm-yyyy"),
        width=14,
        help=N_("Sel tanggal, atau teks DD-MM-YYYY, DD/MM/YYYY, YYYY-MM-DD. Tahun 4 digit."),
        example="15-07-1990",
    ),
    ColumnSpec(
        "sex",
        "Jenis Kelamin",
        Need.ALWAYS,
        CellKind.CODE,
        ("jk", "l/p", "gender", "sex", "kelamin"),
        ("L", "P"),
        width=10,
        help=N_("L (laki-laki) atau P (perempuan)."),
        example="P",
    ),
    ColumnSpec(
        "marital_status",
        "Status Kawin",
        Need.ALWAYS,
        CellKind.CODE,
        ("status perkawinan", "marital status", "status pernikahan"),
        ("Belum Kawin", "Kawin", "Cerai Hidup", "Cerai Mati"),
        width=14,
        help=N_("Belum Kawin, Kawin, Cerai Hidup, atau Cerai Mati."),
        example="Kawin",
    ),
    ColumnSpec(
        "relationship",
        "Hubungan Keluarga",
        Need.ALWAYS,
        CellKind.CODE,
        ("hubungan", "status keluarga", "relationship", "hub keluarga", "shdk"),
        ("Peserta", "Suami", "Istri", "Anak", "Ayah", "Ibu", "Mertua"),
        width=16,
        help=N_(
            "Peserta untuk pekerja; Suami, Istri, Anak, Ayah, Ibu, atau Mertua untuk "
            "anggota keluarga."
        ),
        example="Peserta",
    ),
    ColumnSpec(
        "worker_nik",
        "NIK Peserta Utama",
        Need.DEPENDANTS,
        CellKind.IDENTITY,
        ("nik pekerja", "nik peserta", "worker nik", "nik pegawai", "nik kepala"),
        width=20,
        help=N_("NIK pekerja yang menanggung. Kosongkan pada baris pekerja sendiri."),
        example="",
    ),
    ColumnSpec(
        "employee_number",
        "No Pegawai",
        Need.WORKERS,
        CellKind.TEXT,
        ("nip", "nomor pegawai", "employee number", "employee id", "no karyawan"),
        width=14,
        help=N_("Nomor induk pegawai di perusahaan (baris pekerja)."),
        example="EMP-0001",
    ),
    ColumnSpec(
        "wage",
        "Gaji",
        Need.WORKERS,
        CellKind.INTEGER,
        ("upah", "gaji pokok", "wage", "salary", "gaji tunjangan tetap"),
        width=14,
        help=N_("Gaji pokok + tunjangan tetap per bulan, Rupiah tanpa titik/desimal."),
        example="6500000",
    ),
    ColumnSpec(
        "care_class",
        "Kelas Rawat",
        Need.ALWAYS,
        CellKind.CODE,
        ("kelas", "hak kelas", "care class", "class"),
        ("1", "2"),
        width=10,
        help=N_("1 atau 2. Gaji sampai Rp 4.000.000 → kelas 2, di atasnya → kelas 1."),
        example="1",
    ),
    ColumnSpec(
        "faskes_code",
        "Kode Faskes",
        Need.ALWAYS,
        CellKind.TEXT,
        ("faskes", "kode faskes tk i", "kode ppk", "faskes code", "kode faskes 1"),
        width=12,
        help=N_(
            "Kode faskes tingkat pertama, 8 karakter: 4 angka, 1 huruf, 3 angka (klinik, "
            "praktik, rumah sakit) atau 8 angka (puskesmas)."
        ),
        example="0112U020",
    ),
    ColumnSpec(
        "start_date",
        "TMT",
        Need.WORKERS,
        CellKind.DATE,
        ("tmt kepesertaan", "tanggal mulai", "start date", "tmt peserta"),
        width=14,
        help=N_("Tanggal mulai kepesertaan pekerja."),
        example="01-01-2026",
    ),
    ColumnSpec(
        "card_number",
        "No Kartu JKN",
        Need.OPTIONAL,
        CellKind.IDENTITY,
        ("no kartu", "nomor kartu", "no jkn", "card number", "no kartu bpjs", "nokartu"),
        width=16,
        help=N_("13 digit nomor kartu JKN, bila sudah ada. Ketik sebagai Teks."),
        example="0001234567890",
    ),
    ColumnSpec(
        "phone",
        "No HP",
        Need.OPTIONAL,
        CellKind.TEXT,
        ("hp", "telepon", "no telp", "phone", "mobile", "no handphone"),
        width=15,
        help=N_("Nomor ponsel, mis. 081234567890."),
        example="081234567890",
    ),
    ColumnSpec(
        "email",
        "Email",
        Need.OPTIONAL,
        CellKind.TEXT,
        ("e-mail", "surel"),
        width=24,
        help=N_("Alamat email."),
        example="siti@example.com",
    ),
    ColumnSpec(
        "in_school",
        "Masih Sekolah",
        Need.OPTIONAL,
        CellKind.CODE,
        ("sekolah", "in school", "student", "pelajar", "masih kuliah"),
        ("Ya", "Tidak"),
        width=12,
        help=N_("Ya bila anak usia 21–24 tahun masih sekolah/kuliah formal."),
        example="",
    ),
)

#: The roster export's columns after the roster's (contract §2b): statuses as the tool names
#: them. A roster upload reads them back (no unknown-column warning) and never imports them:
#: a roster cannot change anyone's status.
EXPORT_STATUS_COLUMNS: tuple[ColumnSpec, ...] = (
    ColumnSpec("status", "Status", Need.OPTIONAL, CellKind.CODE, ("status kepesertaan",),
               ("AKTIF", "NONAKTIF", "PINDAH_MANDIRI", "MENINGGAL"), width=16),
    ColumnSpec("segment", "Segmen", Need.OPTIONAL, CellKind.CODE, (), ("PPU", "PBPU"), width=8),
    ColumnSpec("end_date", "Tanggal Nonaktif", Need.OPTIONAL, CellKind.DATE, (), width=14),
    ColumnSpec("end_reason", "Alasan", Need.OPTIONAL, CellKind.CODE, ("alasan nonaktif",),
               width=18),
    ColumnSpec("phk_coverage_until", "Manfaat PHK s.d.", Need.OPTIONAL, CellKind.DATE, (),
               width=14),
    ColumnSpec("mandiri_class", "Kelas Mandiri", Need.OPTIONAL, CellKind.CODE, (),
               ("1", "2", "3"), width=12),
)  # fmt: skip
ROSTER_EXPORT_COLUMNS: tuple[ColumnSpec, ...] = (*ROSTER_COLUMNS, *EXPORT_STATUS_COLUMNS)

MUTATION_TEMPLATE_VERSION = 2

MUTATION_COLUMNS: tuple[ColumnSpec, ...] = (
    ColumnSpec(
        "nik",
        "NIK",
        Need.ALWAYS,
        CellKind.IDENTITY,
        ("nomor induk kependudukan", "no nik"),
        width=20,
        help=N_("NIK peserta yang dimutasi."),
        example="3273015507900001",
    ),
    ColumnSpec(
        "kind",
        "Jenis Mutasi",
        Need.ALWAYS,
        CellKind.CODE,
        ("jenis", "mutasi", "kind", "type"),
        ("NONAKTIF", "PINDAH_MANDIRI", "AKTIFKAN"),
        width=18,
        help=N_("NONAKTIF, PINDAH_MANDIRI, atau AKTIFKAN."),
        example="NONAKTIF",
    ),
    ColumnSpec(
        "reason",
        "Alasan",
        Need.KIND,
        CellKind.CODE,
        ("alasan nonaktif", "reason"),
        (
            "PHK",
            "MENGUNDURKAN_DIRI",
            "HABIS_KONTRAK",
            "PENSIUN",
            "MENINGGAL",
            "USIA",
            "MENIKAH",
            "CERAI",
            "BEKERJA",
            "DIHENTIKAN",
        ),
        width=20,
        help=N_("Wajib untuk NONAKTIF."),
        example="PHK",
    ),
    ColumnSpec(
        "effective_date",
        "TMT",
        Need.OPTIONAL,
        CellKind.DATE,
        ("tmt mutasi", "tanggal efektif", "effective date"),
        width=14,
        help=N_("Tanggal berlaku. Kosong: tanggal 1 bulan berikutnya."),
        example="",
    ),
    ColumnSpec(
        "mandiri_class",
        "Kelas Mandiri",
        Need.KIND,
        CellKind.CODE,
        ("kelas pbpu", "mandiri class"),
        ("1", "2", "3"),
        width=12,
        help=N_("Wajib untuk PINDAH_MANDIRI: 1, 2, atau 3."),
        example="",
    ),
    ColumnSpec(
        "phk_proof",
        "Bukti PHK",
        Need.OPTIONAL,
        CellKind.CODE,
        ("bukti", "phk proof"),
        ("A", "B", "C"),
        width=10,
        help=N_("A, B, atau C (lihat Petunjuk). Dengan PHK memberi 6 bulan manfaat."),
        example="A",
    ),
    ColumnSpec(
        "note",
        "Keterangan",
        Need.OPTIONAL,
        CellKind.TEXT,
        ("catatan", "note", "notes"),
        width=30,
        help=N_("Catatan bebas, disimpan di jejak audit."),
        example="",
    ),
    ColumnSpec(
        "event_date",
        "Tanggal Kejadian",
        Need.OPTIONAL,  # a version 1 sheet without it still reads; PHK rows then say so
        CellKind.DATE,
        ("tanggal phk", "tanggal meninggal", "tanggal kematian", "event date"),
        width=16,
        help=N_(
            "Tanggal PHK, meninggal, mengundurkan diri, dsb. Wajib untuk PHK dan MENINGGAL; "
            "boleh sampai 12 bulan ke belakang."
        ),
        example="20-11-2026",
    ),
    ColumnSpec(
        "death_certificate",
        "No Surat Kematian",
        Need.OPTIONAL,
        CellKind.TEXT,
        ("surat kematian", "no akta kematian", "akta kematian", "death certificate"),
        width=20,
        help=N_("Untuk MENINGGAL: nomor surat atau akta kematian."),
        example="",
    ),
)


@dataclass(frozen=True, slots=True)
class HeaderIndex:
    """Lookup from a normalised header to its column spec, aliases included."""

    by_key: dict[str, ColumnSpec] = field(default_factory=dict)

    @classmethod
    def build(cls, columns: tuple[ColumnSpec, ...]) -> HeaderIndex:
        index: dict[str, ColumnSpec] = {}
        for spec in columns:
            for name in (spec.header, spec.key, *spec.aliases):
                index.setdefault(header_key(name), spec)
        return cls(index)

    def match(self, text: object) -> ColumnSpec | None:
        return self.by_key.get(header_key(text))
