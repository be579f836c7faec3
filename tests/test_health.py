"""`/healthz` answers while the process lives; `/readyz` only when it can serve residents:
the database reachable and fully migrated, the intents loaded."""

import sqlite3
import time

import pytest

from bot import create_app


def make_app(tmp_path, **config):
    return create_app({"TESTING": True, "DATABASE": str(tmp_path / "db.sqlite3"),
                       "SECRET_KEY": "k", **config})  # fmt: skip


def broken_intents(tmp_path):
    bad = tmp_path / "intents"
    bad.mkdir()
    (bad / "_lexicon.yaml").write_text("spellings: {}\n")
    (bad / "greeting.yaml").write_text("intent: greeting\n")
    return str(bad)


def test_healthz(client):
    resp = client.get("/healthz")
    assert resp.status_code == 200 and resp.get_json() == {"status": "ok"}


def test_readyz_when_migrated_and_loaded(client):
    resp = client.get("/readyz")
    assert resp.status_code == 200 and resp.get_json() == {"status": "ready"}


def test_broken_intents_are_alive_but_not_ready_and_chat_is_503(tmp_path):
    client = make_app(tmp_path, INTENTS_DIR=broken_intents(tmp_path)).test_client()
    assert client.get("/healthz").status_code == 200  # a restart would not fix the data
    resp = client.get("/readyz")
    assert resp.status_code == 503
    body = resp.get_json()
    assert body["status"] == "unavailable" and set(body["checks"]) == {"intents"}
    assert "flask check-intents" in body["reason"]
    resp = client.post("/api/chat", json={"message": "hola"})
    assert resp.status_code == 503 and resp.get_json()["error"]["code"] == "unavailable"


def readyz(app):
    resp = app.test_client().get("/readyz")
    return resp.status_code, resp.get_json()


def test_a_missing_database_file_is_not_ready_and_is_not_created(tmp_path):
    path = tmp_path / "never" / "db.sqlite3"
    app = make_app(tmp_path, DATABASE=str(path), DB_UPGRADE_ON_START=False)
    status, body = readyz(app)
    assert status == 503 and body["checks"] == {"database": "database file missing"}
    assert not path.exists()
    assert app.test_client().get("/healthz").status_code == 200


def test_an_unmigrated_database_names_the_pending_migrations(tmp_path):
    sqlite3.connect(tmp_path / "db.sqlite3").close()  # exists, empty: release step not run
    app = make_app(tmp_path, DB_UPGRADE_ON_START=False)
    status, body = readyz(app)
    assert status == 503
    assert "flask db-upgrade" in body["checks"]["database"]
    assert "bot.m001_listings" in body["checks"]["database"]
    assert "sms." in body["checks"]["database"]  # every set, not only the first


def test_a_migration_not_yet_applied_makes_it_not_ready(tmp_path):
    app = make_app(tmp_path)
    conn = sqlite3.connect(tmp_path / "db.sqlite3")
    with conn:
        last = conn.execute("select rowid, name from _sqlite_migrations order by rowid desc")
        rowid, name = last.fetchone()
        conn.execute("delete from _sqlite_migrations where rowid = ?", [rowid])
    conn.close()
    status, body = readyz(app)
    assert status == 503 and name in body["reason"]


def test_a_dropped_table_is_not_ready(tmp_path):
    app = make_app(tmp_path)
    conn = sqlite3.connect(tmp_path / "db.sqlite3")
    conn.execute("drop table sms_replies")
    conn.commit()
    conn.close()
    status, body = readyz(app)
    assert status == 503 and body["checks"]["database"] == (
        "database is missing table(s): sms_replies"
    )


def test_a_file_that_is_not_a_database_is_not_ready(tmp_path):
    app = make_app(tmp_path, DB_UPGRADE_ON_START=False)
    (tmp_path / "db.sqlite3").write_bytes(b"this is not a database\n" * 200)
    status, body = readyz(app)
    assert status == 503 and body["checks"]["database"].startswith("database unreadable")
    assert str(tmp_path) not in body["reason"]  # the probe is public: no paths


def test_a_locked_database_is_not_ready_and_the_probe_does_not_hang(tmp_path):
    app = make_app(tmp_path)
    holder = sqlite3.connect(tmp_path / "db.sqlite3", isolation_level=None)
    holder.execute("PRAGMA locking_mode = EXCLUSIVE")
    holder.execute("BEGIN EXCLUSIVE")
    try:
        started = time.monotonic()
        status, body = readyz(app)
        elapsed = time.monotonic() - started
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert status == 503 and "locked" in body["checks"]["database"]
    assert elapsed < 5  # the probe's own short busy timeout, not the app's 5 s
    assert readyz(app)[0] == 200  # ready again once the lock is gone


@pytest.mark.parametrize("route", ["/healthz", "/readyz"])
def test_probes_answer_json_to_other_methods(client, route):
    resp = client.post(route)
    assert resp.status_code == 405 and resp.get_json()["error"]["code"] == "method_not_allowed"
