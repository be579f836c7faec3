"""Everything the service keeps has an expiry; this is the one place that enforces it.

Each store that keeps something about residents registers a purger here, so the
scheduled purge, the `flask purge` command and the data policy (PRIVACY.md) all
cover the same list, and a new store cannot be added without saying when its rows go.

The purge must run without anyone remembering to: a request that finds the last
run older than PURGE_INTERVAL_SECONDS claims the next one in SQLite (one UPDATE,
so among several gunicorn workers exactly one wins) and runs it after its
response is sent, so no resident waits for it. `flask purge --every N` is the
same job as a separate process, for platforms that prefer a clock process.

Deleting a row is not enough for a frightened resident: SQLite can leave the old
bytes in free pages and in old frames of the write-ahead log. Connections run
with `secure_delete` (bot/platform/db.py), and after a purge or a "delete my data" the WAL
is checkpointed and truncated, so the deleted bytes are in neither file.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import click
from flask import current_app, g
from flask.cli import with_appcontext

from . import db as database

log = logging.getLogger(__name__)

# purger(db, now, config) -> rows removed or cleared; `now` is a Unix time in seconds.
Purger = Callable[[object, int, dict], int]

JOB = "purge"
_EXT = "retention"


@dataclass(frozen=True)
class _Registered:
    name: str
    func: Purger


_PURGERS: dict[str, _Registered] = {}


def purger(name: str):
    """Register `func(db, now, config) -> int` under `name` (idempotent on re-import)."""

    def register(func: Purger) -> Purger:
        _PURGERS[name] = _Registered(name, func)
        return func

    return register


def purgers() -> list[tuple[str, Purger]]:
    return [(r.name, r.func) for r in _PURGERS.values()]


# -- the purge ---------------------------------------------------------------


class PurgeError(Exception):
    """One or more purgers failed; the others ran and committed."""

    def __init__(self, counts: dict, failed: list[str]):
        super().__init__("purge failed for: " + ", ".join(failed))
        self.counts = counts
        self.failed = failed


def run(db, now: int, config) -> dict[str, int]:
    """Run every purger, each in its own write transaction; return rows removed per purger.

    One transaction each, so a failing purger (a table a newer release dropped, a
    bug) rolls back only its own work and the rest still run; the failure is
    logged and raised as PurgeError after all have had their turn.
    """
    conn = db.conn
    conn.execute("PRAGMA secure_delete = ON")
    counts: dict[str, int] = {}
    failed: list[str] = []
    for name, func in purgers():
        try:
            with db.immediate():
                counts[name] = int(func(db, now, config) or 0)
        except Exception:
            log.exception("purge: %s failed; its rows are kept until the next run", name)
            failed.append(name)
    _record_run(conn, now)
    checkpoint(conn)
    if failed:
        raise PurgeError(counts, failed)
    return counts


def checkpoint(conn) -> bool:
    """Copy the WAL into the database and truncate it to zero bytes.

    Old WAL frames keep the bytes of rows deleted since; TRUNCATE drops them. It
    waits (busy_timeout) for readers to finish; if one is still reading it gives
    up, returns False, and the next purge tries again.
    """
    busy, _log_frames, _done = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    if busy:
        log.info("purge: WAL checkpoint postponed, the database was busy")
    return not busy


def _record_run(conn, now: float) -> None:
    try:
        with conn:
            conn.execute("update maintenance set last_run = ? where job = ?", [now, JOB])
    except Exception:  # an old database without the table: the purge itself ran
        log.warning("purge: could not record the run time (run flask db-upgrade)")


def claim(conn, now: float, interval: float) -> tuple[bool, float]:
    """Atomically take this interval's run: (True, now) for the one caller that wins,
    else (False, time of the last run)."""
    with conn:
        cur = conn.execute(
            "update maintenance set last_run = ? where job = ? and last_run <= ?",
            [now, JOB, now - interval],
        )
        if cur.rowcount == 1:
            return True, now
        row = conn.execute("select last_run from maintenance where job = ?", [JOB]).fetchone()
    return False, (row[0] if row else now)


# -- the schedule: triggered from requests, at most once per interval ------------


class _Schedule:
    """Per process: when to next look at the shared clock, so most requests skip it."""

    def __init__(self):
        self.next_check = 0.0
        self.lock = threading.Lock()


def _run_claimed(app) -> None:
    """After a response: claim the run if it is due, purge if we won, scrub if asked."""
    state = app.extensions[_EXT]
    if not state.lock.acquire(blocking=False):
        return
    interval = app.config["PURGE_INTERVAL_SECONDS"]
    now = time.time()
    state.next_check = now + interval  # also when this attempt fails: no retry storm
    try:
        with app.app_context():
            conn = database.connect(app.config["DATABASE"])
            try:
                won, last = claim(conn.conn, now, interval)
                state.next_check = last + interval
                if won:
                    counts = run(conn, int(now), app.config)
                    log.info("scheduled purge: %s", _describe(counts))
            finally:
                conn.conn.close()
    except Exception:
        log.exception("scheduled purge failed; it is tried again next interval")
    finally:
        state.lock.release()


def _scrub(app) -> None:
    try:
        conn = database.connect(app.config["DATABASE"])
        try:
            checkpoint(conn.conn)
        finally:
            conn.conn.close()
    except Exception:
        log.exception("WAL checkpoint after a deletion failed; the next purge retries it")


def scrub_soon() -> None:
    """Checkpoint and truncate the WAL once this response is sent (after a deletion)."""
    g.retention_scrub = True


def _after_request(response):
    app = current_app._get_current_object()
    if g.pop("retention_scrub", False):
        response.call_on_close(lambda: _scrub(app))
    interval = app.config["PURGE_INTERVAL_SECONDS"]
    if interval and time.time() >= app.extensions[_EXT].next_check:
        response.call_on_close(lambda: _run_claimed(app))
    return response


# -- settings -----------------------------------------------------------------


def _number(config, name: str, minimum: float, allow_zero: bool = False) -> float:
    value = config.get(name)
    ok = isinstance(value, int | float) and not isinstance(value, bool)
    if not ok or not (value >= minimum or (allow_zero and value == 0)):
        raise ValueError(f"{name} must be a number from {minimum}: {value!r}")
    return value


def configure(config) -> None:
    """Resolve retention settings; a bad value stops the start with its name."""
    days = _number(config, "CONVERSATION_MAX_AGE_DAYS", 1 / 24)
    if config.get("SMS_STATE_MAX_AGE") is None:  # seconds, kept for older deployments
        config["SMS_STATE_MAX_AGE"] = int(days * 24 * 3600)
    _number(config, "SMS_STATE_MAX_AGE", 60)
    _number(config, "PURGE_INTERVAL_SECONDS", 60, allow_zero=True)


# -- built-in purgers for stores that predate the registry ------------------------

PENDING_IMPORT_MAX_AGE = 24 * 3600  # bot/staff/admin/transfer.py PENDING_MAX_AGE


@purger("sign_in_attempts")
def _purge_sign_in_attempts(db, now: int, config) -> int:
    """Keyed hashes of staff emails and client addresses, useless after the window."""
    cur = db.conn.execute(
        "delete from sign_in_attempts where at < ?", [now - config["SIGN_IN_WINDOW_SECONDS"]]
    )
    return cur.rowcount


@purger("pending_imports")
def _purge_pending_imports(db, now: int, config) -> int:
    """Staff CSV uploads waiting between preview and apply: a day at most."""
    cur = db.conn.execute(
        "delete from pending_imports where created_at < ?", [now - PENDING_IMPORT_MAX_AGE]
    )
    return cur.rowcount


# -- the command ----------------------------------------------------------------


def _describe(counts: dict[str, int]) -> str:
    return ", ".join(f"{name} {n}" for name, n in counts.items()) or "nothing registered"


@click.command("purge")
@click.option(
    "--every",
    type=click.IntRange(min=60),
    default=None,
    metavar="SECONDS",
    help="Keep running, purging every SECONDS (a Procfile `clock:` process).",
)
@with_appcontext
def purge_command(every: int | None):
    """Delete everything past its retention period now, then truncate the WAL."""
    app = current_app._get_current_object()
    while True:
        conn = database.connect(app.config["DATABASE"])
        try:
            counts = run(conn, int(time.time()), app.config)
        except PurgeError as exc:
            click.echo(f"purged: {_describe(exc.counts)}")
            click.echo(f"failed: {', '.join(exc.failed)} (see the log)", err=True)
            if every is None:
                raise SystemExit(1) from None
        else:
            click.echo(f"purged: {_describe(counts)}")
        finally:
            conn.conn.close()
        if every is None:
            return
        time.sleep(every)


def init_app(app) -> None:
    configure(app.config)
    app.extensions[_EXT] = _Schedule()
    app.after_request(_after_request)
    app.cli.add_command(purge_command)
