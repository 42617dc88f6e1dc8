"""The issue catalogue: every issue code (contract.md §5, and the few this tool adds, listed in
the README) with its fixed severity and its message, a Bahasa Indonesia msgid wrapped in `N_`
so ``pybabel extract -k N_`` collects it. The messages tell the user how to fix the cell; they
are translated only when rendered (`issues.Issue.message`). Pure: no Flask.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Final

ERROR: Final = "error"
WARNING: Final = "warning"

Gettext = Callable[[str], str]


def N_(message: str) -> str:
    """Mark a string for ``pybabel extract -k N_`` without translating it here."""
    return message


_PLACEHOLDER = re.compile(r"%\(([a-z_]+)\)s")


@dataclass(frozen=True, slots=True)
class IssueType:
    """One entry of the catalogue: a code, its fixed severity and its message template."""

    code: str
    severity: str
    message: str
    #: (param, values): the issue is only a warning when its ``param`` is one of ``values``
    #: (family.kk_mismatch of a parent, contract §2).
    warning_when: tuple[str, frozenset[str]] | None = None
    #: Messages for particular cases, chosen by the issue's ``problem`` param: the same code
    #: (and severity) with a message that says why (nik.required of a child past the newborn
    #: window, row.duplicate_nik of two newborns without a NIK).
    variants: Mapping[str, str] = field(default_factory=dict, compare=False)
    #: Names the message template needs in `Issue.params` (found once: every warning with
    #: params is checked against them, thousands in a large import).
    placeholders: frozenset[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "placeholders", frozenset(_PLACEHOLDER.findall(self.message)))

    def template(self, params: Mapping[str, object]) -> str:
        """The message template for these params (a variant's, when ``problem`` names one)."""
        if self.variants:
            return self.variants.get(params.get("problem"), self.message)  # type: ignore[arg-type]
        return self.message

    def needed(self, params: Mapping[str, object]) -> frozenset[str]:
        """The placeholders the template for these params needs."""
        if self.variants and params.get("problem") in self.variants:
            return frozenset(_PLACEHOLDER.findall(self.template(params)))
        return self.placeholders


def _catalogue(*types: IssueType) -> Mapping[str, IssueType]:
    return MappingProxyType({t.code: t for t in types})


def _e(code: str, message: str) -> IssueType:
    return IssueType(code, ERROR, message)


def _w(code: str, message: str) -> IssueType:
    return IssueType(code, WARNING, message)


#: Every issue code of contract.md §5 with its severity. Messages tell the user how to fix the cell.
CATALOGUE: Mapping[str, IssueType] = _catalogue(
    # --- File and header -------------------------------------------------------------------
    _e(
        "file.unreadable",
        N_("Berkas tidak dapat dibaca. Simpan ulang sebagai Excel (.xlsx) lalu unggah kembali."),
    ),
    _e(
        "file.too_large",
        N_(
            "Berkas terlalu besar (%(size_mb)s MB, batas %(max_mb)s MB). Pecah menjadi beberapa "
            "berkas lalu unggah satu per satu."
        ),
    ),
    _e(
        "file.too_many_rows",
        N_(
            "Berkas berisi %(rows)s baris, melebihi batas %(max_rows)s baris. Pecah menjadi "
            "beberapa berkas lalu unggah satu per satu."
        ),
    ),
    _e(
        "file.cell_too_long",
        N_(
            "Ada sel yang berisi lebih dari %(max_chars)s karakter, melebihi batas sel Excel. "
            "Perpendek atau hapus isi sel itu (sering hasil salin-tempel yang keliru), simpan, "
            "lalu unggah kembali."
        ),
    ),
    _e(
        "file.row_too_long",
        N_(
            "Satu baris berisi lebih dari %(max_chars)s karakter. Hapus kolom atau isi yang "
            "tidak diperlukan dari baris itu, simpan, lalu unggah kembali."
        ),
    ),
    _e(
        "file.empty",
        N_(
            "Berkas tidak berisi data. Isi data mulai baris 2, di bawah judul kolom pada sheet "
            "pertama."
        ),
    ),
    _e(
        "header.missing_column",
        N_(
            'Kolom wajib "%(header)s" tidak ditemukan. Tambahkan kolom ini di baris 1 atau '
            "gunakan templat terbaru."
        ),
    ),
    _e(
        "header.duplicate_column",
        N_('Kolom "%(header)s" muncul lebih dari sekali. Hapus salah satunya.'),
    ),
    _w(
        "header.unknown_column",
        N_(
            'Kolom "%(header)s" tidak dikenal dan diabaikan. Hapus kolom ini atau ganti judulnya '
            "sesuai templat."
        ),
    ),
    # --- NIK ---------------------------------------------------------------------------------
    IssueType(
        "nik.required",
        ERROR,
        N_("NIK wajib diisi. Ketik 16 digit NIK sesuai KTP atau Kartu Keluarga."),
        variants={
            "newborn_window": N_(
                "NIK wajib diisi: anak ini lahir lebih dari %(days)s hari yang lalu, jadi tidak "
                "dapat lagi didaftarkan sebagai bayi baru lahir tanpa NIK. Ketik 16 digit NIK "
                "anak sesuai Kartu Keluarga."
            ),
            "mutation": N_(
                "NIK wajib diisi: lembar mutasi menyebut peserta dengan NIK-nya. Bayi yang "
                "belum memiliki NIK belum dapat dimutasi; isi NIK-nya lebih dulu lewat unggah "
                "data peserta."
            ),
        },
    ),
    IssueType(
        "nik.registered",
        ERROR,
        N_(
            "NIK ini sudah terdaftar sebagai peserta perusahaan ini. Buka halaman pesertanya "
            "untuk mengubah data, atau aktifkan kembali lewat mutasi AKTIFKAN."
        ),
        variants={
            "newborn": N_(
                "Bayi dengan nama dan tanggal lahir ini sudah terdaftar di keluarga ini dan "
                "menunggu NIK. Buka halaman anak itu untuk mengubah datanya."
            ),
        },
    ),
    _e(
        "nik.unchanged",
        N_("NIK baru sama dengan NIK yang terdaftar. Ketik NIK yang benar sesuai KTP atau KK."),
    ),
    _e(
        "nik.not_text",
        N_(
            "NIK tersimpan sebagai angka sehingga digit terakhir hilang. Format kolom NIK sebagai "
            "Teks lalu ketik ulang nomornya."
        ),
    ),
    _e(
        "nik.format",
        N_(
            "NIK hanya boleh berisi angka 0-9. Hapus huruf atau simbol lain, lalu ketik ulang "
            "16 digit NIK dengan angka biasa."
        ),
    ),
    _e(
        "nik.length",
        N_(
            "NIK harus 16 digit, yang terisi %(length)s digit. "
            "Periksa kembali NIK pada KTP atau Kartu Keluarga."
        ),
    ),
    _e(
        "nik.province",
        N_(
            "Kode provinsi %(code)s (2 digit pertama NIK) tidak ada. "
            "Periksa kembali NIK pada KTP atau Kartu Keluarga."
        ),
    ),
    _w(
        "nik.region",
        N_(
            "Kode wilayah %(code)s (digit 1-6 NIK) tidak ada dalam data wilayah Kemendagri. "
            "Pastikan NIK benar; bila sudah sesuai KTP, abaikan peringatan ini."
        ),
    ),
    _e(
        "nik.date",
        N_(
            "Tanggal lahir dalam NIK (digit 7-12: %(date_part)s) tidak mungkin; untuk perempuan "
            "tanggalnya ditambah 40. "
            "Periksa kembali NIK pada KTP atau Kartu Keluarga."
        ),
    ),
    _e(
        "nik.serial",
        N_(
            "Nomor urut NIK (4 digit terakhir) tidak boleh 0000. "
            "Periksa kembali NIK pada KTP atau Kartu Keluarga."
        ),
    ),
    _w(
        "nik.birth_date_mismatch",
        N_(
            "Tanggal lahir menurut NIK (%(nik_date)s) berbeda dengan Tanggal Lahir "
            "(%(birth_date)s). Periksa keduanya; bila sudah sesuai dokumen, abaikan peringatan "
            "ini."
        ),
    ),
    _w(
        "nik.sex_mismatch",
        N_(
            "Jenis kelamin menurut NIK (%(nik_sex)s) berbeda dengan Jenis Kelamin (%(sex)s). "
            "Periksa keduanya; bila sudah sesuai dokumen, abaikan peringatan ini."
        ),
    ),
    # --- KK ----------------------------------------------------------------------------------
    _e("kk.required", N_("No KK wajib diisi. Ketik 16 digit nomor Kartu Keluarga.")),
    _e(
        "kk.not_text",
        N_(
            "No KK tersimpan sebagai angka sehingga digit terakhir hilang. Format kolom No KK "
            "sebagai Teks lalu ketik ulang nomornya."
        ),
    ),
    _e(
        "kk.format",
        N_(
            "No KK hanya boleh berisi angka 0-9. Hapus huruf atau simbol lain, lalu ketik ulang "
            "16 digit No KK dengan angka biasa."
        ),
    ),
    _e(
        "kk.length",
        N_(
            "No KK harus 16 digit, yang terisi %(length)s digit. "
            "Periksa kembali nomor di bagian atas Kartu Keluarga."
        ),
    ),
    _e(
        "kk.province",
        N_(
            "Kode provinsi %(code)s (2 digit pertama No KK) tidak ada. "
            "Periksa kembali nomor di bagian atas Kartu Keluarga."
        ),
    ),
    _w(
        "kk.region",
        N_(
            "Kode wilayah %(code)s (digit 1-6 No KK) tidak ada dalam data wilayah Kemendagri. "
            "Pastikan No KK benar; bila sudah sesuai Kartu Keluarga, abaikan peringatan ini."
        ),
    ),
    _w(
        "kk.date",
        N_(
            "Tanggal dalam No KK (digit 7-12: %(date_part)s) tidak wajar; nomor ini mirip NIK. "
            "Pastikan yang diisi nomor Kartu Keluarga, bukan NIK."
        ),
    ),
    _w(
        "kk.same_as_nik",
        N_(
            "No KK sama dengan NIK. Isi kolom No KK dengan nomor Kartu Keluarga yang tertera di "
            "bagian atas Kartu Keluarga."
        ),
    ),
    # --- Other cells -------------------------------------------------------------------------
    _e("name.required", N_("Nama Lengkap wajib diisi sesuai KTP atau Kartu Keluarga.")),
    _e(
        "name.format",
        N_(
            "Nama Lengkap berisi karakter yang tidak diizinkan. Gunakan huruf, spasi, titik, koma, "
            "apostrof, atau tanda hubung."
        ),
    ),
    _e("birth_date.required", N_("Tanggal Lahir wajib diisi, misalnya 17-08-1990.")),
    _e(
        "birth_date.format",
        N_(
            "Tanggal Lahir tidak dapat dibaca. Gunakan sel bertipe tanggal atau tulis DD-MM-YYYY, "
            "DD/MM/YYYY, atau YYYY-MM-DD dengan tahun 4 digit."
        ),
    ),
    _e("birth_date.future", N_("Tanggal Lahir berada di masa depan. Periksa tahun kelahirannya.")),
    _e("sex.invalid", N_("Jenis Kelamin harus L (Laki-laki) atau P (Perempuan).")),
    _e(
        "marital_status.invalid",
        N_("Status Kawin harus salah satu dari: Belum Kawin, Kawin, Cerai Hidup, Cerai Mati."),
    ),
    _e(
        "relationship.invalid",
        N_(
            "Hubungan Keluarga harus salah satu dari: Peserta, Suami, Istri, Anak, Ayah, Ibu, "
            "Mertua."
        ),
    ),
    _e(
        "wage.required",
        N_(
            "Gaji wajib diisi pada baris pekerja (Peserta). Tulis gaji bulanan dalam Rupiah, "
            "misalnya 5500000."
        ),
    ),
    _e(
        "wage.format",
        N_("Gaji harus berupa angka bulat dalam Rupiah tanpa desimal, misalnya 5500000."),
    ),
    _w(
        "wage.below_minimum",
        N_(
            "Gaji Rp %(wage)s di bawah upah minimum Rp %(minimum)s; iuran dihitung dari upah "
            "minimum. Periksa kembali gajinya."
        ),
    ),
    _e("care_class.invalid", N_("Kelas Rawat harus 1 atau 2.")),
    _w(
        "care_class.wage_mismatch",
        N_(
            "Kelas Rawat %(care_class)s tidak sesuai gaji; menurut gaji seharusnya Kelas "
            "%(expected)s. Periksa gaji atau kelas rawatnya."
        ),
    ),
    _e(
        "faskes_code.format",
        N_(
            "Kode Faskes harus 8 karakter: 4 angka, 1 huruf, 3 angka untuk klinik, praktik "
            "dokter, dan rumah sakit (contoh 0112U020), atau 8 angka untuk puskesmas (contoh "
            "03010701), ditulis sebagai teks."
        ),
    ),
    _w(
        "faskes_code.too_soon",
        N_(
            "Faskes baru dipilih pada %(since)s: pindah faskes tingkat pertama baru boleh "
            "setelah 3 bulan dan berlaku tanggal 1 bulan berikutnya. Pastikan peserta memang "
            "sudah boleh pindah, atau kembalikan Kode Faskes yang lama."
        ),
    ),
    _e(
        "start_date.format",
        N_("TMT tidak dapat dibaca. Gunakan sel bertipe tanggal atau tulis DD-MM-YYYY."),
    ),
    _e(
        "card_number.not_text",
        N_(
            "No Kartu JKN tersimpan sebagai angka sehingga angka 0 di depannya hilang. Format "
            "kolom sebagai Teks lalu ketik ulang nomornya."
        ),
    ),
    _e(
        "card_number.format",
        N_(
            "No Kartu JKN harus 13 digit angka (contoh 0001234567890). Periksa kembali nomor pada "
            "kartu, atau kosongkan bila belum punya."
        ),
    ),
    _w(
        "phone.format",
        N_("No HP tidak valid. Tulis nomor seluler yang diawali 08, misalnya 081234567890."),
    ),
    _w(
        "email.format",
        N_("Alamat email tidak valid. Periksa penulisannya, misalnya nama@perusahaan.co.id."),
    ),
    # --- Across rows and the database ------------------------------------------------------
    IssueType(
        "row.duplicate_nik",
        ERROR,
        N_(
            "NIK ini juga ada di baris %(other_row)s. Cantumkan setiap orang satu kali saja; hapus "
            "baris gandanya."
        ),
        variants={
            "newborn": N_(
                "Bayi tanpa NIK dengan NIK Peserta Utama, nama, dan tanggal lahir yang sama juga "
                "ada di baris %(other_row)s. Cantumkan setiap bayi satu kali saja; bayi kembar "
                "dibedakan dengan namanya."
            ),
        },
    ),
    _w(
        "row.nik_other_employer",
        N_(
            "Peserta ini masih aktif di badan usaha lain (data ganda). Pastikan pemberi kerja "
            "sebelumnya sudah menonaktifkannya."
        ),
    ),
    _e(
        "family.worker_missing",
        N_(
            "Pekerja dengan NIK Peserta Utama ini tidak ada di berkas maupun di data peserta "
            "aktif. Tambahkan baris pekerjanya atau perbaiki NIK Peserta Utama."
        ),
    ),
    IssueType(
        "family.kk_mismatch",
        ERROR,
        N_(
            "No KK berbeda dengan No KK pekerja. Suami, istri, dan anak hanya dapat didaftarkan "
            "bila No KK-nya sama: perbaiki No KK atau perbarui Kartu Keluarga lebih dulu. Ayah, "
            "ibu, dan mertua boleh tercatat pada KK sendiri (hanya peringatan)."
        ),
        warning_when=("relationship", frozenset({"Ayah", "Ibu", "Mertua"})),
    ),
    _e(
        "family.husband_count",
        N_(
            "Pekerja ini tercatat dengan %(count)s suami; hanya satu suami yang dapat "
            "ditanggung. Periksa Hubungan Keluarga."
        ),
    ),
    _w(
        "family.spouse_mismatch",
        N_(
            "Data suami/istri tidak cocok: suami berjenis kelamin L, istri P, dan keduanya "
            "berstatus Kawin. Periksa Hubungan Keluarga, Jenis Kelamin, dan Status Kawin."
        ),
    ),
    _w(
        "family.spouse_count",
        N_("Pekerja ini tercatat dengan %(count)s suami/istri. Periksa kembali Hubungan Keluarga."),
    ),
    _w(
        "family.extra_member",
        N_(
            "Anggota keluarga tambahan (anak ke-4 dan seterusnya, ayah, ibu, atau mertua) dikenai "
            "iuran tambahan 1%% dari gaji per orang, dibayar oleh pekerja."
        ),
    ),
    _e(
        "family.child_age",
        N_(
            "Anak berusia %(age)s tahun tidak dapat ditanggung: batasnya di bawah 21 tahun, atau "
            "di bawah 25 tahun bila masih sekolah (isi Masih Sekolah dengan Ya). Periksa Tanggal "
            "Lahir atau hapus barisnya."
        ),
    ),
    _e(
        "family.not_dependant",
        N_(
            "Hubungan Keluarga ini tidak dapat ditanggung sebagai anggota keluarga pekerja. "
            "Perbaiki Hubungan Keluarga atau daftarkan orang ini sebagai peserta mandiri."
        ),
    ),
    # --- Newborns ----------------------------------------------------------------------------
    _w(
        "nik.newborn_pending",
        N_(
            "Bayi baru lahir didaftarkan tanpa NIK. Setelah NIK terbit, isi NIK-nya dan unggah "
            "kembali: sampai saat itu bayi dikenali dari NIK Peserta Utama, nama, dan tanggal "
            "lahirnya, jadi jangan ubah ketiganya."
        ),
    ),
    # --- Mutations ---------------------------------------------------------------------------
    IssueType(
        "mutation.unknown_nik",
        ERROR,
        N_("NIK tidak ditemukan di daftar peserta badan usaha ini. Periksa kembali NIK-nya."),
        variants={
            "newborn_pending": N_(
                "%(name)s belum memiliki NIK (bayi baru lahir), jadi belum dapat dimutasi "
                "sendiri: isi NIK-nya lewat unggah data peserta lalu ulangi, atau pilih pekerjanya "
                "(mutasi pekerja ikut membawa keluarganya)."
            ),
        },
    ),
    _e("mutation.kind_invalid", N_("Jenis Mutasi harus NONAKTIF, PINDAH_MANDIRI, atau AKTIFKAN.")),
    _e(
        "mutation.reason_invalid",
        N_(
            "Alasan tidak sesuai. Untuk NONAKTIF gunakan PHK, MENGUNDURKAN_DIRI, HABIS_KONTRAK, "
            "PENSIUN, atau MENINGGAL; untuk anggota keluarga juga USIA, MENIKAH, CERAI, atau "
            "BEKERJA; untuk Ayah, Ibu, Mertua, dan anak ke-4 dst. juga DIHENTIKAN."
        ),
    ),
    _e(
        "mutation.not_active",
        N_(
            "Peserta sudah tidak aktif atau sudah pindah, sehingga tidak dapat dimutasi. Hapus "
            "baris ini."
        ),
    ),
    _e(
        "mutation.not_inactive",
        N_("Peserta masih aktif, sehingga tidak dapat diaktifkan kembali. Hapus baris ini."),
    ),
    _e(
        "mutation.class_required",
        N_("Kelas Mandiri wajib diisi (1, 2, atau 3) untuk PINDAH_MANDIRI."),
    ),
    _e(
        "mutation.date_invalid",
        N_(
            "Tanggal tidak valid atau di luar batas. TMT paling lama 3 bulan ke belakang (PHK "
            "dan kematian 12 bulan) dan paling jauh 12 bulan ke depan, tidak sebelum TMT "
            "kepesertaan atau tanggal nonaktif sebelumnya, dan tidak sesudah TMT perubahan lain "
            "yang belum berlaku; Tanggal Kejadian tidak di masa depan dan paling lama 12 bulan "
            "ke belakang. Gunakan sel bertipe tanggal atau tulis DD-MM-YYYY."
        ),
    ),
    _e(
        "effective_from.invalid",
        N_(
            "Bulan berlaku tidak valid. Pilih bulan ini, bulan depan, atau paling lama "
            "%(months)s bulan ke belakang."
        ),
    ),
    _e(
        "mutation.event_date_required",
        N_(
            "Tanggal Kejadian wajib diisi untuk PHK (tanggal PHK) dan MENINGGAL (tanggal kematian)."
        ),
    ),
    _e(
        "mutation.deceased",
        N_(
            "Peserta yang meninggal dunia tidak dapat dipindahkan ke mandiri. Gunakan NONAKTIF "
            "dengan alasan MENINGGAL."
        ),
    ),
    _e(
        "mutation.conflict",
        N_("Data peserta berubah sejak pratinjau dibuat. Muat ulang pratinjau lalu kirim kembali."),
    ),
)
