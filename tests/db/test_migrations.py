"""Alembic: one head, the migrated schema matches the models, and down/up round-trips."""

from __future__ import annotations

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade

from edabu_lite.config import MIGRATIONS_DIR
from edabu_lite.extensions import db


def script() -> ScriptDirectory:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return ScriptDirectory.from_config(config)


def test_single_head():
    assert len(script().get_heads()) == 1


def test_models_match_migrations(app):
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, db.metadata)
    assert diff == [], f"models and migrations differ; run `flask db migrate`: {diff}"


def test_database_is_at_head(app):
    with db.engine.connect() as conn:
        current = MigrationContext.configure(conn).get_current_heads()
    assert set(current) == set(script().get_heads())


def test_downgrade_to_base_and_upgrade_again(app):
    db.session.remove()
    downgrade(revision="base")
    tables = set(sa.inspect(db.engine).get_table_names()) - {"alembic_version"}
    assert tables == set()
    upgrade()
    tables = set(sa.inspect(db.engine).get_table_names())
    assert {"employer", "user_account", "participant", "audit_event"} <= tables


def test_participant_nik_is_unique_per_employer(app):
    indexes = sa.inspect(db.engine).get_unique_constraints("participant")
    assert any(set(c["column_names"]) == {"employer_id", "nik"} for c in indexes)
