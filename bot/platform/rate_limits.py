"""Requests per client address per minute, counted in SQLite so every worker sees them.

gunicorn's workers are separate processes: a counter in one worker's memory would
let a script get N times the limit by spreading its requests. The SQLite file is
the one thing they share, so each request adds one to its address's counter in one
short write transaction (an upsert that returns the new count).

The key is an HMAC of the address under SENDER_HASH_KEY, the key the SMS channel
hashes phone numbers with: the table is never a list of who used the chat from
where. Windows are fixed calendar minutes; a row is useless once its minute has
passed, so each worker deletes old rows when it first sees a new minute, and the
retention purge (bot/platform/retention.py) clears what an idle service left behind.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import sqlite3
import time
from dataclasses import dataclass

from flask import current_app, request

from . import retention
from .db import get_db

WINDOW_SECONDS = 60
clock = time.time  # replaced in tests, so a test never straddles a minute boundary

_UPSERT = (
    "insert into rate_limits (key, window_start, hits) values (?, ?, 1) "
    "on conflict (key, window_start) do update set hits = hits + 1 returning hits"
)


def keyed_hash(secret: str, kind: str, value: str) -> str:
    """HMAC of `kind:value`: the same value counts under its kind, and cannot be read back."""
    mac = hmac.new(secret.encode(), f"{kind}:{value}".encode(), hashlib.sha256)
    return mac.hexdigest()[:32]


def client_address() -> str:
    """The client's address, as ProxyFix corrected it when PROXY_FIX trusts a proxy.

    X-Forwarded-For is not read here: anyone can send it, and trusting it without a
    known proxy would let one client pose as many and dodge every per-address limit.
    """
    return request.remote_addr or "unknown"


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    hits: int
    retry_after: int  # seconds until the window ends (meaningful when not allowed)


class Counter:
    """A fixed-window counter per key; a burst across a minute boundary may reach 2x."""

    def __init__(self, limit: int, window: int = WINDOW_SECONDS):
        self.limit = limit
        self.window = window
        self._pruned_window = None  # per worker: the last window whose old rows it deleted

    def hit(self, db, key: str, now: float | None = None) -> Verdict:
        now = clock() if now is None else now
        start = int(now // self.window) * self.window
        with db.atomic():
            # The write comes first, so the transaction takes the write lock at once
            # and waits (busy_timeout) instead of failing on a stale read snapshot.
            hits = db.execute(_UPSERT, [key, start]).fetchone()[0]
            if self._pruned_window != start:
                db.execute("delete from rate_limits where window_start < ?", [start])
                self._pruned_window = start
        retry_after = max(1, math.ceil(start + self.window - now))
        return Verdict(hits <= self.limit, hits, retry_after)


def configure(config) -> None:
    """A bad limit stops the start with its name, not the first chat with a 500."""
    for name in ("CHAT_RATE_LIMIT_PER_MINUTE",):
        value = config.get(name)
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise ValueError(f"{name} must be a whole number from 0 (0 = no limit): {value!r}")


def check_chat() -> Verdict | None:
    """Count this chat request against its address; None when the limit is off."""
    limit = current_app.config["CHAT_RATE_LIMIT_PER_MINUTE"]
    if limit <= 0:
        return None
    counters = current_app.extensions.setdefault("rate_limits", {})
    counter = counters.get("chat")
    if counter is None or counter.limit != limit:
        counter = counters["chat"] = Counter(limit)
    key = keyed_hash(current_app.config["SENDER_HASH_KEY"], "chat", client_address())
    try:
        return counter.hit(get_db(), key)
    except sqlite3.OperationalError as exc:
        # A database busy past its timeout must not turn every chat into an error:
        # the limit fails open for this request and says so in the log.
        current_app.logger.warning("chat rate limit not counted: %s", exc)
        return None


@retention.purger("rate_limits")
def purge(db, now: int, config: dict) -> int:
    """Counters of windows that have ended are worthless and hold hashed addresses."""
    if not db["rate_limits"].exists():
        return 0
    current = int(now // WINDOW_SECONDS) * WINDOW_SECONDS
    with db.atomic():
        return db.execute("delete from rate_limits where window_start < ?", [current]).rowcount
