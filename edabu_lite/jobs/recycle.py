"""A job consumer that grew replaces itself with a fresh one.

CPython gives memory back to the system only in whole 1 MiB arenas, and after a large import
a few long-lived objects (statement caches and the like) sit in arenas the import's rows
filled, so a consumer that previewed a large roster stays tens of MB larger although almost
nothing of the job is alive (`bench/bench_consumer.py` measures it; bench/NOTES.md). As
Celery's ``max_memory_per_child`` and gunicorn's ``max_requests`` do, a consumer whose
resident size has grown by more than ``WORKER_RECYCLE_MB`` since it was ready lets its
running jobs finish, takes no new ones, and replaces itself with a fresh process (Huey's
restart, ``exec``: same pid, so a supervisor or ``edabu serve`` sees no exit). Queued jobs
wait the second a start takes; nothing is lost, the queue holds them.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
import time

from huey.consumer import Consumer as HueyConsumer

log = logging.getLogger(__name__)

_ready_kb: int | None = None
_ready_pid: int | None = None
_requested = threading.Event()


def resident_kb() -> int | None:
    """This process's resident set now (Linux; None where /proc is missing)."""
    try:
        with open("/proc/self/statm") as statm:
            pages = int(statm.read().split()[1])
    except (OSError, ValueError, IndexError):
        return None
    return pages * os.sysconf("SC_PAGE_SIZE") // 1024


def mark_ready() -> None:
    """Called by ``edabu worker`` once it is warm: the size later growth is measured from."""
    global _ready_kb, _ready_pid
    _ready_kb, _ready_pid = resident_kb(), os.getpid()
    _requested.clear()
    log.info("consumer ready", extra={"resident_mb": _mb(_ready_kb)})


def after_job(limit_mb: int) -> bool:
    """After each job: ask for a replacement when this process grew by more than
    ``limit_mb`` (0: never) since `mark_ready`. Only a consumer marked ready recycles (jobs
    run inline in a web process or a command never do). True when it asked."""
    now = resident_kb()
    if _ready_kb is None or now is None or limit_mb <= 0 or _requested.is_set():
        return False
    if os.getpid() != _ready_pid:  # a process forked from the consumer is not the consumer
        return False
    grown_mb = (now - _ready_kb) / 1024
    if grown_mb <= limit_mb:
        return False
    _requested.set()
    log.info(
        "consumer replaces itself",
        extra={"grown_mb": round(grown_mb), "limit_mb": limit_mb, "resident_mb": _mb(now)},
    )
    # Huey's own graceful restart (SIGHUP, handled in the main thread): running jobs finish,
    # no new one starts, then it execs itself. An operator's SIGTERM or SIGINT meanwhile
    # still stops it for good.
    os.kill(os.getpid(), signal.SIGHUP)
    return True


def requested() -> bool:
    return _requested.is_set()


class Consumer(HueyConsumer):
    """Huey's consumer, where an operator's stop wins over our restart: a SIGTERM or SIGINT
    that arrives while a job's SIGHUP is on its way must not turn into a restart (Huey lets
    the last signal decide)."""

    def _handle_signal(self, signum, frame):  # type: ignore[no-untyped-def]
        if signum == signal.SIGHUP and self._signum not in (None, signal.SIGHUP):
            return
        super()._handle_signal(signum, frame)


def reap_leftovers(seconds: float = 5.0) -> int:
    """After a restart the previous image's fork server and resource tracker are still this
    process's children; the exec closed their pipes, so they exit at once. Collected here,
    before this image starts any child of its own, so they do not linger as zombies."""
    reaped, deadline = 0, time.monotonic() + seconds
    while True:
        try:
            pid, _status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:  # none left (always so on a first start)
            return reaped
        if pid:
            reaped += 1
        elif time.monotonic() > deadline:  # pragma: no cover - a child that will not exit
            return reaped
        else:
            time.sleep(0.01)


def restartable_command_line() -> None:
    """Huey restarts a consumer with ``exec(python, *sys.argv)``; ``sys.argv`` has lost the
    ``-m edabu_lite`` of ``python -m edabu_lite worker`` (how ``edabu serve`` starts it),
    ``sys.orig_argv`` keeps it."""
    sys.argv = list(sys.orig_argv[1:])


def _mb(kb: int | None) -> int | None:
    return None if kb is None else round(kb / 1024)
