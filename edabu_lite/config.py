"""Settings from environment variables, with safe defaults.

Everything a deployment changes comes from the environment (contract §1), so the same code
runs as an embedded single-user install (SQLite file + SQLite queue under ``instance/``) and
as a scaled-out service (PostgreSQL + Redis + several workers).
"""

from __future__ import annotations

import os
import secrets
import sys
from pathlib import Path

from edabu_lite.sheets import backend

PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = PACKAGE_DIR.parent
# Shipped inside the package, so an installed edabu can migrate; migrations/ links here.
MIGRATIONS_DIR = PACKAGE_DIR / "migrations"

PRODUCTION = "production"


class ConfigError(RuntimeError):
    """The environment does not describe a runnable deployment."""


def instance_path() -> Path:
    """Where the embedded database, queue and generated secret live.

    ``EDABU_INSTANCE_PATH`` wins; a source checkout keeps ``instance/`` beside the package
    (what ``make run`` uses); an installed package falls back to Flask's own convention.
    """
    configured = os.environ.get("EDABU_INSTANCE_PATH")
    if configured:
        return Path(configured).resolve()
    if (PROJECT_DIR / "pyproject.toml").exists():
        return PROJECT_DIR / "instance"
    return Path(sys.prefix) / "var" / "edabu_lite-instance"


def _env_int(name: str, default: int, *, zero: bool = False) -> int:
    """A positive whole number from the environment (``zero``: 0 allowed too, meaning off)."""
    raw = os.environ.get(name)
    if raw in (None, ""):
        return default
    try:
        value = int(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} must be a whole number, got {raw!r}") from exc
    if value < 0 or (value == 0 and not zero):
        raise ConfigError(f"{name} must be {'0 or more' if zero else 'positive'}, got {value}")
    return value


def _env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw in (None, ""):
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


def _sheet_backend() -> str:
    """What reads a sheet in row order (``EDABU_SHEET_BACKEND``, see sheets.backend)."""
    try:
        return backend.configured().backend
    except ValueError as exc:
        raise ConfigError(str(exc)) from exc


def _secret_key(folder: Path, production: bool) -> str:
    """``SECRET_KEY`` from the environment, else one generated once into the instance folder.

    A production deployment with several workers must share one key, so there it is required.
    """
    key = os.environ.get("SECRET_KEY")
    if key:
        return key
    if production:
        raise ConfigError("SECRET_KEY must be set when EDABU_ENV=production")
    key_file = folder / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    folder.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    # O_EXCL: two processes starting together must not write two different keys.
    try:
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return key_file.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    return key


def _audit_key_file(production: bool) -> str | None:
    """Where the audit chain's keys are (None: the instance folder's own file). Several
    hosts must share one file, so a production deployment names it."""
    path = os.environ.get("AUDIT_KEY_FILE") or None
    if production and path is None:
        raise ConfigError(
            "AUDIT_KEY_FILE must be set when EDABU_ENV=production (the same file on every host)"
        )
    return path


def default_queue_url(folder: Path) -> str:
    return f"sqlite:///{folder / 'queue.db'}"


def load_config() -> dict[str, object]:
    """Build the Flask config mapping from the environment."""
    folder = instance_path()
    production = os.environ.get("EDABU_ENV", "").lower() == PRODUCTION
    database_url = os.environ.get("DATABASE_URL") or f"sqlite:///{folder / 'edabu.db'}"
    queue_url = os.environ.get("QUEUE_URL") or default_queue_url(folder)
    redis_url = queue_url if queue_url.startswith(("redis://", "rediss://")) else None
    return {
        "EDABU_ENV": PRODUCTION if production else "development",
        "INSTANCE_PATH": str(folder),
        "SECRET_KEY": _secret_key(folder, production),
        "SQLALCHEMY_DATABASE_URI": normalise_database_url(database_url),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "QUEUE_URL": queue_url,
        "MAX_UPLOAD_MB": _env_int("MAX_UPLOAD_MB", 50),
        "MAX_IMPORT_ROWS": _env_int("MAX_IMPORT_ROWS", 300_000),
        "SHEET_BACKEND": _sheet_backend(),
        "MAX_CONTENT_LENGTH": _env_int("MAX_UPLOAD_MB", 50) * 1024 * 1024 + 64 * 1024,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": _env_bool("SESSION_COOKIE_SECURE", production),
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": _env_bool("SESSION_COOKIE_SECURE", production),
        "PERMANENT_SESSION_LIFETIME": _env_int("SESSION_HOURS", 8) * 3600,
        "WTF_CSRF_TIME_LIMIT": None,  # the token lives as long as the session
        "RATELIMIT_STORAGE_URI": os.environ.get("RATELIMIT_STORAGE_URI")
        or redis_url
        or "memory://",
        "RATELIMIT_LOGIN": os.environ.get("RATELIMIT_LOGIN", "20 per minute"),
        "API_RATE_LIMIT": os.environ.get("API_RATE_LIMIT", "600 per minute"),
        "RATELIMIT_HEADERS_ENABLED": True,
        "LOCKOUT_THRESHOLD": _env_int("LOCKOUT_THRESHOLD", 5),
        "LOCKOUT_MINUTES": _env_int("LOCKOUT_MINUTES", 15),
        "LOGIN_MAX_DELAY": _env_int("LOGIN_MAX_DELAY", 60),
        "AUDIT_KEY_FILE": _audit_key_file(production),
        "DRAFT_DAYS": _env_int("DRAFT_DAYS", 7),
        "JOB_STALE_SECONDS": _env_int("JOB_STALE_SECONDS", 120),
        "JOB_RETENTION_DAYS": _env_int("JOB_RETENTION_DAYS", 30),
        # A child born at most this many days ago may be registered without a NIK (contract
        # §2, nik.newborn_pending); the default is roster.cells.NEWBORN_DAYS.
        "NEWBORN_DAYS": _env_int("NEWBORN_DAYS", 90, zero=True),
        # A web export of more rows than this runs as a background job, with progress.
        "EXPORT_JOB_ROWS": _env_int("EXPORT_JOB_ROWS", 5_000),
        # How long a background export's file can be downloaded before it is removed.
        "EXPORT_KEEP_HOURS": _env_int("EXPORT_KEEP_HOURS", 24),
        # A consumer grown by more than this since it started replaces itself (0: never).
        "WORKER_RECYCLE_MB": _env_int("WORKER_RECYCLE_MB", 40, zero=True),
        "BABEL_DEFAULT_LOCALE": "id",
        "BABEL_DEFAULT_TIMEZONE": "Asia/Jakarta",
        "BABEL_TRANSLATION_DIRECTORIES": str(PACKAGE_DIR / "translations"),
        "LANGUAGES": {"id": "Bahasa Indonesia", "en": "English"},
        # How many reverse proxies set X-Forwarded-For/-Proto in front of the app (0: none).
        "TRUSTED_PROXIES": int(os.environ.get("TRUSTED_PROXIES") or 0),
    }


def normalise_database_url(url: str) -> str:
    """Accept the common ``postgres://`` / ``postgresql://`` spellings and use psycopg 3."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url
