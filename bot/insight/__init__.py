"""Staff insight: what residents ask that the bot cannot answer yet, without spying on them.

Every turn adds one to a count (week, language, channel, intent: no text). A turn
that ended `out_of_scope` also leaves its question in the unanswered-questions
queue, scrubbed first (bot/insight/scrub.py), with no sender, session or time finer
than a day, unless QUEUE_ENABLED is false. Staff read the queue grouped by
similarity (bot/admin pages, bot/insight/views.py), turn a group into a pattern the
matcher reads at the next request (learned.py), or dismiss it; either deletes the
group's questions, and the rest expire after QUEUE_RETENTION_DAYS (retention.py).
"""

from __future__ import annotations

import sqlite3

from flask import current_app

from .. import services
from ..db import get_db
from . import counts, queue, weeks
from .learned import LearnedPatterns


def _check_settings(config) -> None:
    for name in ("QUEUE_RETENTION_DAYS", "COUNTS_RETENTION_DAYS"):
        value = config.get(name)
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise ValueError(f"{name} must be a whole number of days from 1: {value!r}")
    if not isinstance(config.get("QUEUE_ENABLED"), bool):
        raise ValueError(f"QUEUE_ENABLED must be true or false: {config.get('QUEUE_ENABLED')!r}")


def on_turn(channel: str, message: str, reply) -> None:
    """Count the turn; keep an unanswered question, scrubbed. Never fails the reply."""
    config = current_app.config
    try:
        db = get_db()
        day = weeks.today(config)
        with db.atomic():  # one short write: the count and the question together
            counts.record(db, weeks.iso_week(day), reply.language, channel, reply.intent)
            if reply.intent == counts.UNANSWERED and config["QUEUE_ENABLED"]:
                queue.record(db, message, reply.language, reply.closest, day)
    except sqlite3.Error as exc:  # the resident still gets the answer; no text in the log
        current_app.logger.warning("staff insight: turn not counted (%s)", type(exc).__name__)


def on_keyword(channel: str, kind: str, lang: str | None) -> None:
    """An SMS opt-out or opt-in that never reached the engine: counted, nothing else."""
    config = current_app.config
    try:
        db = get_db()
        week = weeks.iso_week(weeks.today(config))
        with db.atomic():
            counts.record(db, week, lang or config["DEFAULT_LANGUAGE"], channel, kind)
    except sqlite3.Error as exc:
        current_app.logger.warning("staff insight: %s not counted (%s)", kind,
                                   type(exc).__name__)  # fmt: skip


def init_app(app) -> None:
    from . import cli

    _check_settings(app.config)
    with app.app_context():
        services.on_turn(on_turn)
        services.on_keyword(on_keyword)
        services.learn_from(LearnedPatterns())
    cli.init_app(app)
