"""Generate roster sheets: the fixed samples in this folder, or a large roster of any size.

    python sample_sheets/generate.py --samples              # rewrite the sample files here
    python sample_sheets/generate.py --rows 100000 -o big.xlsx [--error-rate 0.02] [--seed 7]

Rows come from `edabu_lite.demo_data.generate_families` (valid NIK/KK structure, families with
worker first). Identity cells are text, as the template asks; a mistake that is Excel damage
(a NIK typed as a number) is written as a real numeric cell, as Excel would store it. Written in
openpyxl's write-only mode, so memory stays flat for any size.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterable, Mapping
from datetime import date
from pathlib import Path

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from edabu_lite.demo_data import generate_families
from edabu_lite.sheets.columns import ROSTER_COLUMNS, CellKind
from edabu_lite.sheets.writer import write_template

HERE = Path(__file__).resolve().parent
TODAY = date(2026, 11, 1)  # fixed, so the samples do not change with the calendar


def write_sheet(path: Path, rows: Iterable[Mapping[str, object]]) -> int:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Peserta")
    header = []
    for spec in ROSTER_COLUMNS:
        cell = WriteOnlyCell(sheet, value=spec.header)
        cell.font = Font(bold=True)
        header.append(cell)
    sheet.append(header)
    count = 0
    for row in rows:
        sheet.append([_cell(sheet, spec, row.get(spec.key)) for spec in ROSTER_COLUMNS])
        count += 1
    workbook.save(path)
    return count


def _cell(sheet, spec, value):  # type: ignore[no-untyped-def]
    if isinstance(value, bool):
        value = "Ya" if value else "Tidak"
    if value is None:
        return None
    cell = WriteOnlyCell(sheet, value=value)
    if spec.kind == CellKind.IDENTITY and isinstance(value, str):
        cell.number_format = "@"
    elif isinstance(value, date):
        cell.number_format = "DD-MM-YYYY"
    return cell


def typical_mistakes() -> list[dict[str, object]]:
    """About 40 rows with the mistakes HR sheets really have, one kind per family."""
    rows = list(generate_families(40, seed=11, today=TODAY))
    workers = [i for i, r in enumerate(rows) if r["relationship"] == "Peserta"]
    dependants = [i for i, r in enumerate(rows) if r["relationship"] != "Peserta"]
    children = [i for i, r in enumerate(rows) if r["relationship"] == "Anak"]
    rows[workers[0]]["nik"] = float(rows[workers[0]]["nik"])  # Excel damage: numeric cell
    rows[workers[1]]["kk"] = "3.27E+15"  # a number shown in scientific notation, retyped
    rows[dependants[2]]["nik"] = rows[dependants[1]]["nik"]  # the same NIK twice
    rows[dependants[3]]["worker_nik"] = "3273010101800099"  # dependant without worker
    rows[children[-1]]["birth_date"] = date(1999, 1, 1)  # child too old (NIK warning too)
    rows[workers[2]]["sex"] = "X"  # wrong codes
    rows[workers[3]]["marital_status"] = "Janda"
    rows[dependants[5]]["relationship"] = "Sepupu"
    rows[workers[4]]["faskes_code"] = "112U020"
    rows[workers[4]]["birth_date"] = "01-02-90"  # two-digit year
    rows[workers[5]]["nik"] = str(rows[workers[5]]["nik"])[:15]  # 15 digits
    return rows


def write_samples() -> None:
    with (HERE / "template-peserta-v1.xlsx").open("wb") as out:
        write_template(out, ROSTER_COLUMNS, title="Data Peserta")
    from edabu_lite.sheets.columns import MUTATION_COLUMNS, MUTATION_TEMPLATE_VERSION

    with (HERE / f"template-mutasi-v{MUTATION_TEMPLATE_VERSION}.xlsx").open("wb") as out:
        write_template(out, MUTATION_COLUMNS, title="Mutasi Peserta")
    write_sheet(HERE / "contoh-peserta-valid.xlsx", generate_families(50, seed=5, today=TODAY))
    write_sheet(HERE / "contoh-peserta-salah.xlsx", typical_mistakes())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--samples", action="store_true", help="rewrite the sample files")
    parser.add_argument("--rows", type=int, default=1000)
    parser.add_argument("--error-rate", type=float, default=0.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("-o", "--output", type=Path)
    args = parser.parse_args()
    if args.samples:
        write_samples()
        return
    if args.output is None:
        parser.error("-o/--output is required unless --samples")
    rows = generate_families(args.rows, seed=args.seed, error_rate=args.error_rate)
    print(f"{write_sheet(args.output, rows)} rows → {args.output}")


if __name__ == "__main__":
    main()
