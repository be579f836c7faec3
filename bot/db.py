"""The SQLite file behind the service, opened per request through sqlite-utils.

WAL mode and a busy timeout let chats and staff edits in several gunicorn workers
share one file without "database is locked"; migrations run once, under a file lock,
so two workers starting together never race to create a table.
"""

import fcntl
import os
import sqlite3
from contextlib import contextmanager

import click
import sqlite_utils
from flask import current_app, g
from flask.cli import with_appcontext

BUSY_TIMEOUT_MS = 5000


def connect(path: str) -> sqlite_utils.Database:
    conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, check_same_thread=False)
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    conn.execute("PRAGMA foreign_keys = ON")
    db = sqlite_utils.Database(conn)
    if db.journal_mode != "wal":
        db.enable_wal()
    conn.execute("PRAGMA synchronous = NORMAL")
    return db


def get_db() -> sqlite_utils.Database:
    if "db" not in g:
        g.db = connect(current_app.config["DATABASE"])
    return g.db


def close_db(_exc=None) -> None:
    db = g.pop("db", None)
    if db is not None:
        db.conn.close()


@contextmanager
def _migration_lock(path: str):
    with open(path + ".lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def upgrade(path: str) -> list[str]:
    """Apply pending migrations and seed an empty directory; return what was applied."""
    from . import migrations, seed

    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with _migration_lock(path):
        db = connect(path)
        try:
            pending = []
            for migration_set in migrations.all_sets():
                pending += [m.name for m in migration_set.pending(db)]
                migration_set.apply(db)
            seed.seed_if_empty(db)
        finally:
            db.conn.close()
    return pending


@click.command("db-upgrade")
@with_appcontext
def db_upgrade_command():
    """Create or upgrade the database and load the seed listings into an empty directory."""
    applied = upgrade(current_app.config["DATABASE"])
    click.echo(f"Database ready at {current_app.config['DATABASE']}")
    for name in applied:
        click.echo(f"  applied {name}")


def init_app(app) -> None:
    app.teardown_appcontext(close_db)
    app.cli.add_command(db_upgrade_command)
    if app.config.get("DB_UPGRADE_ON_START", True):
        upgrade(app.config["DATABASE"])
