"""The ``edabu`` command (contract §4): a Flask CLI group with the project's commands.

``flask --app edabu_lite …`` reaches the same commands. Each command is thin: parse the
arguments, call an operation, print the outcome. Exit 2 means the input could not be
processed at all (bad arguments, unknown employer).
"""

from __future__ import annotations

import getpass
import os

import click
from flask import Flask
from flask.cli import FlaskGroup
from flask_babel import gettext as _

from edabu_lite.audit.operations import Actor

EXIT_BLOCKED = 1
EXIT_UNPROCESSABLE = 2


class CliError(click.ClickException):
    """A clear message and exit status 2, never a traceback."""

    exit_code = EXIT_UNPROCESSABLE


def default_actor() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no passwd entry in some containers
        return os.environ.get("USER") or "cli"


def actor_option(func):  # type: ignore[no-untyped-def]
    return click.option(
        "--actor",
        default=default_actor,
        show_default="OS user name",
        help="Name recorded as the actor in the audit trail.",
    )(func)


def cli_actor(name: str) -> Actor:
    return Actor(name, "cli")


def get_employer(code: str):  # type: ignore[no-untyped-def]
    from edabu_lite.accounts.operations import find_employer
    from edabu_lite.extensions import db

    employer = find_employer(db.session, code)
    if employer is None:
        raise CliError(
            _(
                "Badan usaha dengan kode %(code)s tidak ditemukan. Buat dulu dengan "
                "'edabu employer create'.",
                code=code,
            )
        )
    return employer


def register_commands(app: Flask) -> None:
    """Attach the project's commands to ``app.cli`` (so ``flask --app edabu_lite`` and the
    ``edabu`` group below both see them)."""
    from edabu_lite.accounts.cli import employer_group, user_group
    from edabu_lite.audit.cli import audit_group
    from edabu_lite.demo import demo_command
    from edabu_lite.jobs.cli import jobs_group, serve_command, worker_command
    from edabu_lite.mutations.cli import mutation_group
    from edabu_lite.roster.cli import roster_group

    for command in (
        employer_group,
        user_group,
        roster_group,
        mutation_group,
        audit_group,
        demo_command,
        worker_command,
        jobs_group,
        serve_command,
    ):
        app.cli.add_command(command)


def _create_app() -> Flask:
    from edabu_lite.app import create_app

    return create_app()


cli = FlaskGroup(create_app=_create_app, help="edabu_lite: kepesertaan JKN badan usaha.")


def main() -> None:
    cli.main(prog_name="edabu")
