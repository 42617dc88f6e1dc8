"""``edabu audit verify|anchor|rotate-key|export``: the employer's signed hash chain."""

from __future__ import annotations

import json
from datetime import UTC

import click
import sqlalchemy as sa
from flask.cli import with_appcontext

from edabu_lite.accounts.cli import get_employer
from edabu_lite.accounts.models import Employer
from edabu_lite.audit.exports import export_events
from edabu_lite.audit.keys import KeyFileError, rotate
from edabu_lite.audit.models import AuditEvent
from edabu_lite.audit.operations import record_key_rotation, verify_chain
from edabu_lite.commandline import EXIT_BLOCKED, CliError, actor_option, cli_actor
from edabu_lite.extensions import db


@click.group("audit", help="Jejak audit.")
def audit_group() -> None:
    pass


@audit_group.command("verify")
@click.option("--employer", "employer_code", required=True)
@click.option(
    "--anchor",
    "anchor_file",
    type=click.File("r"),
    help="An anchor printed earlier by `edabu audit anchor`: the chain must still reach it.",
)
@with_appcontext
def verify(employer_code: str, anchor_file: click.utils.LazyFile | None) -> None:
    """Exit 0 when the chain holds (and reaches the anchor); 1 naming the first edited,
    deleted or reordered event."""
    employer = get_employer(employer_code)
    anchor = _read_anchor(anchor_file, employer) if anchor_file is not None else None
    result = verify_chain(db.session, employer.id)
    if not result.ok:
        click.echo(
            f"RUSAK: kejadian #{result.first_bad_seq} (id {result.first_bad_id}): {result.reason}",
            err=True,
        )
        raise SystemExit(EXIT_BLOCKED)
    if anchor is not None:
        seq, expected = anchor
        found = db.session.scalar(
            db.select(AuditEvent.hash).where(
                AuditEvent.employer_id == employer.id, AuditEvent.seq == seq
            )
        )
        if found != expected:
            click.echo(
                f"RUSAK: rantai tidak lagi mencapai jangkar #{seq}: "
                + ("kejadian itu hilang (ekor rantai dihapus)" if found is None else
                   "kejadian itu berbeda (rantai ditulis ulang)"),
                err=True,
            )  # fmt: skip
            raise SystemExit(EXIT_BLOCKED)
        click.echo(f"OK: {result.checked} kejadian audit {employer.code} utuh; jangkar #{seq} ada.")
        return
    click.echo(f"OK: {result.checked} kejadian audit {employer.code} utuh.")


@audit_group.command("anchor")
@click.option("--employer", "employer_code", required=True)
@with_appcontext
def anchor(employer_code: str) -> None:
    """Print the chain's head (seq, hash, time) as JSON, to keep outside this system (mail
    it, print it): `audit verify --anchor FILE` later checks the chain still reaches it."""
    employer = get_employer(employer_code)
    result = verify_chain(db.session, employer.id)
    if not result.ok:
        click.echo(
            f"RUSAK: rantai audit {employer.code} rusak di kejadian #{result.first_bad_seq}: "
            "tidak ada jangkar yang dapat dipercaya",
            err=True,
        )
        raise SystemExit(EXIT_BLOCKED)
    head = db.session.scalars(
        db.select(AuditEvent).where(
            AuditEvent.employer_id == employer.id, AuditEvent.seq == employer.audit_seq
        )
    ).first()
    click.echo(
        json.dumps(
            {
                "employer": employer.code,
                "seq": employer.audit_seq,
                "hash": employer.audit_head,
                "time": head.created_at.replace(tzinfo=UTC).isoformat() if head else None,
            }
        )
    )


@audit_group.command("rotate-key")
@actor_option
@with_appcontext
def rotate_key(actor: str) -> None:
    """Sign new audit events with a new key (old ones stay in the key file to verify what
    they signed), and record the switch in every employer's chain."""
    try:
        previous, new = rotate()
    except (OSError, KeyFileError) as exc:
        raise CliError(f"kunci baru tidak dapat disimpan: {exc}") from exc
    who = cli_actor(actor)
    for employer in db.session.scalars(db.select(Employer).order_by(Employer.id)):
        record_key_rotation(db.session, employer.id, who, previous, new)
        db.session.commit()
    click.echo(f"Kunci baru {new} (sebelumnya {previous}).")


def _read_anchor(handle: click.utils.LazyFile, employer: Employer) -> tuple[int, str]:
    try:
        data = json.load(handle)
        seq, digest, code = int(data["seq"]), str(data["hash"]), data.get("employer")
    except (ValueError, KeyError, TypeError) as exc:
        raise CliError(
            "berkas jangkar tidak terbaca: harus JSON dari `edabu audit anchor`"
        ) from exc
    if code is not None and code != employer.code:
        raise CliError(f"jangkar ini milik {code}, bukan {employer.code}")
    return seq, digest


@audit_group.command("export")
@click.option("--employer", "employer_code", required=True)
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False))
@with_appcontext
def export(employer_code: str, output: str) -> None:
    """Write the employer's whole audit trail to an xlsx file."""
    employer = get_employer(employer_code)
    with open(output, "wb") as out:
        count = export_events(
            db.session, sa.select(AuditEvent).where(AuditEvent.employer_id == employer.id), out
        )
    click.echo(f"{count} kejadian → {output}")
