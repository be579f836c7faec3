"""Sign-in throttling that slows password guessing without letting anyone lock staff out.

A limit per account alone lets anyone who knows a staff email lock that person out
(five wrong passwords from anywhere), and a limit counting every attempt per address
locks an office out after its people sign in twenty times. So (docs/operations.md):

- Only failures count, per account *and* client address pair: that pair is refused
  (429) once it has failed SIGN_IN_MAX_FAILURES_PER_PAIR times in the window, until
  its oldest failure leaves the window; its password is not even checked.
- An address that has failed SIGN_IN_MAX_FAILURES_PER_ADDRESS times, whatever the
  accounts, is refused the same way (one machine spraying guesses across accounts).
- An account that has failed SIGN_IN_SLOW_AFTER_FAILURES times, from anywhere, is
  slowed, never refused: each attempt on it waits (0.25 s, doubled per further
  failure, at most SIGN_IN_MAX_DELAY_SECONDS) before its password is checked. The
  right password from an address that has not failed still signs in, later. Only one
  attempt per process waits at a time (`wait`), so the wait cannot tie up the threads.
- A success is never counted. Each attempt is counted as a failure before its
  password is checked, in one write transaction, so parallel guesses cannot slip past
  the count; a right password withdraws that count and its pair's earlier failures.
- When an account reaches SIGN_IN_ALERT_AFTER_FAILURES failures in the window, one
  audit log entry per window ("sign_in_failures") tells staff.

Counting in SQLite (not in a worker's memory) makes this hold across every gunicorn
worker. Keys are HMACs of the email and the address: the table cannot be read back
as a list of who tried to sign in from where. Rows older than the window are pruned
as we go.
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass

from ..platform import audit
from ..platform.rate_limits import keyed_hash

FIRST_DELAY_SECONDS = 0.25
sleep = time.sleep  # module-level, so a test can see the wait without waiting
# A waiting attempt holds a gunicorn thread (two per worker). At most one waits per
# process, so attempts on a slowed account can never occupy the threads that answer
# residents; attempts beyond it go on unslowed, still bound by the failure limits.
_waiting = threading.BoundedSemaphore(1)


def wait(delay: float) -> bool:
    """Wait `delay` seconds unless another attempt in this process is waiting already."""
    if delay <= 0 or not _waiting.acquire(blocking=False):
        return False
    try:
        sleep(delay)
    finally:
        _waiting.release()
    return True


@dataclass(frozen=True)
class Attempt:
    """What the limits decided about one sign-in attempt, before its password is checked."""

    allowed: bool
    retry_after: int = 0  # seconds until a refused pair or address may try again
    delay: float = 0.0  # seconds to wait before the password is checked
    rows: tuple[int, ...] = ()  # this attempt's provisional failure rows


class Limits:
    def __init__(self, secret: str, window_seconds: int, per_pair: int, per_address: int,
                 slow_after: int, max_delay: float, alert_after: int):  # fmt: skip
        self.secret = secret
        self.window = window_seconds
        self.per_pair = per_pair
        self.per_address = per_address
        self.slow_after = slow_after
        self.max_delay = max_delay
        self.alert_after = alert_after

    @classmethod
    def from_config(cls, config) -> Limits:
        # The same HMAC key as phone numbers and chat addresses: SECRET_KEY signs
        # sessions and may be rotated for that reason alone.
        return cls(config["SENDER_HASH_KEY"], config["SIGN_IN_WINDOW_SECONDS"],
                   config["SIGN_IN_MAX_FAILURES_PER_PAIR"],
                   config["SIGN_IN_MAX_FAILURES_PER_ADDRESS"],
                   config["SIGN_IN_SLOW_AFTER_FAILURES"], config["SIGN_IN_MAX_DELAY_SECONDS"],
                   config["SIGN_IN_ALERT_AFTER_FAILURES"])  # fmt: skip

    def _keys(self, email: str, address: str) -> tuple[str, str, str]:
        return (
            keyed_hash(self.secret, "pair", f"{email}\x00{address}"),
            keyed_hash(self.secret, "address", address),
            keyed_hash(self.secret, "account", email),
        )

    def _failures(self, db, key: str, since: float) -> list[float]:
        sql = "select at from sign_in_attempts where key = ? and at >= ? order by at"
        return [row[0] for row in db.execute(sql, [key, since]).fetchall()]

    def begin(self, db, email: str, address: str, now: float | None = None) -> Attempt:
        """Refuse a pair or address that has failed too often; otherwise count this
        attempt as a failure (withdrawn by `succeeded`) and say how long it must wait."""
        now = time.time() if now is None else now
        pair, client, account = self._keys(email, address)
        since = now - self.window
        with db.atomic():
            db.execute("delete from sign_in_attempts where at < ?", [since])
            for key, limit in ((pair, self.per_pair), (client, self.per_address)):
                failed = self._failures(db, key, since)
                if len(failed) >= limit:
                    # Allowed again once enough of these failures have left the window.
                    frees_at = failed[len(failed) - limit] + self.window
                    return Attempt(False, retry_after=max(1, math.ceil(frees_at - now)))
            earlier = len(self._failures(db, account, since))
            table = db["sign_in_attempts"]
            rows = tuple(table.insert({"key": key, "at": now}).last_pk
                         for key in (pair, client, account))  # fmt: skip
        return Attempt(True, delay=self.delay_for(earlier), rows=rows)

    def delay_for(self, account_failures: int) -> float:
        """The wait before checking a password for an account with this many failures."""
        if account_failures < self.slow_after:
            return 0.0
        doublings = min(account_failures - self.slow_after, 32)
        return min(self.max_delay, FIRST_DELAY_SECONDS * 2**doublings)

    def succeeded(self, db, attempt: Attempt, email: str, address: str) -> None:
        """A right password: this attempt is not a failure, nor are its pair's earlier ones."""
        pair = self._keys(email, address)[0]
        with db.atomic():
            db.execute("delete from sign_in_attempts where key = ?", [pair])
            db.conn.executemany("delete from sign_in_attempts where id = ?",
                                [(row,) for row in attempt.rows])  # fmt: skip

    def failed(self, db, email: str, staff_id: int | None, now: float | None = None) -> int:
        """A wrong password (already counted): tell staff once per window when an
        existing account has failed `alert_after` times. Returns its failures."""
        now = time.time() if now is None else now
        since = now - self.window
        account = self._keys(email, "")[2]
        failures = len(self._failures(db, account, since))
        if staff_id is None or failures < self.alert_after:
            return failures
        since_iso = audit.iso(since)
        with db.atomic():
            told = db.execute(
                "select 1 from audit_log where action = 'sign_in_failures' and staff_id = ? "
                "and at >= ? limit 1", [staff_id, since_iso],
            ).fetchone()  # fmt: skip
            if not told:
                audit.record(db, actor="system", staff_id=staff_id, listing_id=None,
                             action="sign_in_failures", before={},
                             after={"account": email, "failed_sign_ins": failures},
                             at=audit.iso(now))  # fmt: skip
        return failures
