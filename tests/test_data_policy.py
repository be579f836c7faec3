"""PRIVACY.md, checked end to end: what a resident sends is nowhere it should not be.

Marked messages go through every channel (the chat API in both languages, the
widget's own path to it, signed SMS with BORRAR / DELETE MY DATA), some carrying a
phone number as residents type it. Then the SQLite file, its -wal and -shm, and
every log line (caplog at DEBUG, the JSON lines on stderr, and a real gunicorn's
output) are searched for the marks, the phone number, the Twilio message ids, the
chat tokens and the client address, and none may be there.

Questions the bot cannot answer are kept by design, scrubbed (PRIVACY.md, "Questions
the bot could not answer"), so the marks in those are shaped like what scrubbing
removes: phone numbers, e-mail addresses, A-numbers, names after "my name is" /
"me llamo". Marks in answered messages are plain words.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import secrets
import sqlite3
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from live_server import live_server
from twilio.request_validator import RequestValidator

from bot import create_app, services

TOKEN = "policy-test-twilio-token-0123456789abcdef"
HASH_KEY = "policy-test-sender-hash-key-0123456789abcdef"
SECRET_KEY = "policy-test-secret-key-0123456789abcdef"
CLIENT_ADDRESS = "203.0.113.77"  # TEST-NET-3: the resident's address, as the app sees it

# Residents texting, each as Twilio sends the number (E.164), and how they type it.
PHONE = "+15205550147"
TYPED = ["(520) 555-0147", "520-555-0147", "520.555.0147", "520 555 0147", "5205550147"]
OTHER_PHONE = "+15205550148"
THIRD_PHONE = "+15205550149"
STOPPED_PHONE = "+15205550150"

# Answered questions carry a plain mark word; each must get a real answer, or it
# would land in the unanswered queue, where only scrubbable marks belong.
ANSWERED_CHAT = [
    ("en", "will cops call ICE if i call 911 for my neighbor qzxalpha"),
    ("es", "si reporto un robo me preguntan por mis papeles? qzxbravo"),
    ("en", "i need a free lawyer qzxcharlie call me at (520) 555-0147"),
    ("es", "necesito un abogado gratis qzxdelta, mi numero es 520-555-0147"),
]
# Unanswered: what is personal is shaped like what the scrubber takes out.
UNANSWERED_CHAT = [
    ("en", "where do i pay a parking ticket? my name is Qzxecho, text me at "
           "520.555.0147 or qzxfoxtrot@example.org"),  # fmt: skip
    ("es", "me llamo Qzxgolf y quiero saber dónde tirar la basura, mi número A es "
           "A123456789, mi teléfono 520 555 0147"),  # fmt: skip
]
ANSWERED_SMS = [
    "la policia de tucson trabaja con inmigracion? qzxindia",
    "do police in tucson work with ICE qzxjuliet",
]
UNANSWERED_SMS = "how do i renew my library card? my name is Qzxkilo, call 5205550147"
MARKS = ["qzxalpha", "qzxbravo", "qzxcharlie", "qzxdelta", "qzxecho", "qzxfoxtrot",
         "qzxgolf", "a123456789", "qzxindia", "qzxjuliet", "qzxkilo", "qzxlima",
         "qzxmike", "qzxnovember"]  # fmt: skip
NOT_ANSWERS = {"out_of_scope"}


def digest(value: str) -> str:
    return hmac.new(HASH_KEY.encode(), value.encode(), hashlib.sha256).hexdigest()


@dataclass
class Traffic:
    """What was sent and what must not be found afterwards, and where."""

    sids: list[str] = field(default_factory=list)
    tokens: list[str] = field(default_factory=list)
    intents: list[tuple[str, str]] = field(default_factory=list)  # (message, intent)

    def secrets_for_files(self) -> list[str]:
        phones = [PHONE, OTHER_PHONE, THIRD_PHONE, STOPPED_PHONE, *TYPED]
        return [*MARKS, *phones, *self.sids, *self.tokens, CLIENT_ADDRESS]

    def secrets_for_logs(self) -> list[str]:
        senders = [digest(n) for n in (PHONE, OTHER_PHONE, THIRD_PHONE, STOPPED_PHONE)]
        return [*self.secrets_for_files(), *senders]


def found_in(haystack: bytes | str, needles: list[str]) -> list[str]:
    """Needles in the haystack, ignoring case, also as JSON escapes them."""
    text = haystack.decode("utf-8", "replace") if isinstance(haystack, bytes) else haystack
    text = text.casefold()
    hits = []
    for needle in needles:
        escaped = json.dumps(needle)[1:-1]
        if needle.casefold() in text or escaped.casefold() in text:
            hits.append(needle)
    return hits


def database_files(path: str) -> dict[str, bytes]:
    return {
        Path(p).name: Path(p).read_bytes()
        for p in (path, path + "-wal", path + "-shm")
        if Path(p).exists()
    }


def leaks_in_files(path: str, needles: list[str]) -> dict[str, list[str]]:
    found = {name: found_in(data, needles) for name, data in database_files(path).items()}
    return {name: hits for name, hits in found.items() if hits}


def log_text(records: list[logging.LogRecord]) -> str:
    """Every record as a handler could write it: message, arguments, extras, traceback."""
    parts = []
    for record in records:
        parts.append(record.getMessage())
        parts.append(repr({k: v for k, v in vars(record).items() if k != "msg"}))
        parts.append(str(record.msg))
    return "\n".join(parts)


# -- in-process: the Flask test client, logs captured at DEBUG --------------------


@pytest.fixture
def app(make_app):
    return make_app(SECRET_KEY=SECRET_KEY, TWILIO_AUTH_TOKEN=TOKEN, SENDER_HASH_KEY=HASH_KEY,
                    QUEUE_ENABLED=True, LOG_LEVEL="DEBUG")  # fmt: skip


class InProcess:
    """Requests as a WSGI server makes them: from the resident's address, and each
    response closed once sent (which is when the app's after-response work runs).
    After every request the database files are searched, so a mark that was written
    and deleted again in between still counts."""

    def __init__(self, app, traffic: Traffic):
        self.app, self.traffic = app, traffic
        self.client = app.test_client()
        self.client.environ_base["REMOTE_ADDR"] = CLIENT_ADDRESS
        self.wal_seen = 0
        with app.app_context():  # which intent answered each message, on every channel
            services.on_turn(lambda _channel, message, reply: traffic.intents.append(
                (message, reply.intent)))  # fmt: skip

    def _after(self, resp):
        resp.close()
        path = self.app.config["DATABASE"]
        wal = Path(path + "-wal")
        self.wal_seen = max(self.wal_seen, wal.stat().st_size if wal.exists() else 0)
        leaks = leaks_in_files(path, self.traffic.secrets_for_files())
        assert not leaks, f"found in the database files: {leaks}"

    def chat(self, message, lang=None, session=None, **headers):
        body = {"message": message}
        if lang:
            body["lang"] = lang
        if session:
            body["session"] = session
        resp = self.client.post("/api/chat", json=body, headers=headers)
        assert resp.status_code == 200, resp.get_data(as_text=True)
        data = resp.get_json()
        self._after(resp)
        self.traffic.tokens.append(data["session"])
        return data

    def sms(self, number, body, url="http://localhost/sms"):
        sid = "SM" + secrets.token_hex(16)
        self.traffic.sids.append(sid)
        form = {"MessageSid": sid, "AccountSid": "AC" + "1" * 32, "From": number,
                "To": "+15205550000", "Body": body, "NumMedia": "0"}  # fmt: skip
        signature = RequestValidator(TOKEN).compute_signature(url, form)
        resp = self.client.post("/sms", data=form, headers={"X-Twilio-Signature": signature})
        assert resp.status_code == 200, resp.get_data(as_text=True)
        text = resp.get_data(as_text=True)
        self._after(resp)
        return text


def send_everything(channel: InProcess) -> None:
    # The chat API, both languages, one conversation carried by its token.
    session = None
    for lang, message in ANSWERED_CHAT:
        data = channel.chat(message, lang=lang, session=session)
        session = data["session"]
    channel.chat("menu", session=session)
    channel.chat("3", session=session)
    for lang, message in UNANSWERED_CHAT:
        channel.chat(message, lang=lang)
    # The widget's own path: the page, then the API as its script calls it.
    page = channel.client.get("/chat?lang=es&embed=1")
    assert page.status_code == 200
    channel._after(page)
    data = channel.chat("hola", lang="es", Origin="http://localhost")
    data = channel.chat("necesito un abogado qzxlima", session=data["session"],
                        Origin="http://localhost")  # fmt: skip
    channel.chat("borrar mis datos qzxmike", session=data["session"], Origin="http://localhost")

    # SMS: a conversation in Spanish, MORE, HELP, an unanswered question, then BORRAR.
    channel.sms(PHONE, "hola")
    channel.sms(PHONE, ANSWERED_SMS[0])
    channel.sms(PHONE, "MAS")
    channel.sms(PHONE, "AYUDA")
    channel.sms(PHONE, UNANSWERED_SMS)
    assert channel.sms(PHONE, "BORRAR")
    # In English, ended by DELETE MY DATA; a third ends with the engine's forget_me.
    channel.sms(OTHER_PHONE, ANSWERED_SMS[1])
    assert channel.sms(OTHER_PHONE, "DELETE MY DATA")
    channel.sms(THIRD_PHONE, "necesito un abogado qzxnovember")
    channel.sms(THIRD_PHONE, "borra mis datos por favor")
    # Opted out, then BORRAR: silence, and only the opt-out is kept.
    channel.sms(STOPPED_PHONE, "STOP")
    channel.sms(STOPPED_PHONE, "BORRAR")


def test_no_mark_phone_number_token_or_address_is_stored_or_logged(app, caplog, capfd):
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="bot")
    traffic = Traffic()
    channel = InProcess(app, traffic)
    # Another gunicorn worker's connection: keeps the WAL in place, as in production.
    other_worker = sqlite3.connect(app.config["DATABASE"])
    other_worker.execute("select count(*) from listings").fetchall()
    try:
        send_everything(channel)
    finally:
        other_worker.close()

    unanswered = {*dict(UNANSWERED_CHAT).values(), UNANSWERED_SMS}
    marked = [(m, i) for m, i in traffic.intents if "qzx" in m.casefold()]
    for mark in MARKS:  # every marked message reached the engine
        assert any(mark in message.casefold() for message, _ in marked), mark
    for message, intent in marked:
        if message not in unanswered:
            assert intent not in NOT_ANSWERS, f"pick a message the bot answers: {message!r}"
    assert channel.wal_seen > 0, "the WAL was never written: the search proved nothing"

    # The unanswered questions are in the queue, scrubbed: the search could find them.
    conn = sqlite3.connect(app.config["DATABASE"])
    kept = [row[0] for row in conn.execute("select text from unanswered_questions")]
    replies = [row[0] for row in conn.execute("select sender from sms_replies")]
    senders = [row[0] for row in conn.execute("select sender, opted_out from sms_senders")]
    conn.close()
    assert any("[phone]" in text and "[name]" in text for text in kept), kept
    assert len(kept) >= 3, kept

    # BORRAR / DELETE MY DATA / forget_me: nothing keyed to those senders is left,
    # not even in the bytes of the files; the opted-out sender keeps only the STOP.
    deleted = [digest(n) for n in (PHONE, OTHER_PHONE, THIRD_PHONE)]
    assert senders == [digest(STOPPED_PHONE)]
    assert not set(replies) & set(deleted)
    assert leaks_in_files(app.config["DATABASE"], deleted) == {}

    logged = log_text(caplog.records) + "\n" + "\n".join(capfd.readouterr())
    assert caplog.records, "nothing was logged: the log search proved nothing"
    assert found_in(logged, traffic.secrets_for_logs()) == []


@pytest.mark.parametrize("word", ["BORRAR", "DELETE MY DATA", "borra mis datos por favor"])
def test_deleting_by_sms_takes_the_replies_kept_for_retries_too(app, word):
    channel = InProcess(app, Traffic())
    channel.sms(PHONE, "hola")
    channel.sms(PHONE, "necesito un abogado")
    channel.sms(OTHER_PHONE, "hello")

    def replies_by_sender():
        conn = sqlite3.connect(app.config["DATABASE"])
        try:
            return [row[0] for row in conn.execute("select sender from sms_replies")]
        finally:
            conn.close()

    assert replies_by_sender().count(digest(PHONE)) == 2
    channel.sms(PHONE, word)
    kept = replies_by_sender()
    assert digest(PHONE) not in kept
    assert kept.count(digest(OTHER_PHONE)) == 1  # nobody else's
    assert kept.count(None) == 1  # the confirmation, for a retry of the BORRAR itself


def test_the_log_search_would_catch_a_message_logged_at_debug(app, caplog, capfd):
    """The search above is not blind: a debug line with the body is found at once."""
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="bot")

    @app.before_request
    def careless_debug_line():
        from flask import request

        app.logger.debug("incoming: %s", request.get_data(as_text=True))

    traffic = Traffic()
    InProcess(app, traffic).chat(ANSWERED_CHAT[0][1], lang="en")
    logged = log_text(caplog.records) + "\n" + "\n".join(capfd.readouterr())
    assert found_in(logged, traffic.secrets_for_logs()) == ["qzxalpha"]


def test_a_chat_forget_me_returns_a_token_that_holds_nothing_but_the_language(app):
    traffic = Traffic()
    channel = InProcess(app, traffic)
    data = channel.chat("menu", lang="es")
    assert data["quick_replies"]
    forgot = channel.chat("borrar mis datos", session=data["session"])
    assert forgot["intent"] == "forget_me"
    with app.app_context():
        state = services.session_codec().loads(forgot["session"])
    assert state.lang == "es" and state.menu == []


# -- a real gunicorn, started from the Procfile ---------------------------------


class OverHttp:
    def __init__(self, base: str, traffic: Traffic):
        self.base, self.traffic = base, traffic
        # The proxy in front says who the client is (PROXY_FIX=1).
        self.headers = {"X-Forwarded-For": CLIENT_ADDRESS, "Connection": "close"}

    def _post(self, path, data: bytes, content_type: str, extra=None):
        req = urllib.request.Request(self.base + path, data=data, method="POST",
                                     headers={**self.headers, "Content-Type": content_type,
                                              **(extra or {})})  # fmt: skip
        with urllib.request.urlopen(req, timeout=15) as resp:  # noqa: S310 (loopback)
            return resp.read().decode("utf-8")

    def chat(self, message, lang=None, session=None):
        body = {"message": message, **({"lang": lang} if lang else {}),
                **({"session": session} if session else {})}  # fmt: skip
        data = json.loads(self._post("/api/chat", json.dumps(body).encode(), "application/json"))
        self.traffic.tokens.append(data["session"])
        self.traffic.intents.append((message, data["intent"]))
        return data

    def sms(self, number, body):
        sid = "SM" + secrets.token_hex(16)
        self.traffic.sids.append(sid)
        form = {"MessageSid": sid, "AccountSid": "AC" + "1" * 32, "From": number,
                "To": "+15205550000", "Body": body, "NumMedia": "0"}  # fmt: skip
        url = self.base + "/sms"
        signature = RequestValidator(TOKEN).compute_signature(url, form)
        return self._post("/sms", urllib.parse.urlencode(form).encode(),
                          "application/x-www-form-urlencoded",
                          {"X-Twilio-Signature": signature})  # fmt: skip


@pytest.mark.server
def test_gunicorn_from_the_procfile_logs_and_stores_none_of_it(tmp_path):
    database = str(tmp_path / "bot.sqlite3")
    create_app({"DATABASE": database, "SECRET_KEY": SECRET_KEY})  # migrate and seed
    started = time.time()
    env = {"BOT_DATABASE": database, "BOT_SECRET_KEY": SECRET_KEY,
           "BOT_SENDER_HASH_KEY": HASH_KEY, "BOT_TWILIO_AUTH_TOKEN": TOKEN,
           "BOT_PROXY_FIX": "1", "BOT_LOG_LEVEL": "DEBUG",
           "GUNICORN_LOG_LEVEL": "debug"}  # fmt: skip
    log_path = tmp_path / "gunicorn.log"
    traffic = Traffic()
    other_worker = sqlite3.connect(database)  # keeps the WAL in place while we look
    other_worker.execute("select count(*) from listings").fetchall()
    try:
        with live_server(env, workers=2, log_path=log_path) as base:
            http = OverHttp(base, traffic)
            session = None
            for lang, message in ANSWERED_CHAT:
                session = http.chat(message, lang=lang, session=session)["session"]
            for lang, message in UNANSWERED_CHAT:
                http.chat(message, lang=lang)
            http.sms(PHONE, ANSWERED_SMS[0])
            http.sms(PHONE, "MAS")
            http.sms(PHONE, UNANSWERED_SMS)
            http.sms(PHONE, "BORRAR")
            http.sms(OTHER_PHONE, ANSWERED_SMS[1])
            http.sms(OTHER_PHONE, "DELETE MY DATA")
            wal = Path(database + "-wal")
            assert wal.exists() and wal.stat().st_size > 0
            assert leaks_in_files(database, traffic.secrets_for_files()) == {}
    finally:
        other_worker.close()
    for message, intent in traffic.intents:
        if message in dict(ANSWERED_CHAT).values():
            assert intent not in NOT_ANSWERS, message
    # The scheduled purge ran in a worker, after a response, with no command run.
    conn = sqlite3.connect(database)
    [(last_run,)] = conn.execute("select last_run from maintenance where job = 'purge'")
    conn.close()
    assert last_run >= started
    logged = log_path.read_text(encoding="utf-8", errors="replace")
    assert "scheduled purge: " in logged
    assert '"route"' in logged or "sms answered" in logged, logged[-2000:]
    assert found_in(logged, traffic.secrets_for_logs()) == []
    assert leaks_in_files(database, traffic.secrets_for_files()) == {}
