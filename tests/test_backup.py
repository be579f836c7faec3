"""`flask db-backup`: SQLite's online backup of the live file, whole or not at all."""

import os
import sqlite3
import threading
import time

import pytest

from bot import create_app
from bot.platform.backup import BackupError, backup
from bot.platform.db import connect


def integrity(path) -> list:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("PRAGMA integrity_check").fetchall()
    finally:
        conn.close()


def count(path, table="listings") -> int:
    conn = sqlite3.connect(path)
    try:
        return conn.execute(f"select count(*) from {table}").fetchone()[0]  # noqa: S608
    finally:
        conn.close()


def test_the_command_backs_up_a_database_that_opens_and_checks(app, runner, tmp_path):
    dest = tmp_path / "backups" / "bot-1.sqlite3"
    dest.parent.mkdir()
    result = runner.invoke(args=["db-backup", str(dest)])
    assert result.exit_code == 0, result.output
    assert "integrity ok" in result.output
    assert integrity(dest) == [("ok",)]
    assert count(dest) == count(app.config["DATABASE"]) > 0
    conn = sqlite3.connect(dest)
    assert conn.execute("PRAGMA journal_mode").fetchone() == ("delete",)  # one file to move
    conn.close()
    assert not (tmp_path / "backups" / "bot-1.sqlite3-wal").exists()
    assert os.stat(dest).st_mode & 0o077 == 0  # the copy is as private as the original
    assert sorted(os.listdir(dest.parent)) == ["bot-1.sqlite3"]  # no temp file left


def test_it_refuses_to_overwrite_without_force(runner, tmp_path):
    dest = tmp_path / "b.sqlite3"
    dest.write_bytes(b"an older backup")
    result = runner.invoke(args=["db-backup", str(dest)])
    assert result.exit_code == 1 and "--force" in result.output
    assert dest.read_bytes() == b"an older backup"
    result = runner.invoke(args=["db-backup", str(dest), "--force"])
    assert result.exit_code == 0, result.output
    assert integrity(dest) == [("ok",)]


@pytest.mark.parametrize(
    "dest,message",
    [
        ("missing-folder/b.sqlite3", "does not exist"),
        (".", "is a directory"),  # click says so before backup() runs
    ],
)
def test_bad_destinations_are_clear_errors(runner, tmp_path, dest, message):
    result = runner.invoke(args=["db-backup", str(tmp_path / dest)])
    assert result.exit_code != 0 and message in result.output
    assert "Traceback" not in result.output


def test_it_never_replaces_the_database_it_copies(app, runner):
    result = runner.invoke(args=["db-backup", app.config["DATABASE"], "--force"])
    assert result.exit_code == 1 and "cannot replace" in result.output
    assert integrity(app.config["DATABASE"]) == [("ok",)]


def test_a_missing_source_is_an_error_and_is_not_created(tmp_path):
    with pytest.raises(BackupError, match="no database"):
        backup(str(tmp_path / "none.sqlite3"), str(tmp_path / "b.sqlite3"))
    assert os.listdir(tmp_path) == []


def test_a_failed_copy_leaves_the_old_backup_and_no_temp_file(tmp_path):
    source = tmp_path / "not-a-db.sqlite3"
    source.write_bytes(b"garbage " * 1000)
    dest = tmp_path / "b.sqlite3"
    dest.write_bytes(b"an older backup")
    with pytest.raises(BackupError):
        backup(str(source), str(dest), force=True)
    assert dest.read_bytes() == b"an older backup"
    assert sorted(os.listdir(tmp_path)) == ["b.sqlite3", "not-a-db.sqlite3"]


def test_a_backup_taken_while_another_connection_writes_is_whole(tmp_path):
    """Writers keep inserting (WAL, as gunicorn workers do) while backups are taken;
    every backup opens, passes integrity_check and holds a prefix of the writes."""
    source = str(tmp_path / "live.sqlite3")
    db = connect(source)
    db.execute("create table events (id integer primary key, body text not null)")
    db.conn.commit()
    db.conn.close()
    stop = threading.Event()
    written = []

    def writer():
        db = connect(source)
        n = 0
        while not stop.is_set():
            with db.conn:
                db.conn.executemany(
                    "insert into events (body) values (?)", [("x" * 500,)] * 50
                )
            n += 50
            written.append(n)
        db.conn.close()

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        while not written:
            time.sleep(0.01)
        seen = []
        for i in range(5):
            dest = tmp_path / f"b{i}.sqlite3"
            backup(source, str(dest))
            assert integrity(dest) == [("ok",)]
            rows = count(dest, "events")
            assert rows % 50 == 0  # whole transactions only
            seen.append(rows)
    finally:
        stop.set()
        thread.join()
    assert seen == sorted(seen) and seen[-1] > 0
    assert seen[-1] <= written[-1]
    assert len(set(seen)) > 1  # the writer really ran between backups


def test_a_restored_backup_serves(app, runner, tmp_path):
    """The restore steps of docs/operations.md: the backup copied into place as the new database."""
    dest = tmp_path / "b.sqlite3"
    assert runner.invoke(args=["db-backup", str(dest)]).exit_code == 0
    restored = tmp_path / "restored" / "bot.sqlite3"
    restored.parent.mkdir()
    restored.write_bytes(dest.read_bytes())
    app2 = create_app({"TESTING": True, "DATABASE": str(restored), "SECRET_KEY": "k"})
    client = app2.test_client()
    assert client.get("/readyz").status_code == 200
    assert client.post("/api/chat", json={"message": "food bank"}).status_code == 200
