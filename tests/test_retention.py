"""The purge: what it removes and keeps, its schedule, `flask purge`, and the WAL."""

import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from bot import create_app
from bot.platform import retention
from bot.platform.db import connect

DAY = 24 * 3600


def sql(app, query, params=()):
    conn = sqlite3.connect(app.config["DATABASE"])
    try:
        with conn:
            return conn.execute(query, params).fetchall()
    finally:
        conn.close()


def add_sender(app, key, updated_at, opted_out=0, lang="es", pending='["page two"]'):
    sql(
        app,
        "insert into sms_senders (sender, lang, menu, pending, opted_out, updated_at) "
        "values (?, ?, '[\"legal_help\"]', ?, ?, ?)",
        [key, lang, pending, opted_out, updated_at],
    )


def add_reply(app, key, created_at, sender=None):
    sql(
        app,
        "insert into sms_replies (message, reply, created_at, sender) values (?, ?, ?, ?)",
        [key, "an answer", created_at, sender],
    )


def seed_old_and_fresh(app, now):
    add_sender(app, "old-sender", now - DAY - 10)
    add_sender(app, "fresh-sender", now - 60)
    add_sender(app, "old-opt-out", now - 30 * DAY, opted_out=1)
    add_reply(app, "old-reply", now - DAY - 10, sender="old-sender")
    add_reply(app, "fresh-reply", now - 60, sender="fresh-sender")
    sql(app, "insert into sign_in_attempts (key, at) values ('old-try', ?), ('new-try', ?)",
        [now - 3600, now - 10])  # fmt: skip
    sql(app, "insert into pending_imports (staff_id, sha256, filename, content, created_at) "
        "values (1, 'a', 'old.csv', x'00', ?), (1, 'b', 'new.csv', x'00', ?)",
        [now - DAY - 10, now - 10])  # fmt: skip


def purge_now(app, now):
    db = connect(app.config["DATABASE"])
    try:
        return retention.run(db, now, app.config)
    finally:
        db.conn.close()


def test_the_purge_removes_expired_rows_and_keeps_fresh_ones(app):
    now = int(time.time())
    seed_old_and_fresh(app, now)
    counts = purge_now(app, now)
    assert sql(app, "select sender from sms_senders order by sender") == [
        ("fresh-sender",), ("old-opt-out",)
    ]
    # An opt-out outlives its conversation, but keeps nothing else.
    assert sql(app, "select lang, menu, pending from sms_senders where sender = 'old-opt-out'") == [
        (None, "[]", "[]")
    ]
    assert sql(app, "select lang, pending from sms_senders where sender = 'fresh-sender'") == [
        ("es", '["page two"]')
    ]
    assert sql(app, "select message from sms_replies") == [("fresh-reply",)]
    assert sql(app, "select key from sign_in_attempts") == [("new-try",)]
    assert sql(app, "select filename from pending_imports") == [("new.csv",)]
    assert counts["sms"] == 3  # old sender, old reply, the opt-out's conversation
    assert counts["sign_in_attempts"] == 1 and counts["pending_imports"] == 1
    assert purge_now(app, now)["sms"] == 0  # nothing left to do


def test_the_conversation_age_is_a_number_of_days(tmp_path):
    def make(**config):
        return create_app({"TESTING": True, "DATABASE": str(tmp_path / "d.sqlite3"),
                           "SECRET_KEY": "k", **config})  # fmt: skip

    assert make().config["SMS_STATE_MAX_AGE"] == DAY
    assert make(CONVERSATION_MAX_AGE_DAYS=3).config["SMS_STATE_MAX_AGE"] == 3 * DAY
    assert make(CONVERSATION_MAX_AGE_DAYS=0.5).config["SMS_STATE_MAX_AGE"] == DAY // 2
    # The older setting, in seconds, still wins where a deployment sets it.
    assert make(CONVERSATION_MAX_AGE_DAYS=3, SMS_STATE_MAX_AGE=7200).config[
        "SMS_STATE_MAX_AGE"] == 7200  # fmt: skip
    for bad in ({"CONVERSATION_MAX_AGE_DAYS": 0}, {"CONVERSATION_MAX_AGE_DAYS": "two"},
                {"CONVERSATION_MAX_AGE_DAYS": True}, {"PURGE_INTERVAL_SECONDS": 5},
                {"PURGE_INTERVAL_SECONDS": -1}):  # fmt: skip
        with pytest.raises(ValueError, match=next(iter(bad))):
            make(**bad)


def test_a_longer_conversation_age_keeps_a_day_old_conversation(tmp_path):
    app = create_app({"TESTING": True, "DATABASE": str(tmp_path / "d.sqlite3"),
                      "SECRET_KEY": "k", "CONVERSATION_MAX_AGE_DAYS": 2})  # fmt: skip
    now = int(time.time())
    add_sender(app, "a-day-old", now - DAY - 10)
    add_sender(app, "three-days-old", now - 3 * DAY)
    purge_now(app, now)
    assert sql(app, "select sender from sms_senders") == [("a-day-old",)]


def test_flask_purge_runs_every_purger_and_reports_counts(app):
    now = int(time.time())
    seed_old_and_fresh(app, now)
    result = app.test_cli_runner().invoke(args=["purge"])
    assert result.exit_code == 0, result.output
    assert "sms 3" in result.output and "sign_in_attempts 1" in result.output
    assert sql(app, "select count(*) from sms_senders") == [(2,)]
    # The run is recorded, so the request-triggered schedule waits a full interval.
    [(last_run,)] = sql(app, "select last_run from maintenance where job = 'purge'")
    assert abs(last_run - now) < 60


def test_the_scheduled_purge_runs_from_a_request_without_any_command(app):
    client = app.test_client()
    now = int(time.time())
    seed_old_and_fresh(app, now)
    resp = client.get("/healthz")
    assert sql(app, "select count(*) from sms_replies") == [(2,)]  # not before the reply
    resp.close()  # what every WSGI server does once the response is sent
    assert sql(app, "select message from sms_replies") == [("fresh-reply",)]
    assert sql(app, "select key from sign_in_attempts") == [("new-try",)]

    # Within the interval, requests do not purge again...
    add_reply(app, "expired-since", now - 2 * DAY)
    client.get("/healthz").close()
    assert ("expired-since",) in sql(app, "select message from sms_replies")
    # ...until the interval has passed.
    sql(app, "update maintenance set last_run = last_run - 3601")
    app.extensions["retention"].next_check = 0  # this worker's memo of the next run
    client.get("/privacy").close()
    assert ("expired-since",) not in sql(app, "select message from sms_replies")


def test_the_schedule_can_be_turned_off_for_a_clock_process(tmp_path):
    app = create_app({"TESTING": True, "DATABASE": str(tmp_path / "d.sqlite3"),
                      "SECRET_KEY": "k", "PURGE_INTERVAL_SECONDS": 0})  # fmt: skip
    add_reply(app, "expired", int(time.time()) - 2 * DAY)
    app.test_client().get("/healthz").close()
    assert sql(app, "select message from sms_replies") == [("expired",)]


def test_only_one_of_many_workers_claims_each_run(app):
    """Eight connections race for the same interval; exactly one wins it."""
    now = time.time()
    barrier = threading.Barrier(8)
    wins = []

    def worker():
        db = connect(app.config["DATABASE"])
        try:
            barrier.wait()
            won, _last = retention.claim(db.conn, now, 3600)
            wins.append(won)
        finally:
            db.conn.close()

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(wins) == [False] * 7 + [True]
    db = connect(app.config["DATABASE"])
    try:
        won, last = retention.claim(db.conn, now + 60, 3600)  # a minute later: not due
        assert not won and last == now
        assert retention.claim(db.conn, now + 3600, 3600)[0]  # an interval later: due
    finally:
        db.conn.close()


def test_a_failing_purger_rolls_back_alone_and_the_others_still_run(app):
    now = int(time.time())
    seed_old_and_fresh(app, now)

    @retention.purger("broken_for_test")
    def broken(db, now, config):
        db.conn.execute("delete from sms_senders")  # must be rolled back
        raise RuntimeError("boom")

    try:
        with pytest.raises(retention.PurgeError) as caught:
            purge_now(app, now)
        result = app.test_cli_runner().invoke(args=["purge"])
    finally:
        del retention._PURGERS["broken_for_test"]
    assert caught.value.failed == ["broken_for_test"]
    assert caught.value.counts["sms"] == 3
    assert sql(app, "select count(*) from sms_senders") == [(2,)]
    assert result.exit_code == 1 and "broken_for_test" in result.output


def test_deleted_rows_leave_no_bytes_in_the_database_or_the_wal(app, tmp_path):
    secret = "expired-9f8e7d6c5b4a39281706f5e4d3c2b1a0"
    reader = sqlite3.connect(app.config["DATABASE"])  # another worker keeps the WAL alive
    reader.execute("select count(*) from listings").fetchall()
    try:
        add_sender(app, secret, int(time.time()) - 2 * DAY, pending=f'["{secret} page"]')
        found = files_containing(app, secret)
        assert found, "the scan must see the row while it exists"
        purge_now(app, int(time.time()))
        assert files_containing(app, secret) == []
        assert os.path.getsize(app.config["DATABASE"] + "-wal") == 0  # truncated
    finally:
        reader.close()


def files_containing(app, text: str) -> list[str]:
    needle = text.encode("utf-8")
    base = app.config["DATABASE"]
    return [
        Path(path).name
        for path in (base, base + "-wal", base + "-shm")
        if os.path.exists(path) and needle in Path(path).read_bytes()
    ]


def test_flask_purge_every_keeps_running_as_a_clock_process(app, tmp_path):
    """`flask purge --every N`, as a Procfile `clock:` line would run it."""
    now = int(time.time())
    seed_old_and_fresh(app, now)
    env = {**os.environ, "FLASK_APP": "bot", "BOT_DATABASE": app.config["DATABASE"],
           "BOT_SECRET_KEY": "k", "BOT_SENDER_HASH_KEY": "test-sender-hash-key"}  # fmt: skip
    flask = str(Path(sys.executable).parent / "flask")
    proc = subprocess.Popen([flask, "purge", "--every", "60"], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                            text=True, start_new_session=True)  # fmt: skip
    try:
        line = proc.stdout.readline()
        assert line.startswith("purged: ") and "sms 3" in line
        time.sleep(0.3)
        assert proc.poll() is None  # still running, waiting for the next round
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=10)
    assert sql(app, "select message from sms_replies") == [("fresh-reply",)]


# Tables kept on purpose, with why; everything else must have a purger (PRIVACY.md).
KEPT_ON_PURPOSE = {
    "listings": "the public directory of services",
    "staff": "staff accounts, until disabled",
    "audit_log": "append-only record of directory changes; no resident data",
    "learned_patterns": "scrubbed example questions staff made part of the bot's data",
    "learned_patterns_version": "one counter",
    "listings_version": "one counter",
    "maintenance": "when the purge last ran",
    "_sqlite_migrations": "which migrations ran",
}
# Purgers that clear tables other than the one they are named after.
PURGED_BY = {"sms": {"sms_senders", "sms_replies"}}


def test_every_table_that_keeps_something_has_a_purger_or_a_reason(app):
    conn = sqlite3.connect(app.config["DATABASE"])
    tables = {
        name for (name,) in conn.execute(
            "select name from sqlite_master where type = 'table' and name not like 'sqlite_%'")
    }  # fmt: skip
    conn.close()
    tables = {t for t in tables if not t.startswith("listings_fts")}  # the search index
    purged = set().union(*(PURGED_BY.get(name, {name}) for name, _ in retention.purgers()))
    unexplained = tables - purged - set(KEPT_ON_PURPOSE)
    assert not unexplained, (
        f"{sorted(unexplained)}: register a purger in bot/platform/retention.py's registry, or add "
        "the table to KEPT_ON_PURPOSE with the reason, and say so in PRIVACY.md"
    )
    assert {"sms_senders", "sms_replies", "rate_limits", "unanswered_questions"} <= purged
