"""``edabu iuran --employer KODE --month YYYY-MM [--json] [-o OUT.xlsx]`` (contract §4)."""

from __future__ import annotations

import json
from pathlib import Path

import click
from flask.cli import with_appcontext
from flask_babel import gettext as _

from edabu_lite.accounts.cli import get_employer
from edabu_lite.commandline import CliError
from edabu_lite.contributions import operations as ops
from edabu_lite.contributions.exports import export_bill
from edabu_lite.extensions import db


@click.command("iuran")
@click.option("--employer", "employer_code", required=True)
@click.option("--month", "month_text", required=True, help="YYYY-MM")
@click.option("--json", "as_json", is_flag=True, help="One JSON object on stdout.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def iuran_command(employer_code: str, month_text: str, as_json: bool, output: Path | None) -> None:
    """The month's contribution (Rincian Iuran): totals, and each worker's line with -o."""
    month = ops.parse_month(month_text)
    if month is None:
        raise CliError(
            _("Bulan %(month)s tidak dikenali. Tulis YYYY-MM, misalnya 2027-01.", month=month_text)
        )
    employer = get_employer(employer_code)
    bill = ops.bill_for(db.session, employer, month)
    if output is not None:
        with output.open("wb") as out:
            export_bill(db.session, bill, employer.id, out, _)
    payload = bill.as_json(employer.code)
    if as_json:
        click.echo(json.dumps(payload))
        return
    for key, value in payload.items():
        click.echo(f"{key:>15}: {value:,}" if isinstance(value, int) else f"{key:>15}: {value}")
    if output is not None:
        click.echo(f"→ {output}")
