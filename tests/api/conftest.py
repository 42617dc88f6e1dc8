"""API fixtures: tokens of each role for employer A, one for employer B, and a client that
sends them."""

from __future__ import annotations

from typing import Any

import pytest

from edabu_lite.api import tokens
from tests.conftest import TEST_ACTOR
from tests.factories import worker_row


class Api:
    """The test client with a bearer token."""

    def __init__(self, client, secret: str | None) -> None:  # type: ignore[no-untyped-def]
        self.client, self.secret = client, secret

    def headers(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        found = {"Authorization": f"Bearer {self.secret}"} if self.secret else {}
        return {**found, **(extra or {})}

    def get(self, path: str, **kw: Any):  # type: ignore[no-untyped-def]
        return self.client.get(path, headers=self.headers(kw.pop("headers", None)), **kw)

    def post(self, path: str, **kw: Any):  # type: ignore[no-untyped-def]
        return self.client.post(path, headers=self.headers(kw.pop("headers", None)), **kw)

    def patch(self, path: str, **kw: Any):  # type: ignore[no-untyped-def]
        return self.client.patch(path, headers=self.headers(kw.pop("headers", None)), **kw)

    def open(self, path: str, method: str, **kw: Any):  # type: ignore[no-untyped-def]
        headers = self.headers(kw.pop("headers", None))
        return self.client.open(path, method=method, headers=headers, **kw)


@pytest.fixture
def secrets(session, employer, other_employer):  # type: ignore[no-untyped-def]
    """Token secrets: "operator" and "viewer" of employer A, "other" (operator) of B."""
    made = {
        role: tokens.create_token(session, employer, f"hris-{role}", role, TEST_ACTOR).secret
        for role in tokens.TOKEN_ROLES
    }
    made["other"] = tokens.create_token(
        session, other_employer, "hris-b", "operator", TEST_ACTOR
    ).secret
    return made


@pytest.fixture
def api(client, secrets):  # type: ignore[no-untyped-def]
    """Clients by role: api["operator"], api["viewer"], api["other"], api[None] (no token)."""
    return {key: Api(client, secrets.get(key)) for key in [*secrets, None]}


def nik(n: int) -> str:
    """A valid NIK (Kota Bandung, born 1 Jan 1990) numbered ``n``."""
    return f"327301010190{n:04d}"


def name(n: int) -> str:
    """A name for worker ``n`` (names hold letters only): 7 → "Pekerja Aah"."""
    letters = ""
    for _ in range(3):
        n, rest = divmod(n, 26)
        letters = chr(97 + rest) + letters
    return f"Pekerja {letters.capitalize()}"


def workers(count: int, first: int = 1) -> list[dict[str, Any]]:
    return [
        worker_row(nik(n), f"327301010120{n:04d}", name(n)) for n in range(first, first + count)
    ]


def worker_json(n: int, name: str = "Pekerja Baru") -> dict[str, object]:
    """Worker ``n`` as an HR system sends a new person: a roster row in JSON."""
    return {
        "nik": nik(n),
        "kk": f"327301010120{n:04d}",
        "name": name,
        "birth_date": "1990-01-01",
        "sex": "L",
        "marital_status": "Kawin",
        "relationship": "Peserta",
        "wage": 6000000,
        "care_class": 1,
        "faskes_code": "0112U020",
        "start_date": "2026-01-01",
    }
