"""The "roster lengkap" sync at size: 100,000 active workers each with a wife, a full
roster of them of which ``--missing`` workers with their wives and every 100th other wife are
left out; times the preview's part (the counts and the first and
last page of the missing list) and the draft for them.

    python bench/bench_sync.py                                   # SQLite in a temp folder
    python bench/bench_sync.py --database postgresql+psycopg://postgres@127.0.0.1/bench
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database", default="")
    parser.add_argument("--workers", type=int, default=100_000)
    parser.add_argument("--missing", type=int, default=2_000)
    parser.add_argument(
        "--no-analyze", action="store_true", help="PostgreSQL: participant statistics stale"
    )
    args = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="bench-sync-")
    os.environ["EDABU_INSTANCE_PATH"] = folder
    url = args.database or f"sqlite:///{folder}/bench.db"

    import sqlalchemy as sa
    from flask_migrate import upgrade

    from edabu_lite.accounts import operations as account_ops
    from edabu_lite.app import create_app
    from edabu_lite.audit.operations import Actor
    from edabu_lite.extensions import db
    from edabu_lite.imports.models import ImportJob, JobKind, JobStatus, StagedRow
    from edabu_lite.mutations.kinds import Reason
    from edabu_lite.roster import sync
    from edabu_lite.roster.models import Participant

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": True})
    actor = Actor("bench", "cli")
    with app.app_context(), app.test_request_context("/"):
        upgrade()
        session = db.session
        employer = account_ops.create_employer(session, "BU000001", "PT Bench", actor)
        niks = [f"3273011501{60 + n // 9999:02d}{n % 9999 + 1:04d}" for n in range(args.workers)]
        session.execute(
            sa.insert(Participant),
            [
                {"employer_id": employer.id, "nik": nik, "kk": f"32730120011{n:05d}",
                 "name": f"Pekerja {n}", "birth_date": date(1990, 1, 15), "sex": "L",
                 "marital_status": "Kawin", "relationship": "Peserta", "care_class": 1,
                 "faskes_code": "0112U020", "start_date": date(2024, 1, 1)}
                for n, nik in enumerate(niks)
            ],
        )  # fmt: skip
        # each worker's wife, registered after the workers (her worker_id is his id)
        ids = dict(session.execute(sa.select(Participant.nik, Participant.id)).all())
        wives = [f"3273015501{60 + n // 9999:02d}{n % 9999 + 1:04d}" for n in range(args.workers)]
        session.execute(
            sa.insert(Participant),
            [
                {"employer_id": employer.id, "nik": wife, "kk": f"32730120011{n:05d}",
                 "name": f"Istri {n}", "birth_date": date(1990, 1, 15), "sex": "P",
                 "marital_status": "Kawin", "relationship": "Istri", "care_class": 1,
                 "faskes_code": "0112U020", "worker_id": ids[niks[n]]}
                for n, wife in enumerate(wives)
            ],
        )  # fmt: skip
        job = ImportJob(employer_id=employer.id, kind=JobKind.ROSTER, status=JobStatus.VALIDATED,
                        filename="lengkap.xlsx", file_size=1, file_sha256="0" * 64,
                        actor="bench", source="cli", full_roster=True)  # fmt: skip
        session.add(job)
        session.flush()
        step = args.workers // args.missing
        kept = [nik for n, nik in enumerate(niks) if n % step or n // step >= args.missing]
        # the wives of the workers kept, but for every 100th: those are the missing dependants
        present = set(kept)
        kept += [wives[n] for n in range(args.workers) if niks[n] in present and n % 100 != 1]
        session.execute(
            sa.insert(StagedRow),
            [{"job_id": job.id, "row": r + 2, "group_row": r + 2, "nik": nik, "raw": [],
              "issues": []} for r, nik in enumerate(kept)],
        )  # fmt: skip
        session.commit()
        if session.get_bind().dialect.name == "postgresql":
            # what the import does (participant after a commit, staged_row after staging)
            session.execute(sa.text("ANALYZE staged_row" if args.no_analyze else "ANALYZE"))
            session.commit()
        today = date.today()

        def timed(label: str, work):  # type: ignore[no-untyped-def]
            start = time.perf_counter()
            result = work()
            print(f"{label}: {(time.perf_counter() - start) * 1000:.0f} ms")
            return result

        summary = timed("summary (5 counts)", lambda: sync.summary(session, job, today))
        print(f"  {summary}")
        total = summary.missing_workers
        timed("first page", lambda: sync.missing_page(session, job, today, 1, 50, total))
        timed("last page", lambda: sync.missing_page(session, job, today, 10**6, 50, total))
        timed("dependants shown", lambda: sync.some_missing_dependants(session, job, today, 20))
        batch = timed(
            f"draft for {summary.missing_workers}",
            lambda: sync.create_draft(session, job, Reason.MENGUNDURKAN_DIRI, {},
                                      sync.default_tmt(today), actor, today=today),
        )  # fmt: skip
        print(f"  batch items {batch.items_count}, errors {batch.error_items}")


if __name__ == "__main__":
    main()
