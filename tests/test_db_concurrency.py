"""Several workers on one SQLite file: transactions that read first, kept connections.

`make load` found staff saves answering 500 "database is locked" while texts were
being answered: a deferred BEGIN reads, another worker commits, and the upgrade to
a write lock then fails at once (a stale WAL snapshot; the busy timeout cannot
help). Every `db.atomic()` therefore takes the write lock at BEGIN.

It also found each request paying a WAL checkpoint with fsyncs when it closed the
last open connection, so a thread keeps its connection between requests; these
tests pin what that must not change.
"""

import threading

import pytest

from bot.platform.db import connect, get_db, upgrade


def test_a_transaction_that_reads_then_writes_waits_for_another_writer(tmp_path):
    path = str(tmp_path / "bot.sqlite3")
    upgrade(path)
    editor, other = connect(path), connect(path)
    has_read, failures = threading.Event(), []

    def other_worker():
        has_read.wait(5)
        try:
            with other.atomic():
                other.execute("update listings set hours = 'other' where id = 2")
        except Exception as exc:  # noqa: BLE001 - the assertion reports it
            failures.append(exc)

    thread = threading.Thread(target=other_worker)
    thread.start()
    try:
        with editor.atomic():
            editor.execute("select hours from listings where id = 1").fetchone()
            has_read.set()
            thread.join(0.3)  # the other worker commits here when nothing holds it back
            editor.execute("update listings set hours = 'editor' where id = 1")
    except Exception as exc:  # noqa: BLE001
        failures.append(exc)
    thread.join(10)
    assert failures == []
    rows = dict(editor.execute("select id, hours from listings where id in (1, 2)").fetchall())
    assert rows == {1: "editor", 2: "other"}


def _hours(app, listing_id=1):
    with app.app_context():
        return get_db().execute("select hours from listings where id = ?",
                                [listing_id]).fetchone()[0]  # fmt: skip


def test_a_thread_keeps_its_connection_between_requests(app):
    with app.app_context():
        first = get_db()
    with app.app_context():
        assert get_db() is first
    seen = []

    def other_thread():
        with app.app_context():
            seen.append(get_db())

    thread = threading.Thread(target=other_thread)
    thread.start()
    thread.join()
    assert seen[0] is not first  # one connection per thread, never shared


def test_a_transaction_left_open_by_a_failed_request_is_rolled_back(app):
    with pytest.raises(RuntimeError), app.app_context():
        db = get_db()
        db.conn.execute("BEGIN IMMEDIATE")
        db.execute("update listings set hours = 'half-written' where id = 1")
        raise RuntimeError("the request failed here")
    with app.app_context():
        assert not get_db().conn.in_transaction
    assert _hours(app) != "half-written"
    other = connect(app.config["DATABASE"])  # and no write lock is left behind
    with other.atomic():
        other.execute("update listings set hours = 'next writer' where id = 1")
    assert _hours(app) == "next writer"

