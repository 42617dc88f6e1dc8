"""The row validator, `RosterRowSchema`, against the stored corpus of 6,000 sheet rows
(`tests/roster/row_corpus.py`): the same data and the same issues, in the same order, for
every row, on the import's per-import schema and on a fresh one."""

from __future__ import annotations

import json

import pytest

from edabu_lite.roster.schemas import RosterRowSchema, row_schema
from tests.roster import row_corpus


@pytest.fixture(scope="module")
def corpus() -> list[dict[str, object]]:
    return row_corpus.load()


def _differences(corpus, schema_for) -> list[str]:  # type: ignore[no-untyped-def]
    found = []
    for entry in corpus:
        data, issues = schema_for(entry["context"]).load_issues(
            row_corpus.decode(entry["cells"]), entry["row"]
        )
        got = json.loads(json.dumps(row_corpus.outcome(data, issues)))
        if got != {"data": entry["data"], "issues": entry["issues"]}:
            found.append(f"row {entry['row']}: {entry['cells']}\n  want {entry}\n  got {got}")
    return found


def test_the_corpus_covers_clean_rows_warnings_and_errors_of_every_kind(corpus):
    assert len(corpus) == 6_000
    codes = {issue[0] for entry in corpus for issue in entry["issues"]}
    assert len(codes) >= 35
    assert {"clean", "warning", "error"} == {
        "error" if e["data"] is None else "warning" if e["issues"] else "clean" for e in corpus
    }


def test_the_import_schema_gives_the_stored_outcome_for_every_row(corpus):
    assert _differences(corpus, lambda name: row_schema(row_corpus.CONTEXTS[name]))[:3] == []


def test_a_fresh_schema_per_row_gives_the_same(corpus):
    """No state carried from row to row in the import's single instance."""
    fresh = _differences(corpus[::7], lambda name: RosterRowSchema(ctx=row_corpus.CONTEXTS[name]))
    assert fresh[:3] == []


def test_the_corpus_inputs_are_still_what_the_generator_makes(corpus):
    """The stored cells are the generator's (so `--write` after a rule change rewrites only
    the outcomes)."""
    inputs = [
        {"context": context, "cells": row_corpus.encode(values)}
        for context, values in row_corpus.build_inputs()
    ]
    stored = [{"context": e["context"], "cells": e["cells"]} for e in corpus]
    assert json.loads(json.dumps(inputs)) == stored
