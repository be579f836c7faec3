"""Staff insight: what residents ask that the bot cannot answer yet, without spying on them.

Every turn adds one to a count (week, language, channel, intent: no text), held in
the process for COUNTS_FLUSH_SECONDS and then written with the others (counts.py). A turn
that ended `out_of_scope` also leaves its question in the unanswered-questions
queue, scrubbed first (bot/insight/scrub.py), with no sender, session or time finer
than a day, unless QUEUE_ENABLED is false. Staff read the queue grouped by
similarity (bot/insight/views.py, pages on the staff blueprint), turn a group into
a pattern the matcher reads at the next request (learned.py), or dismiss it; either
deletes the group's questions, and the rest expire after QUEUE_RETENTION_DAYS
(bot/platform/retention.py).

May import: bot.platform, bot.engine, bot.directory, bot.services and bot.staff (its
pages sit on the staff blueprint, behind staff sign-in). Nothing imports insight
except the app factory (bot/__init__.py). tests/test_layers.py checks it.
"""

from __future__ import annotations

import atexit
import logging
import os
import sqlite3

from flask import current_app

from .. import services
from ..platform import db as database
from ..platform.db import get_db
from . import counts, queue, weeks
from .learned import LearnedPatterns

_TALLY = "insight_tally"
log = logging.getLogger(__name__)


def _check_settings(config) -> None:
    for name in ("QUEUE_RETENTION_DAYS", "COUNTS_RETENTION_DAYS"):
        value = config.get(name)
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise ValueError(f"{name} must be a whole number of days from 1: {value!r}")
    if not isinstance(config.get("QUEUE_ENABLED"), bool):
        raise ValueError(f"QUEUE_ENABLED must be true or false: {config.get('QUEUE_ENABLED')!r}")
    flush = config.get("COUNTS_FLUSH_SECONDS")
    if not isinstance(flush, int | float) or isinstance(flush, bool) or not 0 <= flush <= 3600:
        raise ValueError(f"COUNTS_FLUSH_SECONDS must be a number from 0 to 3600: {flush!r}")


def _tally() -> counts.Tally:
    return current_app.extensions[_TALLY]


def _flush_if_due() -> None:
    tally = _tally()
    if tally.due():
        _flush(tally)


def _flush(tally: counts.Tally) -> None:
    try:
        tally.flush(get_db())
    except sqlite3.Error as exc:  # kept for the next try; the resident still gets the answer
        current_app.logger.warning("staff insight: %d counts not written yet (%s)",
                                   tally.pending(), type(exc).__name__)  # fmt: skip


def flush_counts() -> None:
    """Write this process's pending counts now (the staff pages, tests)."""
    _flush(_tally())


def on_turn(channel: str, message: str, reply) -> None:
    """Count the turn; keep an unanswered question, scrubbed. Never fails the reply."""
    config = current_app.config
    day = weeks.today(config)
    _tally().add(weeks.iso_week(day), reply.language, channel, reply.intent)
    if reply.intent == counts.UNANSWERED and config["QUEUE_ENABLED"]:
        try:
            db = get_db()
            with db.atomic():
                queue.record(db, message, reply.language, reply.closest, day)
        except sqlite3.Error as exc:  # no text in the log
            current_app.logger.warning("staff insight: question not kept (%s)",
                                       type(exc).__name__)  # fmt: skip
    _flush_if_due()


def on_keyword(channel: str, kind: str, lang: str | None) -> None:
    """An SMS opt-out or opt-in that never reached the engine: counted, nothing else."""
    config = current_app.config
    week = weeks.iso_week(weeks.today(config))
    _tally().add(week, lang or config["DEFAULT_LANGUAGE"], channel, kind)
    _flush_if_due()


def _flush_at_exit(tally: counts.Tally, path: str) -> None:
    """A stopping worker writes what it counted (gunicorn lets atexit run on a graceful
    stop); a fresh connection, since the request threads' ones may be gone."""
    if not tally.pending():
        return
    if not os.path.exists(path):  # removed (a test's or a benchmark's): never create one
        log.debug("staff insight: %d counts not written, %s is gone", tally.pending(), path)
        return
    try:
        db = database.connect(path)
        try:
            tally.flush(db)
        finally:
            db.conn.close()
    except Exception as exc:  # noqa: BLE001 (at exit there is nobody left to raise to)
        log.warning("staff insight: %d counts lost at exit (%s)", tally.pending(),
                    type(exc).__name__)  # fmt: skip


def init_app(app) -> None:
    from . import cli

    _check_settings(app.config)
    tally = app.extensions[_TALLY] = counts.Tally(app.config["COUNTS_FLUSH_SECONDS"])
    atexit.register(_flush_at_exit, tally, app.config["DATABASE"])
    with app.app_context():
        services.on_turn(on_turn)
        services.on_keyword(on_keyword)
        services.learn_from(LearnedPatterns())
    cli.init_app(app)
