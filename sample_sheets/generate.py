"""Generate roster sheets: the fixed samples in this folder, or a large roster of any size.

    python sample_sheets/generate.py --samples              # rewrite the sample files here
    python sample_sheets/generate.py --rows 100000 -o big.xlsx [--error-rate 0.02] [--seed 7]
    python sample_sheets/generate.py --bill                 # rewrite contoh-tagihan.xlsx

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


BILL_MONTH = date(2026, 12, 1)


def write_bill_sample(path: Path) -> int:
    """A bill as HR copies it from e-Dabu's Rincian Tagihan, for the people of
    contoh-peserta-valid.xlsx in `BILL_MONTH`: each worker's row holds the total the tool
    computes (in a throw-away SQLite database, with the demo's minimum wage), the family's
    rows 0; then three differences: one amount Rp 5.000 too high, one family missing, one
    NIK unknown."""
    import tempfile

    from flask_migrate import upgrade

    from edabu_lite.accounts import operations as account_ops
    from edabu_lite.app import create_app
    from edabu_lite.audit.operations import Actor
    from edabu_lite.contributions import operations as ops
    from edabu_lite.demo import DEMO_MINIMUM_WAGE, _as_stored
    from edabu_lite.extensions import db
    from edabu_lite.roster.operations import add_participants

    rows = [_as_stored(row) for row in generate_families(50, seed=5, today=TODAY)]
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app(
            {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/bill.db", "SECRET_KEY": "sample"}
        )
        with app.app_context():
            upgrade()
            actor = Actor("sample_sheets/generate.py", source="cli")
            employer = account_ops.create_employer(
                db.session, "CONTOH01", "Contoh", actor, minimum_wage=DEMO_MINIMUM_WAGE
            )
            add_participants(db.session, employer.id, rows, actor)
            db.session.commit()
            bill = ops.bill_for(db.session, employer, BILL_MONTH)
            totals = {
                line.nik: int(line.total) for line in ops.iter_lines(db.session, bill, employer.id)
            }
            db.session.remove()
            db.engine.dispose()
    workers = [r["nik"] for r in rows if r["relationship"] == "Peserta"]
    missing, higher = workers[3], workers[5]
    lines = [
        (
            r["nik"],
            r["name"],
            r["relationship"],
            totals.get(r["nik"], 0) if r["relationship"] == "Peserta" else 0,
        )
        for r in rows
        if missing not in (r["nik"], r.get("worker_nik"))  # the whole family
    ]
    lines = [
        (n, name, rel, amount + 5000 if n == higher else amount) for n, name, rel, amount in lines
    ]
    lines.append(("3273014101950123", "Orang Tak Dikenal", "Peserta", 300_000))
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Rincian Tagihan")
    sheet.append(["No", "NIK", "Nama Peserta", "Hubungan", "Total Iuran"])
    for number, (nik, name, relationship, amount) in enumerate(lines, start=1):
        cell = WriteOnlyCell(sheet, value=nik)
        cell.number_format = "@"
        sheet.append([number, cell, name, relationship, amount])
    workbook.save(path)
    return len(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--samples", action="store_true", help="rewrite the sample files")
    parser.add_argument("--bill", action="store_true", help="rewrite contoh-tagihan.xlsx")
    parser.add_argument("--rows", type=int, default=1000)
    parser.add_argument("--error-rate", type=float, default=0.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("-o", "--output", type=Path)
    args = parser.parse_args()
    if args.samples:
        write_samples()
        return
    if args.bill:
        print(f"{write_bill_sample(HERE / 'contoh-tagihan.xlsx')} rows → contoh-tagihan.xlsx")
        return
    if args.output is None:
        parser.error("-o/--output is required unless --samples")
    rows = generate_families(args.rows, seed=args.seed, error_rate=args.error_rate)
    print(f"{write_sheet(args.output, rows)} rows → {args.output}")


if __name__ == "__main__":
    main()
