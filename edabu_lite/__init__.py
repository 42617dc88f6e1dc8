"""edabu_lite: employer-side JKN membership management mirroring BPJS Kesehatan's e-Dabu.

The package itself loads nothing: the pure parts (``identity``, the row rules) are usable
without Flask. The web application is built by `edabu_lite.app.create_app`.
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"


def __getattr__(name: str) -> Any:
    # ``edabu_lite:create_app`` is the documented WSGI target (README, waitress --call). It is
    # imported on first use, so importing the pure parts does not load Flask.
    if name == "create_app":
        from edabu_lite.app import create_app

        return create_app
    raise AttributeError(f"module 'edabu_lite' has no attribute {name!r}")
