"""What the ``edabu`` commands share: exit statuses (contract §4), the error that prints a
clear message instead of a traceback, and the ``--actor`` option."""

from __future__ import annotations

import getpass
import os

import click

from edabu_lite.actor import Actor

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
