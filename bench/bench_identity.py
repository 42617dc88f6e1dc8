"""Benchmark: NIK validations per second on a realistic mix of cells (not a test).

Builds N NIK cells from the demo generator: mostly clean text, some with the separators people
type (spaces, dots, hyphens, a leading apostrophe), and about 5 % invalid in the usual ways (a
digit missing, a numeric cell, Excel's 3.27E+15, impossible dates, province 99, serial 0000,
letters, full-width digits). Each run validates every cell with ``parse_nik`` as an import
does (``today`` fixed once per import); the best, median and worst run are printed.

    python bench/bench_identity.py [--count 300000] [--runs 5] [--invalid 0.05] [--birth-date]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout, uninstalled

from edabu_lite.demo_data import generate_rows
from edabu_lite.identity import get_regions, parse_nik

TODAY = date(2025, 6, 1)


def _damage(nik: str, rng: random.Random) -> object:
    """One typical invalid NIK cell."""
    kind = rng.randrange(9)
    if kind == 0:
        return nik[:-1]  # 15 digits
    if kind == 1:
        return float(nik)  # numeric cell
    if kind == 2:
        return f"{int(nik):.2E}"  # "3.20E+15"
    if kind == 3:
        return f"{nik[:6]}3{nik[7:]}"  # day 3x: often impossible
    if kind == 4:
        return f"{nik[:8]}13{nik[10:]}"  # month 13
    if kind == 5:
        return f"99{nik[2:]}"  # unknown province
    if kind == 6:
        return f"{nik[:12]}0000"  # serial 0000
    if kind == 7:
        return f"{nik[:10]}O{nik[11:]}"  # letter O for zero
    return nik.translate(str.maketrans("0123456789", "０１２３４５６７８９"))


def _decorate(nik: str, rng: random.Random) -> str:
    """A valid NIK as people type it."""
    style = rng.randrange(4)
    if style == 0:
        return f"{nik[:6]} {nik[6:12]} {nik[12:]}"
    if style == 1:
        return f"{nik[:2]}.{nik[2:4]}.{nik[4:6]}.{nik[6:12]}.{nik[12:]}"
    if style == 2:
        return f"'{nik}"
    return f" {nik}\u00a0"


def build_cells(count: int, invalid: float, seed: int) -> tuple[list[object], list[date]]:
    rng = random.Random(seed)
    cells: list[object] = []
    births: list[date] = []
    for row, _ in generate_rows(count, seed=seed, today=TODAY):
        nik = row["nik"]
        draw = rng.random()
        if draw < invalid:
            cells.append(_damage(nik, rng))
        elif draw < invalid + 0.10:
            cells.append(_decorate(nik, rng))
        else:
            cells.append(nik)
        births.append(row["birth_date"])
    return cells, births


def run_once(cells: list[object], births: list[date] | None) -> float:
    start = time.perf_counter()
    if births is None:
        for cell in cells:
            parse_nik(cell, today=TODAY)
    else:
        for cell, birth in zip(cells, births, strict=True):
            parse_nik(cell, birth_date=birth, today=TODAY)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=300_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--invalid", type=float, default=0.05, help="share of invalid cells")
    parser.add_argument("--seed", type=int, default=2025)
    parser.add_argument("--birth-date", action="store_true", help="pass the roster birth date")
    args = parser.parse_args()

    get_regions()  # load region data before timing: it is a one-off per process
    cells, births = build_cells(args.count, args.invalid, args.seed)
    failing = sum(1 for cell in cells if parse_nik(cell, today=TODAY).parts is None)
    print(f"{len(cells):,} NIK cells, {failing / len(cells):.1%} invalid", flush=True)

    rates = []
    for run in range(1, args.runs + 1):
        elapsed = run_once(cells, births if args.birth_date else None)
        rates.append(len(cells) / elapsed)
        print(f"  run {run}: {rates[-1]:>10,.0f} NIK/s ({elapsed:.3f} s)", flush=True)
    print(
        f"best {max(rates):,.0f} NIK/s   median {statistics.median(rates):,.0f}   "
        f"min {min(rates):,.0f}"
    )


if __name__ == "__main__":
    main()
