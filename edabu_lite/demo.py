"""``edabu demo``: an idempotent demo employer with users and about 200 participants.

Re-running keeps existing data: missing pieces are added, nothing is reset except that the
demo users' passwords are set back to the documented ones, so the printed login always works.
"""

from __future__ import annotations

import click
import sqlalchemy as sa
from flask.cli import with_appcontext

from edabu_lite.accounts import operations as account_ops
from edabu_lite.accounts.models import Role, User
from edabu_lite.audit.operations import Actor
from edabu_lite.commandline import actor_option, cli_actor
from edabu_lite.demo_data import generate_families
from edabu_lite.extensions import db
from edabu_lite.roster.models import Participant
from edabu_lite.roster.operations import add_participants

DEMO_CODE = "DEMO0001"
DEMO_NAME = "PT Demo Sejahtera Abadi"
DEMO_MINIMUM_WAGE = 5_396_761  # UMK Kota Bekasi 2025, a realistic floor
DEMO_PEOPLE = 200
DEMO_USERS = {
    "admin": (Role.ADMIN, "Ayu Lestari (HR Manager)", "admin-demo-2026"),
    "operator": (Role.OPERATOR, "Budi Santoso (Staf HR)", "operator-demo-2026"),
    "viewer": (Role.VIEWER, "Citra Dewi (Keuangan)", "viewer-demo-2026"),
}


def seed_demo(actor: Actor, people: int = DEMO_PEOPLE) -> dict[str, int]:
    """Create what is missing of the demo; returns what was added."""
    session = db.session
    employer = account_ops.find_employer(session, DEMO_CODE)
    added = {"employer": 0, "users": 0, "participants": 0}
    if employer is None:
        employer = account_ops.create_employer(
            session, DEMO_CODE, DEMO_NAME, actor, minimum_wage=DEMO_MINIMUM_WAGE
        )
        added["employer"] = 1
    for username, (role, full_name, password) in DEMO_USERS.items():
        user = session.execute(
            sa.select(User).where(User.employer_id == employer.id, User.username == username)
        ).scalar_one_or_none()
        if user is None:
            account_ops.create_user(
                session, employer, username, password, role, actor, full_name=full_name
            )
            added["users"] += 1
        elif not user.check_password(password):
            account_ops.reset_password(session, user, password, actor, must_change=False)
    has_people = session.scalar(
        sa.select(sa.func.count())
        .select_from(Participant)
        .where(Participant.employer_id == employer.id)
    )
    if not has_people:
        rows = [_as_stored(row) for row in generate_families(people, seed=2026)]
        added["participants"] = add_participants(
            session, employer.id, rows, actor, action="participant.demo_seed"
        )
        session.commit()
    return added


def _as_stored(row: dict) -> dict:
    """The generator speaks sheet values; the database stores Masih Sekolah as a boolean."""
    return {**row, "in_school": {"Ya": True, "Tidak": False}.get(row.get("in_school"))}


@click.command("demo")
@actor_option
@with_appcontext
def demo_command(actor: str) -> None:
    """Seed the demo employer DEMO0001, its users and ~200 participants (idempotent)."""
    added = seed_demo(cli_actor(actor))
    click.echo(
        f"Demo {DEMO_CODE}: +{added['employer']} badan usaha, +{added['users']} pengguna, "
        f"+{added['participants']} peserta."
    )
    click.echo(
        "Masuk di http://127.0.0.1:5000 dengan Kode Badan Usaha "
        f"{DEMO_CODE} dan salah satu akun berikut:"
    )
    for username, (role, _name, password) in DEMO_USERS.items():
        click.echo(f"  {username:<9} kata sandi: {password:<20} ({role.value})")
