"""`flask directory-*`: import, export and check the directory from the command line.

The same rules as the staff pages: an import is previewed and applied whole or not
at all, and every change is in the audit log, under "cli:<user>".
"""

import getpass
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from .. import services
from ..directory import hsds, import_export
from ..directory import listings as directory
from ..directory.listing_edits import Actor
from ..directory.validation import clean_listing, labels
from ..platform.db import connect


def _db():
    return connect(current_app.config["DATABASE"])


def _known_intents():
    return list(services.engine().knowledge.intents) if services.ready() else None


def _write(data: bytes, output: str | None) -> None:
    if output in (None, "-"):
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
    else:
        Path(output).write_bytes(data)
        click.echo(f"Wrote {output}", err=True)


@click.command("directory-export")
@click.option("-o", "--output", help="File to write (default: standard output).")
@with_appcontext
def directory_export_command(output):
    """Export every listing as CSV (UTF-8); the file imports back unchanged."""
    _write(import_export.export_csv(_db()), output)


@click.command("directory-export-hsds")
@click.option("-o", "--output", required=True, help="The .zip file to write.")
@with_appcontext
def directory_export_hsds_command(output):
    """Export the directory as Open Referral HSDS CSVs in a zip (organizations, services, ...)."""
    _write(hsds.export_zip(_db()), output)


@click.command("directory-import")
@click.argument("csv_file", type=click.Path(exists=True, dir_okay=False))
@click.option("--yes", is_flag=True, help="Apply without asking after the preview.")
@with_appcontext
def directory_import_command(csv_file, yes):
    """Preview a CSV import, then apply it all-or-nothing; any bad row writes nothing."""
    content = Path(csv_file).read_bytes()
    db = _db()
    plan = import_export.plan(db, content, _known_intents())
    for problem in plan.file_errors:
        click.echo(f"Error: {problem}", err=True)
    for err in plan.row_errors:
        for problem in err.problems:
            click.echo(f"Row {err.row} ({err.name}): {problem}", err=True)
    if not plan.ok:
        click.echo("Nothing was imported.", err=True)
        raise SystemExit(1)
    new, changed = plan.of("new"), plan.of("changed")
    click.echo(f"{len(new)} new, {len(changed)} changed, {len(plan.of('unchanged'))} unchanged")
    for row in changed:
        click.echo(f"  changed #{row.listing_id} {row.name}: {', '.join(row.changes)}")
    for row in new:
        click.echo(f"  new: {row.name}")
    if not new and not changed:
        return
    if not yes and not click.confirm("Apply these changes?"):
        click.echo("Nothing was imported.")
        return
    actor = Actor(f"cli:{getpass.getuser()}")
    try:
        import_export.apply(db, content, actor, expected_digest=plan.digest(),
                            known_intents=_known_intents())  # fmt: skip
    except import_export.Stale:
        click.echo("The directory changed during the preview; nothing was imported.", err=True)
        raise SystemExit(1) from None
    click.echo("Imported.")


@click.command("directory-check")
@with_appcontext
def directory_check_command():
    """List stale, unverified and broken listings; exits 1 when a field is broken."""
    db = _db()
    days = current_app.config["STALE_AFTER_DAYS"]
    names = labels()
    intents = _known_intents()
    broken = stale = unverified = 0
    for row in db.query("select * from listings where status != 'inactive' order by id"):
        where = f"#{row['id']} {row['name']}"
        _clean, errors = clean_listing(row, intents)
        for field, message in errors.items():
            broken += 1
            click.echo(f"BROKEN      {where}: {names[field]}: {message}")
        check = directory.needs_check(row, days)
        if check == "stale":
            stale += 1
            click.echo(f"STALE       {where}: last verified {row['last_verified_at'][:10]}")
        elif check == "unverified":
            unverified += 1
            click.echo(f"UNVERIFIED  {where}")
        if not row["phone"] and not row["website"]:
            click.echo(f"NO CONTACT  {where}: no phone and no website")
    click.echo(f"{broken} broken fields, {stale} stale (over {days} days), "
               f"{unverified} unverified")  # fmt: skip
    if broken:
        raise SystemExit(1)


def init_app(app) -> None:
    for command in (directory_export_command, directory_export_hsds_command,
                    directory_import_command, directory_check_command):  # fmt: skip
        app.cli.add_command(command)
