"""Settings from the environment (contract §1)."""

from __future__ import annotations

import pytest

from edabu_lite.config import ConfigError, load_config, normalise_database_url


def test_defaults_live_under_the_instance_folder(monkeypatch, tmp_path):
    monkeypatch.setenv("EDABU_INSTANCE_PATH", str(tmp_path))
    for name in ("DATABASE_URL", "QUEUE_URL", "SECRET_KEY", "EDABU_ENV", "MAX_UPLOAD_MB"):
        monkeypatch.delenv(name, raising=False)
    config = load_config()
    assert config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'edabu.db'}"
    assert config["QUEUE_URL"] == f"sqlite:///{tmp_path / 'queue.db'}"
    assert config["MAX_UPLOAD_MB"] == 50 and config["MAX_IMPORT_ROWS"] == 300_000
    key = (tmp_path / "secret_key").read_text()
    assert config["SECRET_KEY"] == key and len(key) == 64
    assert load_config()["SECRET_KEY"] == key  # generated once, then reused


def test_production_requires_a_secret_key(monkeypatch, tmp_path):
    monkeypatch.setenv("EDABU_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("EDABU_ENV", "production")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        load_config()
    monkeypatch.setenv("SECRET_KEY", "from-the-environment")
    with pytest.raises(ConfigError, match="AUDIT_KEY_FILE"):
        load_config()
    monkeypatch.setenv("AUDIT_KEY_FILE", str(tmp_path / "keys.json"))
    config = load_config()
    assert config["SECRET_KEY"] == "from-the-environment"
    assert config["SESSION_COOKIE_SECURE"] is True
    assert not (tmp_path / "secret_key").exists()


def test_bad_limits_are_refused_clearly(monkeypatch, tmp_path):
    monkeypatch.setenv("EDABU_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("MAX_UPLOAD_MB", "lots")
    with pytest.raises(ConfigError, match="MAX_UPLOAD_MB must be a whole number"):
        load_config()
    monkeypatch.setenv("MAX_UPLOAD_MB", "0")
    with pytest.raises(ConfigError, match="MAX_UPLOAD_MB must be positive, got 0"):
        load_config()


def test_worker_recycling_can_be_switched_off_but_not_made_negative(monkeypatch, tmp_path):
    monkeypatch.setenv("EDABU_INSTANCE_PATH", str(tmp_path))
    assert load_config()["WORKER_RECYCLE_MB"] == 40
    monkeypatch.setenv("WORKER_RECYCLE_MB", "0")
    assert load_config()["WORKER_RECYCLE_MB"] == 0
    monkeypatch.setenv("WORKER_RECYCLE_MB", "-5")
    with pytest.raises(ConfigError, match="WORKER_RECYCLE_MB must be 0 or more, got -5"):
        load_config()


def test_redis_queue_also_backs_the_rate_limiter(monkeypatch, tmp_path):
    monkeypatch.setenv("EDABU_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("QUEUE_URL", "redis://127.0.0.1:6379/3")
    monkeypatch.delenv("RATELIMIT_STORAGE_URI", raising=False)
    assert load_config()["RATELIMIT_STORAGE_URI"] == "redis://127.0.0.1:6379/3"


@pytest.mark.parametrize("url", ["postgres://u@h/db", "postgresql://u@h/db"])
def test_postgres_urls_use_psycopg3(url):
    assert normalise_database_url(url) == "postgresql+psycopg://u@h/db"
