"""``edabu token create | revoke | list``: API tokens from the command line (contract §6)."""

from __future__ import annotations

import click
from flask.cli import with_appcontext
from flask_babel import gettext as _

from edabu_lite.accounts.cli import get_employer
from edabu_lite.api import tokens
from edabu_lite.commandline import CliError, actor_option, cli_actor
from edabu_lite.extensions import db


@click.group("token", help="Kelola token API.")
def token_group() -> None:
    pass


@token_group.command("create")
@click.argument("name")
@click.option("--employer", "employer_code", required=True, help="Kode BU.")
@click.option("--role", type=click.Choice(tokens.TOKEN_ROLES), required=True)
@click.option("--days", type=int, default=None, help="Expires after this many days.")
@actor_option
@with_appcontext
def create_command(name: str, employer_code: str, role: str, days: int | None, actor: str) -> None:
    """Create a token NAME; the token is printed once, as the last line of stdout."""
    employer = get_employer(employer_code)
    try:
        new = tokens.create_token(db.session, employer, name, role, cli_actor(actor), days=days)
    except tokens.TokenError as error:
        db.session.rollback()
        raise CliError(tokens.error_message(error)) from error
    shown_once = _(
        "Token %(name)s (%(role)s) dibuat. Simpan sekarang: token tidak ditampilkan lagi.",
        name=new.token.name,
        role=new.token.role,
    )
    click.echo(shown_once, err=True)
    click.echo(new.secret)


@token_group.command("revoke")
@click.argument("name")
@click.option("--employer", "employer_code", required=True, help="Kode BU.")
@actor_option
@with_appcontext
def revoke_command(name: str, employer_code: str, actor: str) -> None:
    """Revoke the employer's active token NAME (its next request is refused)."""
    employer = get_employer(employer_code)
    token = tokens.find_named(db.session, employer.id, name)
    if token is None:
        raise CliError(_("Tidak ada token aktif bernama %(name)s.", name=name))
    tokens.revoke_token(db.session, employer.id, token.id, cli_actor(actor))
    click.echo(_("Token %(name)s dicabut.", name=token.name))


@token_group.command("list")
@click.option("--employer", "employer_code", required=True, help="Kode BU.")
@with_appcontext
def list_command(employer_code: str) -> None:
    """The employer's tokens: name, role, prefix, created, last used, expiry, state."""
    employer = get_employer(employer_code)
    for token in tokens.tokens_of(db.session, employer.id):
        state = _("dicabut") if token.revoked_at else _("aktif")
        cells = [
            token.name,
            token.role,
            token.prefix + "…",
            f"{token.created_at:%Y-%m-%d %H:%M}",
            f"{token.last_used_at:%Y-%m-%d %H:%M}" if token.last_used_at else "-",
            f"{token.expires_at:%Y-%m-%d}" if token.expires_at else "-",
            state,
        ]
        click.echo("\t".join(cells))
