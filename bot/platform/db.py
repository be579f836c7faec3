"""The SQLite file behind the service, through sqlite-utils, one connection per thread.

WAL mode and a busy timeout let chats and staff edits in several gunicorn workers
share one file without "database is locked"; migrations run once, under a file lock,
so two workers starting together never race to create a table.
"""

import fcntl
import logging
import os
import sqlite3
import threading
from contextlib import contextmanager

import click
import sqlite_utils
from flask import current_app, g
from flask.cli import with_appcontext

BUSY_TIMEOUT_MS = 5000
# Files beside the database that hold what it holds (or lock it).
COMPANIONS = ("", "-wal", "-shm", "-journal", ".lock", ".writer-lock")


def private_files() -> None:
    """Make every file this process creates from now on readable by its owner only.

    The database, its WAL and SHM hold the staff password hashes, the audit log and
    the hashed senders; SQLite creates them 0644 less the umask, and its WAL and SHM
    copy the database file's mode. So the umask is tightened (never loosened) for the
    whole process, before the first file is made: the database and its companions,
    backups and the instance folder's keys come out 0600 (folders 0700).
    """
    os.umask(os.umask(0o077) | 0o077)


def make_private(path: str) -> None:
    """Tighten a database made before files were private (0644) and its companions."""
    for suffix in COMPANIONS:
        name = path + suffix
        try:
            mode = os.stat(name).st_mode & 0o777
            if mode & 0o077:
                os.chmod(name, mode & 0o700)
        except FileNotFoundError:
            continue
        except OSError as exc:  # not ours to change: say so, and keep serving
            logging.getLogger(__name__).warning("could not make %s private: %s", name, exc)


_locks = threading.local()  # per thread: lock-file descriptors by path


@contextmanager
def _writer_turn(lock_path: str | None):
    """Wait for this database's writer turn on a lock file, then hold it.

    SQLite lets one writer in at a time and makes the others poll: its busy handler
    sleeps 1, 2, 5 ... 100 ms between tries, so under load writers slept while the
    CPUs idled (`make load`: p50 29 ms with 0.8 of 2 cores unused). flock queues
    them in the kernel and wakes the next one the moment the lock is released.
    Each thread has its own descriptor, because flock does not exclude two users of
    one descriptor. BEGIN IMMEDIATE still guards writers that take no turn here.
    """
    if lock_path is None:
        yield
        return
    fds = getattr(_locks, "fds", None)
    if fds is None or _locks.pid != os.getpid():
        fds = _locks.fds = {}
        _locks.pid = os.getpid()
    fd = fds.get(lock_path)
    if fd is None:
        fd = fds[lock_path] = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
    fcntl.flock(fd, fcntl.LOCK_EX)
    try:
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)


class Database(sqlite_utils.Database):
    """sqlite-utils' Database whose outermost `atomic()` is BEGIN IMMEDIATE.

    A deferred BEGIN reads first and asks for the write lock later; if another
    worker committed in between, WAL mode refuses at once with "database is locked"
    (the read snapshot is stale, so busy_timeout cannot help). `make load` hit this
    on staff saves during SMS traffic. Taking the write lock at BEGIN makes writers
    queue instead (see `_writer_turn`). Nested blocks keep sqlite-utils' savepoints.
    """

    lock_path: str | None = None

    @contextmanager
    def atomic(self):
        if self.conn.in_transaction:
            with super().atomic():
                yield self
            return
        with self.immediate():
            yield self

    @contextmanager
    def immediate(self):
        """One write transaction, begun IMMEDIATE in this database's writer turn."""
        with _writer_turn(self.lock_path):
            self.conn.execute("BEGIN IMMEDIATE")
            try:
                yield self
            except BaseException:
                self.conn.rollback()
                raise
            try:
                self.conn.execute("COMMIT")
            except BaseException:
                self.conn.rollback()
                raise


def connect(path: str) -> sqlite_utils.Database:
    conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, check_same_thread=False)
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    conn.execute("PRAGMA foreign_keys = ON")
    # Deleted rows are overwritten with zeros, not left readable in free pages
    # (some SQLite builds default to this, others do not).
    conn.execute("PRAGMA secure_delete = ON")
    db = Database(conn)
    if path and path != ":memory:" and not path.startswith("file:"):
        db.lock_path = path + ".writer-lock"
    if db.journal_mode != "wal":
        db.enable_wal()
    conn.execute("PRAGMA synchronous = NORMAL")
    return db


_thread = threading.local()
_inherited = []  # connections a forked child must neither use nor close


def get_db() -> sqlite_utils.Database:
    """This thread's connection, opened once and kept for the thread's next requests.

    A connection per request cost its set-up and, when it was the last one open,
    a WAL checkpoint with fsyncs on close: `make load` measured ~20 ms per request
    that writes, against ~1 ms with the connection kept (docs/figures.md). Another
    database (tests) or a forked process gets a fresh connection.
    """
    if "db" not in g:
        key = (os.getpid(), current_app.config["DATABASE"])
        db = getattr(_thread, "db", None)
        if db is None or _thread.key != key:
            if db is not None and _thread.key[0] != key[0]:
                _inherited.append(db)
            elif db is not None:
                db.conn.close()
            db = _thread.db = connect(key[1])
            _thread.key = key
        g.db = db
    return g.db


def close_db(_exc=None) -> None:
    """End the request: roll back whatever it left open; the connection stays."""
    db = g.pop("db", None)
    if db is not None and db.conn.in_transaction:
        db.conn.rollback()


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
    if path != ":memory:" and not path.startswith("file:"):
        make_private(path)
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
