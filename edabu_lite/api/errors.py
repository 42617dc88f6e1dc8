"""Every API failure in the contract's shape, ``{"code", "message", "issues"}`` (§6), with the
roster's issue codes (§5) in ``issues`` where rows or fields are at fault. The app's error
handlers (`edabu_lite.errors`) answer this way for any request under `PREFIX`, so a wrong
path, a wrong method or an unexpected failure is JSON too, never an HTML page."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Final

from flask import Response, jsonify, request
from flask_babel import gettext as _

from edabu_lite.issues import Issue

PREFIX: Final = "/api/"

#: The code of an error that has no more specific one, by HTTP status.
STATUS_CODES: Final = {
    400: "request.invalid",
    401: "auth.required",
    403: "auth.forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    412: "version.mismatch",
    413: "file.too_large",
    415: "request.unsupported_media_type",
    422: "request.invalid",
    428: "version.required",
    429: "rate_limited",
    500: "server_error",
    503: "unavailable",
}


class ApiError(Exception):
    """Raised by an endpoint: answered as ``status`` with the contract's body."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        issues: Iterable[Issue | Mapping[str, Any]] = (),
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(code)
        self.status, self.code, self.message = status, code, message
        self.issues = list(issues)
        self.headers = dict(headers or {})


def request_issue(column: str | None, message: str, row: int | None = None) -> dict[str, Any]:
    """An issue with the request itself (a query argument, a body field, an item of a list),
    in the §4 shape: ``request.invalid``, naming what is wrong in ``column``."""
    return {
        "row": row,
        "column": column,
        "code": "request.invalid",
        "severity": "error",
        "message": message,
    }


def is_api_request() -> bool:
    return request.path.startswith(PREFIX)


def body(code: str, message: str, issues: Iterable[Issue | Mapping[str, Any]] = ()) -> dict:
    return {
        "code": code,
        "message": message,
        "issues": [i.to_dict(_) if isinstance(i, Issue) else dict(i) for i in issues],
    }


def respond(error: ApiError) -> Response:
    response = jsonify(body(error.code, error.message, error.issues))
    response.status_code = error.status
    response.headers.update(error.headers)
    return response


def for_status(status: int, message: str, data: object = None) -> Response:
    """An HTTP error raised outside the endpoints' own checks (routing, webargs' 422, a
    limit) as the contract's body; webargs' field messages become ``request.invalid`` issues
    naming the field."""
    issues = _field_issues(data) if status in (400, 422) else []
    if issues:
        message = _("Permintaan berisi nilai yang tidak sah; lihat issues.")
    response = jsonify(body(STATUS_CODES.get(status, "request.invalid"), message, issues))
    response.status_code = status
    return response


def _field_issues(data: object) -> list[dict[str, Any]]:
    """webargs' ``{"json": {"field": ["message"]}}`` as issues, one per message."""
    messages = data.get("messages") if isinstance(data, Mapping) else None
    found: list[dict[str, Any]] = []

    def walk(node: object, path: list[str]) -> None:
        if isinstance(node, Mapping):
            for key, value in node.items():
                walk(value, [*path, str(key)])
        elif isinstance(node, list) and all(isinstance(m, str) for m in node):
            for text in node:
                # path[0]: json / query / multipart; "_schema": the body as a whole
                column = ".".join(p for p in path[1:] if p != "_schema") or None
                found.append(request_issue(column, text))
        elif isinstance(node, list):
            for index, value in enumerate(node):
                walk(value, [*path, str(index)])

    walk(messages, [])
    return found
