"""Beranda's tests run with the refresh after every commit, as production does."""

from __future__ import annotations

import pytest

from edabu_lite.home.refresh import AFTER_COMMIT


@pytest.fixture(autouse=True)
def _refresh_after_commit(request):  # type: ignore[no-untyped-def]
    if "app" in request.fixturenames:
        request.getfixturevalue("app").config[AFTER_COMMIT] = True
