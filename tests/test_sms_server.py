"""The issue's "done when", against gunicorn started from the Procfile: a signed
Spanish conversation, a switch to English, STOP, silence, START; forged requests
refused; and afterwards no phone number or message text in the database file, its
WAL or the server log."""

import secrets
import sqlite3
import urllib.error
import urllib.request
from urllib.parse import urlencode
from xml.etree import ElementTree

import pytest
from flask_babel import force_locale
from live_server import live_server
from twilio.request_validator import RequestValidator

from bot import create_app, services
from bot.channels.sms import compose, replies
from bot.engine import sms_segments as segments

pytestmark = pytest.mark.server

TOKEN = "e2e0123456789abcdef0123456789abc"
PUBLIC = "https://sms.example.test"
NUMBER = "+15205551234"
NUMBER_FORMATS = ["+15205551234", "5205551234", "520-555-1234", "(520) 555-1234"]
# Answered questions (the unanswered ones are kept, scrubbed, for staff: docs/staff.md),
# one with a name in it.
PRIVATE_BODIES = ["necesito un abogado",
                  "Zacarías Quintero pregunta si la policía llama a la migra"]


def post(base, form, token=TOKEN, signed=True):
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    if signed:
        headers["X-Twilio-Signature"] = RequestValidator(token).compute_signature(
            PUBLIC + "/sms", form
        )
    req = urllib.request.Request(base + "/sms", urlencode(form).encode(), headers)
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def form(body, sid=None):
    return {
        "MessageSid": sid or "SM" + secrets.token_hex(16),
        "AccountSid": "AC" + "2" * 32,
        "From": NUMBER,
        "To": "+15205550000",
        "Body": body,
        "NumMedia": "0",
    }


def text(base, body, sid=None) -> list[str]:
    status, data = post(base, form(body, sid))
    assert status == 200, data
    root = ElementTree.fromstring(data)  # noqa: S314 (our own TwiML)
    assert root.tag == "Response"
    return [m.text for m in root.findall("Message")]


def test_signed_conversation_against_the_procfile_server_leaves_no_number(tmp_path):
    db_path = tmp_path / "bot.sqlite3"
    log_path = tmp_path / "gunicorn.log"
    env = {
        "BOT_DATABASE": str(db_path),
        "TWILIO_AUTH_TOKEN": TOKEN,
        "BOT_SECRET_KEY": "e2e-secret-key",
        "BOT_SENDER_HASH_KEY": "e2e-sender-hash-key",
        "BOT_PUBLIC_BASE_URL": PUBLIC,
    }
    # The expected wording comes from the same catalogs and data, rendered here.
    local = create_app({"TESTING": True, "DATABASE": str(tmp_path / "local.sqlite3"),
                        "SECRET_KEY": "x", "TWILIO_AUTH_TOKEN": TOKEN})  # fmt: skip
    with local.test_request_context():
        knowledge = services.engine().knowledge
        names = services.engine().service["name"]
        with force_locale("es"):
            mas = replies.more_prompt()
        with force_locale("en"):
            switched = replies.language_switched()
            stopped = replies.opted_out(names["en"])
            started = replies.opted_in(names["en"])
    legal = str(knowledge.menu.index("legal_help") + 1)
    legal_es = knowledge.intents["legal_help"].text("es", "sms").split()[:4]  # the short SMS text

    with live_server(env, workers=2, log_path=log_path) as base:
        # An open reader keeps the WAL from being checkpointed away after each
        # request, as a busy server would, so its bytes can be searched too.
        reader = sqlite3.connect(db_path)
        reader.execute("select count(*) from sms_senders").fetchone()
        [greeting] = text(base, "hola")
        assert greeting.startswith("¡Hola!") and segments.count(greeting) <= 2  # one short text
        [answer] = text(base, legal)
        assert answer.split()[:4] == legal_es and answer.endswith(mas)  # Spanish, and paged
        [more] = text(base, "MAS", sid="SM" + "f" * 32)
        assert text(base, "MAS", sid="SM" + "f" * 32) == [more]  # a Twilio retry
        assert text(base, PRIVATE_BODIES[0])
        assert text(base, PRIVATE_BODIES[1])
        [english] = text(base, "ENGLISH")
        assert english.startswith(switched)
        menu = text(base, "menu")[0]
        assert compose.menu_label(knowledge, knowledge.menu[0], "en") in menu
        assert text(base, "STOP") == [stopped]
        assert text(base, "hola") == []
        assert text(base, PRIVATE_BODIES[0]) == []
        assert text(base, "START") == [started]
        assert text(base, "ICE")

        assert post(base, form("hola"), signed=False)[0] == 403
        assert post(base, form("hola"), token="0" * 32)[0] == 403

        stored = {p.name: p.read_bytes() for p in tmp_path.glob("bot.sqlite3*")}
        assert len(stored["bot.sqlite3-wal"]) > 0
        reader.close()
    stored.update({f"{p.name} (closed)": p.read_bytes() for p in tmp_path.glob("bot.sqlite3*")})
    log = log_path.read_bytes()
    assert b"X-Twilio-Signature" in log  # the refusals were logged, so the log is live

    places = {**stored, "gunicorn log": log}
    for secret in NUMBER_FORMATS + PRIVATE_BODIES:
        for encoding in ("utf-8", "utf-16-le"):
            needle = secret.encode(encoding)
            for name, data in places.items():
                assert needle not in data, f"{secret!r} ({encoding}) found in {name}"
