"""What the SMS channel keeps per sender, keyed so the database is no list of numbers.

A sender is the HMAC-SHA256 of their E.164 number under a server secret
(SENDER_HASH_KEY), not a plain hash: the space of phone numbers is small enough to
hash every one of them, so without the secret nobody can tell from the database
who wrote. Rows are read and written with raw SQL inside one BEGIN IMMEDIATE
transaction per message, so two gunicorn workers handling a Twilio retry at the
same moment cannot both act on it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from contextlib import contextmanager
from dataclasses import dataclass, field

import phonenumbers

from ...platform import retention

REPLY_MAX_AGE = 24 * 3600  # Twilio stops retrying long before a day has passed
# A North American number as Twilio sends `From`: already the E.164 spelling that
# phonenumbers would give (tests/test_sms.py checks that they agree), so the
# parse, a twentieth of a text's time, is skipped for nearly every sender.
_NANP_E164 = re.compile(r"\+1[2-9]\d{2}[2-9]\d{6}")


def e164(number: str) -> str:
    """One spelling per number ("520-555-1234", "+1 (520) 555-1234"): E.164 when it
    parses as one, else the trimmed text (short codes, channel addresses)."""
    raw = number.strip()
    if _NANP_E164.fullmatch(raw):
        return raw
    return _parsed_e164(raw)


def _parsed_e164(raw: str) -> str:
    try:
        parsed = phonenumbers.parse(raw, "US")
    except phonenumbers.NumberParseException:
        return raw
    if not phonenumbers.is_possible_number(parsed):
        return raw
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


@dataclass
class Sender:
    key: str
    lang: str | None = None
    menu: list[str] = field(default_factory=list)
    pending: list[str] = field(default_factory=list)
    opted_out: bool = False


class Store:
    def __init__(self, db, secret: str):
        self.db = db
        self.conn = db.conn
        self._secret = secret.encode("utf-8")

    def digest(self, value: str) -> str:
        return hmac.new(self._secret, value.encode("utf-8"), hashlib.sha256).hexdigest()

    def sender_key(self, number: str) -> str:
        return self.digest(e164(number))

    @contextmanager
    def transaction(self):
        # Deleted rows are overwritten with zeros: every connection is opened with
        # secure_delete on (bot/platform/db.py connect), so this one is too.
        with self.db.immediate():
            yield self

    def purge(self, now: int, state_max_age: int) -> int:
        return purge(self.conn, now, state_max_age)

    def replayed(self, message_key: str) -> str | None:
        row = self.conn.execute(
            "select reply from sms_replies where message = ?", [message_key]
        ).fetchone()
        return row[0] if row else None

    def record(self, message_key: str, reply: str, now: int, sender: str | None) -> None:
        """Keep the reply for retries; `sender` (their digest) lets BORRAR delete it."""
        self.conn.execute(
            "insert into sms_replies (message, reply, created_at, sender) values (?, ?, ?, ?)",
            [message_key, reply, now, sender],
        )

    def load(self, key: str) -> Sender:
        row = self.conn.execute(
            "select lang, menu, pending, opted_out from sms_senders where sender = ?", [key]
        ).fetchone()
        if row is None:
            return Sender(key)
        return Sender(key, row[0], json.loads(row[1]), json.loads(row[2]), bool(row[3]))

    def load_fresh(self, key: str, now: int, max_age: int) -> Sender:
        """The sender as the purge will leave them: a conversation older than
        `max_age` is forgotten (an opt-out is kept), whether or not the hourly purge
        (bot/platform/retention.py) has reached the row yet."""
        row = self.conn.execute(
            "select lang, menu, pending, opted_out, updated_at from sms_senders "
            "where sender = ?", [key]
        ).fetchone()
        if row is None:
            return Sender(key)
        if row[4] < now - max_age:
            return Sender(key, opted_out=bool(row[3]))
        return Sender(key, row[0], json.loads(row[1]), json.loads(row[2]), bool(row[3]))

    def save(self, sender: Sender, now: int) -> None:
        self.conn.execute(
            "insert into sms_senders (sender, lang, menu, pending, opted_out, updated_at) "
            "values (?, ?, ?, ?, ?, ?) on conflict (sender) do update set "
            "lang = excluded.lang, menu = excluded.menu, pending = excluded.pending, "
            "opted_out = excluded.opted_out, updated_at = excluded.updated_at",
            [
                sender.key,
                sender.lang,
                json.dumps(sender.menu),
                json.dumps(sender.pending, ensure_ascii=False),
                int(sender.opted_out),
                now,
            ],
        )

    def delete(self, key: str) -> None:
        """Everything kept about this sender: the conversation and the replies sent."""
        self.conn.execute("delete from sms_senders where sender = ?", [key])
        self.conn.execute("delete from sms_replies where sender = ?", [key])


def purge(conn, now: int, state_max_age: int) -> int:
    """Drop replies older than a day and conversations older than the state age;
    an expired opt-out keeps only the opt-out itself. Returns rows removed or cleared."""
    cutoff = now - state_max_age
    removed = conn.execute(
        "delete from sms_replies where created_at < ?", [now - REPLY_MAX_AGE]
    ).rowcount
    removed += conn.execute(
        "delete from sms_senders where updated_at < ? and opted_out = 0", [cutoff]
    ).rowcount
    removed += conn.execute(
        "update sms_senders set lang = null, menu = '[]', pending = '[]' "
        "where updated_at < ? and (lang is not null or menu != '[]' or pending != '[]')",
        [cutoff],
    ).rowcount
    return removed


@retention.purger("sms")
def _purge(db, now: int, config) -> int:
    return purge(db.conn, now, config["SMS_STATE_MAX_AGE"])
