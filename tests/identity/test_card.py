"""parse_card_number: the optional 13-digit JKN card number, kept as text."""

from __future__ import annotations

from decimal import Decimal

import pytest

from edabu_lite.identity import parse_card_number
from edabu_lite.issues import ERROR


@pytest.mark.parametrize(
    "cell",
    ["0001234567890", " 0001234567890 ", "0001 2345 6789 0", "'0001234567890", "0001-234567-890"],
)
def test_valid_card_number_keeps_leading_zeros(cell):
    result = parse_card_number(cell)
    assert result == ("0001234567890", None, ())
    assert result.ok


@pytest.mark.parametrize("cell", [None, "", "   ", float("nan")])
def test_empty_cell_is_allowed(cell):
    result = parse_card_number(cell)
    assert (result.value, result.issues) == (None, ())


@pytest.mark.parametrize(
    ("cell", "code"),
    [
        pytest.param(1234567890, "card_number.not_text", id="int-lost-zeros"),
        pytest.param(1234567890.0, "card_number.not_text", id="float"),
        pytest.param(Decimal("0001234567890"), "card_number.not_text", id="decimal"),
        pytest.param("1.23457E+9", "card_number.not_text", id="scientific-text"),
        pytest.param("1234567890", "card_number.format", id="10-digits"),
        pytest.param("00012345678901", "card_number.format", id="14-digits"),
        pytest.param("000123456789A", "card_number.format", id="letter"),
        pytest.param("０００１２３４５６７８９０", "card_number.format", id="full-width"),
        pytest.param(True, "card_number.format", id="bool"),
        pytest.param(["0001234567890"], "card_number.format", id="list"),
    ],
)
def test_card_number_problems(cell, code):
    result = parse_card_number(cell, column="card_number", row=5)
    assert [(i.code, i.severity, i.column, i.row) for i in result.issues] == [
        (code, ERROR, "card_number", 5)
    ]
    assert result.value is None
    assert not result.ok


def test_not_text_message_explains_the_lost_zeros():
    (issue,) = parse_card_number(1234567890).issues
    assert "angka 0" in issue.message() and "Teks" in issue.message()
