"""Plumbing for imports of 100,000+ rows: chunking, a helper process for the pure per-row
work, and a pause of the cycle collector while the rows stream through.

The per-row checks are plain Python and CPU-bound, so threads cannot overlap them; a helper
process can. It is started from a fork server (safe in the threaded job consumer, unlike a
bare fork) and gets chunks only while it keeps up: this process checks the next chunk itself
when the helper already has `AHEAD` waiting, so neither side idles and results still come
back in file order. If the helper dies, its chunks are redone here.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from typing import Any, TypeVar

T = TypeVar("T")
R = TypeVar("R")

#: Chunks queued for the helper before this process takes the next one itself.
AHEAD = 2


def chunked(items: Iterable[T], size: int) -> Iterator[list[T]]:
    chunk: list[T] = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


_gc_lock = threading.Lock()
_gc_pauses = 0


@contextmanager
def paused_gc() -> Iterator[None]:
    """Switch the cycle collector off while an import runs. The import keeps hundreds of
    thousands of small objects alive (one `Member` per row, chunks in flight), and every
    full collection walks all of them again: 10-20% of the run time, growing with the
    file. Nothing the import allocates relies on cycle collection (reference counting
    frees it). Nested and concurrent pauses (two imports in two consumer threads) count, so
    the collector comes back when the last one ends."""
    global _gc_pauses
    with _gc_lock:
        _gc_pauses += 1
        if _gc_pauses == 1:
            gc.disable()
    try:
        yield
    finally:
        with _gc_lock:
            _gc_pauses -= 1
            if _gc_pauses == 0:
                gc.enable()


def usable_cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


@contextmanager
def helper_process(wanted: bool, preload: str) -> Iterator[ProcessPoolExecutor | None]:
    """A one-process pool for `ordered_map`, or None when not ``wanted``, with one CPU only,
    or where a fork server is not available; ``preload`` is the module the fork server
    imports once, so each helper starts warm."""
    methods = multiprocessing.get_all_start_methods()
    if not wanted or usable_cpus() < 2 or "forkserver" not in methods:
        yield None
        return
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([preload])
    executor = ProcessPoolExecutor(max_workers=1, mp_context=context)
    try:
        yield executor
    finally:
        executor.shutdown(wait=True, cancel_futures=True)


def ordered_map(
    fn: Callable[..., R],
    chunks: Iterable[T],
    args: tuple[Any, ...],
    helper: ProcessPoolExecutor | None,
) -> Iterator[R]:
    """``fn(chunk, *args)`` for each chunk, in order; chunks go to ``helper`` while it has
    fewer than `AHEAD` waiting, the others run here. ``fn`` and its arguments must pickle."""
    pending: deque[tuple[T, Future[R] | None, Any]] = deque()
    for chunk in chunks:
        waiting = sum(1 for _, future, _ in pending if future is not None and not future.done())
        if helper is not None and waiting < AHEAD:
            try:
                pending.append((chunk, helper.submit(fn, chunk, *args), None))
            except BrokenProcessPool:
                helper = None
        if helper is None or waiting >= AHEAD:
            pending.append((None, None, fn(chunk, *args)))
        while pending and (pending[0][1] is None or pending[0][1].done()):
            chunk_done, future, result = pending.popleft()
            yield _result(fn, chunk_done, args, future, result)
    while pending:
        chunk_done, future, result = pending.popleft()
        yield _result(fn, chunk_done, args, future, result)


def _result(fn: Callable[..., R], chunk: Any, args: tuple[Any, ...], future: Any, result: Any) -> R:
    if future is None:
        return result
    try:
        return future.result()
    except BrokenProcessPool:  # the helper died (killed, out of memory): redo the chunk here
        return fn(chunk, *args)
