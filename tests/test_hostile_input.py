"""Hostile and broken input: whatever arrives, every route answers cleanly.

Property-based (hypothesis): any Unicode text, control characters, emoji by the
thousand, right-to-left scripts, zero-width joiners, combining marks, NUL and huge
words go to the chat API and to the signed SMS webhook; the answer is always the
documented JSON or a clean 4xx, or valid TwiML. Then every route in app.url_map gets
malformed forms, wrong content types, oversized and non-UTF-8 bodies and methods it
does not take, signed in and not: never a 5xx, never a traceback. The deadline is a
hang guard only; speed is measured by `make bench` (bench/hostile.py).
"""

from __future__ import annotations

import json
import secrets
from datetime import timedelta
from urllib.parse import urlencode
from xml.etree import ElementTree

import jsonschema
import pytest
from conftest import scaled
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from twilio.request_validator import RequestValidator

from bot import create_app
from bot.channels.api_spec import spec
from tests.staff_pages import EMAIL, PASSWORD, csrf_from
from tests.test_security_headers import concrete

TOKEN = "0123456789abcdef0123456789abcdef"
NUMBER = "+15205551234"
HANG_GUARD = timedelta(seconds=5)
HOSTILE = settings(deadline=HANG_GUARD, max_examples=scaled(150),
                   suppress_health_check=[HealthCheck.too_slow])  # fmt: skip

# -- what residents and attackers can type ----------------------------------------

EMOJI = st.characters(min_codepoint=0x1F300, max_codepoint=0x1FAFF)
ZWJ_FAMILY = "\U0001f468\u200d\U0001f469\u200d\U0001f467\u200d\U0001f466"
RTL = st.one_of(
    st.text(st.characters(min_codepoint=0x0600, max_codepoint=0x06FF), min_size=1),  # Arabic
    st.text(st.characters(min_codepoint=0x0590, max_codepoint=0x05FF), min_size=1),  # Hebrew
)
BIDI_CONTROLS = "\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff"
COMBINING = st.characters(min_codepoint=0x0300, max_codepoint=0x036F)
REAL_WORDS = ["policía", "ICE", "deport", "abogado", "911", "migra", "papeles", "help",
              "menu", "stop", "MAS", "borrar", "english", "español", "1", "2"]  # fmt: skip

any_text = st.text(st.characters(exclude_categories=()))  # every category, surrogates too
controls = st.text(st.characters(min_codepoint=0, max_codepoint=0x1F) | st.sampled_from("\x7f\x85"))
tokens_ = st.one_of(
    st.sampled_from(REAL_WORDS),
    st.text(EMOJI, min_size=1, max_size=5),
    RTL,
    st.sampled_from([ZWJ_FAMILY, "\u200d", "\x00", BIDI_CONTROLS, ZERO_WIDTH]),
    st.builds(lambda base, marks: base + marks, st.sampled_from("aeonAEON"),
              st.text(COMBINING, min_size=1, max_size=40)),  # fmt: skip
    st.text(st.sampled_from("abcdefghijklmnopqrstuvwxyz"), min_size=30, max_size=1000),
)
mixed = st.lists(tokens_, max_size=30).map(" ".join)
messages = st.one_of(any_text, controls, mixed)

WORST_CASES = {
    "10,000 emoji": "\U0001f600" * 10_000,
    "1,000 emoji (the limit)": "\U0001f600" * 1000,
    "ZWJ families": ZWJ_FAMILY * 140,
    "Arabic": "هل تسألني الشرطة عن أوراقي؟ " * 30,
    "Hebrew with RLO": "\u202eהאם המשטרה תשאל על המעמד שלי " * 30,
    "Zalgo": "p" + "\u0301\u0327\u0308" * 300,
    "NUL": "\x00" * 1000,
    "NUL inside": "necesito un abogado\x00 ICE",
    "one huge word": "a" * 1000,
    "one huge word, too long": "b" * 5000,
    "lone surrogate": "hola \ud800 ICE",
    "BOM and zero width": "\ufeff\u200b\u200c\u200d\u2060",
}


def make_app(tmp_path, **config):
    return create_app({"TESTING": True, "DATABASE": str(tmp_path / "bot.sqlite3"),
                       "SECRET_KEY": "k", "TWILIO_AUTH_TOKEN": TOKEN,
                       "SENDER_HASH_KEY": "hash-key", "CHAT_RATE_LIMIT_PER_MINUTE": 0,
                       **config})  # fmt: skip


@pytest.fixture
def app(tmp_path):
    return make_app(tmp_path)


def schema_validator(name):
    return jsonschema.Draft7Validator({"$ref": f"#/components/schemas/{name}", **spec()})


REPLY, ERROR = schema_validator("ChatReply"), schema_validator("Error")


def assert_json_error(resp):
    """The error shape every JSON refusal has (the SMS webhook's codes are its own)."""
    error = resp.get_json()["error"]
    assert set(error) == {"code", "message"}
    assert error["code"].replace("_", "").isalpha() and error["message"].strip()


# -- the chat API ----------------------------------------------------------------


def post_chat(client, message, lang=None):
    body = {"message": message, **({"lang": lang} if lang else {})}
    # ensure_ascii: lone surrogates travel as JSON escapes, as a hostile client sends them
    return client.post("/api/chat", data=json.dumps(body), content_type="application/json")


def assert_chat_answer(resp, lang=None):
    assert resp.status_code in (200, 400, 413), resp.status_code
    assert resp.mimetype == "application/json"
    body = resp.get_json()
    if resp.status_code == 200:
        REPLY.validate(body)
        assert body["reply"].strip()
    else:
        ERROR.validate(body)
        if lang == "es":  # refused in the resident's language
            assert body["error"]["message"] != "Please write a message."
    return body


def test_chat_any_text(client):
    @HOSTILE
    @given(message=messages, lang=st.sampled_from([None, "en", "es"]))
    def check(message, lang):
        assert_chat_answer(post_chat(client, message, lang), lang)

    check()


@pytest.mark.parametrize("name", WORST_CASES)
def test_chat_worst_cases(client, name):
    message = WORST_CASES[name]
    body = assert_chat_answer(post_chat(client, message, "es"), "es")
    if len(message) > 1000:
        assert body["error"]["code"] in ("message_too_long", "too_large")
    elif message.strip(ZERO_WIDTH + " ") and name != "NUL":
        assert "reply" in body  # real text gets a real answer, whatever else is in it


def test_chat_too_long_is_refused_in_spanish(client):
    resp = post_chat(client, "\U0001f600" * 1001, "es")
    assert resp.status_code == 400
    assert resp.get_json()["error"] == {
        "code": "message_too_long",
        "message": resp.get_json()["error"]["message"],
    }
    assert "1000" in resp.get_json()["error"]["message"]
    assert "Please" not in resp.get_json()["error"]["message"]


# -- the SMS webhook (signed exactly as Twilio signs) ------------------------------


def signed_post(client, form: dict, token=TOKEN):
    signature = RequestValidator(token).compute_signature("http://localhost/sms", form)
    return client.post("/sms", data=form, headers={"X-Twilio-Signature": signature})


def sms_form(body: str, **extra) -> dict:
    return {"MessageSid": "SM" + secrets.token_hex(16), "AccountSid": "AC" + "1" * 32,
            "From": NUMBER, "To": "+15205550000", "Body": body, "NumMedia": "0",
            **extra}  # fmt: skip


def assert_twiml(resp) -> list[str]:
    assert resp.status_code == 200, resp.get_data(as_text=True)[:300]
    assert resp.mimetype == "text/xml"
    root = ElementTree.fromstring(resp.data)  # noqa: S314 (our own TwiML)
    assert root.tag == "Response"
    found = root.findall("Message")
    assert len(found) <= 1 and all(m.text and m.text.strip() for m in found)
    return [m.text for m in found]


# A form body is bytes: a lone surrogate cannot be in it (invalid UTF-8 is sent below).
sms_text = st.text(st.characters(exclude_categories=("Cs",)), max_size=1600) | mixed


def test_sms_any_text(app):
    client = app.test_client()

    @HOSTILE
    @given(body=sms_text)
    def check(body):
        assert_twiml(signed_post(client, sms_form(body)))

    check()


@pytest.mark.parametrize("name", [n for n in WORST_CASES if "surrogate" not in n])
def test_sms_worst_cases(app, name):
    client = app.test_client()
    resp = signed_post(client, sms_form(WORST_CASES[name]))
    if resp.status_code == 413:  # 10,000 emoji is more than a form may carry
        assert resp.get_json()["error"]["code"] == "too_large"
    else:
        assert_twiml(resp)


def test_sms_invalid_utf8_is_answered(app):
    # Escaped bytes that are not UTF-8 reach the app as the escapes themselves
    # (werkzeug keeps "%FF%FE" as text); the request is signed over what the app sees.
    client = app.test_client()
    form = sms_form("%FF%FE policia")
    signature = RequestValidator(TOKEN).compute_signature("http://localhost/sms", form)
    raw = urlencode({**form, "Body": "X"}).replace("Body=X", "Body=%FF%FE+policia")
    resp = client.post("/sms", data=raw, content_type="application/x-www-form-urlencoded",
                       headers={"X-Twilio-Signature": signature})  # fmt: skip
    assert_twiml(resp)


@pytest.mark.parametrize(
    "extra",
    [{"NumMedia": "-1"}, {"NumMedia": "9" * 50}, {"NumMedia": "\u0663"}, {"From": ""},
     {"MessageSid": ""}, {"From": "\x00"}, {"From": "not a number"}, {"MessageSid": "x" * 5000}],
)  # fmt: skip
def test_sms_broken_fields_are_4xx_or_twiml(app, extra):
    resp = signed_post(app.test_client(), sms_form("hola", **extra))
    if resp.status_code == 200:
        assert_twiml(resp)
    else:
        assert resp.status_code in (400, 413)
        assert_json_error(resp)


# -- every route: broken bodies, wrong types, big bodies, wrong methods ------------

LIMIT = 16 * 1024
BROKEN = {
    "malformed form": ("application/x-www-form-urlencoded", b"a=%zz&&=&%ff%fe=\x00&b"),
    "form, not UTF-8": ("application/x-www-form-urlencoded", b"email=\xff\xfe&password=\xc3"),
    "multipart, no boundary": ("multipart/form-data", b"--x\r\n\r\n"),
    "multipart, garbage": ("multipart/form-data; boundary=zz", b"--zz\r\nContent-Dispo"),
    "XML": ("application/xml", b"<?xml version='1.0'?><!DOCTYPE a [<!ENTITY b 'c'>]><a>&b;</a>"),
    "JSON, broken": ("application/json", b'{"message": "ho'),
    "JSON, deep": ("application/json", b"[" * 5000 + b"]" * 5000),
    "JSON, not UTF-8": ("application/json", b'{"message": "\xff\xfe"}'),
    "JSON, latin-1": ("application/json; charset=latin-1", '{"message": "é"}'.encode("latin-1")),
    "no type": (None, b"message=hola"),
    "oversized": ("application/x-www-form-urlencoded", b"a=" + b"x" * (LIMIT + 1)),
    "oversized JSON": ("application/json", b'{"message": "' + b"x" * (LIMIT + 1) + b'"}'),
}
HOSTILE_QUERY = "?lang=%ff&next=%00%2F%2Fevil.example&host=javascript:alert(1)&q=%C0%AF&embed=1"


def requests_for(app):
    # Signing out last keeps the signed-in pass signed in for every other route.
    rules = sorted(app.url_map.iter_rules(), key=lambda r: r.endpoint == "admin.sign_out")
    for rule in rules:
        url = concrete(rule)
        for method in sorted(rule.methods - {"OPTIONS"}):
            yield rule, url, method


def assert_clean(resp, url, what):
    where = f"{resp.request.method} {url} ({what}) -> {resp.status_code}"
    assert resp.status_code < 500, where
    text = resp.get_data().decode("utf-8", "replace")  # the HSDS export is a zip
    assert "Traceback" not in text and 'File "' not in text, where
    if url.startswith("/api/") and resp.status_code >= 400:
        assert resp.mimetype == "application/json", where
        ERROR.validate(resp.get_json())
    if resp.status_code == 405:
        assert resp.headers.get("Allow"), where


def send_everything(client, app, extra_form=None) -> list[tuple[str, str, int]]:
    seen = []
    for _rule, url, method in requests_for(app):
        for what, (ctype, body) in BROKEN.items():
            if method in ("GET", "HEAD"):
                resp = client.open(url + HOSTILE_QUERY, method=method)
            else:
                if extra_form and ctype == "application/x-www-form-urlencoded":
                    body = urlencode(extra_form).encode() + b"&" + body
                headers = {"Content-Type": ctype} if ctype else {}
                resp = client.open(url, method=method, data=body, headers=headers)
            assert_clean(resp, url, what)
            seen.append((method, url, resp.status_code))
        for method in ("PUT", "DELETE", "PATCH"):
            if method not in _rule.methods:
                resp = client.open(url, method=method, data=b"x")
                assert resp.status_code == 405, (method, url)
                assert_clean(resp, url, method)
    return seen


def test_every_route_anonymous(app):
    assert len(send_everything(app.test_client(), app)) > 100


def test_every_route_signed_in_with_a_valid_csrf_token(app, tmp_path):
    from bot.platform.db import connect
    from bot.staff import accounts as staff

    db = connect(app.config["DATABASE"])
    staff.create(db, EMAIL, PASSWORD)
    db.conn.close()
    client = app.test_client()
    page = client.get("/admin/sign-in")
    token = csrf_from(page.get_data(as_text=True))
    resp = client.post("/admin/sign-in", data={"csrf_token": token, "email": EMAIL,
                                               "password": PASSWORD})  # fmt: skip
    assert resp.status_code == 303
    token = csrf_from(client.get("/admin/listings/new").get_data(as_text=True))
    # A real token gets the hostile bytes past the CSRF check into each handler.
    seen = send_everything(client, app, extra_form={"csrf_token": token})
    reached = {url for method, url, status in seen if method == "POST" and status == 422}
    assert {"/admin/listings/new", "/admin/listings/1", "/admin/import"} <= reached


def test_signed_sms_with_broken_bodies(app):
    client = app.test_client()
    for what, (ctype, body) in BROKEN.items():
        headers = {"X-Twilio-Signature": "anything"}
        if ctype:
            headers["Content-Type"] = ctype
        resp = client.post("/sms", data=body, headers=headers)
        assert_clean(resp, "/sms", what)
        assert resp.status_code in (403, 413, 415), (what, resp.status_code)
