"""``edabu audit verify``: recompute an employer's hash chain."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from edabu_lite.audit.operations import verify_chain
from edabu_lite.cli import EXIT_BLOCKED, get_employer
from edabu_lite.extensions import db


@click.group("audit", help="Jejak audit.")
def audit_group() -> None:
    pass


@audit_group.command("verify")
@click.option("--employer", "employer_code", required=True)
@with_appcontext
def verify(employer_code: str) -> None:
    """Exit 0 when the chain holds; 1 naming the first edited, deleted or reordered event."""
    employer = get_employer(employer_code)
    result = verify_chain(db.session, employer.id)
    if result.ok:
        click.echo(f"OK: {result.checked} kejadian audit {employer.code} utuh.")
        return
    click.echo(
        f"RUSAK: kejadian #{result.first_bad_seq} (id {result.first_bad_id}): {result.reason}",
        err=True,
    )
    raise SystemExit(EXIT_BLOCKED)
