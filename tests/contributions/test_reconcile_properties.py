"""The comparison and the bill's cells, without a database: the order of the bill's rows
changes nothing; a row for an unknown NIK adds exactly one difference; every counted line is
either matched or reported once; amounts in the forms HR copies them are read, and anything
not whole Rupiah is refused."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from edabu_lite.contributions.bill_sheet import BillRejected, BillRow, check_rows, parse_amount
from edabu_lite.contributions.reconcile import Kind, Line, Person, compare

DEC = date(2026, 12, 1)


def _nik(n: int) -> str:
    return f"3273010101{n:06d}"


@st.composite
def worlds(draw):  # type: ignore[no-untyped-def]
    """Some workers counted with dependants, some people not counted, and a bill over some
    of them and some unknown NIKs, amounts right or not."""
    n_workers = draw(st.integers(0, 8))
    lines, people, rows = {}, {}, []
    nik = iter(range(1, 10_000))
    for worker_id in range(1, n_workers + 1):
        own = _nik(next(nik))
        total = draw(st.integers(0, 700_000))
        lines[worker_id] = Line(worker_id, own, f"W{worker_id}", total)
        people[own] = Person(worker_id, own, f"W{worker_id}", worker_id, True, "AKTIF")
        family = [own]
        for k in range(draw(st.integers(0, 3))):
            dep = _nik(next(nik))
            people[dep] = Person(100 + worker_id * 10 + k, dep, "D", worker_id, True, "AKTIF")
            family.append(dep)
        if draw(st.booleans()):  # on the bill, split over some of the family's rows
            listed = draw(st.lists(st.sampled_from(family), min_size=1, unique=True))
            amounts = [0] * len(listed)
            amounts[0] = total + draw(st.sampled_from([0, 0, 1, -1, 1000]))
            rows += list(zip(listed, amounts, strict=True))
    for k in range(draw(st.integers(0, 3))):  # known, not counted
        gone = _nik(next(nik))
        people[gone] = Person(900 + k, gone, "G", 900 + k, False, "NONAKTIF")
        if draw(st.booleans()):
            rows.append((gone, draw(st.integers(0, 500_000))))
    for _ in range(draw(st.integers(0, 3))):
        rows.append((_nik(next(nik)), draw(st.integers(0, 500_000))))
    bill = [BillRow(r, n, a) for r, (n, a) in enumerate(rows, start=2)]
    return lines, people, bill


def _signature(result):  # type: ignore[no-untyped-def]
    return [(d.kind, d.nik, d.billed, d.ours, tuple(sorted(d.rows))) for d in result.differences]


@settings(max_examples=200, deadline=None)
@given(worlds(), st.randoms(use_true_random=False))
def test_the_order_of_the_bill_changes_nothing(world, random):  # type: ignore[no-untyped-def]
    lines, people, bill = world
    shuffled = list(bill)
    random.shuffle(shuffled)
    assert _signature(compare(DEC, bill, lines, people)) == _signature(
        compare(DEC, shuffled, lines, people)
    )


@settings(max_examples=200, deadline=None)
@given(worlds(), st.integers(0, 1_000_000))
def test_an_unknown_nik_adds_exactly_one_difference(world, amount):  # type: ignore[no-untyped-def]
    lines, people, bill = world
    before = compare(DEC, bill, lines, people)
    stranger = BillRow(len(bill) + 2, "3273019999990001", amount)
    after = compare(DEC, [*bill, stranger], lines, people)
    added = set(_signature(after)) - set(_signature(before))
    assert len(after.differences) == len(before.differences) + 1
    assert added == {(Kind.UNKNOWN, stranger.nik, amount, None, (stranger.row,))}


@settings(max_examples=200, deadline=None)
@given(worlds())
def test_every_line_is_matched_or_reported_once_and_every_row_is_accounted(world):  # type: ignore[no-untyped-def]
    lines, people, bill = world
    result = compare(DEC, bill, lines, people)
    reported = [d.nik for d in result.differences if d.kind in (Kind.NOT_BILLED, Kind.AMOUNT)]
    assert len(reported) == len(set(reported))
    assert result.matched + len(reported) == len(lines)
    on_lines = sum(d.billed for d in result.differences if d.kind == Kind.AMOUNT)
    off_lines = sum(
        d.billed for d in result.differences if d.kind in (Kind.UNKNOWN, Kind.NOT_COUNTED)
    )
    matched = sum(
        line.total for line in lines.values()
        if line.nik not in reported
    )  # fmt: skip
    assert on_lines + off_lines + matched == result.billed_total


@pytest.mark.parametrize(
    ("cell", "amount"),
    [
        (300000, 300000),
        (300000.0, 300000),
        ("300000", 300000),
        ("300.000", 300000),
        ("Rp 1.300.000", 1300000),
        ("Rp. 300.000,-", 300000),
        ("300,000", 300000),
        ("300.000,00", 300000),
        (" 0 ", 0),
    ],
)
def test_amounts_as_hr_copies_them(cell, amount):  # type: ignore[no-untyped-def]
    assert parse_amount(cell) == (amount, None)


@pytest.mark.parametrize(
    ("cell", "code"),
    [
        (None, "amount.required"),
        ("  ", "amount.required"),
        (300000.5, "amount.not_whole"),
        ("300.000,50", "amount.not_whole"),
        ("12.5", "amount.not_whole"),
        ("tiga ratus", "amount.format"),
        ("1.000.5", "amount.format"),
        (True, "amount.format"),
        (date(2026, 12, 1), "amount.format"),
        (-5000, "amount.negative"),
        ("-5.000", "amount.negative"),
        (10**12, "amount.format"),
    ],
)
def test_amounts_that_are_not_whole_rupiah(cell, code):  # type: ignore[no-untyped-def]
    amount, problem = parse_amount(cell)
    assert amount is None and problem is not None and problem[0] == code


def test_a_nik_typed_into_the_amount_column_is_not_echoed_whole():  # type: ignore[no-untyped-def]
    with pytest.raises(BillRejected) as raised:
        check_rows([(2, {"nik": _nik(1), "amount": "3273010101000001x"})], today=DEC)
    (problem,) = raised.value.problems
    assert "3273010101000001" not in problem.message()


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.none(), st.text(max_size=30), st.integers(), st.floats(), st.booleans()))
def test_any_amount_cell_is_read_or_refused_never_raises(cell):  # type: ignore[no-untyped-def]
    amount, problem = parse_amount(cell)
    assert (amount is None) != (problem is None)
    if amount is not None:
        assert 0 <= amount <= 1_000_000_000
