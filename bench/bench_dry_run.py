"""`edabu roster import FILE --dry-run --json` as a whole process against a raw python-calamine
read of the same file, in the same run (issue 16: the dry run ≤ 5× the raw read).

    python bench/bench_dry_run.py                    # 100k rows, SQLite (+ PostgreSQL when
                                                     # BENCH_PG_URL is set), 3 runs each
    python bench/bench_dry_run.py --rows 10000 --repeat 5

Both sides are timed as whole processes (interpreter start, imports, reading every row), so
the ratio compares what a user waits for; peak RSS is the largest single process's (GNU
time). The raw read is upstream python-calamine's whole-sheet read when it is installed, else
the fork's row stream, doing nothing with the rows.
The dry run reads, validates every row with the roster schema, checks families and compares
with the (empty) roster; it stages nothing it keeps. Peak RSS of each process is printed too.
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

from bench_import import machine_speed, roster  # noqa: E402

EDABU = str(Path(sys.executable).with_name("edabu"))

RAW_READ = """
import sys
try:
    from python_calamine import CalamineWorkbook
    sheet = CalamineWorkbook.from_path(sys.argv[1]).get_sheet_by_index(0)
    rows = sum(1 for _ in sheet.iter_rows())
except ImportError:
    from python_calamine_plus import CalamineWorkbook
    rows = sum(1 for _ in CalamineWorkbook.from_path(sys.argv[1]).stream_sheet_by_index(0))
print(rows)
"""


def timed(command: list[str], env: dict[str, str]) -> tuple[float, str, int]:
    """Seconds, stdout and the peak RSS in MB of the largest single process of the run
    (GNU time: the process or a child it waited for)."""
    with tempfile.NamedTemporaryFile("r", suffix=".rss") as rss:
        start = time.perf_counter()
        done = subprocess.run(
            ["/usr/bin/time", "-f", "%M", "-o", rss.name, *command],
            env=env,
            capture_output=True,
            text=True,
        )
        took = time.perf_counter() - start
        peak_kb = int(rss.read().split()[-1])
    if done.returncode not in (0, 1):  # 1: the dry run found rows with errors
        raise SystemExit(f"{command[:3]} failed ({done.returncode}): {done.stderr[-2000:]}")
    return took, done.stdout, peak_kb // 1024


def prepared_env(database_url: str | None) -> dict[str, str]:
    """A fresh instance folder and database with one employer (not timed)."""
    env = dict(os.environ)
    env["EDABU_INSTANCE_PATH"] = tempfile.mkdtemp(prefix="edabu-bench-dry-")
    if database_url:
        import sqlalchemy as sa

        engine = sa.create_engine(database_url)
        with engine.begin() as conn:
            conn.execute(sa.text("DROP SCHEMA public CASCADE"))
            conn.execute(sa.text("CREATE SCHEMA public"))
        engine.dispose()
        env["DATABASE_URL"] = database_url
    else:
        env.pop("DATABASE_URL", None)
    for command in (
        [EDABU, "db", "upgrade"],
        [EDABU, "employer", "create", "BU000001", "PT Bench", "--minimum-wage", "4000000"],
    ):
        subprocess.run(command, env=env, check=True, capture_output=True)
    return env


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    path = roster(args.rows)
    # The app's bytecode, as an installed package has it (pip compiles at install): an
    # editable checkout run with PYTHONDONTWRITEBYTECODE=1 compiles every module anew at each
    # start (~0.2 s of the dry run's).
    compileall.compile_dir(ROOT / "edabu_lite", quiet=1)
    databases: dict[str, str | None] = {"sqlite": None}
    pg = os.environ.get("BENCH_PG_URL")
    if pg:
        databases["postgresql"] = pg.replace("postgresql://", "postgresql+psycopg://", 1)
    print(f"machine: reference workload {machine_speed():.2f} s (lower is faster)", flush=True)
    print(f"{args.rows} rows; min / median of {args.repeat} runs, each a whole process")
    raw_env = dict(os.environ)
    for name, url in databases.items():
        env = prepared_env(url)
        raw, dry, raw_mb, dry_mb = [], [], 0, 0
        for _ in range(args.repeat):
            took, _out, peak = timed([sys.executable, "-c", RAW_READ, str(path)], raw_env)
            raw.append(took)
            raw_mb = max(raw_mb, peak)
            command = [EDABU, "roster", "import", str(path), "--employer", "BU000001"]
            took, out, peak = timed([*command, "--dry-run", "--json"], env)
            dry.append(took)
            result = json.loads(out)
            assert result["status"] == "validated", result["status"]
            dry_mb = max(dry_mb, peak)
        ratio = statistics.median(dry) / statistics.median(raw)
        print(
            f"{name:<11} raw read {min(raw):.2f} / {statistics.median(raw):.2f} s "
            f"(peak {raw_mb} MB)   dry run {min(dry):.2f} / {statistics.median(dry):.2f} s "
            f"(peak {dry_mb} MB)   ratio of medians {ratio:.2f}",
            flush=True,
        )
    print(f"machine: reference workload {machine_speed():.2f} s at the end")


if __name__ == "__main__":
    main()
