"""A consumer that grew past WORKER_RECYCLE_MB replaces itself and goes on taking jobs."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from edabu_lite.jobs import recycle
from tests.jobs.test_crash_recovery import ROOT, enqueue, environment, kill, start, wait_for


@pytest.fixture
def ready(monkeypatch):  # type: ignore[no-untyped-def]
    """A consumer marked ready at 100 MB whose SIGHUP is caught instead of stopping pytest.
    The module's state is set through monkeypatch first, so it is put back (not ready)
    afterwards: a later inline job in this process must never send it SIGHUP."""
    monkeypatch.setattr(recycle, "_ready_kb", None)
    monkeypatch.setattr(recycle, "_requested", threading.Event())
    sizes = iter([100 * 1024])
    monkeypatch.setattr(recycle, "resident_kb", lambda: next(sizes))
    recycle.mark_ready()
    caught: list[int] = []
    previous = signal.signal(signal.SIGHUP, lambda signum, _frame: caught.append(signum))
    yield lambda now_mb: monkeypatch.setattr(recycle, "resident_kb", lambda: now_mb * 1024), caught
    signal.signal(signal.SIGHUP, previous)


def test_a_consumer_within_its_limit_carries_on(ready):
    now, caught = ready
    now(140)
    assert recycle.after_job(40) is False
    assert not recycle.requested() and caught == []


def test_a_consumer_past_its_limit_asks_once_for_a_graceful_stop(ready):
    now, caught = ready
    now(141)
    assert recycle.after_job(40) is True
    assert recycle.after_job(40) is False  # a second job finishing meanwhile asks nothing more
    assert recycle.requested() and caught == [signal.SIGHUP]


def test_zero_switches_recycling_off(ready):
    now, caught = ready
    now(10_000)
    assert recycle.after_job(0) is False and caught == []


def test_only_a_consumer_marked_ready_recycles(monkeypatch):
    """Jobs run inline in a web process or a command: never stop that process."""
    monkeypatch.setattr(recycle, "_ready_kb", None)
    monkeypatch.setattr(recycle, "resident_kb", lambda: 10**9)
    assert recycle.after_job(1) is False


def test_the_module_is_left_not_ready_for_later_tests():
    """Guards the fixture above: were it left ready, an inline import later in this pytest
    process would grow past the limit and SIGHUP pytest itself."""
    assert recycle._ready_kb is None and not recycle.requested()


def test_resident_kb_reads_this_process():
    assert recycle.resident_kb() is None or 10_000 < recycle.resident_kb() < 10_000_000


def _events(log: Path, message: str) -> list[dict[str, object]]:
    lines = log.read_text(errors="replace").splitlines() if log.exists() else []
    found = []
    for line in lines:
        if line.startswith("{") and f'"message": "{message}"' in line:
            found.append(json.loads(line))
    return found


def _wait_log(log: Path, message: str, count: int, seconds: float = 60) -> list[dict[str, object]]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = _events(log, message)
        if len(found) >= count:
            return found
        time.sleep(0.05)
    raise AssertionError(f"no {count}x {message!r} in the log:\n{log.read_text()[-3000:]}")


def _no_zombies(pid: int) -> None:
    """The previous image's fork server and resource tracker were collected."""
    children = subprocess.run(
        ["ps", "-o", "pid=,stat=", "--ppid", str(pid)], capture_output=True, text=True
    ).stdout.split("\n")
    assert not [line for line in children if line.split()[1:2] == ["Z"]], children


@pytest.mark.slow
def test_a_real_consumer_replaces_itself_after_a_job_and_takes_the_next(tmp_path):
    """``edabu worker`` (python -m edabu_lite, as ``edabu serve`` starts it) with a 1 MB
    limit: after a 5,000-row preview it has grown past it, so it finishes the job, execs a
    fresh process under the same pid, which is smaller again and validates the next job."""
    path = tmp_path / "roster.xlsx"
    subprocess.run(
        [sys.executable, str(ROOT / "sample_sheets" / "generate.py"), "--rows", "5000",
         "--seed", "3", "-o", str(path)],
        check=True, capture_output=True,
    )  # fmt: skip
    env = environment(tmp_path, f"sqlite:///{tmp_path / 'queue.db'}")
    env["WORKER_RECYCLE_MB"] = "1"
    log = tmp_path / "consumer.log"
    consumer = start(env, "worker", "--workers", "1", log=log)
    try:
        first_ready = _wait_log(log, "consumer ready", 1)[0]
        first = enqueue(env, path)
        done = wait_for(env, first, lambda r: r["status"] not in {"queued", "processing"})
        assert done["status"] == "validated", log.read_text()[-3000:]
        asked = _wait_log(log, "consumer replaces itself", 1)[0]
        assert asked["grown_mb"] > 1 and asked["limit_mb"] == 1
        again = _wait_log(log, "consumer ready", 2)[1]
        assert consumer.poll() is None  # exec, not exit: the same process lives on
        _no_zombies(consumer.pid)
        assert again["resident_mb"] < asked["resident_mb"]
        assert abs(again["resident_mb"] - first_ready["resident_mb"]) <= 15
        second = enqueue(env, path)
        row = wait_for(env, second, lambda r: r["status"] not in {"queued", "processing"})
        assert row["status"] == "validated", log.read_text()[-3000:]
        _wait_log(log, "consumer replaces itself", 2)
        # An operator's stop while that restart is under way stops it for good: a clean exit,
        # or SIGTERM's default action when it lands in the fresh image before Huey's handlers.
        os.killpg(consumer.pid, signal.SIGTERM)
        assert consumer.wait(timeout=30) in (0, -signal.SIGTERM)
    finally:
        kill(consumer, signal.SIGKILL)


def test_an_operators_stop_wins_over_a_restart_asked_after_it():
    """SIGTERM first, then a finishing job's SIGHUP: the consumer stops, it does not restart."""
    from edabu_lite.jobs import huey

    consumer = recycle.Consumer(huey, workers=1, worker_type="thread", periodic=False)
    consumer._handle_signal(signal.SIGTERM, None)
    consumer._handle_signal(signal.SIGHUP, None)
    assert (consumer._signum, consumer._restart) == (signal.SIGTERM, False)
    alone = recycle.Consumer(huey, workers=1, worker_type="thread", periodic=False)
    alone._handle_signal(signal.SIGHUP, None)
    assert alone._restart is True
