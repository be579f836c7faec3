"""Rate limits on the chat API and staff sign-in: counted in the SQLite file, so they
hold across worker processes, keyed by HMACs (never an address), in the resident's
language when refused."""

import multiprocessing
import re

import pytest

from bot import create_app
from bot.platform import rate_limits, retention
from bot.platform.db import connect
from bot.platform.rate_limits import WINDOW_SECONDS, Counter, purge
from tests.staff_pages import EMAIL, account, csrf_from, set_language, sign_in  # noqa: F401

HASH_KEY = "test-sender-hash-key"
NOW = 1_700_000_040 + 17.25  # 17.25 s into a minute: 42.75 s left in the window


@pytest.fixture(autouse=True)
def _frozen_clock(monkeypatch):
    """A request must not straddle a minute boundary (the count would restart);
    forked worker processes inherit the frozen clock."""
    monkeypatch.setattr(rate_limits, "clock", lambda: NOW)


def make_app(path, **config):
    return create_app({"TESTING": True, "DATABASE": str(path), "SECRET_KEY": "k",
                       "SENDER_HASH_KEY": HASH_KEY, **config})  # fmt: skip


@pytest.fixture
def app(tmp_path):
    return make_app(tmp_path / "bot.sqlite3", CHAT_RATE_LIMIT_PER_MINUTE=3)


@pytest.fixture
def db(app):
    database = connect(app.config["DATABASE"])
    yield database
    database.conn.close()


def post(client, body=None, **kw):
    return client.post("/api/chat", json=body or {"message": "hola"}, **kw)


def test_over_the_limit_is_429_with_retry_after(client):
    assert [post(client).status_code for _ in range(3)] == [200, 200, 200]
    resp = post(client, {"message": "hello", "lang": "en"})
    assert resp.status_code == 429
    assert resp.headers["Retry-After"] == "43"  # whole seconds, rounded up
    assert int(resp.headers["Retry-After"]) <= WINDOW_SECONDS
    error = resp.get_json()["error"]
    assert error["code"] == "rate_limited"
    assert error["message"] == "Too many messages. Please wait a minute and try again."


def test_refusal_is_in_the_residents_language(client):
    for _ in range(3):
        post(client)
    es = post(client, {"message": "hola", "lang": "es"}).get_json()["error"]["message"]
    assert es == "Demasiados mensajes. Por favor espere un minuto e intente de nuevo."
    by_header = post(client, {"message": "x"}, headers={"Accept-Language": "es-MX,es;q=0.9"})
    assert by_header.get_json()["error"]["message"] == es
    # Even a body that is not JSON at all is counted, and refused in the browser's language.
    garbage = client.post("/api/chat", data=b"\xff\xfe", content_type="text/plain",
                          headers={"Accept-Language": "es"})  # fmt: skip
    assert garbage.status_code == 429
    assert garbage.get_json()["error"]["message"] == es
    assert post(client, {"message": "hi", "lang": "en"}).get_json()["error"]["message"].startswith(
        "Too many"
    )


def test_refusal_follows_the_conversation_language(client):
    # The widget sends no `lang` after the first turn: the session carries it.
    session = post(client, {"message": "necesito un abogado"}).get_json()["session"]
    post(client)
    post(client)
    resp = post(client, {"message": "otra pregunta", "session": session},
                headers={"Accept-Language": "en"})  # fmt: skip
    assert resp.status_code == 429
    assert resp.get_json()["error"]["message"].startswith("Demasiados mensajes")


def test_bad_requests_count_too(client):
    for _ in range(3):
        assert post(client, {"message": ""}).status_code == 400
    assert post(client).status_code == 429


def test_each_address_has_its_own_count(client):
    for _ in range(3):
        post(client)
    assert post(client).status_code == 429
    other = post(client, environ_base={"REMOTE_ADDR": "198.51.100.23"})
    assert other.status_code == 200


def test_a_forged_forwarded_for_does_not_dodge_the_limit(client):
    for n in range(3):
        post(client, headers={"X-Forwarded-For": f"203.0.113.{n}"})
    assert post(client, headers={"X-Forwarded-For": "203.0.113.99"}).status_code == 429


def test_behind_a_trusted_proxy_the_forwarded_address_counts(tmp_path):
    client = make_app(tmp_path / "b.sqlite3", CHAT_RATE_LIMIT_PER_MINUTE=1,
                      PROXY_FIX=1).test_client()  # fmt: skip
    assert post(client, headers={"X-Forwarded-For": "203.0.113.1"}).status_code == 200
    assert post(client, headers={"X-Forwarded-For": "203.0.113.1"}).status_code == 429
    assert post(client, headers={"X-Forwarded-For": "203.0.113.2"}).status_code == 200


def test_the_table_holds_no_address(client, db):
    post(client)
    post(client, environ_base={"REMOTE_ADDR": "198.51.100.23"})
    rows = list(db.query("select * from rate_limits"))
    assert len(rows) == 2
    for row in rows:
        assert re.fullmatch(r"[0-9a-f]{32}", row["key"])
        assert "127.0.0.1" not in str(row) and "198.51" not in str(row)


def test_zero_turns_the_limit_off(tmp_path):
    app = make_app(tmp_path / "b.sqlite3", CHAT_RATE_LIMIT_PER_MINUTE=0)
    client = app.test_client()
    assert all(post(client).status_code == 200 for _ in range(10))
    with app.app_context():
        database = connect(app.config["DATABASE"])
        assert database["rate_limits"].count == 0
        database.conn.close()


def test_setting_comes_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("BOT_CHAT_RATE_LIMIT_PER_MINUTE", "100000")
    app = create_app({"TESTING": True, "DATABASE": str(tmp_path / "b.sqlite3"), "SECRET_KEY": "k"})
    assert app.config["CHAT_RATE_LIMIT_PER_MINUTE"] == 100000


def test_window_ends_and_old_rows_go(db, app):
    counter = Counter(limit=2, window=60)
    start = 1_700_000_040  # a minute boundary
    assert counter.hit(db, "k", start).allowed
    assert counter.hit(db, "k", start + 10).allowed
    refused = counter.hit(db, "k", start + 45.5)
    assert not refused.allowed and refused.retry_after == 15
    fresh = counter.hit(db, "k", start + 60)
    assert fresh.allowed and fresh.hits == 1
    # The first request of a new minute deletes the ended minute's rows.
    assert [r["window_start"] for r in db.query("select window_start from rate_limits")] == [
        start + 60
    ]


def test_retention_purge_clears_ended_windows(db, app):
    # What an idle service leaves: no request came to prune the last minutes' rows.
    db["rate_limits"].insert_all([{"key": "a", "window_start": 1_700_000_040, "hits": 9},
                                  {"key": "b", "window_start": 1_700_000_100, "hits": 1}])
    assert "rate_limits" in dict(retention.purgers())
    assert purge(db, 1_700_000_100, dict(app.config)) == 1
    assert purge(db, 1_700_000_160, dict(app.config)) == 1
    assert db["rate_limits"].count == 0


def _worker(path: str, n: int, queue) -> None:
    # A separate process with its own app and connection, as a gunicorn worker has.
    client = make_app(path, CHAT_RATE_LIMIT_PER_MINUTE=15).test_client()
    queue.put([post(client).status_code for _ in range(n)])


def test_the_limit_holds_across_worker_processes(tmp_path):
    path = str(tmp_path / "shared.sqlite3")
    make_app(path)  # migrate once, as the Procfile's release step does
    ctx = multiprocessing.get_context("fork")
    queue = ctx.Queue()
    workers = [ctx.Process(target=_worker, args=(path, 12, queue)) for _ in range(2)]
    for w in workers:
        w.start()
    codes = [c for _ in workers for c in queue.get(timeout=120)]
    for w in workers:
        w.join(timeout=30)
    assert sorted(set(codes)) == [200, 429]
    assert codes.count(200) == 15  # not 15 per worker: one count in the shared file


def test_cross_origin_widget_can_read_the_refusal(tmp_path):
    host = "https://www.city.example"
    client = make_app(tmp_path / "b.sqlite3", CHAT_RATE_LIMIT_PER_MINUTE=1,
                      ALLOWED_EMBED_ORIGINS=[host]).test_client()  # fmt: skip
    post(client, headers={"Origin": host})
    resp = post(client, headers={"Origin": host})
    assert resp.status_code == 429
    assert resp.headers["Access-Control-Allow-Origin"] == host


def test_sign_in_refusal_has_retry_after_in_the_staff_language(client, account, app):  # noqa: F811
    set_language(client, "es")
    for _ in range(app.config["SIGN_IN_MAX_FAILURES_PER_PAIR"]):
        assert sign_in(client, password="wrong guess 123").status_code == 401
    blocked = sign_in(client)
    assert blocked.status_code == 429
    assert 0 < int(blocked.headers["Retry-After"]) <= app.config["SIGN_IN_WINDOW_SECONDS"]
    assert "Demasiados intentos" in blocked.get_data(as_text=True)


def test_sign_in_keys_are_hmacs_under_the_sender_hash_key(client, account, db):  # noqa: F811
    from bot.staff.sign_in_limits import keyed_hash

    sign_in(client, password="wrong guess 123")
    keys = {r["key"] for r in db.query("select key from sign_in_attempts")}
    assert keyed_hash(HASH_KEY, "address", "127.0.0.1") in keys


@pytest.mark.parametrize("value", ["sixty", -1, 1.5, True])
def test_a_bad_setting_stops_the_start_with_its_name(tmp_path, value):
    with pytest.raises(ValueError, match="CHAT_RATE_LIMIT_PER_MINUTE"):
        make_app(tmp_path / "b.sqlite3", CHAT_RATE_LIMIT_PER_MINUTE=value)
