"""The shared issue model: every problem found in an upload, a row or a mutation is an `Issue`.

An issue is a stable dotted code (contract.md §5) plus where it was found (sheet row, column key)
and a few parameters for its message. Severity is fixed per code in `CATALOGUE`; messages are
Bahasa Indonesia msgids wrapped in `N_` so ``pybabel extract -k N_`` collects them, and are
translated only when rendered (`Issue.message(gettext)`), so this module stays free of Flask.

Parameters must be JSON-serialisable scalars and must never carry a full NIK or KK (UU PDP):
construction rejects any 16-digit parameter value, so a careless caller fails in tests rather
than leaking identity numbers into reports, logs or the database.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Any, Final

ERROR: Final = "error"
WARNING: Final = "warning"

Gettext = Callable[[str], str]


def N_(message: str) -> str:
    """Mark a string for ``pybabel extract -k N_`` without translating it here."""
    return message


_PLACEHOLDER = re.compile(r"%\(([a-z_]+)\)s")
_FULL_IDENTITY_NUMBER = re.compile(r"[0-9]{16}")


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

_JSON_SCALARS = (str, int, float, bool, type(None))


class _FrozenParams(dict[str, object]):
    """A read-only dict: immutable like the issue holding it, yet JSON-, pickle- and
    deepcopy-friendly (a MappingProxyType would break Huey payloads and dataclasses.asdict)."""

    __slots__ = ()

    def _read_only(self, *args: object, **kwargs: object) -> None:
        raise TypeError("issue params are read-only")

    __setitem__ = __delitem__ = __ior__ = _read_only  # type: ignore[assignment]
    clear = pop = popitem = setdefault = update = _read_only  # type: ignore[assignment]

    def __reduce__(self) -> tuple[type, tuple[dict[str, object]]]:
        return (_FrozenParams, (dict(self),))


_EMPTY: Mapping[str, object] = _FrozenParams()


@dataclass(frozen=True, slots=True)
class Issue:
    """A problem found at a row/column, identified by a catalogue code.

    ``row`` is the sheet row as Excel shows it (None for file-level issues), ``column`` the
    contract key of the cell (``"nik"``, ``"kk"``...), ``params`` the values the message needs.
    """

    code: str
    column: str | None = None
    row: int | None = None
    params: Mapping[str, object] = field(default_factory=lambda: _EMPTY, hash=False)

    def __post_init__(self) -> None:
        issue_type = CATALOGUE.get(self.code)
        if issue_type is None:
            raise ValueError(f"unknown issue code {self.code!r}")
        if self.params is not _EMPTY:
            object.__setattr__(self, "params", _checked_params(issue_type, self.params))
        elif issue_type.placeholders:
            _checked_params(issue_type, self.params)

    @property
    def severity(self) -> str:
        issue_type = CATALOGUE[self.code]
        if issue_type.warning_when is not None:
            param, values = issue_type.warning_when
            if self.params.get(param) in values:
                return WARNING
        return issue_type.severity

    @property
    def is_error(self) -> bool:
        return self.severity == ERROR

    def message(self, gettext: Gettext | None = None) -> str:
        """The message, translated with ``gettext`` when given, with the params filled in."""
        template = CATALOGUE[self.code].template(self.params)
        if gettext is not None:
            try:
                return gettext(template) % self.params
            except (KeyError, ValueError, TypeError):
                pass  # a broken translation must not hide the issue: use the msgid instead
        return template % self.params

    def to_dict(self, gettext: Gettext | None = None) -> dict[str, Any]:
        """The contract §4 JSON shape."""
        return {
            "row": self.row,
            "column": self.column,
            "code": self.code,
            "severity": self.severity,
            "message": self.message(gettext),
        }

    def to_storage(self) -> dict[str, Any]:
        """A compact JSON-ready form for a database column; messages are re-rendered on read."""
        stored: dict[str, Any] = {"code": self.code}
        if self.column is not None:
            stored["column"] = self.column
        if self.row is not None:
            stored["row"] = self.row
        if self.params:
            stored["params"] = dict(self.params)
        return stored

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Issue:
        """Rebuild an issue from `to_storage` output (or `to_dict`, whose message is dropped)."""
        return cls(
            code=data["code"],
            column=data.get("column"),
            row=data.get("row"),
            params=data.get("params") or _EMPTY,
        )

    def with_position(self, row: int | None = None, column: str | None = None) -> Issue:
        """A copy placed at ``row``/``column``; an argument left as None keeps the current one."""
        return replace(
            self,
            row=self.row if row is None else row,
            column=self.column if column is None else column,
        )


def _checked_params(issue_type: IssueType, params: Mapping[str, object]) -> Mapping[str, object]:
    missing = issue_type.needed(params).difference(params)
    if missing:
        raise ValueError(f"issue {issue_type.code!r} needs params {sorted(missing)}")
    for key, value in params.items():
        if not isinstance(value, _JSON_SCALARS):
            raise TypeError(f"issue param {key!r} must be a JSON scalar, not {type(value)}")
        if isinstance(value, str) and _FULL_IDENTITY_NUMBER.search(value):
            raise ValueError(f"issue param {key!r} holds a full NIK/KK; pass a masked value")
    return _FrozenParams(params)


def errors(issues: list[Issue] | tuple[Issue, ...]) -> list[Issue]:
    """The issues that block (severity error)."""
    return [issue for issue in issues if issue.is_error]


def warnings(issues: list[Issue] | tuple[Issue, ...]) -> list[Issue]:
    """The issues that only inform (severity warning)."""
    return [issue for issue in issues if not issue.is_error]
