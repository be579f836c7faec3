"""`flask db-backup PATH`: a consistent copy of the live database, taken while it serves.

Copying bot.sqlite3 with `cp` while gunicorn writes can catch half a transaction, and
misses whatever still sits in the -wal file. SQLite's online backup API copies one
consistent snapshot, WAL included, without stopping writers. The copy is written
beside its destination under a temporary name, checked, switched to a single-file
(rollback journal) database so it can be moved on its own, and only then renamed
into place, so PATH is either the old file or a whole, checked backup.
"""

from __future__ import annotations

import os
import sqlite3
import tempfile
import time
from dataclasses import dataclass

import click
from flask import current_app
from flask.cli import with_appcontext

from .db import BUSY_TIMEOUT_MS


class BackupError(Exception):
    """The backup could not be made; nothing was written at the destination."""


@dataclass(frozen=True)
class Backup:
    path: str
    bytes: int
    seconds: float


def _fsync_dir(path: str) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def backup(source: str, dest: str, force: bool = False) -> Backup:
    """Copy the database at `source` to `dest` (see module docstring)."""
    started = time.monotonic()
    dest = os.path.abspath(dest)
    folder = os.path.dirname(dest)
    if not os.path.isfile(source):
        raise BackupError(f"no database at {source}")
    if os.path.isdir(dest):
        raise BackupError(f"{dest} is a folder; give the backup file's name")
    if not os.path.isdir(folder):
        raise BackupError(f"folder {folder} does not exist")
    if os.path.exists(dest):
        if os.path.samefile(dest, source):
            raise BackupError("the backup cannot replace the database it copies")
        if not force:
            raise BackupError(f"{dest} exists; use --force to replace it")

    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{os.path.basename(dest)}.", suffix=".tmp")
    os.close(fd)  # made 0600: the copy holds what the database holds
    try:
        src = sqlite3.connect(f"file:{source}?mode=ro", uri=True, timeout=BUSY_TIMEOUT_MS / 1000)
        try:
            out = sqlite3.connect(tmp)
            try:
                # One step (pages=-1): a stepwise copy restarts whenever another
                # connection writes in between, which under load might never finish.
                src.backup(out)
                out.execute("PRAGMA journal_mode = DELETE")
                result = out.execute("PRAGMA integrity_check").fetchall()
                if result != [("ok",)]:
                    raise BackupError(f"the copy failed its integrity check: {result[:5]}")
            finally:
                out.close()
        finally:
            src.close()
        with open(tmp, "rb") as f:
            os.fsync(f.fileno())
        os.replace(tmp, dest)
        _fsync_dir(folder)
    except sqlite3.Error as exc:
        raise BackupError(f"could not copy {source}: {exc}") from exc
    finally:
        for leftover in (tmp, tmp + "-journal"):
            if os.path.exists(leftover):
                os.unlink(leftover)
    return Backup(dest, os.path.getsize(dest), time.monotonic() - started)


@click.command("db-backup")
@click.argument("path", type=click.Path(dir_okay=False))
@click.option("--force", is_flag=True, help="Replace PATH if it exists.")
@with_appcontext
def db_backup_command(path: str, force: bool):
    """Copy the live database to PATH with SQLite's online backup (safe while serving)."""
    try:
        made = backup(current_app.config["DATABASE"], path, force=force)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Backed up to {made.path} ({made.bytes} bytes, integrity ok, "
               f"{made.seconds:.2f} s)")  # fmt: skip


def init_app(app) -> None:
    app.cli.add_command(db_backup_command)
