"""Synthetic but realistic rosters: workers followed by their family, keyed by contract §2 keys.

Used for the demo seed, the sample sheets and benchmarks. Pure and reproducible: everything comes
from ``random.Random(seed)`` and the ``today`` passed in (the system date when omitted), and rows
are streamed, so 300,000 of them take a few seconds and little memory (the only state that grows
is the set of issued NIK/KK numbers, kept as ints to guarantee uniqueness).

With ``error_rate=0`` every row is clean: NIK and KK parse without any issue (valid region, the NIK
date is the birth date, +40 for women, unique numbers), dependants share the worker's KK and
class, children are under 21 or 21-24 and in school, and there is at most one spouse and three
children. Contact data uses the reserved ``example.com``/``example.co.id`` domains.

With ``error_rate > 0`` that fraction of rows gets one typical mistake, named in `MISTAKES`:

==========================  ===================================================================
``nik_too_short``           a digit dropped from the NIK (nik.length)
``nik_as_number``           the NIK as a float, as Excel stores it (nik.not_text)
``nik_scientific_text``     the NIK as Excel shows a number, e.g. "3.20E+15" (nik.not_text)
``duplicate_nik``           the previous row's NIK repeated (row.duplicate_nik)
``faskes_code``             a malformed Kode Faskes, e.g. "112U020" (faskes_code.format)
``kk_is_nik``               the person's NIK typed as KK (kk.same_as_nik, kk.date for women)
``birth_date_mismatch``     birth date a few days off the NIK's (nik.birth_date_mismatch)
``child_too_old``           a child aged 25-30, NIK consistent (family.child_age)
``kk_mismatch``             a dependant on another KK than the worker's (family.kk_mismatch)
==========================  ===================================================================

`generate_rows` yields ``(row, mistake or None)`` so tests and benchmarks know what was injected;
`generate_families` yields the rows only.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any, Final

from edabu_lite.identity.regions import RegionTable, get_regions

MISTAKES: Final = (
    "nik_too_short",
    "nik_as_number",
    "nik_scientific_text",
    "duplicate_nik",
    "faskes_code",
    "kk_is_nik",
    "birth_date_mismatch",
    "child_too_old",
    "kk_mismatch",
)
_ANY_ROW_MISTAKES = MISTAKES[:7]
_CHILD_MISTAKES = (*_ANY_ROW_MISTAKES, "child_too_old", "kk_mismatch")
_DEPENDANT_MISTAKES = (*_ANY_ROW_MISTAKES, "kk_mismatch")

# Rough population shares (millions, 2023) so most people come from Java, as in real rosters.
_PROVINCE_WEIGHTS: Final = {
    "11": 5.4, "12": 15.4, "13": 5.7, "14": 6.6, "15": 3.7, "16": 8.7, "17": 2.1, "18": 9.3,
    "19": 1.5, "21": 2.2, "31": 10.7, "32": 49.9, "33": 37.5, "34": 3.7, "35": 41.4, "36": 12.3,
    "51": 4.4, "52": 5.6, "53": 5.6, "61": 5.6, "62": 2.8, "63": 4.2, "64": 3.9, "65": 0.7,
    "71": 2.7, "72": 3.1, "73": 9.4, "74": 2.8, "75": 1.2, "76": 1.5, "81": 1.9, "82": 1.3,
    "91": 1.0, "92": 0.6, "93": 0.5, "94": 1.4, "95": 1.5, "96": 0.6,
}  # fmt: skip

_MALE_NAMES = (
    "Agus", "Ahmad", "Andi", "Arif", "Bambang", "Bayu", "Budi", "Dedi", "Dimas", "Eko",
    "Fajar", "Fauzi", "Hadi", "Hendra", "Irfan", "Iwan", "Joko", "Kurnia", "Made", "Muhammad",
    "Nyoman", "Putu", "Rahmat", "Rizki", "Rudi", "Slamet", "Surya", "Teguh", "Wahyu", "Yusuf",
    "Gede", "Aditya", "Rizal", "Ilham", "Yoga", "Galih", "Reza", "Taufik", "Hasan", "Yohanes",
)  # fmt: skip
_FEMALE_NAMES = (
    "Anisa", "Ayu", "Dewi", "Dian", "Eka", "Fitri", "Indah", "Intan", "Kartika", "Lestari",
    "Maya", "Mega", "Nur", "Nurul", "Putri", "Ratna", "Rina", "Sari", "Siti", "Sri",
    "Wulan", "Yuni", "Rahma", "Nining", "Ketut", "Novita", "Desi", "Lina", "Maria", "Citra",
    "Fransiska", "Wahyuni", "Aulia", "Nadia", "Salsabila", "Tiara", "Vina", "Yanti", "Ika", "Rini",
)  # fmt: skip
_MALE_SECOND = (
    "Saputra", "Pratama", "Hidayat", "Kurniawan", "Setiawan", "Nugroho", "Santoso", "Wijaya",
    "Gunawan", "Firmansyah", "Ramadhan", "Hakim", "Maulana", "Syahputra", "Prasetyo", "Susanto",
    "Hermawan", "Permana", "Sanjaya", "Wibowo",
)  # fmt: skip
_FEMALE_SECOND = (
    "Sari", "Lestari", "Rahayu", "Wulandari", "Puspita", "Anggraini", "Safitri", "Permatasari",
    "Handayani", "Utami", "Kusuma", "Maharani", "Pertiwi", "Susanti", "Fitriani", "Oktaviani",
    "Damayanti", "Purnamasari", "Novitasari", "Rahmawati",
)  # fmt: skip
# Clan names passed from father to children (Batak, Karo, Minahasa...).
_CLANS = (
    "Siregar", "Nasution", "Harahap", "Lubis", "Simanjuntak", "Sitompul", "Hutapea", "Sembiring",
    "Ginting", "Tarigan", "Manurung", "Panjaitan", "Situmorang", "Sinaga", "Pardede", "Wowor",
)  # fmt: skip
_PHONE_PREFIXES = (
    "11", "12", "13", "21", "22", "23", "52", "53", "14", "15", "16", "55", "56", "57", "58",
    "17", "18", "19", "59", "77", "78", "31", "32", "38", "81", "82", "83", "95", "96", "97", "98",
)  # fmt: skip
_SEXES = ("L", "P")
_EMAIL_DOMAINS = ("example.com", "example.co.id", "mail.example.com")

_YEAR = 365.2425


def _whole_years(birth: date, today: date) -> int:
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


_CLASS_1_WAGE = 4_000_000  # wage above this gives Kelas I (domain.md §4)


def generate_families(
    n_people: int, *, seed: int = 0, today: date | None = None, error_rate: float = 0.0
) -> Iterator[dict[str, Any]]:
    """Yield ``n_people`` roster rows, each worker followed by their dependants."""
    for row, _mistake in generate_rows(n_people, seed=seed, today=today, error_rate=error_rate):
        yield row


def generate_rows(
    n_people: int,
    *,
    seed: int = 0,
    today: date | None = None,
    error_rate: float = 0.0,
    regions: RegionTable | None = None,
) -> Iterator[tuple[dict[str, Any], str | None]]:
    """Like `generate_families`, with the name of the mistake injected into each row (or None).

    The last family is cut short when ``n_people`` is reached (workers always come first, so a
    cut never orphans a dependant).
    """
    if not 0.0 <= error_rate <= 1.0:
        raise ValueError("error_rate must be between 0 and 1")
    rng = random.Random(seed)  # noqa: S311 - reproducible synthetic data, not a secret
    maker = _FamilyMaker(rng, today or date.today(), regions or get_regions())
    emitted = 0
    previous: dict[str, Any] | None = None
    while emitted < n_people:
        for row in maker.family():
            mistake = None
            if error_rate and maker.rng.random() < error_rate:
                mistake = maker.spoil(row, previous)
            yield row, mistake
            previous = row
            emitted += 1
            if emitted == n_people:
                return


class _FamilyMaker:
    """Holds the random source, lookup pools and uniqueness sets for one generated roster."""

    def __init__(self, rng: random.Random, today: date, regions: RegionTable) -> None:
        self.rng = rng
        self.today = today
        self.today_ordinal = today.toordinal()
        self.issued: set[int] = set()
        self.employee_seq = 0
        self.card_seq = rng.randrange(10**9, 2 * 10**9)
        self.districts, self.places = self._district_pool(regions)
        self.faskes = [self._faskes_code() for _ in range(150)]

    # --- pools --------------------------------------------------------------------------------

    def _district_pool(self, regions: RegionTable) -> tuple[list[str], dict[str, str]]:
        by_province: dict[str, list[str]] = {}
        for code in regions.districts:
            by_province.setdefault(code[:2], []).append(code)
        provinces = [p for p in _PROVINCE_WEIGHTS if p in by_province]
        weights = [_PROVINCE_WEIGHTS[p] for p in provinces]
        pool = []
        for province in self.rng.choices(provinces, weights, k=3000):
            pool.append(self.rng.choice(by_province[province]))
        places = {code: _place_name(regions.districts[code].regency or "") for code in pool}
        return pool, places

    def _faskes_code(self) -> str:
        letter = "P" if self.rng.random() < 0.6 else self.rng.choice("UGR")
        return f"{self.rng.randrange(1, 1400):04d}{letter}{self.rng.randrange(1, 120):03d}"

    # --- small random helpers -----------------------------------------------------------------

    def pick(self, items: tuple[str, ...] | list[str]) -> str:
        return items[int(self.rng.random() * len(items))]

    def birth_date(self, min_age: float, max_age: float) -> date:
        age_days = int((min_age + self.rng.random() * (max_age - min_age)) * _YEAR)
        return date.fromordinal(self.today_ordinal - age_days)

    def unique_number(self, prefix6: str, day: int, when: date) -> str:
        """A 16-digit NIK/KK never issued before in this roster."""
        middle = f"{prefix6}{day:02d}{when.month:02d}{when.year % 100:02d}"
        while True:
            # Real serials are mostly low; squaring the draw makes small numbers common.
            serial = 1 + int(self.rng.random() ** 2 * 4000)
            number = f"{middle}{serial:04d}"
            as_int = int(number)
            if as_int not in self.issued:
                self.issued.add(as_int)
                return number

    def nik(self, district: str, birth: date, sex: str) -> str:
        return self.unique_number(district, birth.day + (40 if sex == "P" else 0), birth)

    def name(self, sex: str, clan: str | None) -> str:
        first = self.pick(_MALE_NAMES if sex == "L" else _FEMALE_NAMES)
        if clan is not None and self.rng.random() < 0.9:
            return f"{first} {clan}"
        if self.rng.random() < 0.2:
            return first  # many Indonesians have a single name
        return f"{first} {self.pick(_MALE_SECOND if sex == 'L' else _FEMALE_SECOND)}"

    def phone(self) -> str:
        digits = self.rng.randrange(10**6, 10**8)
        return f"08{self.pick(_PHONE_PREFIXES)}{digits}"

    def start_date(self, earliest: date) -> date:
        """A TMT on the first day of a month, between ``earliest`` and this month."""
        months = (self.today.year - earliest.year) * 12 + self.today.month - earliest.month
        offset = int(self.rng.random() * (max(months, 0) + 1))
        month_index = earliest.year * 12 + earliest.month - 1 + offset
        return date(month_index // 12, month_index % 12 + 1, 1)

    # --- families -----------------------------------------------------------------------------

    def family(self) -> list[dict[str, Any]]:
        rng = self.rng
        worker_sex = "L" if rng.random() < 0.6 else "P"
        worker_birth = self.birth_date(19, 58)
        worker_age = (self.today_ordinal - worker_birth.toordinal()) / _YEAR
        clan = self.pick(_CLANS) if rng.random() < 0.15 else None
        home = self.pick(self.districts)
        worker = self.person(worker_sex, worker_birth, home, clan if worker_sex == "L" else None)
        married = rng.random() < (0.3 if worker_age < 25 else 0.85)
        divorced = not married and worker_age > 30 and rng.random() < 0.2
        status = "Kawin" if married else "Cerai Hidup" if divorced else "Belum Kawin"
        worker["marital_status"] = status
        worker["relationship"] = "Peserta"
        self.employ(worker)
        kk_district = home if rng.random() < 0.8 else self.pick(self.districts)
        kk_date = self.kk_issue_date(worker_birth)
        kk = self.unique_number(kk_district, kk_date.day, kk_date)
        members = [worker]
        youngest_parent_age = worker_age
        if married:
            spouse = self.spouse(worker, worker_age, clan)
            members.append(spouse)
            youngest_parent_age = min(worker_age, self.age_of(spouse))
        if married or divorced:
            members.extend(self.children(youngest_parent_age, clan, kk_district))
        if rng.random() < 0.04:
            members.append(self.parent(worker, worker_age, married))
        for member in members:
            member["kk"] = kk
            self.cover(member, worker)
        return members

    def person(self, sex: str, birth: date, district: str, clan: str | None) -> dict[str, Any]:
        return {
            "nik": self.nik(district, birth, sex),
            "kk": None,
            "name": self.name(sex, clan),
            "birth_place": self.places[district],
            "birth_date": birth,
            "sex": sex,
            "marital_status": "Belum Kawin",
            "relationship": None,
            "worker_nik": None,
            "employee_number": None,
            "wage": None,
            "care_class": None,
            "faskes_code": None,
            "start_date": None,
            "card_number": None,
            "phone": None,
            "email": None,
            "in_school": None,
        }

    def age_of(self, person: dict[str, Any]) -> float:  # approximate: ages of adults
        return (self.today_ordinal - person["birth_date"].toordinal()) / _YEAR

    def employ(self, worker: dict[str, Any]) -> None:
        rng = self.rng
        self.employee_seq += 1
        adult = worker["birth_date"].replace(year=worker["birth_date"].year + 18, day=1)
        start = self.start_date(max(adult, self.today.replace(day=1) - timedelta(days=15 * 365)))
        wage = int(math.exp(rng.gauss(math.log(6_000_000), 0.5)))
        wage = min(max(wage, 3_500_000), 25_000_000) // 50_000 * 50_000
        worker.update(
            employee_number=f"{start.year % 100:02d}{self.employee_seq:06d}",
            wage=wage,
            start_date=start,
            phone=self.phone(),
            email=self.email(worker["name"]) if rng.random() < 0.8 else None,
        )

    def email(self, name: str) -> str:
        local = ".".join(name.lower().split()[:2])
        return f"{local}{int(self.rng.random() * 100)}@{self.pick(_EMAIL_DOMAINS)}"

    def kk_issue_date(self, worker_birth: date) -> date:
        # The family card was (re)issued some time after the worker came of age.
        adult = worker_birth.toordinal() + int(18 * _YEAR)
        earliest = max(adult, self.today_ordinal - int(20 * _YEAR))
        return date.fromordinal(earliest + int(self.rng.random() * (self.today_ordinal - earliest)))

    def spouse(self, worker: dict[str, Any], worker_age: float, clan: str | None) -> dict[str, Any]:
        sex = "P" if worker["sex"] == "L" else "L"
        age = min(max(worker_age + self.rng.uniform(-8, 8), 18.5), 70)
        spouse = self.person(sex, self.birth_date(age, age + 0.9), self.pick(self.districts), None)
        if sex == "L" and clan is not None:
            spouse["name"] = f"{spouse['name'].split()[0]} {clan}"
        spouse["marital_status"] = "Kawin"
        spouse["relationship"] = "Istri" if sex == "P" else "Suami"
        if self.rng.random() < 0.7:
            spouse["phone"] = self.phone()
        return spouse

    def children(self, parent_age: float, clan: str | None, home: str) -> list[dict[str, Any]]:
        draw = self.rng.random()
        count = 0 if draw < 0.15 else 1 if draw < 0.45 else 2 if draw < 0.8 else 3
        oldest = min(parent_age - 18, 24.5)
        if oldest <= 0:
            return []
        kids = []
        for _ in range(count):
            sex = "L" if self.rng.random() < 0.5 else "P"
            birth = self.birth_date(0, oldest)
            # Children are mostly registered where the family lives (the KK's district).
            district = home if self.rng.random() < 0.85 else self.pick(self.districts)
            kid = self.person(sex, birth, district, clan)
            kid["relationship"] = "Anak"
            # Whole calendar years, as the family rules count them: a fractional-year age
            # can call a child 20 on the day before the 21st birthday counts.
            age = _whole_years(birth, self.today)
            if age >= 21:
                kid["in_school"] = "Ya"  # only a student aged 21-24 stays covered
            elif age >= 18:
                kid["in_school"] = "Ya" if self.rng.random() < 0.6 else "Tidak"
            kids.append(kid)
        kids.sort(key=lambda kid: kid["birth_date"])
        return kids

    def parent(self, worker: dict[str, Any], worker_age: float, married: bool) -> dict[str, Any]:
        draw = self.rng.random()
        relationship = "Mertua" if married and draw < 0.2 else "Ayah" if draw < 0.5 else "Ibu"
        sex = "L" if relationship == "Ayah" else "P" if relationship == "Ibu" else self.pick(_SEXES)
        age = min(worker_age + self.rng.uniform(20, 35), 92)
        parent = self.person(sex, self.birth_date(age, age + 0.9), self.pick(self.districts), None)
        parent["relationship"] = relationship
        parent["marital_status"] = "Kawin" if self.rng.random() < 0.6 else "Cerai Mati"
        return parent

    def cover(self, member: dict[str, Any], worker: dict[str, Any]) -> None:
        """Copy the worker's membership data: class, faskes, TMT, card number."""
        if member is worker:
            worker["care_class"] = 1 if worker["wage"] > _CLASS_1_WAGE else 2
            worker["faskes_code"] = self.pick(self.faskes)
        else:
            member["worker_nik"] = worker["nik"]
            member["care_class"] = worker["care_class"]
            member["faskes_code"] = worker["faskes_code"]
            # Covered from the worker's TMT, or from the month of birth for a later-born child.
            member["start_date"] = max(worker["start_date"], member["birth_date"].replace(day=1))
        if self.rng.random() < 0.85:
            self.card_seq += 1
            member["card_number"] = f"{self.card_seq:013d}"

    # --- mistakes -----------------------------------------------------------------------------

    def spoil(self, row: dict[str, Any], previous: dict[str, Any] | None) -> str:
        """Inject one typical mistake into ``row``; returns its name (see `MISTAKES`)."""
        relationship = row["relationship"]
        if relationship == "Anak":
            choices = _CHILD_MISTAKES
        elif relationship == "Peserta":
            choices = _ANY_ROW_MISTAKES
        else:
            choices = _DEPENDANT_MISTAKES
        if previous is None:
            choices = tuple(m for m in choices if m != "duplicate_nik")
        mistake = self.pick(choices)
        getattr(self, f"_spoil_{mistake}")(row, previous)
        return mistake

    def _spoil_nik_too_short(self, row: dict[str, Any], previous: object) -> None:
        cut = int(self.rng.random() * 16)
        row["nik"] = row["nik"][:cut] + row["nik"][cut + 1 :]

    def _spoil_nik_as_number(self, row: dict[str, Any], previous: object) -> None:
        row["nik"] = float(row["nik"])

    def _spoil_nik_scientific_text(self, row: dict[str, Any], previous: object) -> None:
        row["nik"] = f"{int(row['nik']):.2E}"

    def _spoil_duplicate_nik(self, row: dict[str, Any], previous: dict[str, Any]) -> None:
        row["nik"] = previous["nik"]

    def _spoil_faskes_code(self, row: dict[str, Any], previous: object) -> None:
        code = row["faskes_code"]
        row["faskes_code"] = self.pick((code[1:], f"{code[:4]}-{code[4:]}", code[:7], f"{code}0"))

    def _spoil_kk_is_nik(self, row: dict[str, Any], previous: object) -> None:
        row["kk"] = row["nik"]

    def _spoil_birth_date_mismatch(self, row: dict[str, Any], previous: object) -> None:
        shift = timedelta(days=self.pick((3, 1, 2, 31, 40, 365)))
        shifted = row["birth_date"] + shift
        row["birth_date"] = shifted if shifted <= self.today else row["birth_date"] - shift

    def _spoil_child_too_old(self, row: dict[str, Any], previous: object) -> None:
        birth = self.birth_date(25.2, 30)
        row["birth_date"] = birth
        row["nik"] = self.nik(row["nik"][:6], birth, row["sex"])
        row["in_school"] = self.pick(("Ya", "Tidak"))

    def _spoil_kk_mismatch(self, row: dict[str, Any], previous: object) -> None:
        when = self.kk_issue_date(self.birth_date(30, 50))
        row["kk"] = self.unique_number(self.pick(self.districts), when.day, when)


def _place_name(regency: str) -> str:
    """ "Kabupaten Bogor" -> "Bogor": a birth place is written as the town, not the regency."""
    for prefix in ("Kabupaten Administrasi ", "Kabupaten ", "Kota Administrasi ", "Kota "):
        if regency.startswith(prefix):
            return regency[len(prefix) :]
    return regency
