"""The database, its WAL and SHM, backups and the instance keys are made 0600.

They hold the staff password hashes, the audit log and the hashed senders, and the
review found the database, WAL and SHM readable by every local user (0644). Each
test starts from the permissive umask a shell usually has (022), so what it checks
is what the app does, not what the test runner's umask happened to be.
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys

import pytest

from bot import _instance_secret, create_app
from bot.platform.backup import backup
from bot.platform.db import get_db


@pytest.fixture
def permissive_umask():
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_database_wal_shm_locks_and_backups_are_private(tmp_path, permissive_umask):
    database = str(tmp_path / "data" / "bot.sqlite3")
    app = create_app({"TESTING": True, "DATABASE": database, "SECRET_KEY": "k",
                      "SENDER_HASH_KEY": "h"})  # fmt: skip
    with app.app_context():
        db = get_db()
        with db.atomic():  # a write through the app's own connection: WAL, SHM, writer lock
            db["maintenance"].upsert({"job": "test", "last_run": 1.0}, pk="job")
        made = [database + s for s in ("", "-wal", "-shm", ".lock", ".writer-lock")]
        for path in made:
            assert mode(path) == 0o600, (path, oct(mode(path)))
        copy = backup(database, str(tmp_path / "backup.sqlite3"))
        assert mode(copy.path) == 0o600
    assert mode(tmp_path / "data") == 0o700
    assert os.umask(0o077) & 0o077 == 0o077  # the process keeps making private files


def test_instance_keys_are_private(tmp_path, permissive_umask):
    app = create_app({"TESTING": True, "DATABASE": str(tmp_path / "bot.sqlite3"),
                      "SECRET_KEY": "k", "SENDER_HASH_KEY": "h"})  # fmt: skip
    app.instance_path = str(tmp_path / "instance")
    os.makedirs(app.instance_path)
    os.umask(0)  # even with no umask at all
    value = _instance_secret(app, "secret_key")
    assert value and mode(tmp_path / "instance" / "secret_key") == 0o600


def test_a_database_made_before_is_made_private_at_start(tmp_path, permissive_umask):
    database = tmp_path / "bot.sqlite3"
    create_app({"TESTING": True, "DATABASE": str(database), "SECRET_KEY": "k",
                "SENDER_HASH_KEY": "h"})  # fmt: skip
    lock = tmp_path / "bot.sqlite3.lock"
    os.chmod(database, 0o644)
    os.chmod(lock, 0o644)
    create_app({"TESTING": True, "DATABASE": str(database), "SECRET_KEY": "k",
                "SENDER_HASH_KEY": "h"})  # fmt: skip
    assert mode(database) == 0o600 and mode(lock) == 0o600


def test_the_release_step_makes_a_private_database(tmp_path):
    """`flask db-upgrade` (the Procfile's release step) from a shell with umask 022."""
    database = tmp_path / "bot.sqlite3"
    env = {**os.environ, "BOT_DATABASE": str(database), "BOT_SECRET_KEY": "k" * 40,
           "BOT_SENDER_HASH_KEY": "h" * 40}  # fmt: skip
    subprocess.run([sys.executable, "-m", "flask", "--app", "bot", "db-upgrade"], env=env,
                   check=True, capture_output=True, preexec_fn=lambda: os.umask(0o022))  # fmt: skip
    assert mode(database) == 0o600
