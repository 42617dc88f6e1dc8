"""Contribution benchmark (issue 18): the month's Rincian Iuran for an employer of 300,000
people (about 100,000 workers), computed by the database.

    python bench/bench_iuran.py                  # SQLite, and PostgreSQL when BENCH_PG_URL
    python bench/bench_iuran.py --people 300000 --repeat 3

Times, min / median of ``--repeat`` runs: the month's totals (`bill_for`, the contract §4
numbers; target ≤ 2 s on both databases), a page of lines, the comparison with last month,
next month's outlook, Beranda's parts computed afresh ("cold") and as kept per data version,
and the xlsx of every line.
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_import import fresh_app, machine_speed, roster  # noqa: E402


def timed(work, repeat: int) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return min(times), statistics.median(times)


def run(database_url: str, people: int, repeat: int) -> None:
    from flask_migrate import upgrade

    from edabu_lite import memo
    from edabu_lite.accounts.operations import create_employer
    from edabu_lite.audit.operations import Actor
    from edabu_lite.contributions import operations as ops
    from edabu_lite.contributions.exports import export_bill
    from edabu_lite.database import wait_for_upkeep
    from edabu_lite.extensions import db
    from edabu_lite.home import dashboard
    from edabu_lite.imports import operations as jobs
    from edabu_lite.imports.models import JobKind
    from edabu_lite.roster.importing import Limits, commit_roster, stage_roster

    app = fresh_app(database_url)
    actor = Actor("bench", "cli")
    with app.app_context():
        upgrade()
        employer = create_employer(db.session, "IURAN01", "PT Iuran", actor, minimum_wage=3_000_000)
        job = jobs.create_job(db.session, employer.id, JobKind.ROSTER, "r.xlsx", b"", actor,
                              keep_file=False)  # fmt: skip
        jobs.start_processing(db.session, job)
        limits = Limits(max_bytes=200 * 1024 * 1024, max_rows=1_000_000)
        commit_roster(db.session, stage_roster(db.session, job, roster(people), limits), actor)
        wait_for_upkeep()
        month = date.today().replace(day=1)
        bill = ops.bill_for(db.session, employer, month)
        print(f"  {bill.workers:,} workers, {bill.covered:,} covered, total Rp {bill.total:,}")
        works = {
            "month's totals (bill_for)": lambda: ops.bill_for(db.session, employer, month),
            "first page of lines": lambda: ops.bill_page(db.session, bill, employer.id, 1, 50),
            "page 1,000 of lines": lambda: ops.bill_page(db.session, bill, employer.id, 1000, 50),
            "comparison with last month": lambda: ops.compare(db.session, employer, month),
            "next month's outlook": lambda: ops.next_month(db.session, employer, month),
            "Beranda's counts (cold)": lambda: (
                memo.forget(),
                dashboard.people(db.session, employer, month),
            ),
            "Beranda's movers chart (cold)": lambda: (
                memo.forget(),
                dashboard.joiners_and_leavers(db.session, employer, month),
            ),
            "Beranda's 12 bills (cold)": lambda: (
                memo.forget(),
                dashboard.contribution_by_month(db.session, employer, month),
            ),
            "Beranda's counts (kept)": lambda: dashboard.people(db.session, employer, month),
            "xlsx of every line": lambda: export_bill(db.session, bill, employer.id, io.BytesIO()),
        }
        for name, work in works.items():
            low, middle = timed(work, repeat)
            db.session.rollback()
            print(f"  {name:<32} {low:7.3f} / {middle:7.3f} s", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=300_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(f"machine: reference workload {machine_speed():.2f} s (lower is faster)")
    databases = {"sqlite": f"sqlite:///{ROOT / 'bench' / 'out' / 'iuran.db'}"}
    pg = os.environ.get("BENCH_PG_URL")
    if pg:
        databases["postgresql"] = pg
    for name, url in databases.items():
        if url.startswith("sqlite:///"):
            Path(url.removeprefix("sqlite:///")).unlink(missing_ok=True)
        print(f"{name}: {args.people:,} people", flush=True)
        run(url, args.people, args.repeat)
    print(f"machine: reference workload {machine_speed():.2f} s (lower is faster)")


if __name__ == "__main__":
    main()
