"""The roster's cell parsers, part two: coded cells read through word tables (sex, marital
status, relationship, care class, in school) and the number-like cells (wage, faskes code,
phone, e-mail). The decisions behind each rule are in `roster.schemas`' docstring.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal
from numbers import Integral, Rational, Real
from typing import Final

from edabu_lite import rupiah
from edabu_lite.roster.cells import (
    _AMBIGUOUS,
    _REQUIRED,
    CHILD,
    DIVORCED,
    EMAIL_MAX,
    FATHER,
    HUSBAND,
    MARITAL_STATUSES,
    MARRIED,
    MOTHER,
    PARENT_IN_LAW,
    PHONE_MAX,
    RELATIONSHIPS,
    SINGLE,
    WAGE_MAX,
    WIDOWED,
    WIFE,
    WORKER,
    RowContext,
    _Bad,
    _is_nan,
    _problem,
)
from edabu_lite.roster.vocabulary import plain

# Coded cells -------------------------------------------------------------------------------------

_FOLD = str.maketrans({"-": " ", "_": " ", ".": " ", "/": " ", ",": " ", "'": " "})
_UNKNOWN: Final = object()  # vocabulary markers
_AMBIGUOUS_WORD: Final = object()
_CACHE_LIMIT = 4096


def _fold(text: str) -> str:
    """'  laki-LAKI ' -> 'LAKI LAKI': case, spaces and punctuation do not matter."""
    return " ".join(text.translate(_FOLD).split()).upper()


class _Words:
    """A vocabulary: spellings (folded) -> a canonical value or a marker; cached per raw text.

    Canonical values given as StrEnum members are stored as plain ``str``, so parsed rows hold
    plain strings (as before the vocabulary became enums).
    """

    __slots__ = ("_cache", "_table")

    def __init__(self, table: Mapping[str, object]) -> None:
        self._table = {_fold(key): plain(value) for key, value in table.items()}
        self._cache: dict[str, object] = {}

    def get(self, text: str) -> object:
        """The value for ``text`` (a str), or `_UNKNOWN`."""
        found = self._cache.get(text, _UNKNOWN)
        if found is _UNKNOWN:
            found = self._table.get(_fold(text), _UNKNOWN)
            if len(self._cache) < _CACHE_LIMIT:
                self._cache[text] = found
        return found


_SEX_WORDS = _Words(
    {
        **dict.fromkeys(("L", "Laki-laki", "Laki", "Lelaki", "Pria", "Male", "M"), "L"),
        **dict.fromkeys(("P", "Perempuan", "Wanita", "Female", "F"), "P"),
        "LakiLaki": "L",
        "Laki2": "L",
    }
)


def _parse_sex(value: object, ctx: RowContext | None = None) -> str | None:
    if isinstance(value, str):
        found = _SEX_WORDS.get(value)
        if found is not _UNKNOWN:
            return found  # type: ignore[return-value]
        if not value.strip():
            return None
    elif value is None or _is_nan(value):
        return None
    raise _Bad("sex.invalid")


def _sex_or_none(value: object) -> str | None:
    try:
        return _parse_sex(value)
    except _Bad:
        return None


_MARRIED_WORDS = (
    "Menikah", "Sudah Menikah", "Sudah Kawin", "Kawin Tercatat", "Kawin Belum Tercatat",
    "Kawin Tidak Tercatat", "Married",
)  # fmt: skip

_MARITAL_WORDS = _Words(
    {
        **{word: word for word in MARITAL_STATUSES},
        **dict.fromkeys(_MARRIED_WORDS, MARRIED),
        **dict.fromkeys(
            ("Belum Menikah", "Tidak Kawin", "Belum Nikah", "Lajang", "Single", "Unmarried"),
            SINGLE,
        ),
        "Divorced": DIVORCED,
        **dict.fromkeys(("Widowed", "Widow", "Widower"), WIDOWED),
        **dict.fromkeys(("Janda", "Duda", "Cerai", "Janda Duda"), _AMBIGUOUS_WORD),
    }
)


def _parse_marital_status(value: object, ctx: RowContext) -> str:
    if isinstance(value, str):
        found = _MARITAL_WORDS.get(value)
        if isinstance(found, str):
            return found
        if found is _AMBIGUOUS_WORD:
            raise _Bad("marital_status.invalid", _AMBIGUOUS)
    raise _Bad("marital_status.invalid")


_NOT_COVERABLE: Final = object()
_SPOUSE_BY_SEX: Final = {"L": HUSBAND, "P": WIFE}
_PARENT_BY_SEX: Final = {"L": FATHER, "P": MOTHER}
_CHILD_NUMBER = re.compile(r"ANAK(?: ?KE)? ?[0-9]{1,2}", re.ASCII)

_WORKER_WORDS = (
    "Pekerja", "Karyawan", "Karyawati", "Pegawai", "Peserta Utama", "PU", "Peserta PU",
    "Diri Sendiri", "Sendiri", "YBS", "Worker", "Employee", "Self",
)  # fmt: skip
_PARENT_IN_LAW_WORDS = (
    "Bapak Mertua", "Ayah Mertua", "Ibu Mertua", "Father in law", "Mother in law",
    "Parent in law",
)  # fmt: skip
# Relatives and household members a PPU contribution never covers: they register as mandiri.
_NOT_COVERABLE_WORDS = (
    "Menantu", "Cucu", "Famili Lain", "Famili", "Keluarga Lain", "Lainnya", "Lain Lain", "Lain",
    "Pembantu", "Asisten Rumah Tangga", "ART", "Saudara", "Saudara Kandung", "Kakak", "Adik",
    "Kakak Kandung", "Adik Kandung", "Ipar", "Kakak Ipar", "Adik Ipar", "Keponakan", "Paman",
    "Om", "Bibi", "Tante", "Kakek", "Nenek", "Cicit", "Sopir", "Sibling", "Brother", "Sister",
    "Grandchild", "Grandparent", "Other",
)  # fmt: skip

_RELATIONSHIP_WORDS = _Words(
    {
        **{word: word for word in RELATIONSHIPS},
        **dict.fromkeys(_WORKER_WORDS, WORKER),
        "Husband": HUSBAND,
        **dict.fromkeys(("Isteri", "Wife"), WIFE),
        **dict.fromkeys(
            ("Anak Kandung", "Anak Tiri", "Anak Angkat", "Anak Sah", "Child", "Son", "Daughter"),
            CHILD,
        ),
        **dict.fromkeys(("Bapak", "Bapa", "Bapak Kandung", "Ayah Kandung", "Father"), FATHER),
        **dict.fromkeys(("Ibu Kandung", "Mother"), MOTHER),
        **dict.fromkeys(_PARENT_IN_LAW_WORDS, PARENT_IN_LAW),
        **dict.fromkeys(("Orang Tua", "Orangtua", "Ortu", "Parent"), _PARENT_BY_SEX),
        **dict.fromkeys(("Pasangan", "Spouse"), _SPOUSE_BY_SEX),
        **dict.fromkeys(("Kepala Keluarga", "Kepala Rumah Tangga", "KK", "Head"), _AMBIGUOUS_WORD),
        **dict.fromkeys(_NOT_COVERABLE_WORDS, _NOT_COVERABLE),
    }
)


def _parse_relationship(value: object, sex: str | None) -> str:
    """The canonical relationship; ``sex`` (the row's parsed sex) resolves Orang Tua/Pasangan."""
    if isinstance(value, str):
        found = _RELATIONSHIP_WORDS.get(value)
        if isinstance(found, str):
            return found
        if found is _UNKNOWN and _CHILD_NUMBER.fullmatch(_fold(value)):
            return CHILD.value  # "Anak ke-2"
        if found is _NOT_COVERABLE:
            raise _Bad("family.not_dependant")
        if found is _AMBIGUOUS_WORD:
            raise _Bad("relationship.invalid", _AMBIGUOUS)
        if isinstance(found, dict):
            resolved = found.get(sex)
            if resolved is not None:
                return resolved
            raise _Bad("relationship.invalid", _problem("needs_sex"))
    raise _Bad("relationship.invalid")


def _parse_relationship_alone(value: object, ctx: RowContext) -> str:
    return _parse_relationship(value, None)


def _relationship_or_none(value: object, sex: str | None) -> str | None:
    try:
        return _parse_relationship(value, sex)
    except _Bad:
        return None


# Numbers -----------------------------------------------------------------------------------------


def _whole_number(value: object) -> int | None:
    """A non-bool number cell that holds a whole number, as int; None otherwise."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else None  # inf/NaN are not integers
    if isinstance(value, Decimal):
        if value.is_finite() and value == value.to_integral_value():
            return int(value)
        return None
    if isinstance(value, Integral):
        return int(value)
    if isinstance(value, Rational):
        return int(value) if value.denominator == 1 else None
    if isinstance(value, Real):
        try:
            as_float = float(value)
        except (TypeError, ValueError, OverflowError):
            return None
        return int(as_float) if as_float.is_integer() else None
    return None


def _parse_wage(value: object, ctx: RowContext | None = None) -> int | None:
    if type(value) is int and 0 <= value <= WAGE_MAX:
        return value
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return None
        wage, problem = rupiah.read_text(text)
        if wage is None or problem is not None:
            raise _Bad("wage.format")
    elif value is None or _is_nan(value):
        return None
    else:
        whole = _whole_number(value)
        if whole is None:
            raise _Bad("wage.format")
        wage = whole
    if not 0 <= wage <= WAGE_MAX:
        raise _Bad("wage.format")
    return wage


_CLASS_WORDS = _Words(
    {
        **dict.fromkeys(("1", "I", "Kelas 1", "Kelas I", "Kls 1", "Kls I", "Class 1"), 1),
        **dict.fromkeys(("2", "II", "Kelas 2", "Kelas II", "Kls 2", "Kls II", "Class 2"), 2),
        **dict.fromkeys(("1.0", "1,0", "1.00"), 1),
        **dict.fromkeys(("2.0", "2,0", "2.00"), 2),
    }
)
_CARE_CLASSES = (1, 2)


def _parse_care_class(value: object, ctx: RowContext) -> int:
    if isinstance(value, str):
        found = _CLASS_WORDS.get(value)
        if found is not _UNKNOWN:
            return found  # type: ignore[return-value]
    elif value is not None and not _is_nan(value):
        whole = _whole_number(value)
        if whole in _CARE_CLASSES:
            return whole  # type: ignore[return-value]
    raise _Bad("care_class.invalid")


# Other text cells --------------------------------------------------------------------------------

#: Clinics, practices and hospitals: 4 digits, a letter, 3 digits; puskesmas: 8 digits.
_FASKES = re.compile(r"[0-9]{4}[A-Z][0-9]{3}|[0-9]{8}", re.ASCII)


def _parse_faskes_code(value: object, ctx: RowContext) -> str:
    if isinstance(value, str):
        code = "".join(value.split()).upper()
        if _FASKES.fullmatch(code):
            return code
        if code:
            raise _Bad("faskes_code.format")
    elif value is not None and not _is_nan(value):
        raise _Bad("faskes_code.format")
    raise _Bad("faskes_code.format", _REQUIRED)


_PHONE_SEPARATORS = str.maketrans("", "", " -.()/\u00a0\t")
_MOBILE = re.compile(r"08[0-9]{8,11}", re.ASCII)


def _is_placeholder(text: str) -> bool:
    """'' or '-', '--', '—': how sheets say "nothing to put here"."""
    return not text.strip(" -\u2013\u2014")


def _parse_phone(value: object, ctx: RowContext) -> str | None:
    if isinstance(value, str):
        shown = value.strip()
        if _is_placeholder(shown):
            return None
        digits = shown.translate(_PHONE_SEPARATORS)
    elif value is None or _is_nan(value):
        return None
    else:
        whole = _whole_number(value)
        if whole is None or whole <= 0:
            raise _Bad("phone.format")
        shown = digits = str(whole)  # a numeric cell: Excel dropped the leading 0
    if digits.startswith("+62"):
        digits = "0" + digits[3:]
    elif digits.startswith("62"):
        digits = "0" + digits[2:]
    elif digits.startswith("8"):
        digits = "0" + digits
    if _MOBILE.fullmatch(digits):
        return digits
    raise _Bad("phone.format", keep=shown[:PHONE_MAX])


_EMAIL = re.compile(
    r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@((?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63})",
    re.ASCII,
)


def _parse_email(value: object, ctx: RowContext) -> str | None:
    if isinstance(value, str):
        text = value.strip()
        if _is_placeholder(text):
            return None
        match = _EMAIL.fullmatch(text)
        if match is None or len(text) > EMAIL_MAX or text.index("@") > 64:
            raise _Bad("email.format", keep=text if len(text) <= EMAIL_MAX else None)
        return text[: match.start(1)] + match[1].lower()
    if value is None or _is_nan(value):
        return None
    raise _Bad("email.format")


_YES_WORDS = (
    "Ya", "Y", "Yes", "True", "Benar", "1", "Masih", "Masih Sekolah", "Masih Kuliah", "Sekolah",
    "Kuliah", "Pelajar", "Mahasiswa", "Mahasiswi", "Student",
)  # fmt: skip
_NO_WORDS = (
    "Tidak", "Tdk", "T", "No", "N", "False", "Salah", "0", "Bukan", "Tidak Sekolah",
    "Tidak Kuliah",
)  # fmt: skip

_SCHOOL_WORDS = _Words(
    {
        **dict.fromkeys(_YES_WORDS, True),
        **dict.fromkeys(_NO_WORDS, False),
    }
)


def _parse_in_school(value: object, ctx: RowContext) -> bool | None:
    if isinstance(value, str):
        found = _SCHOOL_WORDS.get(value)
        return None if found is _UNKNOWN else found  # type: ignore[return-value]
    if isinstance(value, bool):
        return value
    if value is None or _is_nan(value):
        return None
    whole = _whole_number(value)
    return bool(whole) if whole in (0, 1) else None
