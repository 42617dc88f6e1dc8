"""Roster export benchmark (issue: export of 100k rows ≤ 1.2× XlsxWriter's constant-memory
mode writing the same rows in the same run, with flat memory).

    python bench/bench_export.py              # 100k on SQLite, and PostgreSQL when BENCH_PG_URL
    python bench/bench_export.py --rows 10000 --repeat 3

Each database gets a fresh roster of generated people (imported as the command line does);
then, alternately: `export_roster` (read from the database, write the §2b sheet), and the
same rows, already in memory, written cell by cell by a bare XlsxWriter workbook in
constant-memory mode. Reported: seconds (min / median), their ratio, and the growth of this
process's peak RSS during the export.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

from bench_import import fresh_app, machine_speed, roster  # noqa: E402


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def raw_xlsxwriter(rows: list[dict[str, object]], keys: list[str], path: str) -> None:
    import xlsxwriter

    book = xlsxwriter.Workbook(path, {"constant_memory": True})
    sheet = book.add_worksheet("Peserta")
    date_format = book.add_format({"num_format": "DD-MM-YYYY"})
    for col, key in enumerate(keys):
        sheet.write_string(0, col, key)
    for number, row in enumerate(rows, start=1):
        for col, key in enumerate(keys):
            value = row[key]
            if value is None:
                continue
            if isinstance(value, str):
                sheet.write_string(number, col, value)
            elif isinstance(value, int | float):
                sheet.write_number(number, col, value)
            else:
                sheet.write_datetime(number, col, value, date_format)
    book.close()


def run(database_url: str, size: int, repeat: int) -> dict[str, object]:
    from flask_migrate import upgrade

    from edabu_lite import clock
    from edabu_lite.accounts.operations import create_employer
    from edabu_lite.audit.operations import Actor
    from edabu_lite.extensions import db
    from edabu_lite.imports import operations as jobs
    from edabu_lite.imports.models import JobKind
    from edabu_lite.roster import exports
    from edabu_lite.roster.importing import Limits, commit_roster, stage_roster
    from edabu_lite.sheets.columns import ROSTER_EXPORT_COLUMNS

    app = fresh_app(database_url)
    actor = Actor("bench", "cli")
    with app.app_context():
        upgrade()
        employer = create_employer(db.session, "BENCH001", "PT Bench", actor, minimum_wage=1)
        job = jobs.create_job(
            db.session, employer.id, JobKind.ROSTER, "r.xlsx", b"", actor, keep_file=False
        )
        jobs.start_processing(db.session, job)
        limits = Limits(max_bytes=200 * 1024 * 1024, max_rows=1_000_000)
        stage_roster(db.session, job, str(roster(size)), limits)
        commit_roster(db.session, job, actor, valid_only=True)
        people = exports.everyone(employer.id)
        day = clock.today()
        out = tempfile.mkdtemp(prefix="edabu-export-")
        # The same rows in memory, for the bare writer (read once, not timed).
        start = time.perf_counter()
        rows = list(exports._rows(db.session, people, day, [0]))
        read = time.perf_counter() - start
        keys = [spec.key for spec in ROSTER_EXPORT_COLUMNS]
        rows = [dict(zip(keys, row, strict=True)) for row in rows]  # as the bare writer takes them
        ours, bare, growth = [], [], []
        for _ in range(repeat):
            before = peak_mb()
            start = time.perf_counter()
            count = exports.export_roster(db.session, people, f"{out}/ours.xlsx", day=day)
            ours.append(time.perf_counter() - start)
            growth.append(peak_mb() - before)
            start = time.perf_counter()
            raw_xlsxwriter(rows, keys, f"{out}/bare.xlsx")
            bare.append(time.perf_counter() - start)
        return {"rows": count, "ours": ours, "bare": bare, "growth": growth, "read": read}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--one")
    args = parser.parse_args()
    if args.one:
        import json

        print(json.dumps(run(args.one, args.rows, args.repeat)))
        return
    import json
    import subprocess

    databases = {"sqlite": f"sqlite:///{tempfile.mkdtemp(prefix='edabu-bench-db-')}/b.db"}
    pg = os.environ.get("BENCH_PG_URL")
    if pg:
        databases["postgresql"] = pg.replace("postgresql://", "postgresql+psycopg://", 1)
    print(f"machine: reference workload {machine_speed():.2f} s (lower is faster)", flush=True)
    for name, url in databases.items():
        command = [sys.executable, __file__, "--one", url, "--rows", str(args.rows),
                   "--repeat", str(args.repeat)]  # fmt: skip
        result = json.loads(subprocess.run(command, capture_output=True, text=True,
                                           check=True).stdout.strip().splitlines()[-1])  # fmt: skip
        ours, bare = result["ours"], result["bare"]
        ratio = statistics.median(ours) / statistics.median(bare)
        print(
            f"{name:<11} {result['rows']:>7} rows  export {min(ours):.2f} / "
            f"{statistics.median(ours):.2f} s  bare XlsxWriter {min(bare):.2f} / "
            f"{statistics.median(bare):.2f} s  ratio {ratio:.2f}  "
            f"peak RSS growth {max(result['growth']):.0f} MB; reading the rows alone "
            f"{result['read']:.2f} s",
            flush=True,
        )


if __name__ == "__main__":
    main()
