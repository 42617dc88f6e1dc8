"""Alembic: one head, the migrated schema matches the models, and down/up round-trips."""

from __future__ import annotations

import pytest
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
    assert any(c["column_names"] == ["nik", "employer_id"] for c in indexes)
    with db.engine.begin() as conn:
        _add_people(conn)
    with pytest.raises(sa.exc.IntegrityError), db.engine.begin() as conn:
        conn.execute(sa.text(_PERSON), _worker(9, "3201010101900001"))


_PERSON = """
    INSERT INTO participant (id, employer_id, nik, kk, name, birth_date, sex, marital_status,
        relationship, worker_id, care_class, faskes_code, segment, status, created_at,
        updated_at, version)
    VALUES (:id, 1, :nik, '3201010101900009', 'Nama', '1990-01-01', 'L', 'Kawin',
        :relationship, :worker, 1, '0112U020',
        'PPU', 'active', '2026-01-01', '2026-01-01', 1)
"""


def _worker(pid: int, nik: str) -> dict[str, object]:
    return {"id": pid, "nik": nik, "relationship": "Peserta", "worker": None}


def _add_people(conn: sa.Connection) -> None:
    """An employer, a worker, his wife (pointing at him) and a mutation item naming her."""
    conn.execute(sa.text(
        "INSERT INTO employer (id, code, name, mutations_need_approval, created_at, audit_seq)"
        " VALUES (1, 'BU1', 'PT Satu', false, '2026-01-01', 0)"
    ))  # fmt: skip
    conn.execute(sa.text(_PERSON), _worker(1, "3201010101900001"))
    conn.execute(
        sa.text(_PERSON), {"id": 2, "nik": "3201014101920002", "relationship": "Istri", "worker": 1}
    )
    conn.execute(sa.text(
        "INSERT INTO mutation_batch (id, employer_id, status, source, created_by, created_at,"
        " items_count, error_items, affected) VALUES (1, 1, 'draft', 'web', 'x', '2026-01-01',"
        " 1, 0, 0)"
    ))  # fmt: skip
    conn.execute(sa.text(
        "INSERT INTO mutation_item (batch_id, position, participant_id, nik, kind, issues,"
        " has_error, changes, notes) VALUES (1, 1, 2, '3201014101920002', 'NONAKTIF', '[]',"
        " false, '[]', '[]')"
    ))  # fmt: skip


def test_participant_index_change_keeps_people_and_links(app):
    """The migration that rebuilds participant's unique constraint (a table rebuild on
    SQLite) keeps every row, a dependant's link to the worker and the rows pointing at
    people from other tables, with foreign keys enforced again afterwards."""
    db.session.remove()
    downgrade(revision="69765bc20326")
    with db.engine.begin() as conn:
        _add_people(conn)
    upgrade()
    with db.engine.connect() as conn:
        people = conn.execute(sa.text("SELECT id, worker_id FROM participant ORDER BY id")).all()
        item = conn.execute(sa.text("SELECT participant_id FROM mutation_item")).scalar_one()
        if conn.dialect.name == "sqlite":
            assert conn.exec_driver_sql("PRAGMA foreign_key_check").all() == []
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    assert [tuple(p) for p in people] == [(1, None), (2, 1)]
    assert item == 2
    with pytest.raises(sa.exc.IntegrityError), db.engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM participant WHERE id = 1"))  # her worker


def test_exports_written_to_a_folder_are_marked_removed_when_files_move_to_the_database(app):
    """Files written to the old export folder are not carried into the database: a done job
    says its file was removed (its page offers to export again); other jobs are untouched."""
    db.session.remove()
    downgrade(revision="58107d95ff9c")
    with db.engine.begin() as conn:
        conn.execute(sa.text(
            "INSERT INTO employer (id, code, name, mutations_need_approval, created_at, audit_seq)"
            " VALUES (1, 'BU1', 'PT Satu', false, '2026-01-01', 0)"
        ))  # fmt: skip
        for number, status in ((1, "done"), (2, "running"), (3, "queued")):
            conn.execute(
                sa.text(
                    "INSERT INTO export_job (id, employer_id, kind, status, actor, filters, day,"
                    " rows_total, rows_done, download_name, stored_name, created_at) VALUES"
                    " (:id, 1, 'roster', :status, 'x', '{}', '2026-01-01', 9, 0, 'p.xlsx',"
                    " 'roster-1.xlsx', '2026-01-01')"
                ),
                {"id": number, "status": status},
            )
    upgrade()
    with db.engine.connect() as conn:
        removed = conn.execute(
            sa.text("SELECT id, removed_at IS NOT NULL FROM export_job ORDER BY id")
        ).all()
    assert [tuple(row) for row in removed] == [(1, True), (2, False), (3, False)]
    assert "stored_name" not in {c["name"] for c in sa.inspect(db.engine).get_columns("export_job")}


def _index_sql(name: str) -> str:
    """The database's own definition of an index (what Alembic's comparison leaves out: the
    WHERE clause of a partial index)."""
    with db.engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            query = "SELECT pg_get_indexdef(CAST(:n AS regclass))"
        else:
            query = "SELECT sql FROM sqlite_master WHERE type = 'index' AND name = :n"
        return conn.execute(sa.text(query), {"n": name}).scalar()


def test_partial_indexes_leave_out_what_they_should(app):
    """The migrated indexes have the models' WHERE clauses: dependants only in the worker
    index, every action but the import's per-person one in the action index."""
    worker = _index_sql("ix_participant_worker")
    action = _index_sql("ix_audit_event_employer_action")
    assert "worker_id IS NOT NULL" in worker
    assert "participant.import_insert" in action and "<>" in action


def test_sqlite_migration_that_breaks_references_is_undone_whole(app):
    """On SQLite a migration runs in one transaction with foreign keys off and checks every
    reference before it commits: one that would leave a row pointing nowhere (here a
    dependant whose worker is missing, slipped in with enforcement off) fails and leaves the
    database as it was, with no half-built table, and enforcement back on."""
    if db.engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL alters constraints in place, in a transaction")
    db.session.remove()
    downgrade(revision="69765bc20326")
    with db.engine.begin() as conn:
        _add_people(conn)
    with db.engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
        conn.execute(sa.text("UPDATE participant SET worker_id = 99 WHERE id = 2"))
        conn.commit()
        conn.exec_driver_sql("PRAGMA foreign_keys=ON")
    with pytest.raises(SystemExit):  # Flask-Migrate logs the error and exits 1
        upgrade()
    with db.engine.connect() as conn:
        tables = set(sa.inspect(conn).get_table_names())
        version = conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()
        constraints = sa.inspect(conn).get_unique_constraints("participant")
        for _ in range(3):  # every pooled connection enforces foreign keys again
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    assert version == "69765bc20326"
    assert not any(t.startswith("_alembic_tmp") for t in tables)
    assert any(c["column_names"] == ["employer_id", "nik"] for c in constraints)


def test_keying_migration_signs_old_chains_again_and_says_whether_they_held(app):
    """Chains written before the key (plain SHA-256) are checked, signed again with the key,
    and closed by an audit.key_rotated event that tells whether the old chain held."""
    from datetime import datetime

    from edabu_lite.audit.chain import unkeyed
    from edabu_lite.audit.models import AuditEvent
    from edabu_lite.audit.operations import (
        Actor,
        Change,
        insert_events,
        link_events,
        prepare_events,
        verify_chain,
    )

    db.session.remove()
    downgrade(revision="7dff723786b9")
    with db.engine.begin() as conn:
        for employer_id, code in ((1, "BU1"), (2, "BU2")):
            conn.execute(
                sa.text(
                    "INSERT INTO employer (id, code, name, mutations_need_approval, created_at,"
                    " audit_seq) VALUES (:id, :code, 'PT', false, '2026-01-01', 0)"
                ),
                {"id": employer_id, "code": code},
            )
            changes = [
                Change("test.old", "thing", n, f"thing {n}", after={"n": n}) for n in range(3)
            ]
            events = prepare_events(
                employer_id, 1, datetime(2026, 1, 2), Actor("x", "cli"), changes
            )
            rows, head = link_events(events, 0, None, unkeyed)
            insert_events(conn, rows)
            conn.execute(
                sa.text("UPDATE employer SET audit_seq = 3, audit_head = :head WHERE id = :id"),
                {"head": head, "id": employer_id},
            )
        # Before the key: someone edits an event of BU2 (no trigger stops it on SQLite yet).
        if conn.dialect.name == "postgresql":
            conn.execute(sa.text("SET LOCAL session_replication_role = replica"))
        conn.execute(
            sa.text("UPDATE audit_event SET actor = 'mallory' WHERE employer_id = 2 AND seq = 2")
        )
    upgrade()
    for employer_id, held in ((1, True), (2, False)):
        assert verify_chain(db.session, employer_id).ok
        last = db.session.scalars(
            sa.select(AuditEvent)
            .where(AuditEvent.employer_id == employer_id)
            .order_by(AuditEvent.seq.desc())
        ).first()
        assert (last.seq, last.action) == (4, "audit.key_rotated")
        assert last.after["signed_again"] == 3 and last.after["chain_held"] is held
    db.session.remove()
    with pytest.raises(sa.exc.DBAPIError, match="append-only"), db.engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM audit_event WHERE employer_id = 1"))
