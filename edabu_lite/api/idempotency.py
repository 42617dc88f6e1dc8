"""Safe retries of creating POSTs: a request sent with an ``Idempotency-Key`` header is run
once per token and key; sending it again (a retry after a timeout) replays the first answer
instead of creating a second import, batch or person. The key is remembered for `KEEP`.

The first request claims the key by inserting its row (the unique key (token, key) decides
between two racing requests: the loser answers 409 while the first runs), then stores its
answer. A server error is not remembered, so it can be retried. The same key on a different
request (another path or body) is refused: it is a client bug, not a retry."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import timedelta
from functools import wraps
from typing import Any, Final, TypeVar

import sqlalchemy as sa
from flask import Response, make_response, request
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from edabu_lite.api import auth
from edabu_lite.api.errors import ApiError, respond
from edabu_lite.api.models import IdempotentRequest
from edabu_lite.database import utcnow
from edabu_lite.extensions import db

HEADER: Final = "Idempotency-Key"
KEEP: Final = timedelta(hours=24)
MAX_KEY: Final = 200
#: The first answer's headers a replay repeats (where the new thing is, its version).
REPLAYED: Final = ("Location", "ETag")

F = TypeVar("F", bound=Callable[..., Any])


def idempotent(view: F) -> F:
    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        key = request.headers.get(HEADER)
        if key is None:
            return view(*args, **kwargs)
        if not key.strip() or len(key) > MAX_KEY or not key.isascii() or not key.isprintable():
            raise ApiError(
                422,
                "idempotency.key_invalid",
                _("Idempotency-Key harus 1–%(max)s karakter ASCII.", max=MAX_KEY),
            )
        token_id = auth.current_token().id
        fingerprint = _fingerprint()
        claimed = _claim(token_id, key, fingerprint)
        if isinstance(claimed, Response):
            return claimed
        try:
            response = make_response(view(*args, **kwargs))
        except ApiError as error:
            response = respond(error)
        except BaseException:
            _release(claimed)
            raise
        if response.status_code >= 500:
            _release(claimed)
        else:
            _store(claimed, response)
        return response

    return wrapper  # type: ignore[return-value]


def _fingerprint() -> str:
    digest = hashlib.sha256(f"{request.method} {request.path}\n".encode())
    if request.mimetype == "multipart/form-data":
        _multipart_digest(digest)
    else:
        digest.update(request.get_data(cache=True))
    return digest.hexdigest()


def _multipart_digest(digest: Any) -> None:
    """An upload by its fields and files, not its bytes: a client that builds the request
    again for a retry draws a new multipart boundary, and it is still the same request."""
    for name, value in sorted(request.form.items(multi=True)):
        digest.update(f"form {name}={value}\n".encode())
    for name, upload in sorted(request.files.items(multi=True), key=lambda item: item[0]):
        content = hashlib.sha256()
        while block := upload.stream.read(1 << 20):
            content.update(block)
        upload.stream.seek(0)
        digest.update(f"file {name}={upload.filename} {content.hexdigest()}\n".encode())


def _claim(token_id: int, key: str, fingerprint: str) -> int | Response:
    """The id of the row this request claimed, or the answer to give instead."""
    session = db.session
    for _attempt in range(2):
        found = session.execute(
            sa.select(IdempotentRequest).where(
                IdempotentRequest.token_id == token_id, IdempotentRequest.key == key
            )
        ).scalar_one_or_none()
        if found is not None and found.created_at < utcnow() - KEEP:
            session.delete(found)  # an expired key starts afresh
            session.flush()
            found = None
        if found is not None:
            return _earlier(found, fingerprint)
        claim = IdempotentRequest(token_id=token_id, key=key, fingerprint=fingerprint)
        session.add(claim)
        try:
            session.commit()
            return claim.id
        except IntegrityError:  # another request claimed it between the look and the insert
            session.rollback()
    raise ApiError(409, "idempotency.in_progress", _in_progress())


def _earlier(found: IdempotentRequest, fingerprint: str) -> Response:
    if found.fingerprint != fingerprint:
        raise ApiError(
            422,
            "idempotency.key_reused",
            _("Idempotency-Key ini sudah dipakai untuk permintaan lain; gunakan kunci baru."),
        )
    if found.status is None:
        raise ApiError(409, "idempotency.in_progress", _in_progress())
    kept = json.loads(found.body or "{}")
    response = Response(kept.get("body", ""), status=found.status, mimetype="application/json")
    response.headers.update(kept.get("headers", {}))
    response.headers["Idempotent-Replayed"] = "true"
    return response


def _in_progress() -> str:
    return _("Permintaan dengan Idempotency-Key ini masih diproses; coba lagi sebentar lagi.")


def _store(claim_id: int, response: Response) -> None:
    db.session.rollback()  # whatever the view left open is not ours to commit
    db.session.execute(
        sa.update(IdempotentRequest)
        .where(IdempotentRequest.id == claim_id)
        .values(status=response.status_code, body=json.dumps(_kept(response)))
    )
    db.session.commit()


def _kept(response: Response) -> dict[str, object]:
    """What a replay gives back: the body and the headers that name what was made."""
    headers = {name: response.headers[name] for name in REPLAYED if name in response.headers}
    return {"body": response.get_data(as_text=True), "headers": headers}


def _release(claim_id: int) -> None:
    db.session.rollback()
    db.session.execute(sa.delete(IdempotentRequest).where(IdempotentRequest.id == claim_id))
    db.session.commit()
