"""A real Huey consumer process, on the SQLite queue and on Redis, runs a job enqueued by
another process and reports back (what `make run` and a scaled-out deployment rely on)."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest


def _env(tmp_path, queue_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "EDABU_QUEUE_IMMEDIATE"}
    env.update(
        {
            "QUEUE_URL": queue_url,
            "DATABASE_URL": f"sqlite:///{tmp_path / 'jobs.db'}",
            "EDABU_INSTANCE_PATH": str(tmp_path / "instance"),
            "SECRET_KEY": "consumer-test",
        }
    )
    return env


def _round_trip(env: dict[str, str], log_path) -> str:  # type: ignore[no-untyped-def]
    with open(log_path, "w") as log:
        consumer = subprocess.Popen(
            [sys.executable, "-m", "edabu_lite", "worker", "--workers", "1"],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        time.sleep(0.5)
        assert consumer.poll() is None, log_path.read_text()
        check = subprocess.run(
            [sys.executable, "-m", "edabu_lite", "worker", "--check"],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert check.returncode == 0, check.stderr
        return check.stdout
    finally:
        consumer.terminate()
        consumer.wait(timeout=20)


@pytest.mark.slow
def test_consumer_on_sqlite_queue(tmp_path):
    output = _round_trip(_env(tmp_path, f"sqlite:///{tmp_path / 'queue.db'}"), tmp_path / "log")
    assert "'ok': True" in output and "'database': 'sqlite'" in output


@pytest.mark.slow
def test_consumer_on_redis(tmp_path):
    url = os.environ.get("EDABU_REDIS_TEST_URL")
    if not url:
        pytest.skip("set EDABU_REDIS_TEST_URL (CI does) to run the Redis consumer test")
    import redis

    try:
        redis.Redis.from_url(url).ping()
    except redis.ConnectionError as exc:  # CI sets the URL: unreachable Redis is a failure
        pytest.fail(f"EDABU_REDIS_TEST_URL={url} is not reachable: {exc}")
    redis.Redis.from_url(url).flushdb()
    output = _round_trip(_env(tmp_path, url), tmp_path / "log")
    assert "'ok': True" in output
