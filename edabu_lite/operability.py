"""What operators look at: ``GET /healthz``, a request id on every response and error page,
and one JSON log line per request (python-json-logger).

The request line names the route's rule (``/peserta/<int:pid>``), never the path or query
string, which may hold a NIK typed into a search (UU PDP); the log redaction installed by
`identity.privacy` masks any 16-digit number that still gets into a message.
"""

from __future__ import annotations

import logging
import re
import sys
import time
import uuid

import sqlalchemy as sa
from flask import Flask, g, jsonify, request
from flask_login import current_user
from pythonjsonlogger.json import JsonFormatter

from edabu_lite.extensions import db
from edabu_lite.jobs import huey

ACCESS_LOGGER = "edabu_lite.access"
JOB_LOGGER = "edabu_lite.jobs"
_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{8,64}")


def init_app(app: Flask) -> None:
    _json_logging(app)
    app.before_request(_start)
    app.after_request(_finish)
    app.add_url_rule("/healthz", "healthz", healthz)


def request_id() -> str:
    """This request's id: the proxy's ``X-Request-ID`` when it looks like one, else new."""
    if "request_id" not in g:
        given = request.headers.get("X-Request-ID", "")
        g.request_id = given if _REQUEST_ID.fullmatch(given) else uuid.uuid4().hex[:16]
    return g.request_id


def _json_logging(app: Flask) -> None:
    """One JSON object per line on stderr for the access and job loggers (set up once per
    process: several apps in one process share the loggers)."""
    for name in (ACCESS_LOGGER, JOB_LOGGER):
        logger = logging.getLogger(name)
        if logger.handlers:
            continue
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(JsonFormatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        logger.propagate = False


def _start() -> None:
    g.started = time.perf_counter()
    request_id()


def _finish(response):  # type: ignore[no-untyped-def]
    response.headers["X-Request-ID"] = request_id()
    if request.endpoint == "static":
        return response
    started = g.get("started", time.perf_counter())
    user_id = employer = None
    try:
        if current_user.is_authenticated:
            user_id, employer = current_user.id, current_user.employer.code
    except Exception:  # noqa: S110 - the database may be the reason this request failed
        pass
    logging.getLogger(ACCESS_LOGGER).info(
        "request",
        extra={
            "request_id": request_id(),
            "method": request.method,
            "route": request.url_rule.rule if request.url_rule else None,
            "status": response.status_code,
            "duration_ms": round((time.perf_counter() - started) * 1000, 1),
            "user_id": user_id,
            "employer": employer,
        },
    )
    return response


def healthz():  # type: ignore[no-untyped-def]
    """Contract §1: 200 when the database and the queue answer, else 503 naming the part."""
    parts = {"database": _database_ok(), "queue": _queue_ok()}
    body = {"status": "ok" if all(parts.values()) else "error"}
    body.update({name: "ok" if ok else "error" for name, ok in parts.items()})
    return jsonify(body), 200 if body["status"] == "ok" else 503


def _database_ok() -> bool:
    try:
        with db.engine.connect() as connection:
            connection.execute(sa.text("SELECT 1"))
    except Exception:
        logging.getLogger(ACCESS_LOGGER).warning("healthz: database not reachable", exc_info=True)
        return False
    return True


def _queue_ok() -> bool:
    try:
        huey.storage.queue_size()
    except Exception:
        logging.getLogger(ACCESS_LOGGER).warning("healthz: queue not reachable", exc_info=True)
        return False
    return True
