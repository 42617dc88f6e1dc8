"""Page benchmark: the pages HR staff use most, at real size, against a real server.

    python bench/bench_pages.py                 # SQLite, and PostgreSQL when BENCH_PG_URL or
                                                # TEST_DATABASE_URL is set
    python bench/bench_pages.py --people 300000 --requests 60 --load-seconds 60

One employer with 300,000 participants (and so 300,000 audit events) imported from a
generated roster, plus a 100,000-row import preview; a second employer with 2,000 of the same
people, active at both (data ganda). A real server (waitress, as `edabu serve` runs it)
answers; one client asks each page in turn and the 95th percentile of the response time is
reported (loopback adds well under a millisecond). Then 20 logged-in clients ask for the
participant list for 60 s against two web processes (the load is spread over them by the
clients, as a proxy would), and the throughput and p95 are reported. Every loop is bounded
in count and time and talks to 127.0.0.1 only.

Targets (issue 13): every page ≤ 50 ms at p95 for one client, deep pages as reached through
the list's own links; the list ≥ 100 requests/s with p95 ≤ 300 ms for 20 clients on
PostgreSQL with two web processes. A page number typed into the address deep in the list
is an OFFSET and is reported beside, for information.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_import import machine_speed, roster  # noqa: E402

CODE, USER, PASSWORD = "BENCH002", "hr", "bench-password-2026"
#: People of the roster also registered, and active, at a second employer (data ganda).
DOUBLE = 2000


def prepare(database_url: str, people: int, preview_rows: int) -> dict[str, object]:
    """A fresh database with the employer, its roster committed and one preview staged."""
    env = {**os.environ, "DATABASE_URL": database_url, "EDABU_QUEUE_IMMEDIATE": "1"}
    code = f"""
import json, sqlalchemy as sa
from flask_migrate import upgrade
from edabu_lite.app import create_app
from edabu_lite.accounts.models import Role
from edabu_lite.accounts.operations import create_employer, create_user
from edabu_lite.audit.operations import Actor
from edabu_lite.database import wait_for_upkeep
from edabu_lite.extensions import db
from edabu_lite.imports import operations as jobs
from edabu_lite.imports.models import JobKind
from edabu_lite.roster.importing import Limits, commit_roster, stage_roster
from edabu_lite.roster.models import Participant
url = {database_url!r}
if url.startswith("postgresql"):
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("DROP SCHEMA public CASCADE"))
        conn.execute(sa.text("CREATE SCHEMA public"))
    engine.dispose()
app = create_app({{"SQLALCHEMY_DATABASE_URI": url}})
actor = Actor("bench", "cli")
limits = Limits(max_bytes=200 * 1024 * 1024, max_rows=1_000_000)
with app.app_context():
    upgrade()
    employer = create_employer(db.session, {CODE!r}, "PT Halaman", actor, minimum_wage=3_000_000)
    create_user(db.session, employer, {USER!r}, {PASSWORD!r}, Role.ADMIN, actor)
    def stage(path, owner=employer):
        job = jobs.create_job(db.session, owner.id, JobKind.ROSTER, "r.xlsx", b"", actor,
                              keep_file=False)
        jobs.start_processing(db.session, job)
        return stage_roster(db.session, job, path, limits)
    commit_roster(db.session, stage({str(roster(people))!r}), actor)
    # Another employer with the first {DOUBLE:,} of them (the same generator and seed):
    # data ganda lists them, as active at both.
    other = create_employer(db.session, "BENCH003", "PT Lain", actor, minimum_wage=3_000_000)
    commit_roster(db.session, stage({str(roster(DOUBLE))!r}, other), actor)
    wait_for_upkeep()
    preview = stage({str(roster(preview_rows, 0.02))!r})
    worker = db.session.scalar(sa.select(Participant.id).where(
        Participant.employer_id == employer.id, Participant.worker_id.is_(None)
    ).order_by(Participant.id.desc()).limit(1))
    print(json.dumps({{"preview": preview.id, "preview_rows": preview.rows, "worker": worker}}))
"""
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=False
    )
    if out.returncode:
        raise SystemExit(out.stderr[-3000:])
    import json

    return json.loads(out.stdout.strip().splitlines()[-1])


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(database_url: str) -> tuple[subprocess.Popen, str]:  # type: ignore[type-arg]
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "SECRET_KEY": "bench-secret",
        "RATELIMIT_LOGIN": "10000 per minute",
        "EDABU_INSTANCE_PATH": tempfile.mkdtemp(prefix="edabu-bench-web-"),
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "edabu_lite", "serve", "--no-worker", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"{base}/login", timeout=2).read()  # noqa: S310
            return server, base
        except OSError:
            time.sleep(0.2)
    server.terminate()
    raise SystemExit("the server did not start")


class Client:
    """A logged-in browser, as far as the server can tell (session cookie, CSRF)."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )
        page = self.get("/login")
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
        form = {"csrf_token": token, "employer_code": CODE, "username": USER,
                "password": PASSWORD}  # fmt: skip
        self.opener.open(f"{base}/login", urllib.parse.urlencode(form).encode(), timeout=30).read()
        assert "Keluar" in self.get("/"), "login failed"

    def get(self, path: str) -> str:
        with self.opener.open(f"{self.base}{path}", timeout=30) as response:
            assert response.status == 200, (path, response.status)
            return response.read().decode()

    def timed(self, path: str) -> float:
        start = time.perf_counter()
        self.get(path)
        return time.perf_counter() - start


def p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=20)[-1] if len(samples) >= 20 else max(samples)


LAST = r'href="([^"]+)" aria-label="Halaman terakhir"'
NEXT = r'rel="next" href="([^"]+)"'


def own_link(client: Client, start: str, pattern: str = LAST) -> str:
    """The link a page's pager offers (its "last page" link, or another ``pattern``), as a
    person following the list's own links would use it."""
    found = re.search(pattern, client.get(start))
    return found.group(1).replace("&amp;", "&") if found else start


def single_client(
    base: str, paths: dict[str, str], requests: int
) -> dict[str, tuple[float, float]]:
    client = Client(base)
    results = {}
    for name, path in paths.items():
        for _ in range(3):
            client.get(path)  # warm: caches, pool, first plans
        samples = [client.timed(path) for _ in range(requests)]
        results[name] = (statistics.median(samples) * 1000, p95(samples) * 1000)
    return results


def load(bases: list[str], path: str, clients: int, seconds: float) -> tuple[float, float, int]:
    """``clients`` logged-in clients, spread over ``bases``, asking ``path`` for ``seconds``."""
    sessions = [Client(bases[i % len(bases)]) for i in range(clients)]
    samples: list[list[float]] = [[] for _ in sessions]
    errors = [0]
    stop = time.monotonic() + seconds

    def run(index: int) -> None:
        client = sessions[index]
        while time.monotonic() < stop:
            try:
                samples[index].append(client.timed(path))
            except Exception:
                errors[0] += 1

    threads = [threading.Thread(target=run, args=(i,)) for i in range(clients)]
    start = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=seconds + 60)
    elapsed = time.monotonic() - start
    flat = [s for per in samples for s in per]
    return len(flat) / elapsed, p95(flat) * 1000, errors[0]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=300_000)
    parser.add_argument("--preview-rows", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=60)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--load-seconds", type=float, default=60)
    args = parser.parse_args()
    databases = {"sqlite": f"sqlite:///{tempfile.mkdtemp(prefix='edabu-bench-pages-')}/p.db"}
    pg = os.environ.get("BENCH_PG_URL") or os.environ.get("TEST_DATABASE_URL")
    if pg:
        databases["postgresql"] = pg.replace("postgresql://", "postgresql+psycopg://", 1)
    print(f"machine: reference workload {machine_speed():.2f} s (lower is faster)", flush=True)
    for name, url in databases.items():
        started = time.perf_counter()
        facts = prepare(url, args.people, args.preview_rows)
        print(f"{name}: {args.people:,} people and a {facts['preview_rows']:,}-row preview "
              f"prepared in {time.perf_counter() - started:.0f} s", flush=True)  # fmt: skip
        servers = [start_server(url) for _ in range(2)]
        try:
            base = servers[0][1]
            probe = Client(base)
            job = f"/impor/{facts['preview']}?tampil=semua"
            paths = {
                "list, first page": "/peserta",
                "list, last page (its » link)": own_link(probe, "/peserta"),
                "list, page 5,001 (its next link)": own_link(probe, "/peserta?page=5000", NEXT),
                "list, ?page=5001 typed in": "/peserta?page=5001",
                "list, name search": "/peserta?q=siti",
                "list, NIK prefix": "/peserta?q=327301",
                "list, active today": "/peserta?status=AKTIF",
                "participant page": f"/peserta/{facts['worker']}",
                "change form": f"/peserta/{facts['worker']}/ubah",
                "data ganda": "/peserta/data-ganda",
                "audit, first page": "/audit",
                "audit, last page": own_link(probe, "/audit"),
                "preview, first page": job,
                "preview, last page": own_link(probe, job),
                "preview, problems only": f"/impor/{facts['preview']}",
            }
            print(f"  {'page':<32}{'median ms':>10}{'p95 ms':>9}")
            for page, (median, high) in single_client(base, paths, args.requests).items():
                mark = "" if high <= 50 else "   > 50 ms"
                print(f"  {page:<32}{median:>10.1f}{high:>9.1f}{mark}", flush=True)
            rate, high, errors = load(
                [b for _s, b in servers], "/peserta", args.clients, args.load_seconds
            )
            print(f"  list under load: {args.clients} clients, 2 web processes, "
                  f"{args.load_seconds:.0f} s: {rate:.0f} requests/s, p95 {high:.0f} ms, "
                  f"{errors} errors", flush=True)  # fmt: skip
        finally:
            for server, _base in servers:
                server.terminate()
                server.wait(timeout=30)
    print(f"machine: reference workload {machine_speed():.2f} s at the end")


if __name__ == "__main__":
    main()
