"""`flask staff-*`: the only way to make, disable or reset a staff account.

Passwords are read from a hidden prompt, never from an argument, so they do not land
in shell history or the process list.
"""

import click
from flask import current_app
from flask.cli import with_appcontext

from ..platform.db import connect
from . import accounts as staff


def _db():
    return connect(current_app.config["DATABASE"])


def _fail(exc: Exception):
    click.echo(f"Error: {exc}", err=True)
    raise SystemExit(1)


@click.command("staff-create")
@click.argument("email")
@click.password_option(prompt="Password (12 characters or more)")
@with_appcontext
def staff_create_command(email, password):
    """Create a staff account; prompts for its password."""
    try:
        account = staff.create(_db(), email, password)
    except staff.StaffError as exc:
        _fail(exc)
    click.echo(f"Created staff account {account['email']}.")


@click.command("staff-password")
@click.argument("email")
@click.password_option(prompt="New password (12 characters or more)")
@with_appcontext
def staff_password_command(email, password):
    """Set a new password for a staff account; signs out its open sessions."""
    try:
        staff.set_password(_db(), email, password)
    except staff.StaffError as exc:
        _fail(exc)
    click.echo(f"Password changed for {staff.normalize_email(email)}.")


@click.command("staff-disable")
@click.argument("email")
@with_appcontext
def staff_disable_command(email):
    """Disable a staff account at once (its history stays in the audit log)."""
    try:
        staff.set_active(_db(), email, False)
    except staff.StaffError as exc:
        _fail(exc)
    click.echo(f"Disabled {staff.normalize_email(email)}.")


@click.command("staff-enable")
@click.argument("email")
@with_appcontext
def staff_enable_command(email):
    """Enable a disabled staff account again."""
    try:
        staff.set_active(_db(), email, True)
    except staff.StaffError as exc:
        _fail(exc)
    click.echo(f"Enabled {staff.normalize_email(email)}.")


@click.command("staff-list")
@with_appcontext
def staff_list_command():
    """List staff accounts, whether active, and when each last signed in."""
    rows = list(_db().query("select * from staff order by email"))
    if not rows:
        click.echo("No staff accounts. Make one with: flask staff-create EMAIL")
    for row in rows:
        state = "active" if row["active"] else "disabled"
        click.echo(f"{row['email']}\t{state}\tlast sign-in: {row['last_sign_in_at'] or 'never'}")


def init_app(app) -> None:
    for command in (staff_create_command, staff_password_command, staff_disable_command,
                    staff_enable_command, staff_list_command):  # fmt: skip
        app.cli.add_command(command)
