"""The roster import pipeline: read → validate → cross-check → stage, then commit.

`reading` reads and checks the rows (in one process or two); `staging` stages them;
`planning` compares with the roster; `families` runs the whole-file checks; `commit` writes.
The public names are here.

One implementation behind the web upload (through a Huey job), the CLI and the tests.
Memory stays flat with the file: rows are validated and staged in chunks; only a compact
`Member` per row is kept for the family checks that need the whole file. Database checks run
per chunk in sets (one query per chunk, never one per row).

Preview: on a large file a helper process (forked warm from a server that the job consumer
starts when it starts, `start_helpers`) reads the sheet itself and checks most chunks
(`chunks.read_and_check`), starting while this process still runs the sheet's extent scan
(`_EarlyStart`); this process checks the others, compares each chunk with the roster through
a second connection (on a first import it only asks, 20,000 NIKs at a time, which are active
elsewhere) and hands the staged rows to a write-behind thread (`database.write_behind`), so
the database writes while Python checks.

Commit: one INSERT … SELECT creates the participants from the staged JSON inside the
database, while the audit events of the same rows are built from the same staged text (the
audited snapshot already), linked to the chain and written after it. Updates are few and go
row set by row set. What a large commit leaves to do (VACUUM and ANALYZE, SQLite's
checkpoint) runs in the background after it (`_upkeep_after_commit`).
"""

from __future__ import annotations

from edabu_lite.imports.models import JobKind
from edabu_lite.imports.registry import Limits, register
from edabu_lite.roster.importing.commit import ImportBlocked, ImportConflict, commit_roster
from edabu_lite.roster.importing.reading import HELPER_PRELOAD, PARALLEL_MIN_BYTES, start_helpers
from edabu_lite.roster.importing.staging import stage_roster
from edabu_lite.roster.snapshot import snapshot

# The job runner finds the roster's pipeline here (imports does not import the roster).
register(JobKind.ROSTER, stage_roster, helper_preload=HELPER_PRELOAD)

__all__ = [
    "HELPER_PRELOAD",
    "PARALLEL_MIN_BYTES",
    "ImportBlocked",
    "ImportConflict",
    "Limits",
    "commit_roster",
    "snapshot",
    "stage_roster",
    "start_helpers",
]
