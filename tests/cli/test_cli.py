"""The ``edabu`` commands of the foundation: employer, user, demo, audit verify, worker."""

from __future__ import annotations

import subprocess
import sys

import sqlalchemy as sa

from edabu_lite.accounts.models import Employer, Role, User
from edabu_lite.audit.models import AuditEvent
from edabu_lite.audit.operations import Actor, Change, record
from edabu_lite.demo import DEMO_CODE, DEMO_USERS
from edabu_lite.identity.nik import check_nik_against_row, parse_nik
from edabu_lite.roster.models import Participant, Relationship
from tests.conftest import login, tamper


def test_employer_create_and_duplicate(runner, session):
    result = runner.invoke(args=["employer", "create", "bu123", "PT Baru", "--actor", "ops"])
    assert result.exit_code == 0, result.output
    employer = session.scalars(sa.select(Employer).where(Employer.code == "BU123")).one()
    event = session.scalars(
        sa.select(AuditEvent).where(AuditEvent.employer_id == employer.id)
    ).one()
    assert (event.action, event.actor, event.source) == ("employer.create", "ops", "cli")
    again = runner.invoke(args=["employer", "create", "BU123", "PT Lagi"])
    assert again.exit_code == 2
    assert "sudah terdaftar" in again.output


def test_user_create_reads_password_from_stdin(app, runner, session, employer):
    result = runner.invoke(
        args=["user", "create", "sari", "--employer", employer.code, "--role", "operator"],
        input="sari-secret-password\n",
    )
    assert result.exit_code == 0, result.output
    user = session.scalars(sa.select(User).where(User.username == "sari")).one()
    assert user.role == Role.OPERATOR
    assert (
        login(app.test_client(), employer.code, "sari", "sari-secret-password").status_code == 302
    )


def test_user_create_unknown_employer_exits_2(runner):
    result = runner.invoke(
        args=["user", "create", "x", "--employer", "NOPE", "--role", "admin"],
        input="long-enough-password\n",
    )
    assert result.exit_code == 2
    assert "tidak ditemukan" in result.output


def test_user_create_weak_password_exits_2(runner, employer):
    result = runner.invoke(
        args=["user", "create", "x", "--employer", employer.code, "--role", "admin"],
        input="short\n",
    )
    assert result.exit_code == 2
    assert "minimal" in result.output


def test_user_create_bad_role_is_usage_error(runner, employer):
    result = runner.invoke(
        args=["user", "create", "x", "--employer", employer.code, "--role", "root"],
        input="long-enough-password\n",
    )
    assert result.exit_code == 2


def test_demo_is_idempotent_and_realistic(app, runner, session):
    first = runner.invoke(args=["demo"])
    assert first.exit_code == 0, first.output
    assert DEMO_CODE in first.output and "admin-demo-2026" in first.output
    second = runner.invoke(args=["demo"])
    assert second.exit_code == 0, second.output
    employer = session.scalars(sa.select(Employer).where(Employer.code == DEMO_CODE)).one()
    people = session.scalars(
        sa.select(Participant).where(Participant.employer_id == employer.id)
    ).all()
    assert 190 <= len(people) <= 210  # not doubled by the second run
    assert {u.username for u in employer.users} == set(DEMO_USERS)
    workers = [p for p in people if p.relationship == Relationship.WORKER]
    assert workers and len(workers) < len(people)
    for p in people:
        parsed = parse_nik(p.nik, birth_date=p.birth_date)
        assert parsed.issues == () or all(i.code == "nik.region" for i in parsed.issues), p.nik
        assert check_nik_against_row(parsed.parts, birth_date=p.birth_date, sex=p.sex) == []
        if p.relationship != Relationship.WORKER:
            assert p.worker_id is not None and p.worker.kk == p.kk
    for username, (_role, _name, password) in DEMO_USERS.items():
        assert login(app.test_client(), DEMO_CODE, username, password).status_code == 302


def test_audit_verify_cli(runner, session, employer):
    ok = runner.invoke(args=["audit", "verify", "--employer", employer.code])
    assert ok.exit_code == 0, ok.output
    event = session.scalars(
        sa.select(AuditEvent).where(AuditEvent.employer_id == employer.id)
    ).first()
    tamper(session, sa.update(AuditEvent).where(AuditEvent.id == event.id).values(actor="mallory"))
    broken = runner.invoke(args=["audit", "verify", "--employer", employer.code])
    assert broken.exit_code == 1
    assert f"#{event.seq}" in broken.output


def test_console_script_help_runs():
    result = subprocess.run(
        [sys.executable, "-m", "edabu_lite", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    for command in ("employer", "user", "demo", "db", "audit", "worker", "serve"):
        assert command in result.stdout


def test_an_anchor_kept_outside_catches_a_cut_tail(runner, session, employer, tmp_path):
    import json

    for number in range(3):
        record(session, employer.id, Actor("hr", "cli"), Change("test.event", "thing", number))
    session.commit()
    printed = runner.invoke(args=["audit", "anchor", "--employer", employer.code])
    assert printed.exit_code == 0, printed.output
    anchor = json.loads(printed.stdout)
    assert (anchor["employer"], anchor["seq"]) == (employer.code, employer.audit_seq)
    assert anchor["hash"] == employer.audit_head and anchor["time"].endswith("+00:00")
    kept = tmp_path / "jangkar.json"
    kept.write_text(printed.stdout)
    # Someone with the database cuts the last event and moves the head back: the chain that
    # is left is whole, so verification alone cannot tell.
    last = session.scalars(
        sa.select(AuditEvent)
        .where(AuditEvent.employer_id == employer.id)
        .order_by(AuditEvent.seq.desc())
    ).first()
    tamper(
        session,
        sa.delete(AuditEvent).where(AuditEvent.id == last.id),
        sa.update(Employer)
        .where(Employer.id == employer.id)
        .values(audit_seq=last.seq - 1, audit_head=last.prev_hash),
    )
    assert runner.invoke(args=["audit", "verify", "--employer", employer.code]).exit_code == 0
    checked = runner.invoke(
        args=["audit", "verify", "--employer", employer.code, "--anchor", str(kept)]
    )
    assert checked.exit_code == 1 and "ekor rantai dihapus" in checked.output
    bad = tmp_path / "bukan.json"
    bad.write_text("bukan json")
    refused = runner.invoke(
        args=["audit", "verify", "--employer", employer.code, "--anchor", str(bad)]
    )
    assert refused.exit_code == 2 and "jangkar tidak terbaca" in refused.output


def test_rotate_key_records_the_switch_in_every_chain(
    app, runner, session, employer, other_employer, tmp_path
):
    from edabu_lite.audit.keys import key_file

    own = tmp_path / "audit-keys.json"
    own.write_text(key_file().read_text())
    app.config["AUDIT_KEY_FILE"] = str(own)
    result = runner.invoke(args=["audit", "rotate-key", "--actor", "ops"])
    assert result.exit_code == 0, result.output
    for company in (employer, other_employer):
        last = session.scalars(
            sa.select(AuditEvent)
            .where(AuditEvent.employer_id == company.id)
            .order_by(AuditEvent.seq.desc())
        ).first()
        assert last.action == "audit.key_rotated" and last.actor == "ops"
        verified = runner.invoke(args=["audit", "verify", "--employer", company.code])
        assert verified.exit_code == 0, verified.output


def test_the_command_module_loads_without_the_app():
    """multiprocessing runs the ``edabu`` script again as the main module of each helper
    process of a large import: importing the command module must not load the web app (a
    second of imports before the helper's first row)."""
    probe = (
        "import sys, edabu_lite.cli; "
        "print(sorted(m for m in ('edabu_lite.app', 'sqlalchemy', 'marshmallow', 'openpyxl') "
        "if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
