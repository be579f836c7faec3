"""Issue 16, as a resident gets it: every topic in both languages through the signed
Twilio webhook (and the chat API for the Spanish check). The first text carries the
claim, its "- speaker, year" and the first number to call; all of a topic's numbers
arrive within two texts; the greeting and the menu cost at most two segments each;
every short text names a year; and no English word is left in a Spanish answer,
fixed string or attribution line (tests/data/english_words.txt)."""

import re
import secrets
import shutil
from pathlib import Path
from xml.etree import ElementTree

import phonenumbers
import pytest
import yaml
from twilio.request_validator import RequestValidator

from bot import services
from bot.channels.sms import compose
from bot.engine import sms_budget as budget
from bot.engine import sms_segments as segments
from bot.engine.knowledge import KnowledgeError, load
from bot.platform.config import ROOT

TOKEN = "ans0123456789abcdef0123456789abc"
URL = "http://localhost/sms"
GREETING = {"en": "hello", "es": "hola"}
MORE = {"en": "MORE", "es": "MAS"}
YEAR = re.compile(r"\b20\d\d\b")
ENGLISH = {
    line.strip()
    for line in (Path(__file__).parent / "data" / "english_words.txt").read_text().splitlines()
    if line.strip() and not line.startswith("#")
}
WORD = re.compile(r"[a-záéíóúüñ]+(?:-[a-záéíóúüñ]+)*")
URL_OR_EMAIL = re.compile(r"\S+(?:://|@|\.com|\.org|\.net|\.gov)\S*")


class Phone:
    """A resident's phone: signed posts as Twilio makes them, TwiML read back, and the
    engine's reply of every turn kept to compare with what was sent."""

    def __init__(self, app, number):
        self.client, self.number = app.test_client(), number
        self.replies = []
        with app.app_context():
            services.on_turn(lambda _channel, _message, reply: self.replies.append(reply))

    def text(self, body: str) -> list[str]:
        form = {"MessageSid": "SM" + secrets.token_hex(16), "AccountSid": "AC" + "4" * 32,
                "From": self.number, "To": "+15205550000", "Body": body,
                "NumMedia": "0"}  # fmt: skip
        signature = RequestValidator(TOKEN).compute_signature(URL, form)
        resp = self.client.post("/sms", data=form, headers={"X-Twilio-Signature": signature})
        assert resp.status_code == 200, resp.get_data(as_text=True)
        root = ElementTree.fromstring(resp.data)  # noqa: S314 (our own TwiML)
        return [m.text for m in root.findall("Message")]

    def every_text(self, body: str, lang: str) -> list[str]:
        """The reply to `body` and every text that waits behind MORE."""
        (first,) = self.text(body)
        texts = [first]
        for _ in range(10):
            if not texts[-1].rstrip().endswith(MORE[lang] + self._prompt_tail(lang)):
                break
            (more,) = self.text(MORE[lang])
            texts.append(more)
        return texts

    @staticmethod
    def _prompt_tail(lang: str) -> str:
        return {"en": " for the rest.", "es": "."}[lang]


@pytest.fixture
def app(make_app):
    return make_app(TWILIO_AUTH_TOKEN=TOKEN)


def _numbers(phone: str) -> list[str]:
    return [m.raw_string for m in phonenumbers.PhoneNumberMatcher(phone, "US")]


def _topics(app, lang: str):
    """(intent id, every text, the engine's reply) for each menu topic, picked by number
    after a greeting, as a resident reads the menu."""
    phone = Phone(app, "+1520555" + ("1001" if lang == "en" else "1002"))
    with app.app_context():
        menu = services.engine().knowledge.menu
    for n, intent_id in enumerate(menu, 1):
        phone.text(GREETING[lang])
        texts = phone.every_text(str(n), lang)
        reply = phone.replies[-1]
        assert reply.intent == intent_id and reply.language == lang
        yield intent_id, texts, reply


@pytest.mark.parametrize("lang", ["en", "es"])
def test_the_greeting_and_the_menu_are_one_text_of_at_most_two_segments(app, lang):
    phone = Phone(app, "+15205552000")
    with app.app_context():
        topics = len(services.engine().knowledge.menu)
    for body in (GREETING[lang], "menu"):
        texts = phone.text(body)
        assert len(texts) == 1, texts
        assert segments.count(texts[0]) <= 2, (body, segments.count(texts[0]), texts[0])
        for n in range(1, topics + 1):  # every topic is there, by number
            assert f"\n{n} " in texts[0], (n, texts[0])
        assert phone.replies[-1].language == lang


@pytest.mark.parametrize("lang", ["en", "es"])
def test_every_topic_first_text_has_the_claim_who_said_it_when_and_a_number(app, lang):
    max_segments = app.config["SMS_MAX_SEGMENTS"]
    seen = []
    with app.app_context():
        knowledge = services.engine().knowledge
    for intent_id, texts, reply in _topics(app, lang):
        for text in texts:
            assert segments.count(text) <= max_segments, (intent_id, text)
        first = texts[0]
        short = compose.answer_text(reply, knowledge)
        assert first.startswith(short), (intent_id, first)  # the whole claim, first
        assert YEAR.search(short), (intent_id, lang, short)  # the short text names a year
        source = reply.sources[0]
        said = budget.short_attribution(source["speaker"], source["date"])
        # Right after the claim, on the same text: in full, or as "- speaker, year".
        after = first[len(short) :].lstrip("\n")
        assert after.startswith(("- " + reply.attributions[0], said + "\n")), (intent_id, first)
        numbers = [n for r in reply.resources if r["phone"] for n in _numbers(r["phone"])]
        if numbers:
            assert numbers[0] in first, (intent_id, lang, first)
            for number in numbers:  # every number within two texts
                assert number in "\n".join(texts[:2]), (intent_id, lang, number, texts)
        seen.append(intent_id)
    assert len(seen) == 12


def test_a_listing_with_no_phone_never_takes_a_slot_from_one_with_a_phone(app):
    with app.test_request_context():
        engine = services.engine()
        for intent_id in engine.knowledge.menu:
            intent = engine.knowledge.intents[intent_id]
            shown = engine._listings(services.listings, intent, "es")
            first = services.listings(intent.categories, "es", len(shown), intent=intent_id)
            # ... unless the one with a phone serves fewer people: a legal answer's
            # services for undocumented residents are never displaced by one that isn't.
            floor = min((r["serves_undocumented"] for r in first), default=False)
            more = [r for r in services.listings(intent.categories, "es", 50, intent=intent_id)
                    if r["serves_undocumented"] >= floor]  # fmt: skip
            if any(not r["phone"] for r in shown):
                # Only when no other listing with a phone was there to take the slot.
                assert [r for r in more if r["phone"]] == [r for r in shown if r["phone"]]


# -- no English inside Spanish --------------------------------------------------


def _english(text: str) -> set[str]:
    words = WORD.findall(URL_OR_EMAIL.sub(" ", text.casefold()))
    return {w for word in words for w in (word, *word.split("-")) if w in ENGLISH}


def _without_listings(text: str, reply) -> str:
    """`text` without the lines that show a listing (its name, phone field, website or
    numbers): those are the directory branch's, tested apart below."""
    marks = set()
    for r in reply.resources if reply else ():
        marks |= {r["name"], r["phone"], r["website"], *_numbers(r["phone"])} - {""}
        marks.add(compose._NAME_DETAIL.split(r["name"], maxsplit=1)[0])
    return "\n".join(
        line for line in text.split("\n") if not any(m in line for m in marks)
        and not line.startswith("• ")
    )  # fmt: skip


def test_no_english_in_a_spanish_answer_fixed_string_or_attribution_by_sms_or_chat(app):
    found = {}
    for intent_id, texts, reply in _topics(app, "es"):
        for text in texts:
            if words := _english(_without_listings(text, reply)):
                found[("sms", intent_id)] = words
    phone = Phone(app, "+15205553000")
    # Not the switch to Spanish: its reply ends "Write ENGLISH to switch." on purpose, so
    # a resident switched by mistake can read how to switch back.
    for body in ("hola", "menu", "ayuda", "gracias", "quiero hablar con una persona",
                 "qwxz plok", "mas"):  # fmt: skip
        for text in phone.text(body):
            reply = phone.replies[-1] if phone.replies else None
            if words := _english(_without_listings(text, reply)):
                found[("sms", body)] = words
    client = app.test_client()
    session = None
    for n in range(1, 13):
        for message in ("hola", str(n)):
            body = {"message": message, "lang": "es", **({"session": session} if session else {})}
            data = client.post("/api/chat", json=body).get_json()
            session = data["session"]
        shown = data["reply"] + "\n" + "\n".join(q["label"] for q in data["quick_replies"])
        quotes = "\n".join(f"{s['quote']} {s['role']} {s['outlet']}" for s in data["sources"])
        if words := _english(_without_listings(shown + "\n" + quotes, None)):
            found[("chat", data["intent"])] = words
    assert not found, found


def test_the_word_list_finds_english_where_it_is():
    assert _english("Responda MAS. Reply MORE for the rest.") == {
        "reply", "more", "for", "the", "rest"
    }  # fmt: skip
    assert not _english("Escriba MENU. Según una noticia de 2016, la ley DREAM (Dream Act).")


def test_no_english_in_the_phone_labels_of_a_spanish_reply(app):
    """A word to type is quoted «START»: the hotline answers only that word."""
    found = {}
    for intent_id, _texts, reply in _topics(app, "es"):
        for r in reply.resources:
            if words := _english(re.sub(r"«[^»]*»", " ", r["phone"])):
                found[(intent_id, r["name"])] = words
    assert not found, found


# -- the check in `flask check-intents` ----------------------------------------


def test_check_intents_refuses_a_short_text_with_no_year(tmp_path):
    intents, resources = tmp_path / "intents", tmp_path / "resources"
    shutil.copytree(ROOT / "intents", intents)
    shutil.copytree(ROOT / "resources", resources)
    path = intents / "city_support.yaml"
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    doc["es"]["sms"] = "La ciudad está comprometida con la protección de todas las familias."
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    with pytest.raises(KnowledgeError) as exc:
        load(intents, resources)
    (problem,) = exc.value.problems
    assert problem.startswith(f"{path}: es.sms: city_support (es) names no year")
    # The long answer too: without its sms, a content intent texts its answer.
    del doc["es"]["sms"], doc["en"]["sms"]
    doc["es"]["answer"] = "La ciudad está comprometida con la protección de todas las familias."
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    with pytest.raises(KnowledgeError) as exc:
        load(intents, resources)
    assert f"{path}: es.answer: city_support (es) names no year" in "\n".join(exc.value.problems)
