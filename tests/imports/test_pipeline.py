"""The import plumbing: chunks, the helper process (order, fallback, errors), the frozen heap."""

from __future__ import annotations

import gc
import multiprocessing
import os
import subprocess
import sys
import time
from collections.abc import Iterator

import pytest

from edabu_lite.imports import pipeline
from edabu_lite.imports.pipeline import chunked, helper_process, ordered_map

needs_helper = pytest.mark.skipif(
    pipeline.usable_cpus() < 2 or "forkserver" not in multiprocessing.get_all_start_methods(),
    reason="the helper process needs two CPUs and a fork server",
)


def square_all(chunk: list[int], offset: int) -> tuple[int, list[int]]:
    """Module level, so the helper can unpickle it; says which process did the work."""
    return os.getpid(), [n * n + offset for n in chunk]


def die_in_helper(chunk: list[int], parent: int) -> tuple[int, list[int]]:
    if os.getpid() != parent:
        os._exit(3)  # the helper is killed mid-import
    return os.getpid(), chunk


def collector_state(chunk: list[int], _unused: int) -> tuple[int, bool, int]:
    return os.getpid(), gc.isenabled(), gc.get_freeze_count()


def backlog_seen(chunk: list[int], _unused: int) -> Iterator[int | None]:
    """Streams one answer per item, each saying how many answers wait unread at that point."""
    for _item in chunk:
        yield pipeline.answers_waiting()


def fail_on_seven(chunk: list[int], _offset: int) -> list[int]:
    if 7 in chunk:
        raise ValueError("seven")
    return chunk


def test_chunked_keeps_the_rest() -> None:
    assert list(chunked(range(7), 3)) == [[0, 1, 2], [3, 4, 5], [6]]
    assert list(chunked([], 3)) == []


def test_ordered_map_without_helper_runs_here() -> None:
    results = list(ordered_map(square_all, chunked(range(10), 3), (1,), None))
    assert [r for _, part in results for r in part] == [n * n + 1 for n in range(10)]
    assert {pid for pid, _ in results} == {os.getpid()}


@needs_helper
def test_helper_shares_the_work_and_order_is_kept() -> None:
    with helper_process(True, __name__) as helper:
        assert helper is not None
        results = list(ordered_map(square_all, chunked(range(3000), 10), (0,), helper))
        assert helper.sent > 0
    assert [r for _, part in results for r in part] == [n * n for n in range(3000)]
    assert {pid for pid, _ in results} - {os.getpid()}, "the helper did some chunks"


@needs_helper
def test_chunks_of_a_dead_helper_are_redone_here() -> None:
    parent = os.getpid()
    with helper_process(True, __name__) as helper:
        results = list(ordered_map(die_in_helper, chunked(range(100), 7), (parent,), helper))
        assert helper.gone
    assert [n for _, part in results for n in part] == list(range(100))
    assert {pid for pid, _ in results} == {parent}


@needs_helper
def test_an_error_in_the_helper_reaches_the_caller() -> None:
    with helper_process(True, __name__) as helper, pytest.raises(ValueError, match="seven"):
        list(ordered_map(fail_on_seven, chunked(range(20), 2), (0,), helper))


@needs_helper
def test_the_helper_knows_how_many_of_its_answers_wait_unread() -> None:
    """The work split follows it (`roster.chunks.read_and_check`): unread answers pile up
    while this process is busy elsewhere, and drain as it takes them."""
    assert pipeline.answers_waiting() is None  # not a helper process
    with helper_process(True, __name__) as helper:
        assert helper is not None
        helper.submit(backlog_seen, list(range(6)), (0,))
        deadline = time.monotonic() + 30
        while helper.backlog.waiting() < 6:  # nothing taken yet: all six wait
            assert time.monotonic() < deadline, "the helper sent nothing"
            time.sleep(0.001)
        seen = list(helper.results())
        assert helper.backlog.waiting() == 0  # all taken, the end of the stream too
    assert seen == [0, 1, 2, 3, 4, 5]  # each sent before any was taken


def test_no_helper_when_not_wanted_or_single_cpu(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    with helper_process(False, __name__) as helper:
        assert helper is None
    monkeypatch.setattr(pipeline, "usable_cpus", lambda: 1)
    with helper_process(True, __name__) as helper:
        assert helper is None


@needs_helper
def test_the_helper_collects_cycles_with_its_preloaded_objects_frozen() -> None:
    with helper_process(True, __name__) as helper:
        answers = list(ordered_map(collector_state, [[1]] * 6, (0,), helper))
    there = [a for a in answers if a[0] != os.getpid()]
    assert there, "the helper answered nothing"
    assert all(enabled and frozen > 1000 for _pid, enabled, frozen in there)


def test_freeze_heap_keeps_the_collector_running_for_new_objects() -> None:
    """In a process of its own: frozen objects stay out of every later collection."""
    code = (
        "import gc; from edabu_lite.imports.pipeline import freeze_heap; "
        "import edabu_lite.roster.schemas; freeze_heap(); "
        "assert gc.isenabled() and gc.get_freeze_count() > 10000, gc.get_freeze_count(); "
        "a = []; a.append(a); del a; "
        "print(gc.collect())"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert int(result.stdout) >= 1  # the new cycle was found and freed
