"""The table of mutation kinds is the one place a kind is described: what reads a kind
elsewhere agrees with it."""

from __future__ import annotations

from babel.messages.pofile import read_po

from edabu_lite.config import PACKAGE_DIR
from edabu_lite.mutations.forms import KIND_CHOICES
from edabu_lite.mutations.kinds import KINDS, MutationKind
from edabu_lite.mutations.rules import _Planner
from edabu_lite.mutations.sheet import load_mutation_row
from edabu_lite.sheets.columns import MUTATION_COLUMNS


def test_every_kind_is_described_once_and_planned():
    assert list(KINDS) == list(MutationKind)
    for spec in KINDS.values():
        assert callable(getattr(_Planner, spec.planner))
        assert spec.reason in {"required", "optional", "unused"}


def test_the_template_offers_the_kinds_of_the_table():
    """The sheet template's drop-down (sheets must not import a feature package, so the
    column spec spells the codes; this keeps them equal)."""
    column = next(spec for spec in MUTATION_COLUMNS if spec.key == "kind")
    assert tuple(column.choices) == tuple(kind.value for kind in KINDS)


def test_the_form_offers_the_kinds_with_their_labels():
    assert [(c.value, str(c.label)) for c in KIND_CHOICES] == [
        (kind.value, spec.label) for kind, spec in KINDS.items()
    ]


def test_every_word_of_a_kind_reads_as_that_kind_on_a_sheet():
    from datetime import date

    for kind, spec in KINDS.items():
        for word in spec.words:
            row = {"nik": "3273015507900001", "kind": word, "reason": "PENSIUN", "mandiri_class": 2}
            data, _issues = load_mutation_row(row, 2, today=date(2026, 11, 22))
            assert data is not None and data["kind"] == kind, word


def test_every_label_is_translated():
    with (PACKAGE_DIR / "translations/en/LC_MESSAGES/messages.po").open("rb") as po:
        catalog = read_po(po)
    for spec in KINDS.values():
        message = catalog.get(spec.label)
        assert message is not None and message.string, spec.label
