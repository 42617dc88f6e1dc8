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


@audit_group.command("export")
@click.option("--employer", "employer_code", required=True)
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False))
@with_appcontext
def export(employer_code: str, output: str) -> None:
    """Write the employer's whole audit trail to an xlsx file."""
    import sqlalchemy as sa

    from edabu_lite.audit.exports import export_events
    from edabu_lite.audit.models import AuditEvent

    employer = get_employer(employer_code)
    with open(output, "wb") as out:
        count = export_events(
            db.session, sa.select(AuditEvent).where(AuditEvent.employer_id == employer.id), out
        )
    click.echo(f"{count} kejadian → {output}")
