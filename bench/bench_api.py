"""API benchmark: pages of 100 participants at 300,000 people through a real server.

    python bench/bench_api.py                   # SQLite, and PostgreSQL when BENCH_PG_URL or
                                                # TEST_DATABASE_URL is set
    python bench/bench_api.py --people 300000 --requests 200

One employer with 300,000 participants imported from a generated roster (as bench_pages.py
prepares it), a viewer token made with `edabu token create`, a waitress server as `edabu
serve` runs it, and one client asking each request in turn; the median and the 95th
percentile of the response time are reported (loopback adds well under a millisecond).

Target (issue 19): a page of 100 participants ≤ 30 ms at p95 for one client.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

from bench_import import machine_speed  # noqa: E402
from bench_pages import CODE, p95, prepare, start_server  # noqa: E402


def token(database_url: str) -> str:
    env = {**os.environ, "DATABASE_URL": database_url}
    env["EDABU_INSTANCE_PATH"] = tempfile.mkdtemp(prefix="edabu-bench-api-")
    out = subprocess.run(
        [sys.executable, "-m", "edabu_lite", "token", "create", "bench", "--employer", CODE,
         "--role", "viewer"],
        env=env, capture_output=True, text=True, check=True,
    )  # fmt: skip
    return out.stdout.strip().splitlines()[-1]


def cursor_after(participant_id: int) -> str:
    """The cursor the API hands out after ``participant_id`` (to start deep in the list)."""
    return base64.urlsafe_b64encode(f"id:{participant_id}".encode()).decode().rstrip("=")


def timed(base: str, path: str, secret: str) -> tuple[float, dict]:  # type: ignore[type-arg]
    headers = {"Authorization": f"Bearer {secret}"}
    request = urllib.request.Request(f"{base}{path}", headers=headers)  # noqa: S310 - loopback
    start = time.perf_counter()
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - loopback
        body = response.read()
        took = time.perf_counter() - start
        assert response.status == 200, (path, response.status)
    return took, json.loads(body)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=300_000)
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    databases = {"sqlite": f"sqlite:///{tempfile.mkdtemp(prefix='edabu-bench-api-')}/a.db"}
    pg = os.environ.get("BENCH_PG_URL") or os.environ.get("TEST_DATABASE_URL")
    if pg:
        databases["postgresql"] = pg.replace("postgresql://", "postgresql+psycopg://", 1)
    os.environ["API_RATE_LIMIT"] = "1000000 per minute"  # the server's: timing, not limiting
    print(f"machine: reference workload {machine_speed():.2f} s (lower is faster)", flush=True)
    for name, url in databases.items():
        started = time.perf_counter()
        facts = prepare(url, args.people, 100)
        secret = token(url)
        print(f"{name}: {args.people:,} people prepared in {time.perf_counter() - started:.0f} s",
              flush=True)  # fmt: skip
        server, base = start_server(url)
        try:
            middle = int(facts["worker"]) // 2
            month = time.strftime("%Y-%m")
            paths = {
                "participants, first page of 100": "/api/v1/participants?limit=100",
                "participants, 100 from the middle (cursor)":
                    f"/api/v1/participants?limit=100&cursor={cursor_after(middle)}",
                "participants, 100 active today": "/api/v1/participants?limit=100&status=AKTIF",
                "participants, 100 workers": "/api/v1/participants?limit=100&kind=worker",
                "participants, name search": "/api/v1/participants?limit=100&q=siti",
                "one participant": f"/api/v1/participants/{facts['worker']}",
                "iuran lines, 100": f"/api/v1/iuran/{month}/lines?limit=100",
            }  # fmt: skip
            print(f"  {'request':<46}{'median ms':>10}{'p95 ms':>9}")
            for label, path in paths.items():
                for _ in range(5):
                    timed(base, path, secret)  # warm: pool, plans, token's last use
                samples = [timed(base, path, secret)[0] for _ in range(args.requests)]
                high = p95(samples) * 1000
                mark = "" if high <= 30 or "iuran" in label else "   > 30 ms"
                print(f"  {label:<46}{statistics.median(samples) * 1000:>10.1f}{high:>9.1f}{mark}",
                      flush=True)  # fmt: skip
        finally:
            server.terminate()
            server.wait(timeout=30)
    print(f"machine: reference workload {machine_speed():.2f} s at the end")


if __name__ == "__main__":
    main()
