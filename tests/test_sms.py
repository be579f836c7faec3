"""The Twilio webhook, driven as Twilio drives it: every request signed with the
twilio library's RequestValidator, every reply parsed as TwiML."""

import hashlib
import hmac
import logging
import secrets
import sqlite3
import time
from xml.etree import ElementTree

import hypothesis
import phonenumbers
import pytest
from flask_babel import force_locale
from hypothesis import strategies as st
from twilio.request_validator import RequestValidator

from bot import services
from bot.channels.sms import keywords, replies
from bot.channels.sms import store as store_module
from bot.engine import sms_segments as segments

TOKEN = "0123456789abcdef0123456789abcdef"
HASH_KEY = "test-sender-hash-key"
NUMBER = "+15205551234"
URL = "http://localhost/sms"


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch):
    for name in ("TWILIO_AUTH_TOKEN", "BOT_TWILIO_AUTH_TOKEN", "BOT_SENDER_HASH_KEY",
                 "BOT_PUBLIC_BASE_URL", "BOT_PROXY_FIX"):  # fmt: skip
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def sms_app(make_app):
    """conftest's `make_app`, with this file's Twilio token and sender key."""
    return lambda **config: make_app(**{"TWILIO_AUTH_TOKEN": TOKEN, "SENDER_HASH_KEY": HASH_KEY,
                                        **config})  # fmt: skip


@pytest.fixture
def app(sms_app):
    return sms_app()


class Phone:
    """One resident's phone: posts what Twilio would post, signed, and reads TwiML."""

    def __init__(self, app, number=NUMBER, url=URL, token=TOKEN):
        self.app, self.client = app, app.test_client()
        self.number, self.url, self.token = number, url, token
        self.count = 0
        self.turns = []  # (channel, engine Reply) for every engine turn
        with app.app_context():
            services.on_turn(lambda channel, _message, reply: self.turns.append((channel, reply)))

    def form(self, body, sid=None, media=0):
        self.count += 1
        form = {
            "MessageSid": sid or "SM" + secrets.token_hex(16),  # unique, as Twilio's are
            "AccountSid": "AC" + "1" * 32,
            "From": self.number,
            "To": "+15205550000",
            "Body": body,
            "NumMedia": str(media),
            "ApiVersion": "2010-04-01",
        }
        for n in range(media):
            form[f"MediaUrl{n}"] = f"https://api.twilio.com/media/{n}"
        return form

    def post(self, form, signed_for=None, token=None, headers=None, **kw):
        signature = RequestValidator(token or self.token).compute_signature(
            signed_for or self.url, form
        )
        headers = {"X-Twilio-Signature": signature, **(headers or {})}
        return self.client.post("/sms", data=form, headers=headers, **kw)

    def text(self, body, sid=None, media=0):
        """Send one SMS; return the messages Twilio would send back ([] for none)."""
        resp = self.post(self.form(body, sid, media))
        assert resp.status_code == 200, resp.get_data(as_text=True)
        return messages(resp)

    def one(self, body, **kw):
        out = self.text(body, **kw)
        assert len(out) == 1, out
        return out[0]

    @property
    def intents(self):
        return [reply.intent for _, reply in self.turns]


def messages(resp) -> list[str]:
    assert resp.mimetype in ("text/xml", "application/xml")
    root = ElementTree.fromstring(resp.data)  # noqa: S314 (our own TwiML)
    assert root.tag == "Response"
    return [m.text for m in root.findall("Message")]


def rows(app, table):
    conn = sqlite3.connect(app.config["DATABASE"])
    conn.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in conn.execute(f"select * from {table}")]  # noqa: S608
    finally:
        conn.close()


def say(app, lang, fn, *args):
    with app.test_request_context(), force_locale(lang):
        return fn(*args)


def service_name(app, lang):
    with app.app_context():
        return services.engine().service["name"][lang]


def opted_out_text(app, lang):
    return say(app, lang, replies.opted_out, service_name(app, lang))


def opted_in_text(app, lang):
    return say(app, lang, replies.opted_in, service_name(app, lang))


def menu_number(app, intent_id):
    with app.app_context():
        return str(services.engine().knowledge.menu.index(intent_id) + 1)


def sms_answer(app, intent_id, lang):
    with app.app_context():
        return services.engine().knowledge.intents[intent_id].text(lang, "sms").strip()


def label(app, intent_id, lang):
    with app.app_context():
        return services.engine().knowledge.intents[intent_id].text(lang, "label")


# -- signatures ----------------------------------------------------------------


def test_missing_signature_is_refused_and_nothing_is_stored(app):
    phone = Phone(app)
    resp = phone.client.post("/sms", data=phone.form("hola"))
    assert resp.status_code == 403
    assert resp.get_json()["error"]["code"] == "bad_signature"
    assert rows(app, "sms_senders") == [] and rows(app, "sms_replies") == []
    assert phone.turns == []


@pytest.mark.parametrize(
    "forgery",
    ["wrong token", "other url", "changed body", "added field", "garbage header"],
)
def test_forged_signatures_are_refused(app, forgery):
    phone = Phone(app)
    form = phone.form("hola")
    if forgery == "wrong token":
        resp = phone.post(form, token="f" * 32)
    elif forgery == "other url":
        resp = phone.post(form, signed_for="https://evil.example/sms")
    elif forgery == "changed body":
        signed = dict(form)
        resp = phone.client.post(
            "/sms",
            data={**form, "Body": "STOP"},
            headers={"X-Twilio-Signature": RequestValidator(TOKEN).compute_signature(URL, signed)},
        )
    elif forgery == "added field":
        sig = RequestValidator(TOKEN).compute_signature(URL, form)
        resp = phone.client.post("/sms", data={**form, "NumMedia": "1"},
                                 headers={"X-Twilio-Signature": sig})  # fmt: skip
    else:
        resp = phone.client.post("/sms", data=form, headers={"X-Twilio-Signature": "x" * 28})
    assert resp.status_code == 403
    assert rows(app, "sms_senders") == [] and rows(app, "sms_replies") == []
    assert phone.turns == []


def test_a_correct_signature_is_accepted(app):
    assert Phone(app).one("hola")


def test_without_a_token_the_route_answers_503_with_one_clear_log_line(sms_app, caplog):
    app = sms_app(TWILIO_AUTH_TOKEN=None)
    phone = Phone(app)
    with caplog.at_level(logging.INFO):
        resp = phone.post(phone.form("hola"))
    assert resp.status_code == 503
    assert resp.get_json()["error"]["code"] == "sms_not_configured"
    logged = [r for r in caplog.records if "/sms" in r.getMessage()]
    assert len(logged) == 1 and logged[0].levelno == logging.ERROR
    assert "TWILIO_AUTH_TOKEN" in logged[0].getMessage()
    assert rows(app, "sms_senders") == []


@pytest.mark.parametrize("env_name", ["TWILIO_AUTH_TOKEN", "BOT_TWILIO_AUTH_TOKEN"])
def test_the_token_is_read_from_either_environment_variable(sms_app, monkeypatch, env_name):
    token = "12345678901234567890123456789012"  # all digits: BOT_* parses it as a JSON number
    monkeypatch.setenv(env_name, token)
    app = sms_app(TWILIO_AUTH_TOKEN=None)
    assert app.config["TWILIO_AUTH_TOKEN"] == token
    assert Phone(app, token=token).one("hola")
    assert Phone(app, number="+15205550001").post(Phone(app).form("hola")).status_code == 403


def test_behind_a_proxy_the_public_base_url_is_what_is_validated(sms_app):
    app = sms_app(PUBLIC_BASE_URL="https://sms.example.org/")
    public = Phone(app, url="https://sms.example.org/sms")
    assert public.one("hola")
    # The URL this process sees is not the one Twilio signed: refused.
    inside = Phone(app, url=URL)
    assert inside.post(inside.form("hola")).status_code == 403
    # A query string in the configured webhook URL is part of what Twilio signs.
    form = public.form("hola")
    sig = RequestValidator(TOKEN).compute_signature("https://sms.example.org/sms?city=tucson", form)
    resp = public.client.post("/sms?city=tucson", data=form, headers={"X-Twilio-Signature": sig})
    assert resp.status_code == 200 and messages(resp)


OTHER_APP = "http://other-app.example/sms"


def test_a_request_signed_for_another_app_and_sent_with_its_host_is_refused(
    sms_app, tmp_path, caplog
):
    """The finding: without PUBLIC_BASE_URL the webhook checked the signature against
    the Host header the request brought, so a request signed for another app on the
    same Twilio account, sent with that Host, was accepted."""
    for n, config in enumerate([{}, {"PROXY_FIX": 1}]):
        phone = Phone(sms_app(DATABASE=str(tmp_path / f"{n}.sqlite3"), **config))
        with caplog.at_level(logging.WARNING):
            resp = phone.post(phone.form("hola"), signed_for=OTHER_APP,
                              base_url="http://other-app.example")  # fmt: skip
        assert resp.status_code == 403, config
        assert any("BOT_PUBLIC_BASE_URL" in r.getMessage() for r in caplog.records)
        # ... and through a proxy that forwards the client's Host, trusted or not.
        forwarded = {"X-Forwarded-Proto": "http", "X-Forwarded-Host": "other-app.example"}
        assert phone.post(phone.form("hola"), signed_for=OTHER_APP,
                          headers=forwarded).status_code == 403  # fmt: skip
        assert rows(phone.app, "sms_senders") == []
    # With the URL the operator configured, the other app's signature fails too.
    configured = Phone(sms_app(DATABASE=str(tmp_path / "c.sqlite3"),
                               PUBLIC_BASE_URL="https://bot.example.org"))  # fmt: skip
    resp = configured.post(configured.form("hola"), signed_for=OTHER_APP,
                           base_url="http://other-app.example")  # fmt: skip
    assert resp.status_code == 403
    ours = Phone(configured.app, url="https://bot.example.org/sms")
    assert ours.post(ours.form("hola"), base_url="http://other-app.example").status_code == 200


def test_without_a_public_base_url_only_loopback_hosts_are_answered(sms_app):
    app = sms_app()
    for base in ("http://localhost", "http://127.0.0.1:8000", "http://[::1]:5000"):
        phone = Phone(app, url=base + "/sms")
        assert phone.post(phone.form("hola"), base_url=base).status_code == 200, base


def test_an_invalid_public_base_url_is_ignored_with_a_log_line(sms_app, caplog):
    with caplog.at_level(logging.ERROR):
        app = sms_app(PUBLIC_BASE_URL="sms.example.org")
    assert app.config["PUBLIC_BASE_URL"] is None
    assert any("PUBLIC_BASE_URL" in r.getMessage() for r in caplog.records)


# -- malformed requests --------------------------------------------------------


def test_non_form_posts_are_refused_cleanly(app):
    phone = Phone(app)
    unsigned = phone.client.post("/sms", json={"Body": "hola", "From": NUMBER})
    assert unsigned.status_code == 403
    # Signed (over no form fields) but JSON: the signature holds, the format does not.
    sig = RequestValidator(TOKEN).compute_signature(URL, {})
    signed = phone.client.post("/sms", json={"Body": "hola"}, headers={"X-Twilio-Signature": sig})
    assert signed.status_code == 415
    assert signed.get_json()["error"]["code"] == "unsupported_media_type"
    assert phone.client.get("/sms").status_code == 405


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"From": ""}, "missing_field"),
        ({"MessageSid": " "}, "missing_field"),
        ({"NumMedia": "two"}, "invalid_field"),
        ({"NumMedia": "-1"}, "invalid_field"),
        ({"NumMedia": "²"}, "invalid_field"),
    ],
)
def test_malformed_twilio_fields_are_400(app, change, code):
    phone = Phone(app)
    resp = phone.post({**phone.form("hola"), **change})
    assert resp.status_code == 400
    assert resp.get_json()["error"]["code"] == code
    assert rows(app, "sms_senders") == []


def test_an_oversized_post_is_413(app):
    phone = Phone(app)
    resp = phone.post(phone.form("x" * (app.config["MAX_CONTENT_LENGTH"] + 1)))
    assert resp.status_code == 413
    assert resp.get_json()["error"]["code"] == "too_large"


def test_bytes_that_are_not_utf8_never_cause_a_500(app):
    phone = Phone(app)
    raw = b"MessageSid=SM1&From=%2B15205551234&Body=%FF%FEhola%C3&NumMedia=0"
    with app.test_request_context("/sms", method="POST", data=raw,
                                  content_type="application/x-www-form-urlencoded"):  # fmt: skip
        from flask import request

        form = request.form.to_dict()
    sig = RequestValidator(TOKEN).compute_signature(URL, form)
    resp = phone.client.post("/sms", data=raw, headers={"X-Twilio-Signature": sig},
                             content_type="application/x-www-form-urlencoded")  # fmt: skip
    assert resp.status_code == 200 and len(messages(resp)) == 1


def test_a_message_over_the_length_limit_gets_a_reply_in_words(sms_app):
    app = sms_app(MAX_MESSAGE_CHARS=50)
    phone = Phone(app)
    reply = phone.one("hola " * 20)
    assert reply == say(app, "en", replies.too_long, 50)
    assert phone.turns == []


# -- conversations -------------------------------------------------------------


def test_spanish_conversation_then_english_then_stop_then_silence_then_start(app):
    phone = Phone(app)
    greeting = phone.text("hola")
    assert phone.intents == ["greeting"] and phone.turns[-1][1].language == "es"
    assert greeting[0].startswith("¡Hola!")
    # The menu comes in Spanish over the next pages; a number picks a topic.
    menu = "\n".join([greeting[0]] + [phone.one("MAS") for _ in range(3)])
    assert label(app, "legal_help", "es") in menu
    answer = phone.one(menu_number(app, "legal_help"))
    assert phone.intents[-1] == "legal_help" and phone.turns[-1][1].language == "es"
    assert answer.startswith(sms_answer(app, "legal_help", "es"))  # the short SMS answer
    # and a number to call on the same text, from a service for undocumented residents
    assert "(520) 882-5595" in answer
    phone.one("necesito un abogado")
    assert phone.intents[-1] == "legal_help" and phone.turns[-1][1].language == "es"
    phone.one("ICE")
    assert phone.intents[-1] == "federal_cooperation"
    assert phone.turns[-1][1].language == "es"

    switched = phone.one("ENGLISH")
    assert switched.startswith(say(app, "en", replies.language_switched))
    phone.one("menu")
    assert phone.turns[-1][1].language == "en"

    assert phone.one("STOP") == opted_out_text(app, "en")
    turns = len(phone.turns)
    assert phone.text("hola") == []
    assert phone.text("necesito un abogado") == []
    assert len(phone.turns) == turns  # the engine never saw them
    assert phone.one("START") == opted_in_text(app, "en")
    phone.one("ICE")
    assert phone.intents[-1] == "federal_cooperation"
    assert phone.turns[-1][1].language == "en"


def test_more_sends_the_rest_in_order_then_says_there_is_no_more(app):
    phone = Phone(app)
    first = phone.one(menu_number(app, "report_crime"))
    reply = phone.turns[-1][1]
    prompt = say(app, "en", replies.more_prompt)
    pages = [first]
    while pages[-1].endswith(prompt):
        pages.append(phone.one("more"))
    assert len(pages) >= 2
    assert all(segments.count(p) <= app.config["SMS_MAX_SEGMENTS"] for p in pages)
    everything = "\n".join(pages)
    for resource in reply.resources:
        assert resource["phone"] in everything
    assert everything.index(reply.attributions[0]) < everything.index(reply.resources[0]["phone"])
    assert phone.one("MORE") == say(app, "en", replies.nothing_more)


def test_mas_pages_a_spanish_answer(app):
    phone = Phone(app)
    phone.one("hola")
    first = phone.one(menu_number(app, "legal_help"))
    prompt = say(app, "es", replies.more_prompt)
    assert first.endswith(prompt)
    second = phone.one("Más")
    assert second != first
    assert phone.intents == ["greeting", "legal_help"]  # MAS is not a question


def test_a_menu_number_works_after_the_menu_was_paged(app):
    phone = Phone(app)
    phone.one("hola")
    phone.one("MAS")
    phone.one(menu_number(app, "citizenship"))
    assert phone.intents[-1] == "citizenship"


def test_a_new_message_replaces_what_was_waiting_behind_more(app):
    phone = Phone(app)
    phone.one("hola")
    phone.one("thanks")
    assert phone.one("MORE") == say(app, phone.turns[-1][1].language, replies.nothing_more)


def _intents_with_phones(app, lang):
    """Every intent whose answer lists a phone number today, with the listings' numbers."""
    with app.app_context():
        engine = services.engine()
        limit = app.config["LISTINGS_PER_ANSWER"]
        for intent in engine.knowledge.intents.values():
            if intent.type == "conversation" or not intent.categories:
                continue
            listings = services.listings(intent.categories, lang, limit, intent=intent.id)
            numbers = [m.raw_string for r in listings if r["phone"]
                       for m in phonenumbers.PhoneNumberMatcher(r["phone"], "US")]  # fmt: skip
            if numbers:
                yield intent, numbers


@pytest.mark.parametrize(("lang", "switch"), [("en", "ENGLISH"), ("es", "ESPAÑOL")])
def test_the_first_reply_to_every_topic_with_listings_carries_a_phone_number(app, lang, switch):
    """Issue 3, end to end: signed webhook, TwiML parsed, in both languages."""
    seen = []
    for n, (intent, numbers) in enumerate(_intents_with_phones(app, lang)):
        phone = Phone(app, number=f"+1520555{n:04d}")
        phone.one(switch)
        if intent.menu:
            first = phone.one(menu_number(app, intent.id))
        else:  # human: not a menu topic, so asked in words
            first = phone.one(intent.lang[lang]["patterns"][0])
        assert phone.intents[-1] == intent.id and phone.turns[-1][1].language == lang
        assert segments.count(first) <= app.config["SMS_MAX_SEGMENTS"], first
        assert first.startswith(sms_answer(app, intent.id, lang)), first
        assert any(number in first for number in numbers), (intent.id, lang, first)
        seen.append(intent.id)
    assert {"report_crime", "legal_help", "hate_crime", "human"} <= set(seen)


@pytest.mark.parametrize(("lang", "switch"), [("en", "ENGLISH"), ("es", "ESPAÑOL")])
def test_an_emergency_text_gets_911_first_in_one_message(app, lang, switch):
    phone = Phone(app)
    phone.one(switch)
    with app.app_context():
        engine = services.engine()
        pattern = engine.knowledge.intents["emergency"].lang[lang]["patterns"][0]
        kind = engine.matcher.match(pattern).kind
        block = engine.knowledge.intents["emergency"].kinds[kind][lang]
        answer = block.get("sms", block["answer"])  # the kind's short text, if it has one
    reply = phone.one(pattern)
    assert phone.intents[-1] == "emergency"
    assert reply.startswith(" ".join(answer.split()))
    assert reply.split(".")[0].find("911") in range(0, 15)
    assert not reply.endswith(say(app, lang, replies.more_prompt))


# -- keywords ------------------------------------------------------------------


def spellings(word):
    return [word.upper(), word.lower(), f"  {word.title()}!! ", f"{word}."]


@pytest.mark.parametrize("word", keywords.words(keywords.OPT_OUT))
def test_every_opt_out_keyword_confirms_once_then_silence_until_opt_in(app, word):
    lang = "es" if word in ("parar", "alto", "cancelar", "baja") else "en"
    for n, spelled in enumerate(spellings(word)):
        phone = Phone(app, number=f"+1520555{n:04d}")
        assert phone.one(spelled) == opted_out_text(app, lang)
        assert phone.text(spelled) == []  # confirmed once
        assert phone.text("hola") == []
        assert phone.text("HELP") == []
        assert phone.text("MORE") == []
        assert phone.one("START") == opted_in_text(app, lang)
        assert phone.one("hola")


@pytest.mark.parametrize("word", keywords.words(keywords.OPT_IN))
def test_every_opt_in_keyword_resubscribes(app, word):
    lang = "es" if word in ("iniciar", "alta") else "en"
    for n, spelled in enumerate(spellings(word)):
        phone = Phone(app, number=f"+1520555{n:04d}")
        phone.one("STOP")
        assert phone.text("hola") == []
        assert phone.one(spelled) == opted_in_text(app, lang)
        assert phone.one("hola")
        assert not [r for r in rows(app, "sms_senders") if r["opted_out"]]


def test_stop_in_a_spanish_conversation_is_confirmed_in_spanish(app):
    phone = Phone(app)
    phone.one("hola")
    assert phone.one("STOP") == opted_out_text(app, "es")
    assert phone.one("START") == opted_in_text(app, "es")


@pytest.mark.parametrize("word", keywords.words(keywords.HELP))
def test_help_keywords_name_the_service_say_what_it_does_and_how_to_stop(app, word):
    lang = "es" if word == "ayuda" else "en"
    for spelled in spellings(word):
        text = Phone(app).one(spelled)
        assert service_name(app, lang) in text
        assert ("PARAR" if lang == "es" else "STOP") in text
        assert "911" in text
        assert segments.count(text) <= app.config["SMS_MAX_SEGMENTS"]
    assert Phone(app).intents == []  # keywords never reach the engine


@pytest.mark.parametrize(
    ("word", "lang"),
    [("ESPAÑOL", "es"), ("español", "es"), ("ESPANOL", "es"), ("Espanol!", "es"),
     ("ENGLISH", "en"), ("english.", "en")],
)  # fmt: skip
def test_language_keywords_switch_the_conversation(app, word, lang):
    phone = Phone(app)
    phone.one("hello" if lang == "es" else "hola")
    other = "en" if lang == "es" else "es"
    assert phone.turns[-1][1].language == other
    assert phone.one(word).startswith(say(app, lang, replies.language_switched))
    phone.one("menu")
    assert phone.turns[-1][1].language == lang
    assert label(app, "legal_help", lang) in "\n".join([phone.text("menu")[0]] + [
        phone.one("MORE") for _ in range(3)])  # fmt: skip


@pytest.mark.parametrize("word", ["BORRAR", "borrar", "DELETE MY DATA", "Delete my data."])
def test_delete_keywords_remove_the_sender_and_confirm(app, word):
    phone = Phone(app)
    phone.one("hola")
    assert len(rows(app, "sms_senders")) == 1
    lang = "es"  # the conversation's language, or BORRAR's own
    assert phone.one(word) == say(app, lang, replies.forgotten)
    assert rows(app, "sms_senders") == []


def test_the_engines_forget_me_intent_also_deletes_the_sender(app):
    phone = Phone(app)
    phone.one("hola")
    phone.one("borrar mis datos")
    assert phone.intents[-1] == "forget_me"
    assert rows(app, "sms_senders") == []


def test_deleting_while_opted_out_keeps_only_the_opt_out_and_stays_silent(app):
    phone = Phone(app)
    phone.one("hola")
    phone.one("PARAR")
    assert phone.text("BORRAR") == []
    [row] = rows(app, "sms_senders")
    assert row["opted_out"] == 1 and row["lang"] is None and row["pending"] == "[]"
    assert phone.text("hola") == []


def test_a_keyword_inside_a_sentence_is_a_question_not_a_command(app):
    phone = Phone(app)
    phone.one("stop the raids")
    assert phone.one("hola")
    assert not [r for r in rows(app, "sms_senders") if r["opted_out"]]


# -- retries and media ---------------------------------------------------------


def test_a_twilio_retry_gets_the_same_reply_and_changes_nothing(app):
    phone = Phone(app)
    phone.one("hola")
    phone.one("1", sid="SM" + "a" * 32)  # a topic's answer: more than one text
    second = phone.one("MAS", sid="SM" + "b" * 32)
    state = rows(app, "sms_senders")
    turns = len(phone.turns)
    assert phone.one("MAS", sid="SM" + "b" * 32) == second  # the retry
    assert rows(app, "sms_senders") == state
    assert len(phone.turns) == turns
    third = phone.one("MAS", sid="SM" + "c" * 32)
    assert third != second  # the retry did not use up a page


def test_a_retried_stop_after_start_does_not_opt_out_again(app):
    phone = Phone(app)
    stop = phone.one("STOP", sid="SM" + "1" * 32)
    phone.one("START")
    assert phone.one("STOP", sid="SM" + "1" * 32) == stop
    assert phone.one("hola")


def test_message_ids_and_senders_are_stored_only_as_hmacs(app):
    phone = Phone(app, number="520-555-1234")
    sid = "SM" + "d" * 32
    phone.one("hola, soy Zacarías Quintero", sid=sid)
    [sender] = rows(app, "sms_senders")
    [reply] = rows(app, "sms_replies")
    digest = hmac.new(HASH_KEY.encode(), NUMBER.encode(), hashlib.sha256).hexdigest()
    assert sender["sender"] == digest  # the E.164 form, whatever format arrived
    assert reply["message"] == hmac.new(HASH_KEY.encode(), sid.encode(), "sha256").hexdigest()
    dump = "\n".join(sqlite3.connect(app.config["DATABASE"]).iterdump())
    for secret in (sid, NUMBER, "5205551234", "520-555-1234", "Zacarías", "Quintero"):
        assert secret not in dump
    # Another format of the same number is the same conversation.
    assert Phone(app, number="+1 (520) 555-1234").one("MAS")
    assert len(rows(app, "sms_senders")) == 1


def test_replies_expire_after_a_day_and_idle_conversations_are_forgotten(app):
    phone = Phone(app)
    phone.one("hola", sid="SM" + "e" * 32)
    other = Phone(app, number="+15205550002")
    other.one("STOP")
    conn = sqlite3.connect(app.config["DATABASE"])
    with conn:
        conn.execute("update sms_replies set created_at = created_at - 86401")
        conn.execute("update sms_senders set updated_at = updated_at - 86401")
    conn.close()
    # Before the purge reaches them, an expired conversation is already forgotten.
    from bot.channels.sms.store import Sender, Store

    with app.app_context():
        from bot.platform.db import get_db

        store = Store(get_db(), app.config["SENDER_HASH_KEY"])
        now, age = int(time.time()), app.config["SMS_STATE_MAX_AGE"]
        me, stopped = store.sender_key(phone.number), store.sender_key(other.number)
        assert store.load(me).lang == "es"
        assert store.load_fresh(me, now, age) == Sender(me)
        assert store.load_fresh(stopped, now, age) == Sender(stopped, opted_out=True)
    phone.one("thanks")
    # The purge (hourly, bot/platform/retention.py) removes the expired rows themselves.
    from bot.platform import retention
    from bot.platform.db import connect

    db = connect(app.config["DATABASE"])
    retention.run(db, int(time.time()), app.config)
    db.conn.close()
    assert len(rows(app, "sms_replies")) == 1  # only the message after expiry
    [kept] = [r for r in rows(app, "sms_senders") if r["opted_out"]]
    assert kept["lang"] is None and kept["pending"] == "[]"
    assert other.text("hola") == []  # the opt-out itself never expires


def test_a_picture_without_text_gets_text_only_please_in_the_senders_language(app):
    phone = Phone(app)
    assert phone.one("", media=1) == say(app, "en", replies.text_only)
    phone.one("hola")
    assert phone.one("", media=2) == say(app, "es", replies.text_only)
    assert phone.one("  ", media=1) == say(app, "es", replies.text_only)
    assert phone.intents == ["greeting"]


def test_a_picture_with_text_is_answered_from_the_text(app):
    phone = Phone(app)
    phone.one("hola", media=1)
    assert phone.intents == ["greeting"]


def test_an_empty_message_asks_for_words(app):
    assert Phone(app).one("") == say(app, "en", replies.empty_message)


def test_logs_carry_no_number_and_no_message_text(app, caplog):
    phone = Phone(app)
    bodies = ["hola", "necesito un abogado", "ICE", "MAS", "STOP", "zanahoria", "START"]
    with caplog.at_level(logging.DEBUG):
        for body in bodies:
            phone.text(body)
        phone.client.post("/sms", data=phone.form("secreto"))  # unsigned: logged
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert "X-Twilio-Signature" in text
    answered = [(r.answered_by, r.segments) for r in caplog.records if hasattr(r, "answered_by")]
    assert [a for a, _ in answered] == ["greeting", "legal_help", "federal_cooperation", "more",
                                        "opt_out", "silent", "opt_in"]  # fmt: skip
    assert all(n >= 1 for a, n in answered if a != "silent")
    for secret in (NUMBER, "5205551234", "necesito un abogado", "zanahoria", "secreto"):
        assert secret not in text


@hypothesis.given(
    area=st.integers(200, 999), exchange=st.integers(200, 999), line=st.integers(0, 9999)
)
def test_the_quick_spelling_of_a_north_american_number_is_the_one_phonenumbers_gives(
    area, exchange, line
):
    """Twilio's `From` skips the parse; the sender's key must not change because of it."""
    number = f"+1{area}{exchange}{line:04d}"
    assert store_module.e164(number) == store_module._parsed_e164(number) == number
    assert store_module.e164(f" {number} ") == number


@pytest.mark.parametrize("typed", ["520-555-1234", "+1 (520) 555-1234", "(520) 555 1234"])
def test_a_number_typed_another_way_gets_the_same_key_as_twilio_s_spelling(typed):
    assert store_module.e164(typed) == "+15205551234"
