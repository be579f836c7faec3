"""Sign-in attempts limited per account and per client address, in SQLite.

Counting in the database (not in a worker's memory) makes the limit hold across
every gunicorn worker. Each attempt is counted before its password is checked, in
one write transaction, so parallel guesses cannot slip past the count. Keys are
HMACs of the email and the address: the table cannot be read back as a list of
who tried to sign in from where. Rows older than the window are pruned as we go.
"""

from __future__ import annotations

import hashlib
import hmac
import time


def keyed_hash(secret: str, kind: str, value: str) -> str:
    """HMAC of `kind:value`: the same value counts under its kind, and cannot be read back."""
    mac = hmac.new(secret.encode(), f"{kind}:{value}".encode(), hashlib.sha256)
    return mac.hexdigest()[:32]


class Limits:
    def __init__(self, secret: str, window_seconds: int, per_account: int, per_address: int):
        self.secret = secret
        self.window = window_seconds
        self.per_account = per_account
        self.per_address = per_address

    def allow(self, db, email: str, address: str, now: float | None = None) -> bool:
        """Count an attempt; False when this account or address is over the limit."""
        now = time.time() if now is None else now
        account = keyed_hash(self.secret, "account", email)
        client = keyed_hash(self.secret, "address", address)
        since = now - self.window
        with db.atomic():
            db.execute("delete from sign_in_attempts where at < ?", [since])
            db["sign_in_attempts"].insert({"key": account, "at": now})
            db["sign_in_attempts"].insert({"key": client, "at": now})
            count = "select count(*) from sign_in_attempts where key = ? and at >= ?"
            by_account = db.execute(count, [account, since]).fetchone()[0]
            by_address = db.execute(count, [client, since]).fetchone()[0]
        return by_account <= self.per_account and by_address <= self.per_address

    def succeeded(self, db, email: str) -> None:
        """A right password clears the account's count (not the address's)."""
        with db.atomic():
            db.execute(
                "delete from sign_in_attempts where key = ?",
                [keyed_hash(self.secret, "account", email)],
            )
