"""The mutation-row validator, `MutationRowSchema`, against the stored corpus of 4,000
mutation-sheet rows (`tests/mutations/row_corpus.py`): the same data and issues, in the same
order, for every row."""

from __future__ import annotations

import json

from edabu_lite.mutations.sheet import MutationRowSchema, load_mutation_row
from tests.mutations import row_corpus
from tests.roster.row_corpus import outcome


def test_every_stored_row_loads_as_it_did():
    corpus = row_corpus.load()
    assert len(corpus) == 4_000
    assert {issue[0] for entry in corpus for issue in entry["issues"]} >= {
        "mutation.kind_invalid",
        "mutation.reason_invalid",
        "mutation.date_invalid",
        "mutation.class_required",
        "nik.format",
    }
    fresh = MutationRowSchema(today=row_corpus.TODAY)
    for entry in corpus:
        cells = row_corpus.decode(entry["cells"])
        want = {"data": entry["data"], "issues": entry["issues"]}
        for data, issues in (
            load_mutation_row(cells, entry["row"], today=row_corpus.TODAY),
            fresh.load_issues(cells, entry["row"]),
        ):
            assert json.loads(json.dumps(outcome(data, issues))) == want, entry


def test_the_corpus_inputs_are_still_what_the_generator_makes():
    stored = [entry["cells"] for entry in row_corpus.load()]
    made = [row_corpus.encode(values) for values in row_corpus.build_inputs()]
    assert json.loads(json.dumps(made)) == stored
