"""`/healthz` says the process is alive; `/readyz` says it can answer residents.

They differ on purpose: a liveness probe that failed on bad intent data or a locked
database would have the platform restart the process again and again, which fixes
neither; a readiness probe takes the instance out of the load balancer until the
release step (`flask db-upgrade`) has run and the data files load.
"""

from __future__ import annotations

import functools
import os
import sqlite3

import sqlite_utils
from flask import Blueprint, current_app, jsonify

from . import services
from .platform import migrations

bp = Blueprint("health", __name__)

# A probe must answer within the platform's timeout (often 1 s), not wait out a
# long write as a chat request would.
PROBE_BUSY_TIMEOUT_S = 0.5


@functools.cache
def expected_tables() -> tuple[str, ...]:
    """The tables every migration set makes, found by applying them to a memory database
    once per process, so a migration added later is covered without a list to keep."""
    db = sqlite_utils.Database(memory=True)
    for migration_set in migrations.all_sets():
        migration_set.apply(db)
    return tuple(sorted(db.table_names()))


@bp.get("/healthz")
def healthz():
    return jsonify({"status": "ok"})


def database_problem(path: str) -> str | None:
    """Why the database at `path` cannot serve requests, or None when it can.

    Opened read-only, so a probe never creates a missing file or changes anything.
    """
    if not os.path.exists(path):
        return "database file missing"
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=PROBE_BUSY_TIMEOUT_S)
    except sqlite3.Error as exc:
        return f"database cannot be opened: {exc}"
    try:
        db = sqlite_utils.Database(conn)
        pending = [
            f"{migration_set.name}.{m.name}"
            for migration_set in migrations.all_sets()
            for m in migration_set.pending(db)
        ]
        if pending:
            return "database not migrated; run flask db-upgrade (pending: " + ", ".join(
                pending
            ) + ")"
        present = set(db.table_names())
        missing = [t for t in expected_tables() if t not in present]
        if missing:
            return "database is missing table(s): " + ", ".join(missing)
        for table in expected_tables():  # each one still readable
            db.execute(f"select 1 from [{table}] limit 1").fetchall()  # noqa: S608
    except sqlite3.Error as exc:
        return f"database unreadable: {exc}"
    finally:
        conn.close()
    return None


@bp.get("/readyz")
def readyz():
    problems = {}
    if not services.ready():
        problems["intents"] = "intent data failed validation; run flask check-intents"
    database = database_problem(current_app.config["DATABASE"])
    if database:
        problems["database"] = database
    if problems:
        current_app.logger.warning("not ready: %s", "; ".join(problems.values()))
        reason = "; ".join(f"{k}: {v}" for k, v in problems.items())
        return jsonify({"status": "unavailable", "reason": reason, "checks": problems}), 503
    return jsonify({"status": "ready"})
