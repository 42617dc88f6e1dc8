"""Alembic environment for edabu_lite (Flask-Migrate): runs against the app's engine."""

import logging
from contextlib import contextmanager
from logging.config import fileConfig

from alembic import context
from flask import current_app
from sqlalchemy import event

config = context.config
# Keep the application's loggers (and their NIK redaction filter) when Alembic configures its own.
fileConfig(config.config_file_name, disable_existing_loggers=False)
logger = logging.getLogger("alembic.env")


def get_engine():
    return current_app.extensions["migrate"].db.engine


config.set_main_option(
    "sqlalchemy.url", get_engine().url.render_as_string(hide_password=False).replace("%", "%%")
)
target_metadata = current_app.extensions["migrate"].db.metadata


def run_migrations_offline():
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=target_metadata,
        literal_binds=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online():
    def process_revision_directives(context, revision, directives):
        # An empty autogenerate is a mistake, not a migration.
        if getattr(config.cmd_opts, "autogenerate", False):
            script = directives[0]
            if script.upgrade_ops.is_empty():
                directives[:] = []
                logger.info("No changes in schema detected.")

    conf_args = dict(current_app.extensions["migrate"].configure_args)
    conf_args.setdefault("process_revision_directives", process_revision_directives)
    with get_engine().connect() as connection, _sqlite_migrations(connection) as sqlite:
        if sqlite:
            conf_args["transactional_ddl"] = True
        context.configure(connection=connection, target_metadata=target_metadata, **conf_args)
        with context.begin_transaction():
            before = context.get_context().get_current_heads()
            context.run_migrations()
            if sqlite and context.get_context().get_current_heads() != before:
                _check_references(connection)


@contextmanager
def _sqlite_migrations(connection):
    """SQLite changes a constraint by rebuilding the table (Alembic's batch mode: copy, drop,
    rename), and dropping a table that other rows point at fails while foreign keys are
    enforced. So, as SQLite's own ALTER TABLE guide says: enforcement off (the pragma is a
    no-op inside a transaction, so it runs before any), the whole migration in one
    transaction (SQLite's DDL is transactional, but Python's sqlite3 opens a transaction only
    before INSERT/UPDATE/DELETE, so batch mode's first CREATE TABLE committed on its own:
    here the driver leaves transactions alone and each one begins with an explicit BEGIN),
    every reference checked before it commits (`_check_references`), and
    enforcement on again before the connection goes back to the pool. Yields whether the
    database is SQLite; PostgreSQL alters constraints in place, in a transaction already."""
    if connection.dialect.name != "sqlite":
        yield False
        return
    driver = connection.connection.driver_connection
    connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
    connection.commit()  # SQLAlchemy began a transaction; Alembic must begin its own
    isolation, driver.isolation_level = driver.isolation_level, None

    def begin(conn):
        conn.exec_driver_sql("BEGIN")

    event.listen(connection, "begin", begin)
    try:
        yield True
    finally:
        event.remove(connection, "begin", begin)
        connection.rollback()  # nothing left to roll back when the migrations committed
        driver.isolation_level = isolation
        connection.exec_driver_sql("PRAGMA foreign_keys=ON")
        connection.commit()


def _check_references(connection):
    """Fail (and so roll back) a migration that left rows pointing nowhere."""
    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
    if broken:
        raise RuntimeError(f"the migration left rows pointing nowhere: {broken[:5]}")


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
