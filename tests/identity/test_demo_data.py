"""demo_data: clean rows validate clean, families are consistent, mistakes are what they claim."""

from __future__ import annotations

import itertools
import re
import time
import types
from collections import Counter, defaultdict
from datetime import date

import pytest

from edabu_lite.demo_data import MISTAKES, generate_families, generate_rows
from edabu_lite.identity import check_nik_against_row, parse_card_number, parse_kk, parse_nik

TODAY = date(2025, 6, 1)
CONTRACT_KEYS = {
    "nik", "kk", "name", "birth_place", "birth_date", "sex", "marital_status", "relationship",
    "worker_nik", "employee_number", "wage", "care_class", "faskes_code", "start_date",
    "card_number", "phone", "email", "in_school",
}  # fmt: skip
RELATIONSHIPS = {"Peserta", "Suami", "Istri", "Anak", "Ayah", "Ibu", "Mertua"}
MARITAL = {"Belum Kawin", "Kawin", "Cerai Hidup", "Cerai Mati"}
FASKES = re.compile(r"[0-9]{4}[A-Z][0-9]{3}")
PHONE = re.compile(r"08[0-9]{8,11}")
EMAIL = re.compile(r"[a-z.]+[0-9]*@(?:mail\.)?example\.(?:com|co\.id)")


def age(born: date) -> int:
    return TODAY.year - born.year - ((TODAY.month, TODAY.day) < (born.month, born.day))


@pytest.fixture(scope="module")
def clean_rows() -> list[dict]:
    return list(generate_families(3000, seed=11, today=TODAY))


def families(rows: list[dict]) -> list[list[dict]]:
    grouped: list[list[dict]] = []
    for row in rows:
        if row["relationship"] == "Peserta":
            grouped.append([row])
        else:
            grouped[-1].append(row)
    return grouped


def test_exact_count_and_contract_keys(clean_rows):
    assert len(clean_rows) == 3000
    assert all(set(row) == CONTRACT_KEYS for row in clean_rows)


def test_every_clean_row_validates_without_any_issue(clean_rows):
    for row in clean_rows:
        nik = parse_nik(row["nik"], birth_date=row["birth_date"], today=TODAY)
        assert nik.issues == (), row
        assert check_nik_against_row(nik.parts, birth_date=row["birth_date"], sex=row["sex"]) == []
        assert parse_kk(row["kk"], nik=row["nik"], today=TODAY).issues == ()
        assert parse_card_number(row["card_number"]).issues == ()
        assert parse_nik(row["nik"], today=TODAY).parts.birth_date == row["birth_date"]


def test_niks_are_unique_and_women_have_day_plus_40(clean_rows):
    assert len({row["nik"] for row in clean_rows}) == len(clean_rows)
    for row in clean_rows:
        day = int(row["nik"][6:8])
        assert day == row["birth_date"].day + (40 if row["sex"] == "P" else 0)
        assert row["nik"][8:10] == f"{row['birth_date'].month:02d}"


def test_workers_come_first_and_families_are_consistent(clean_rows):
    assert clean_rows[0]["relationship"] == "Peserta"
    kks = set()
    for members in families(clean_rows):
        worker, dependants = members[0], members[1:]
        assert worker["worker_nik"] is None
        assert worker["kk"] not in kks  # one KK per family
        kks.add(worker["kk"])
        assert worker["employee_number"] and worker["start_date"] <= TODAY
        assert 3_500_000 <= worker["wage"] <= 25_000_000
        assert worker["care_class"] == (1 if worker["wage"] > 4_000_000 else 2)
        spouses = [m for m in dependants if m["relationship"] in {"Suami", "Istri"}]
        children = [m for m in dependants if m["relationship"] == "Anak"]
        assert len(spouses) <= 1 and len(children) <= 3
        for spouse in spouses:
            assert spouse["sex"] != worker["sex"]
            assert spouse["relationship"] == ("Istri" if spouse["sex"] == "P" else "Suami")
            assert spouse["marital_status"] == worker["marital_status"] == "Kawin"
        for child in children:
            child_age = age(child["birth_date"])
            assert child_age < 21 or (child_age < 25 and child["in_school"] == "Ya")
            assert child["marital_status"] == "Belum Kawin"
        for member in dependants:
            assert member["relationship"] in RELATIONSHIPS - {"Peserta"}
            assert member["worker_nik"] == worker["nik"]
            assert member["kk"] == worker["kk"]
            assert member["care_class"] == worker["care_class"]
            assert member["faskes_code"] == worker["faskes_code"]
            assert member["wage"] is None and member["employee_number"] is None
            assert member["start_date"] >= worker["start_date"]


def test_field_formats(clean_rows):
    for row in clean_rows:
        assert row["sex"] in {"L", "P"}
        assert row["relationship"] in RELATIONSHIPS
        assert row["marital_status"] in MARITAL
        assert FASKES.fullmatch(row["faskes_code"])
        assert row["card_number"] is None or re.fullmatch(r"[0-9]{13}", row["card_number"])
        assert row["phone"] is None or PHONE.fullmatch(row["phone"])
        assert row["email"] is None or EMAIL.fullmatch(row["email"]), row["email"]
        assert row["in_school"] in {None, "Ya", "Tidak"}
        assert row["birth_date"] <= TODAY and age(row["birth_date"]) < 100
        assert row["name"] and row["birth_place"]
        assert row["start_date"].day == 1


def test_composition_is_realistic(clean_rows):
    kinds = Counter(row["relationship"] for row in clean_rows)
    assert kinds["Peserta"] > 500 and kinds["Anak"] > 500
    assert kinds["Istri"] + kinds["Suami"] > 300
    assert 0 < kinds["Ayah"] + kinds["Ibu"] + kinds["Mertua"] < 100
    provinces = Counter(row["nik"][:2] for row in clean_rows)
    assert provinces.most_common(1)[0][0] in {"32", "33", "35"}  # Java dominates


def test_same_seed_same_rows_other_seed_other_rows():
    first = list(generate_families(200, seed=5, today=TODAY))
    assert first == list(generate_families(200, seed=5, today=TODAY))
    assert first != list(generate_families(200, seed=6, today=TODAY))


def test_streams_without_building_the_roster():
    rows = generate_families(10**9, seed=1, today=TODAY)
    assert isinstance(rows, types.GeneratorType)
    assert len(list(itertools.islice(rows, 50))) == 50


def test_is_fast_enough_for_benchmarks():
    start = time.perf_counter()
    assert sum(1 for _ in generate_families(30_000, seed=2, today=TODAY)) == 30_000
    assert time.perf_counter() - start < 6  # about 0.35 s here; 300k rows in a few seconds


def test_error_rate_must_be_a_fraction():
    with pytest.raises(ValueError):
        next(generate_families(1, error_rate=1.5))


def test_clean_generation_injects_nothing():
    assert {mistake for _, mistake in generate_rows(500, seed=3, today=TODAY)} == {None}


@pytest.fixture(scope="module")
def spoiled() -> list[tuple[dict, dict | None, dict, str | None]]:
    """(row, previous row, worker of the row's family, mistake) with every row spoiled."""
    out = []
    previous = None
    worker: dict = {}
    for row, mistake in generate_rows(4000, seed=9, today=TODAY, error_rate=1.0):
        if row["relationship"] == "Peserta":
            worker = row
        out.append((row, previous, worker, mistake))
        previous = row
    return out


def test_every_mistake_kind_is_injected(spoiled):
    assert {mistake for *_, mistake in spoiled} == set(MISTAKES)


def test_each_mistake_is_detectable_as_documented(spoiled):
    seen: dict[str, int] = defaultdict(int)
    for row, previous, worker, mistake in spoiled:
        seen[mistake] += 1
        nik_codes = [i.code for i in parse_nik(row["nik"], today=TODAY).issues]
        if mistake == "nik_too_short":
            assert nik_codes == ["nik.length"]
        elif mistake in {"nik_as_number", "nik_scientific_text"}:
            assert nik_codes == ["nik.not_text"]
        elif mistake == "duplicate_nik":
            assert row["nik"] == previous["nik"]
        elif mistake == "faskes_code":
            assert not FASKES.fullmatch(row["faskes_code"])
        elif mistake == "kk_is_nik":
            kk_codes = [i.code for i in parse_kk(row["kk"], nik=row["nik"], today=TODAY).issues]
            assert "kk.same_as_nik" in kk_codes
        elif mistake == "birth_date_mismatch":
            parts = parse_nik(row["nik"], today=TODAY).parts
            codes = [i.code for i in check_nik_against_row(parts, birth_date=row["birth_date"])]
            assert codes == ["nik.birth_date_mismatch"]
        elif mistake == "child_too_old":
            assert row["relationship"] == "Anak"
            assert age(row["birth_date"]) >= 25
            assert parse_nik(row["nik"], birth_date=row["birth_date"], today=TODAY).issues == ()
        elif mistake == "kk_mismatch":
            assert row["relationship"] != "Peserta"
            assert row["kk"] != worker["kk"]
            assert parse_kk(row["kk"], today=TODAY).issues == ()
    assert all(seen[mistake] >= 50 for mistake in MISTAKES if mistake != "child_too_old")


def test_error_rate_is_roughly_respected():
    mistakes = [m for _, m in generate_rows(20_000, seed=4, today=TODAY, error_rate=0.05)]
    share = sum(m is not None for m in mistakes) / len(mistakes)
    assert 0.04 < share < 0.06
