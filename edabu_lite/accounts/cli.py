"""``edabu employer create`` and ``edabu user create``."""

from __future__ import annotations

import sys

import click
from flask.cli import with_appcontext
from flask_babel import gettext as _

from edabu_lite.accounts import operations as ops
from edabu_lite.accounts.messages import account_error_message
from edabu_lite.accounts.models import Role
from edabu_lite.commandline import CliError, actor_option, cli_actor
from edabu_lite.extensions import db


@click.group("employer", help="Kelola badan usaha.")
def employer_group() -> None:
    pass


@employer_group.command("create")
@click.argument("code")
@click.argument("name")
@click.option("--minimum-wage", type=click.IntRange(min=0), help="UMK/UMP in whole Rupiah.")
@actor_option
@with_appcontext
def create_employer(code: str, name: str, minimum_wage: int | None, actor: str) -> None:
    """Create an employer (badan usaha) with Kode BU CODE."""
    try:
        employer = ops.create_employer(
            db.session, code, name, cli_actor(actor), minimum_wage=minimum_wage
        )
    except ops.AccountError as error:
        db.session.rollback()
        raise CliError(account_error_message(error)) from error
    click.echo(f"{employer.code}\t{employer.name}")


@click.group("user", help="Kelola pengguna.")
def user_group() -> None:
    pass


def _read_password() -> str:
    """Password from standard input when piped, else a hidden prompt asked twice."""
    if not sys.stdin.isatty():
        line = sys.stdin.readline()
        return line.rstrip("\r\n")
    return click.prompt("Kata sandi", hide_input=True, confirmation_prompt=True)


@user_group.command("create")
@click.argument("username")
@click.option("--employer", "employer_code", required=True, help="Kode BU of the employer.")
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
@click.option("--full-name", default=None)
@click.option(
    "--temporary",
    is_flag=True,
    help="The user must replace this password at the first login (set it for someone else).",
)
@actor_option
@with_appcontext
def create_user(
    username: str,
    employer_code: str,
    role: str,
    full_name: str | None,
    temporary: bool,
    actor: str,
) -> None:
    """Create USERNAME for an employer; the password is read from stdin or a hidden prompt."""
    employer = get_employer(employer_code)
    password = _read_password()
    try:
        user = ops.create_user(
            db.session,
            employer,
            username,
            password,
            role,
            cli_actor(actor),
            full_name=full_name,
            must_change=temporary,
        )
    except ops.AccountError as error:
        db.session.rollback()
        raise CliError(account_error_message(error)) from error
    click.echo(f"{employer.code}\t{user.username}\t{user.role.value}")


def get_employer(code: str):  # type: ignore[no-untyped-def]
    """The employer with this code, or a clear exit (status 2) naming how to make it."""
    employer = ops.find_employer(db.session, code)
    if employer is None:
        raise CliError(
            _(
                "Badan usaha dengan kode %(code)s tidak ditemukan. Buat dulu dengan "
                "'edabu employer create'.",
                code=code,
            )
        )
    return employer
