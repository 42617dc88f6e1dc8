"""The monthly sync on the command line: ``edabu roster import FILE --full-roster`` reports
the active workers the file leaves out (the JSON's ``sync`` object, or a short summary), and
``--create-draft`` makes the same draft as the preview's button, through
`roster.sync.create_draft` (the default reason and TMT, linked to the import: one per
import). NIKs are masked, as everywhere the command line prints them."""

from __future__ import annotations

from datetime import date
from typing import Any

import click
from flask_babel import gettext as _
from flask_babel import ngettext

from edabu_lite.actor import Actor
from edabu_lite.commandline import EXIT_BLOCKED
from edabu_lite.extensions import db
from edabu_lite.i18n import format_date, format_thousands
from edabu_lite.identity.privacy import mask_nik
from edabu_lite.imports.models import ImportJob
from edabu_lite.labels import label
from edabu_lite.roster import sync
from edabu_lite.roster.sync_form import sync_error_message

#: Missing workers named in the summary without --json (the JSON lists them all).
HUMAN_LIST = 20


def sync_report(job: ImportJob, today: date) -> dict[str, Any]:
    """The ``sync`` object: `sync.Summary`'s counts and every missing worker."""
    summary = sync.summary(db.session, job, today)
    missing = [
        {
            "id": pid,
            "nik_masked": mask_nik(nik),
            "name": name,
            "employee_number": number,
            "start_date": start.isoformat() if start else None,
        }
        for pid, nik, name, number, start in sync.all_missing(db.session, job, today)
    ]
    return {
        "active_workers": summary.active_workers,
        "missing_workers": summary.missing_workers,
        "already_leaving": summary.already_leaving,
        "missing_dependants": summary.missing_dependants,
        "unreadable_rows": summary.unreadable_rows,
        "suspicious": summary.suspicious,
        "missing": missing,
        "draft": None,
    }


def make_sync_draft(job: ImportJob, report: dict[str, Any], actor: Actor, today: date) -> int:
    """The draft for ``report``'s missing workers, noted in it as ``draft``; returns the exit
    status it asks for: 0 made, or nobody to deactivate; 1 (blocked) refused, e.g. more
    people than one draft holds."""
    effective = sync.default_tmt(today)
    try:
        batch = sync.create_draft(
            db.session, job, sync.DEFAULT_REASON, {}, effective, actor, today=today
        )
    except sync.SyncError as error:
        click.echo(sync_error_message(error), err=True)
        return 0 if error.code == "nobody" else EXIT_BLOCKED
    report["draft"] = {
        "batch_id": batch.id,
        "status": batch.status.value,
        "items": batch.items_count,
        "error_items": batch.error_items,
        "affected": batch.affected,
        "reason": sync.DEFAULT_REASON.value,
        "effective_date": effective.isoformat(),
    }
    return 0


def _suspicious(report: dict[str, Any]) -> str:
    return _(
        "Lebih dari separuh pekerja aktif (%(m)s dari %(a)s) tidak ada di berkas: mungkin "
        "berkasnya salah, atau ekspor payroll belum lengkap. Jangan buat draf sebelum yakin.",
        m=format_thousands(report["missing_workers"]),
        a=format_thousands(report["active_workers"]),
    )


def print_sync(report: dict[str, Any]) -> None:
    """A few lines for a person at a terminal; the JSON has everything."""
    click.echo(
        _(
            "%(m)s dari %(a)s pekerja aktif hari ini tidak ada di berkas ini.",
            m=format_thousands(report["missing_workers"]),
            a=format_thousands(report["active_workers"]),
        )
    )
    for person in report["missing"][:HUMAN_LIST]:
        number = f"  {person['employee_number']}" if person["employee_number"] else ""
        click.echo(f"  - {person['name']}  {person['nik_masked']}{number}")
    more = len(report["missing"]) - HUMAN_LIST
    if more > 0:
        click.echo("  " + _("dan %(n)s lainnya", n=format_thousands(more)))
    lines = []
    if report["already_leaving"]:
        lines.append(
            ngettext(
                "%(num)s pekerja lain yang tidak ada di berkas sudah dijadwalkan nonaktif, "
                "jadi tidak ditawarkan lagi.",
                "%(num)s pekerja lain yang tidak ada di berkas sudah dijadwalkan nonaktif, "
                "jadi tidak ditawarkan lagi.",
                report["already_leaving"],
            )
        )
    if report["missing_dependants"]:
        lines.append(
            _("Anggota keluarga tidak ada di berkas (%(n)s)", n=report["missing_dependants"])
        )
    if report["unreadable_rows"]:
        lines.append(
            ngettext(
                "%(num)s baris NIK-nya tidak terbaca, jadi tidak cocok dengan siapa pun: daftar "
                "ini bisa memuat orang yang sebenarnya ada di berkas.",
                "%(num)s baris NIK-nya tidak terbaca, jadi tidak cocok dengan siapa pun: daftar "
                "ini bisa memuat orang yang sebenarnya ada di berkas.",
                report["unreadable_rows"],
            )
        )
    for line in lines:
        click.echo(f"  {line}")
    if report["suspicious"] and report["missing_workers"]:
        click.echo(_suspicious(report), err=True)
    draft = report["draft"]
    if draft:
        click.echo(
            _(
                "Draf mutasi #%(id)s dibuat untuk %(n)s peserta (TMT %(tmt)s, alasan "
                "%(reason)s). Periksa lalu terapkan di menu Mutasi.",
                id=draft["batch_id"],
                n=format_thousands(draft["items"]),
                tmt=format_date(date.fromisoformat(draft["effective_date"])),
                reason=label(draft["reason"], "reason"),
            )
        )
