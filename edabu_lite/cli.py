"""The ``edabu`` command (contract §4): a Flask CLI group with the project's commands.

``flask --app edabu_lite …`` reaches the same commands (`app.register_commands`). Each
command is thin: parse the arguments, call an operation, print the outcome. Exit 2 means the
input could not be processed at all (bad arguments, unknown employer); the shared pieces are
in `edabu_lite.commandline`.
"""

from __future__ import annotations

from flask.cli import FlaskGroup

from edabu_lite.app import create_app

cli = FlaskGroup(create_app=create_app, help="edabu_lite: kepesertaan JKN badan usaha.")


def main() -> None:
    cli.main(prog_name="edabu")
