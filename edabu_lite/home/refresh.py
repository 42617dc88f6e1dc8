"""Keeping Beranda's snapshot fresh (`snapshots.refresh`) on the job queue.

A refresh is asked for after every commit that moved an employer's audit chain with an event
that may change Beranda's numbers (one place for every writer: imports, batches, the
one-person forms, settings, the CLI), by a page that finds its numbers stale, and each hour
for the employers whose numbers are of an earlier day. Asking is deduplicated per employer:
while a refresh waits in the queue, asking again adds nothing; the job clears the mark when
it starts, so a change made while it runs asks for the next one.
"""

from __future__ import annotations

import contextlib
import logging
import time

import sqlalchemy as sa
from flask import current_app, has_app_context
from huey import crontab
from sqlalchemy.orm import Session

from edabu_lite import clock
from edabu_lite.audit.operations import CHAINS_MOVED
from edabu_lite.extensions import db
from edabu_lite.home import snapshots
from edabu_lite.jobs import huey, recycle
from edabu_lite.jobs.tasks import app_context

log = logging.getLogger(__name__)

#: A refresh asked for longer ago than this and not started (its queue lost, say) no longer
#: holds back the next request.
PENDING_SECONDS = 600
#: App setting (default on): ask for a refresh after each commit that changed the numbers.
#: Off, the first page view after a change shows the kept numbers as stale and asks. The
#: test suite turns it off outside Beranda's own tests (its queue runs each job inline, and
#: most tests never look at Beranda), and so do the benchmarks that time a commit.
AFTER_COMMIT = "BERANDA_REFRESH_AFTER_COMMIT"


def _pending_key(employer_id: int) -> str:
    return f"edabu.beranda_refresh.{employer_id}"


def request(employer_id: int) -> bool:
    """Ask for a refresh of the employer's Beranda, unless one waits in the queue already.
    Never raises: a queue that cannot be reached leaves the numbers stale (and shown so),
    and the next page view asks again. True when a job was enqueued."""
    key, now = _pending_key(employer_id), time.time()
    try:
        if not huey.put_if_empty(key, now):
            since = huey.get(key, peek=True)
            if isinstance(since, float) and now - since < PENDING_SECONDS:
                return False
            huey.put(key, now)
        refresh_dashboard(employer_id)
    except Exception:  # the caller's change is committed: never fail its request for this
        log.warning("Beranda refresh not queued", exc_info=True, extra={"employer": employer_id})
        with contextlib.suppress(Exception):
            huey.delete(key)  # or the mark would hold back the next request for nothing
        return False
    return True


@huey.task()
def refresh_dashboard(employer_id: int) -> None:
    """Compute again what is stale of the employer's Beranda (`snapshots.refresh`). In a
    session of its own: run inline (tests), it is asked for from another session's commit."""
    huey.delete(_pending_key(employer_id))
    with app_context():
        with Session(db.engine) as session:
            done = snapshots.refresh(session, employer_id, clock.today())
        if done is not None:
            counts = {"computed": len(done.computed), "confirmed": len(done.confirmed)}
            log.info("Beranda refreshed", extra={"employer": employer_id, **counts})
        limit = current_app.config["WORKER_RECYCLE_MB"]
    recycle.after_job(limit)


@huey.periodic_task(crontab(minute="5"))
def refresh_after_midnight() -> None:
    """Each hour: a refresh for every employer whose numbers are of an earlier day, so the
    morning's first visit finds today's."""
    with app_context(), Session(db.engine) as session:
        employers = snapshots.behind_today(session, clock.today())
    for employer_id in employers:
        request(employer_id)


# --------------------------------------------------------------------------- after a commit


def _after_commit(session: Session) -> None:
    moved = session.info.pop(CHAINS_MOVED, None)
    if moved and has_app_context() and not current_app.config.get(AFTER_COMMIT, True):
        return
    for employer_id, actions in (moved or {}).items():
        if any(snapshots.changes_numbers(action) for action in actions):
            request(employer_id)


def _after_rollback(session: Session) -> None:
    session.info.pop(CHAINS_MOVED, None)


def listen() -> None:
    """Ask for a refresh after every commit that changed an employer's numbers (every
    session of the process; idempotent)."""
    for name, hook in (("after_commit", _after_commit), ("after_rollback", _after_rollback)):
        if not sa.event.contains(Session, name, hook):
            sa.event.listen(Session, name, hook)
