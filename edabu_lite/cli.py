"""The ``edabu`` command (contract §4): a Flask CLI group with the project's commands.

``flask --app edabu_lite …`` reaches the same commands (`app.register_commands`). Each
command is thin: parse the arguments, call an operation, print the outcome. Exit 2 means the
input could not be processed at all (bad arguments, unknown employer); the shared pieces are
in `edabu_lite.commandline`.
"""

from __future__ import annotations

import sys

from flask import Flask
from flask.cli import FlaskGroup

from edabu_lite.imports.pipeline import collect_young_less_often, start_fork_server
from edabu_lite.roster import HELPER_PRELOAD


def create_app() -> Flask:
    # Imported here, not at the top: multiprocessing runs the ``edabu`` script again as the
    # main module of each helper process of a large import (`imports.pipeline`), which has
    # no use for the web app and would spend a second importing it before its first row.
    from edabu_lite.app import create_app as create

    return create()


cli = FlaskGroup(create_app=create_app, help="edabu_lite: kepesertaan JKN badan usaha.")


def main() -> None:
    # Every command first loads the app (~170,000 objects that live as long as the process);
    # at Python's default young threshold (700) the collector walks them again and again as
    # they load, a tenth of a second or more of each command's start.
    collect_young_less_often()
    if sys.argv[1:3] == ["roster", "import"]:
        # The fork server of its helper processes starts now, loading the row checks while
        # this process loads the app, so on a large file the helper reads its first rows
        # while the sheet is still being scanned here (~0.25 s of a 100,000-row dry run); a
        # small file leaves it unused.
        start_fork_server(HELPER_PRELOAD)
    cli.main(prog_name="edabu")
