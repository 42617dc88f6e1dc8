"""The default limits let the documented maximum through (contract §1): a roster of
MAX_IMPORT_ROWS rows, as the sample generator writes it, fits the upload limit, the cap on
what its members inflate to, and the zip-bomb ratio, each with a margin."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

from edabu_lite.config import load_config
from edabu_lite.sheets import archive

ROOT = Path(__file__).parents[1]
SAMPLE_ROWS = 3_000
MARGIN = 1.3


def test_the_default_limits_let_a_full_roster_through(tmp_path, monkeypatch):
    for name in ("MAX_UPLOAD_MB", "MAX_IMPORT_ROWS"):
        monkeypatch.delenv(name, raising=False)
    config = load_config()
    max_rows, max_bytes = config["MAX_IMPORT_ROWS"], config["MAX_UPLOAD_MB"] * 1024 * 1024
    path = tmp_path / "sample.xlsx"
    subprocess.run(
        [sys.executable, str(ROOT / "sample_sheets" / "generate.py"), "--rows", str(SAMPLE_ROWS),
         "--seed", "3", "-o", str(path)],
        check=True, capture_output=True,
    )  # fmt: skip
    scale = max_rows / SAMPLE_ROWS
    with zipfile.ZipFile(path) as workbook:
        inflated = sum(info.file_size for info in workbook.infolist())
        sheet = workbook.getinfo("xl/worksheets/sheet1.xml")
    assert path.stat().st_size * scale * MARGIN <= max_bytes
    cap = min(archive.UNCOMPRESSED_RATIO * max_bytes, archive.UNCOMPRESSED_CAP)
    assert inflated * scale * MARGIN <= cap
    assert sheet.file_size <= archive.MEMBER_RATIO * sheet.compress_size / MARGIN
    assert config["MAX_CONTENT_LENGTH"] > max_bytes  # the form's overhead on top of the file
