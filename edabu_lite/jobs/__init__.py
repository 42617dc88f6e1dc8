"""Background jobs on Huey: SQLite-backed by default, Redis with ``QUEUE_URL=redis://…``.

The queue is chosen once per process from the environment, because task decorators need the
Huey instance at import time. Tasks call domain operations; they never duplicate them.
"""

from __future__ import annotations

import os
from pathlib import Path

from huey import Huey, RedisHuey, SqliteHuey

from edabu_lite.config import default_queue_url, instance_path

QUEUE_NAME = "edabu"


def make_huey(url: str | None = None, *, immediate: bool = False) -> Huey:
    url = url or os.environ.get("QUEUE_URL") or default_queue_url(instance_path())
    if url.startswith(("redis://", "rediss://", "unix://")):
        return RedisHuey(QUEUE_NAME, url=url, immediate=immediate)
    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        path.parent.mkdir(parents=True, exist_ok=True)
        return SqliteHuey(QUEUE_NAME, filename=str(path), immediate=immediate)
    raise ValueError(f"QUEUE_URL must start with sqlite:/// or redis://, got {url!r}")


huey = make_huey(immediate=os.environ.get("EDABU_QUEUE_IMMEDIATE") == "1")
