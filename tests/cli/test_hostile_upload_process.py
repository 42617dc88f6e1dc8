"""The reported attacks, as a real `edabu roster import --dry-run` process: refused within
5 s, with the process and its children together under 500 MB, and nothing stored."""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.sheets import test_hostile_workbooks as hostile
from tests.sheets.xlsx_parts import hostile_workbook, shared_string_members

ROOT = Path(__file__).parents[2]
MB = 1024 * 1024

# Runs the CLI in this process, then prints its own and its children's peak memory (VmHWM,
# not ru_maxrss for the process itself: Linux carries a parent's peak across fork + exec).
RUNNER = """
import json, re, resource, sys, time
from edabu_lite.cli import cli
started = time.perf_counter()
try:
    cli.main(args=sys.argv[1:], prog_name="edabu")
    code = 0
except SystemExit as exc:
    code = exc.code
elapsed = time.perf_counter() - started
own = int(re.search(r"VmHWM:\\s+(\\d+) kB", open("/proc/self/status").read()).group(1))
children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(json.dumps({"code": code, "seconds": elapsed, "peak_mb": (own + children) // 1024}),
      file=sys.stderr)
"""


def edabu(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "edabu_lite", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=120,
        check=False,
    )


@pytest.fixture(scope="module")
def instance(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    folder = tmp_path_factory.mktemp("hostile-instance")
    env = {
        **os.environ,
        "EDABU_INSTANCE_PATH": str(folder),
        "DATABASE_URL": f"sqlite:///{folder / 'edabu.db'}",
        "PYTHONPATH": str(ROOT),
    }
    for args in (("db", "upgrade"), ("employer", "create", "BU000001", "PT Uji")):
        result = edabu(env, *args)
        assert result.returncode == 0, result.stderr
    return env


ATTACKS = {
    # 1 MB on disk, shared strings declaring 4 KB, inflating to one 1.1 GB string
    "lying_shared_strings": lambda: hostile_workbook(
        shared_string_members(hostile.strings_sheet()),
        hostile.STRINGS,
        (hostile.SST_START, b"A" * MB, 1100, hostile.SST_END),
        declared=4096,
    ),
    # an honest 500 MB shared string at ~50:1, under the zip-bomb guard
    "honest_huge_string": lambda: hostile_workbook(
        shared_string_members(hostile.strings_sheet()),
        hostile.STRINGS,
        (hostile.SST_START, hostile.TEXT_MB, 500, hostile.SST_END),
    ),
    # a 120 MB string, under every size cap
    "string_under_the_caps": lambda: hostile_workbook(
        shared_string_members(hostile.strings_sheet()),
        hostile.STRINGS,
        (hostile.SST_START, hostile.TEXT_MB, 120, hostile.SST_END),
    ),
}


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs Linux /proc")
@pytest.mark.parametrize("attack", sorted(ATTACKS))
def test_attack_is_refused_quickly_in_bounded_memory(instance, tmp_path, attack):
    path = tmp_path / f"{attack}.xlsx"
    path.write_bytes(ATTACKS[attack]())
    args = ["roster", "import", str(path), "--employer", "BU000001", "--json", "--dry-run"]
    result = subprocess.run(
        [sys.executable, "-c", RUNNER, *args],
        capture_output=True,
        text=True,
        env=instance,
        cwd=ROOT,
        timeout=120,
        check=False,
    )
    measured = json.loads(result.stderr.strip().splitlines()[-1])
    payload = json.loads(result.stdout)
    assert measured["code"] == 2, result.stdout
    assert payload["issues"][0]["code"] in {
        "file.unreadable",
        "file.too_large",
        "file.cell_too_long",
    }
    assert measured["seconds"] <= 5, measured
    assert measured["peak_mb"] <= 500, measured
    # Nothing is stored: the job keeps its issue, but no header, no staged row, no file.
    db_file = instance["DATABASE_URL"].removeprefix("sqlite:///")
    with contextlib.closing(sqlite3.connect(db_file)) as db:
        status, headers = db.execute(
            "SELECT status, headers FROM import_job ORDER BY id DESC LIMIT 1"
        ).fetchone()
        assert (status.lower(), headers) == ("rejected", None)
        for table in ("staged_row", "import_file", "participant"):
            assert db.execute(f"SELECT count(*) FROM {table}").fetchone() == (0,)  # noqa: S608
