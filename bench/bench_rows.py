"""Benchmark: roster rows per second through the row validator, `RosterRowSchema`, as the
import runs it (one instance per import: `load_row`) (not a test).

Builds N rows with the demo generator (workers followed by their families, contract §2 keys,
sheet-style values), optionally with a share of typical mistakes, and validates every row as an
import does (one `RowContext` per import). Cell styles:

* ``native``: as an xlsx reader returns typed cells (date/datetime, int) — the common case;
* ``text``: every cell typed as text (dates "DD-MM-YYYY", wages "Rp 5.000.000", class "Kelas 1");
* ``mixed``: half of the rows each way.

The best, median and worst of the runs are printed.

    python bench/bench_rows.py [--count 50000] [--runs 5] [--errors 0.05] [--style native]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import date, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout, uninstalled

from edabu_lite.demo_data import generate_families
from edabu_lite.identity import get_regions
from edabu_lite.roster.schemas import RowContext, load_row

TODAY = date(2025, 6, 1)


def _as_text(row: dict[str, object]) -> dict[str, object]:
    out = dict(row)
    for key in ("birth_date", "start_date"):
        value = row.get(key)
        if isinstance(value, date):
            out[key] = f"{value.day:02d}-{value.month:02d}-{value.year}"
    if isinstance(row.get("wage"), int):
        out["wage"] = "Rp " + f"{row['wage']:,}".replace(",", ".")
    if row.get("care_class") is not None:
        out["care_class"] = f"Kelas {row['care_class']}"
    return out


def _as_sheet(row: dict[str, object]) -> dict[str, object]:
    """Typed cells as openpyxl returns them: dates come back as datetime."""
    out = dict(row)
    for key in ("birth_date", "start_date"):
        value = row.get(key)
        if isinstance(value, date) and not isinstance(value, datetime):
            out[key] = datetime(value.year, value.month, value.day)
    return out


def build_rows(count: int, errors: float, style: str) -> list[dict[str, object]]:
    rows = list(generate_families(count, seed=2025, today=TODAY, error_rate=errors))
    if style == "text":
        return [_as_text(row) for row in rows]
    if style == "mixed":
        return [_as_text(row) if i % 2 else _as_sheet(row) for i, row in enumerate(rows)]
    return [_as_sheet(row) for row in rows]


def run_once(rows: list[dict[str, object]], ctx: RowContext) -> tuple[float, int, int]:
    start = time.perf_counter()
    error_rows = warnings = 0
    for number, row in enumerate(rows, start=2):
        data, issues = load_row(row, number, ctx)
        if data is None:
            error_rows += 1
        warnings += len(issues)
    return time.perf_counter() - start, error_rows, warnings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=50_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--errors", type=float, default=0.0, help="share of rows with a mistake")
    parser.add_argument("--style", choices=("native", "text", "mixed"), default="native")
    parser.add_argument("--minimum-wage", type=int, default=4_900_000)
    args = parser.parse_args(argv)

    get_regions()  # load the region data before timing, as a running server has
    rows = build_rows(args.count, args.errors, args.style)
    ctx = RowContext(today=TODAY, minimum_wage=args.minimum_wage)
    run_once(rows[:1000], ctx)  # warm caches

    print(f"{len(rows):,} rows, style {args.style}, {args.errors:.0%} with a mistake")
    rates = []
    for run in range(1, args.runs + 1):
        elapsed, error_rows, issues = run_once(rows, ctx)
        rate = len(rows) / elapsed
        rates.append(rate)
        print(
            f"  run {run}: {rate:>10,.0f} rows/s ({elapsed:.3f} s; "
            f"{error_rows:,} rows with errors, {issues:,} issues)"
        )
    print(
        f"best {max(rates):,.0f} rows/s   median {statistics.median(rates):,.0f}   "
        f"min {min(rates):,.0f}"
    )

    return 0


if __name__ == "__main__":
    raise SystemExit(main())
