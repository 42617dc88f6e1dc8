"""Plumbing for imports of 100,000+ rows: chunking, a helper process for the pure per-row
work, and a cycle collector that does not walk the process's lifelong objects again and
again (`freeze_heap`).

The per-row work (reading and checking a roster's rows) is plain Python and CPU-bound, so
threads cannot overlap it; a helper process can. It is started from a fork server (safe in
the threaded job consumer, unlike a bare fork) and gets chunks while it keeps up: this
process does the next chunk itself when the helper already has `AHEAD` waiting, so neither
side idles, and results still come back in file order. If the helper dies, its chunks are
redone here. The fork server imports the preload module once per process; each
helper is forked from it warm (a script run as ``__main__`` is imported again, as usual).

Chunks are pickled and unpickled in the calling thread; two small threads only move the
bytes through the pipes (the GIL is released while they wait). Not `ProcessPoolExecutor`:
its manager and feeder threads need the GIL for every step, which a busy importing thread
hands over only every few milliseconds, so the helper would wait most of the time.
"""

from __future__ import annotations

import contextlib
import gc
import multiprocessing
import os
import pickle
import queue
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from multiprocessing import forkserver
from typing import Any, TypeVar

T = TypeVar("T")
R = TypeVar("R")

#: Chunks the helper may have queued before this process takes the next one itself.
AHEAD = 4
#: Bytes a pipe to or from the helper holds: Linux's default limit for unprivileged users
#: (a pickled chunk is ~0.6 MB, its result ~1.5 MB).
PIPE_SIZE = 1024 * 1024
_STOP = b""
#: Answers received from the helper and not taken yet (~1.5 MB each).
INBOX = 16
#: New container objects between two young collections in an importing process
#: (`freeze_heap`); Python's default is 700.
YOUNG_OBJECTS = 10_000


def chunked(items: Iterable[T], size: int) -> Iterator[list[T]]:
    chunk: list[T] = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def freeze_heap() -> None:
    """Tune the cycle collector for a process that runs large imports; called once, when it
    has loaded what it keeps for life (the app, the libraries, the region table: ~170,000
    objects). Those are moved to the permanent generation (`gc.freeze`), so a full
    collection during an import walks only what the import allocated, not all of them
    again; and a young collection runs every `YOUNG_OBJECTS` new objects rather than 700,
    so a chunk's rows (~5 objects each, alive until the chunk is staged) are not walked and
    promoted several times each. The collector keeps running: cycles are still freed. No
    collection first: the little garbage loading leaves (~2,000 objects) is frozen with the
    rest, which costs less than the collection that would find it (~0.08 s)."""
    gc.freeze()
    collect_young_less_often()


def collect_young_less_often() -> None:
    """A young collection every `YOUNG_OBJECTS` new container objects instead of 700: for a
    process that loads or makes many objects that outlive the next collections (the app at
    start-up, a chunk's rows), which otherwise are walked and promoted again and again."""
    _threshold, *older = gc.get_threshold()
    gc.set_threshold(YOUNG_OBJECTS, *older)


def usable_cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


class HelperGone(Exception):
    """The helper process ended (killed, out of memory): its work is redone here."""


class Backlog:
    """How many of a helper's answers wait in the importing process, known in both: the
    helper counts what it sends, the importing thread what it takes. Each process writes its
    own counter only (shared memory, no lock: a reading a moment old is good enough)."""

    def __init__(self, context: Any) -> None:
        self._sent = context.RawValue("q", 0)
        self._taken = context.RawValue("q", 0)

    def sent(self) -> None:
        self._sent.value += 1

    def taken(self) -> None:
        self._taken.value += 1

    def waiting(self) -> int:
        return self._sent.value - self._taken.value


#: The running helper's `Backlog` (None outside a helper process).
_backlog: Backlog | None = None


def answers_waiting() -> int | None:
    """In a helper process, how many of its answers the importing process has not taken yet,
    so work split between the two can follow who is ahead; None anywhere else."""
    return _backlog.waiting() if _backlog is not None else None


class Helper:
    """One helper process answering ``(fn, chunk, args)`` requests in order."""

    def __init__(self, preload: str) -> None:
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload([preload])
        task_in, self._task_out = context.Pipe(duplex=False)
        self._result_in, result_out = context.Pipe(duplex=False)
        for end in (task_in, result_out):
            _widen(end)
        self.backlog = Backlog(context)
        self._process = context.Process(
            target=_serve,
            args=(task_in, result_out, self.backlog),
            name="edabu-import-helper",
            daemon=True,
        )
        self._outbox: queue.SimpleQueue[bytes] = queue.SimpleQueue()
        # Bounded: a helper streaming a whole sheet (`results`) waits on the pipe when this
        # process falls behind, rather than piling up chunks in memory.
        self._inbox: queue.Queue[bytes | None] = queue.Queue(maxsize=INBOX)
        self.sent = self.answered = 0  # answered: counted by the receiving thread
        self.gone = self._closing = False
        self._threads = [
            threading.Thread(target=self._send_loop, args=(task_in, result_out), daemon=True),
            threading.Thread(target=self._receive_loop, daemon=True),
        ]
        for thread in self._threads:
            thread.start()

    def submit(self, fn: Callable[..., Any], chunk: Any, args: tuple[Any, ...]) -> None:
        self._outbox.put(pickle.dumps((fn, chunk, args), pickle.HIGHEST_PROTOCOL))
        self.sent += 1

    @property
    def busy(self) -> int:
        """Requests sent and not answered yet: the helper's queue."""
        return self.sent - self.answered

    def ready(self) -> bool:
        return self.gone or not self._inbox.empty()

    def result(self) -> Any:
        """The oldest unanswered request's result (waits); raises what ``fn`` raised."""
        ok, value, _last = self._answer()
        if not ok:
            raise value
        return value

    def results(self) -> Iterator[Any]:
        """The items of a request whose ``fn`` returns an iterator, as the helper sends them
        (waits for each); raises what the iteration raised, `HelperGone` if the helper ends
        before the last item. Send no other request meanwhile."""
        while True:
            ok, value, last = self._answer()
            if not ok:
                raise value
            if last:
                return
            yield value

    def _answer(self) -> tuple[bool, Any, bool]:
        if self.gone:
            raise HelperGone
        data = self._inbox.get()
        if data is None:
            self.gone = True
            raise HelperGone
        self.backlog.taken()
        return pickle.loads(data)  # noqa: S301 - our own helper's answer

    def abandon(self) -> None:
        """Stop the helper at once, whatever it is doing (its answers are not wanted: a
        guessed sheet turned out wrong, the file was refused, the import failed); then
        `close` does not wait for it to finish a whole sheet."""
        self._closing = True
        if self._process.pid is not None:
            with contextlib.suppress(OSError):
                self._process.kill()

    def close(self) -> None:
        self._closing = True
        with contextlib.suppress(queue.Empty):  # free a receiving thread blocked on a full inbox
            while True:
                self._inbox.get_nowait()
        self._outbox.put(_STOP)
        self._threads[0].join()  # the helper has started (or failed to) and got the stop
        if self._process.pid is not None:
            self._process.join(timeout=5)
            if self._process.is_alive():  # pragma: no cover - a stuck helper
                self._process.kill()
                self._process.join()
        self._threads[1].join(timeout=5)
        self._task_out.close()
        self._result_in.close()

    def _send_loop(self, task_in: Any, result_out: Any) -> None:
        try:
            # Here, not in the importing thread: the first start waits ~0.5 s for the fork
            # server to import the preload module, time the importer spends opening the sheet.
            self._process.start()
            if self._closing:  # abandoned while it started
                self._process.kill()
        except Exception:  # no helper then: the receiving thread sees EOF and says so
            return
        finally:
            task_in.close()  # the helper has its own copies now; without them, EOF
            result_out.close()
        while (data := self._outbox.get()) != _STOP:
            try:
                self._task_out.send_bytes(data)
            except OSError:  # the helper is gone; the receive loop reports it
                return
        try:
            self._task_out.send_bytes(_STOP)
        except OSError:
            return

    def _receive_loop(self) -> None:
        while True:
            try:
                data = self._result_in.recv_bytes()
            except (EOFError, OSError):
                if not self._closing:
                    self._inbox.put(None)  # for every request still waiting
                return
            if not self._closing:  # closing: nobody takes answers any more
                self._inbox.put(data)
            self.answered += 1


def _widen(connection: Any) -> None:
    """Grow a pipe from 64 KiB to hold a whole chunk (Linux): each 64 KiB piece costs the
    I/O thread a wait for the GIL, up to 5 ms while this process is busy checking rows."""
    with contextlib.suppress(ImportError, AttributeError, OSError):  # not Linux; a limit
        import fcntl  # here: a Unix module, absent on Windows

        fcntl.fcntl(connection.fileno(), fcntl.F_SETPIPE_SZ, PIPE_SIZE)


def _serve(tasks: Any, results: Any, backlog: Backlog) -> None:
    """The helper's loop: run each request, answer ``(True, result, True)`` or
    ``(False, error, True)``; a request whose ``fn`` returns an iterator is answered item by
    item, ``(True, item, False)``, then ``(True, None, True)``."""

    def send(answer: tuple[bool, Any, bool]) -> None:
        results.send_bytes(pickle.dumps(answer, pickle.HIGHEST_PROTOCOL))
        backlog.sent()

    global _backlog
    _backlog = backlog
    freeze_heap()  # what the fork server preloaded

    while (data := tasks.recv_bytes()) != _STOP:
        fn, chunk, args = pickle.loads(data)  # noqa: S301 - from the importing process
        try:
            result = fn(chunk, *args)
            if isinstance(result, Iterator):
                for item in result:
                    send((True, item, False))
                result = None
            answer = (True, result, True)
        except Exception as exc:  # re-raised in the importing process
            answer = (False, exc, True)
        send(answer)


def _helpers_possible() -> bool:
    """Two CPUs or more, a fork server, and a process that may have children."""
    methods = multiprocessing.get_all_start_methods()
    daemon = multiprocessing.current_process().daemon  # may not have children
    return not daemon and usable_cpus() >= 2 and "forkserver" in methods


def start_fork_server(preload: str | list[str]) -> bool:
    """Start the fork server that helpers come from, importing ``preload``, ahead of the
    first large import, and return at once (False where helpers are not possible). The
    server's cold start (~1 s: the interpreter, the row checks, the region table) otherwise
    delays the first import's first chunk by ~0.5 s after the sheet is opened; a job
    consumer calls this when it starts, the command line when it is given a large file. A
    fork server already running is kept."""
    if not _helpers_possible():
        return False

    modules = [preload] if isinstance(preload, str) else preload
    multiprocessing.get_context("forkserver").set_forkserver_preload(modules)
    forkserver.ensure_running()
    return True


@contextmanager
def helper_process(wanted: bool, preload: str) -> Iterator[Helper | None]:
    """A `Helper` for `ordered_map`, or None when not ``wanted``, with one CPU only, or
    where a fork server is not available; ``preload`` is the module the fork server imports
    once, so each helper starts warm."""
    if not wanted or not _helpers_possible():
        yield None
        return
    helper = Helper(preload)
    try:
        yield helper
    except BaseException:
        helper.abandon()
        raise
    finally:
        helper.close()


def ordered_map(
    fn: Callable[..., R], chunks: Iterable[T], args: tuple[Any, ...], helper: Helper | None
) -> Iterator[R]:
    """``fn(chunk, *args)`` for each chunk, in order; chunks go to ``helper`` while it has
    fewer than `AHEAD`, the others run here. ``fn``, chunks and results must pickle."""
    pending: deque[tuple[T | None, bool, Any]] = deque()  # (chunk, sent to helper, result)
    for chunk in chunks:
        if helper is not None and not helper.gone and helper.busy < AHEAD:
            helper.submit(fn, chunk, args)
            pending.append((chunk, True, None))
        else:
            pending.append((None, False, fn(chunk, *args)))
        while pending and (not pending[0][1] or helper.ready()):  # type: ignore[union-attr]
            yield _take(fn, args, pending.popleft(), helper)
    while pending:
        yield _take(fn, args, pending.popleft(), helper)


def _take(
    fn: Callable[..., R], args: tuple[Any, ...], item: tuple[Any, bool, Any], helper: Helper | None
) -> R:
    chunk, sent, result = item
    if not sent:
        return result
    try:
        return helper.result()  # type: ignore[union-attr]
    except HelperGone:
        return fn(chunk, *args)
