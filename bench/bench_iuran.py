"""Contribution and Beranda benchmark (issue 18): the month's Rincian Iuran for an employer
of 300,000 people (about 100,000 workers), computed by the database, and Beranda.

    python bench/bench_iuran.py                  # SQLite, and PostgreSQL when BENCH_PG_URL
    python bench/bench_iuran.py --people 300000 --repeat 3

Times, min / median of ``--repeat`` runs: the month's totals (`bill_for`, the contract §4
numbers; target ≤ 2 s on both databases), a page of lines, the comparison with last month,
next month's outlook, Beranda's parts computed (what its refresh job computes), and the xlsx
of every line. Then Beranda's page as served (target ≤ 100 ms server time), each run in a
fresh web process (a Flask test client; a queue no consumer reads) that logs in and asks for
it: (a) with its snapshot current, (b) right after a change (a batch applied: the snapshot is
stale and served so, a refresh asked for), and (c) the refresh job itself after that change.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import subprocess
import sys
import tempfile
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


USER, PASSWORD = "beranda", "bench-beranda-kata-sandi-2026"


def run(database_url: str, people: int, repeat: int) -> None:
    from flask_migrate import upgrade

    from edabu_lite.accounts.models import Role
    from edabu_lite.accounts.operations import create_employer, create_user
    from edabu_lite.audit.operations import Actor
    from edabu_lite.contributions import operations as ops
    from edabu_lite.contributions.exports import export_bill
    from edabu_lite.database import wait_for_upkeep
    from edabu_lite.extensions import db
    from edabu_lite.home import dashboard
    from edabu_lite.imports import operations as jobs
    from edabu_lite.imports.models import JobKind
    from edabu_lite.roster.importing import Limits, commit_roster, stage_roster

    app = fresh_app(database_url)  # no refresh after a commit: timed on its own below (c)
    actor = Actor("bench", "cli")
    with app.app_context():
        upgrade()
        employer = create_employer(db.session, "IURAN01", "PT Iuran", actor, minimum_wage=3_000_000)
        create_user(db.session, employer, USER, PASSWORD, Role.VIEWER, actor)
        job = jobs.create_job(db.session, employer.id, JobKind.ROSTER, "r.xlsx", b"", actor,
                              keep_file=False)  # fmt: skip
        jobs.start_processing(db.session, job)
        limits = Limits(max_bytes=200 * 1024 * 1024, max_rows=1_000_000)
        commit_roster(db.session, stage_roster(db.session, job, roster(people), limits), actor)
        wait_for_upkeep()
        today = date.today()
        month = today.replace(day=1)
        months = dashboard.months_back(today)
        bill = ops.bill_for(db.session, employer, month)
        print(f"  {bill.workers:,} workers, {bill.covered:,} covered, total Rp {bill.total:,}")
        works = {
            "month's totals (bill_for)": lambda: ops.bill_for(db.session, employer, month),
            "first page of lines": lambda: ops.bill_page(db.session, bill, employer.id, 1, 50),
            "page 1,000 of lines": lambda: ops.bill_page(db.session, bill, employer.id, 1000, 50),
            "comparison with last month": lambda: ops.compare(db.session, employer, month),
            "next month's outlook": lambda: ops.next_month(db.session, employer, month),
            "Beranda's counts, computed": lambda: dashboard.people(db.session, employer, today),
            "Beranda's movers, computed": lambda: dashboard.joiners_and_leavers(
                db.session, employer, today
            ),
            "Beranda's 12 bills, computed": lambda: [
                dashboard.month_total(db.session, employer, m) for m in months
            ],
            "xlsx of every line": lambda: export_bill(db.session, bill, employer.id, io.BytesIO()),
        }
        for name, work in works.items():
            low, middle = timed(work, repeat)
            db.session.rollback()
            print(f"  {name:<32} {low:7.3f} / {middle:7.3f} s", flush=True)
        beranda(database_url, employer.id, repeat)


def beranda(database_url: str, employer_id: int, repeat: int) -> None:
    """Beranda as served: (a) current, (b) right after a change, (c) the refresh job."""
    import sqlalchemy as sa
    from sqlalchemy.orm import Session

    from edabu_lite.accounts.models import Employer
    from edabu_lite.audit.operations import Actor, Change, record
    from edabu_lite.extensions import db
    from edabu_lite.home import snapshots
    from edabu_lite.months import first_day_of_next_month
    from edabu_lite.mutations import operations as batches
    from edabu_lite.mutations.kinds import MutationKind, Reason
    from edabu_lite.mutations.plans import Request
    from edabu_lite.roster.models import Participant, Relationship, Status

    actor = Actor("bench", "cli")
    today = date.today()

    def refresh_job() -> snapshots.Refreshed:
        with Session(db.engine) as session:  # as the job does: a session of its own
            done = snapshots.refresh(session, employer_id, today)
        assert done is not None
        return done

    started = time.perf_counter()
    first = refresh_job()
    print(f"  {'refresh job, nothing kept yet':<32} {time.perf_counter() - started:7.3f} s "
          f"({len(first.computed)} parts)", flush=True)  # fmt: skip
    code = db.session.scalar(sa.select(Employer.code).where(Employer.id == employer_id))
    leavers = db.session.scalars(
        sa.select(Participant.nik)
        .where(Participant.employer_id == employer_id, Participant.status == Status.ACTIVE,
               Participant.relationship == Relationship.WORKER)
        .order_by(Participant.id)
        .limit(repeat)
    ).all()  # fmt: skip
    db.session.rollback()
    current, stale, jobs = [], [], []
    for nik in leavers:
        served = served_in_fresh_process(database_url, code)  # (a): a login since, no change
        assert not served["stale"], "a login made Beranda stale"
        current.append(served)
        leave = Request(MutationKind.DEACTIVATE, Reason.PENSIUN, first_day_of_next_month(today))
        batch = batches.plan_batch(db.session, employer_id, [batches.ItemInput(nik, leave)],
                                   actor, source="cli")  # fmt: skip
        batches.apply_batch(db.session, batch, actor)
        served = served_in_fresh_process(database_url, code)  # (b)
        assert served["stale"], "Beranda after a change did not say it is stale"
        stale.append(served)
        started = time.perf_counter()
        done = refresh_job()  # (c)
        jobs.append(time.perf_counter() - started)
        assert len(done.computed) == len(snapshots.parts_for(today)), done
    record(db.session, employer_id, actor, Change("auth.login", "user", None, USER))
    db.session.commit()
    started = time.perf_counter()
    confirm = refresh_job()  # what the page's request after a login costs the queue
    confirmed = time.perf_counter() - started
    rows = {
        "(a) page, current: 1st view": [s["first"] for s in current],
        "(a) page, current: next views": [s["next"] for s in current],
        "(a) movers chart / contribution chart": None,
        "(b) page after a change (stale)": [s["first"] for s in stale],
        "(b) page after a change: next views": [s["next"] for s in stale],
    }
    for name, times in rows.items():
        if times is None:
            movers = [c["movers"] for c in current]
            contribution = [c["contribution"] for c in current]
            print(f"  {name:<38} {_ms(movers)} / {_ms(contribution)}")
            continue
        print(f"  {name:<38} {_ms(times)}")
    print(f"  {'(c) refresh job after a change':<38} {min(jobs):7.3f} / "
          f"{statistics.median(jobs):7.3f} s", flush=True)  # fmt: skip
    print(
        f"  {'refresh job after logins only':<38} {confirmed * 1000:7.1f} ms "
        f"({len(confirm.confirmed)} parts confirmed, {len(confirm.computed)} computed)"
    )


def _ms(times: list[float]) -> str:
    return f"{min(times) * 1000:6.1f} / {statistics.median(times) * 1000:6.1f} ms"


def served_in_fresh_process(database_url: str, code: str) -> dict[str, object]:
    """Beranda's server time in a new web process: log in, then time the page (its first
    view in the process and the median of five more) and the two charts."""
    queue = Path(tempfile.mkdtemp(prefix="edabu-bench-queue-")) / "queue.db"
    env = {k: v for k, v in os.environ.items() if k != "EDABU_QUEUE_IMMEDIATE"}
    env |= {"QUEUE_URL": f"sqlite:///{queue}", "DATABASE_URL": database_url}
    out = subprocess.run(
        [sys.executable, __file__, "--serve-once", code], env=env, check=True,
        capture_output=True, text=True,
    ).stdout  # fmt: skip
    return json.loads(out.strip().splitlines()[-1])


def serve_once(code: str) -> None:
    """In the fresh process (`served_in_fresh_process`): one JSON line of timings."""
    from edabu_lite.app import create_app
    from edabu_lite.jobs import huey

    app = create_app({"WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False})
    client = app.test_client()
    login = {"employer_code": code, "username": USER, "password": PASSWORD}
    assert client.post("/login", data=login).status_code == 302

    def timed_get(path: str) -> tuple[float, str]:
        started = time.perf_counter()
        response = client.get(path)
        took = time.perf_counter() - started
        assert response.status_code == 200, response.status_code
        return took, response.get_data(as_text=True)

    first, page = timed_get("/")
    following = [timed_get("/")[0] for _ in range(5)]
    movers, _svg = timed_get("/beranda/grafik/peserta.svg")
    contribution, _svg = timed_get("/beranda/grafik/iuran.svg")
    print(json.dumps({
        "first": first, "next": statistics.median(following), "movers": movers,
        "contribution": contribution, "stale": 'data-testid="stale"' in page,
        "queued": huey.pending_count(),
    }))  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=300_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--serve-once", metavar="CODE", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_once:
        serve_once(args.serve_once)
        return
    print(f"machine: reference workload {machine_speed():.2f} s (lower is faster)")
    databases = {"sqlite": f"sqlite:///{ROOT / 'bench' / 'out' / 'iuran.db'}"}
    pg = os.environ.get("BENCH_PG_URL")
    if pg:
        databases["postgresql"] = pg
    for name, url in databases.items():
        if url.startswith("sqlite:///"):
            Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
            Path(url.removeprefix("sqlite:///")).unlink(missing_ok=True)
        print(f"{name}: {args.people:,} people", flush=True)
        run(url, args.people, args.repeat)
    print(f"machine: reference workload {machine_speed():.2f} s (lower is faster)")


if __name__ == "__main__":
    main()
