"""One incoming SMS, start to finish: retries, opt-out, keywords, the engine, MORE.

Order matters and is the point of this module. A Twilio retry is answered from the
record of the first attempt before anything else, so it changes nothing twice. An
opted-out sender gets silence for everything but START (and a silent forget). Then
keywords, then the shared engine; its reply is cut into pages and the pages after
the first wait behind MORE. All of it, including the record for retries, is one
transaction.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from flask import current_app
from flask_babel import force_locale

from .. import services
from ..db import get_db
from ..sessions import State
from . import compose, keywords, replies
from .keywords import Keyword
from .pages import paginate
from .store import Sender, Store


@dataclass(frozen=True)
class Inbound:
    number: str  # used for the digest only; never stored or logged
    message_sid: str
    body: str
    num_media: int


@dataclass
class Outcome:
    text: str  # "" sends nothing
    intent: str | None = None  # for the log line: which path answered
    turn: object = None  # the engine's Reply, for services.after_turn
    replayed: bool = False


def handle(inbound: Inbound) -> Outcome:
    config = current_app.config
    store = Store(get_db(), config["SENDER_HASH_KEY"])
    now = int(time.time())
    with store.transaction():
        store.purge(now, config["SMS_STATE_MAX_AGE"])
        message_key = store.digest(inbound.message_sid)
        before = store.replayed(message_key)
        if before is not None:
            return Outcome(before, "retry", replayed=True)
        sender = store.load(store.sender_key(inbound.number))
        outcome = _turn(inbound, sender, store, now)
        store.record(message_key, outcome.text, now)
    if outcome.turn is not None:
        services.after_turn("sms", outcome.turn)
    return outcome


def _say(lang: str, make, *args) -> str:
    with force_locale(lang):
        return make(*args)


def _service() -> tuple[dict, str]:
    service = services.engine().service
    return service["name"], service["city"]


def _turn(inbound: Inbound, sender: Sender, store: Store, now: int) -> Outcome:
    default = current_app.config["DEFAULT_LANGUAGE"]
    found = keywords.find(inbound.body)
    lang = (found.lang if found else None) or sender.lang or default

    if sender.opted_out:
        if found and found.kind == keywords.OPT_IN:
            return _opt_in(sender, store, now, lang)
        if found and found.kind == keywords.FORGET:
            # Forget the conversation but not the STOP: that would text them again.
            store.save(Sender(sender.key, opted_out=True), now)
            return Outcome("", "forget")
        return Outcome("", "silent")

    if not inbound.body.strip():
        if inbound.num_media:
            return Outcome(_say(lang, replies.text_only), "media")
        return Outcome(_say(lang, replies.empty_message), "empty")
    if found:
        return _keyword(found, sender, store, now, lang)
    limit = current_app.config["MAX_MESSAGE_CHARS"]
    if len(inbound.body) > limit:
        return Outcome(_say(lang, replies.too_long, limit), "too_long")
    return _engine(inbound.body, sender, store, now)


def _opt_in(sender: Sender, store: Store, now: int, lang: str) -> Outcome:
    names, _ = _service()
    store.save(Sender(sender.key, lang=lang), now)
    return Outcome(_say(lang, replies.opted_in, names[lang]), "opt_in")


def _opt_out(sender: Sender, store: Store, now: int, lang: str, text: str | None = None):
    names, _ = _service()
    store.save(Sender(sender.key, lang=lang, opted_out=True), now)
    return Outcome(text or _say(lang, replies.opted_out, names[lang]), "opt_out")


def _keyword(found: Keyword, sender: Sender, store: Store, now: int, lang: str) -> Outcome:
    if found.kind == keywords.OPT_OUT:
        return _opt_out(sender, store, now, lang)
    if found.kind == keywords.OPT_IN:
        return _opt_in(sender, store, now, lang)
    if found.kind == keywords.FORGET:
        store.delete(sender.key)
        return Outcome(_say(lang, replies.forgotten), "forget")
    if found.kind == keywords.MORE:
        if not sender.pending:
            return Outcome(_say(lang, replies.nothing_more), "more")
        page, sender.pending = sender.pending[0], sender.pending[1:]
        store.save(sender, now)
        return Outcome(page, "more")
    sender.lang, sender.pending = lang, []
    store.save(sender, now)
    if found.kind == keywords.HELP:
        names, city = _service()
        return Outcome(_say(lang, replies.help_text, names[lang], city), "help")
    with force_locale(lang):  # LANGUAGE
        text = replies.language_switched() + "\n" + replies.write_menu()
    return Outcome(text, "language")


def _engine(body: str, sender: Sender, store: Store, now: int) -> Outcome:
    config = current_app.config
    engine = services.engine()
    state = State(lang=sender.lang, menu=sender.menu)
    reply, state = engine.respond(body, state, services.listings, config["DEFAULT_LANGUAGE"])
    lang = reply.language
    with force_locale(lang):
        pages = paginate(
            compose.blocks(reply, engine.knowledge),
            config["SMS_MAX_SEGMENTS"],
            replies.more_prompt(),
        )
    if reply.intent == "opt_out":  # the matcher heard a STOP the keyword list did not
        return _opt_out(sender, store, now, lang, pages[0])
    if reply.forget:
        store.delete(sender.key)
        return Outcome(pages[0], reply.intent, reply)
    sender.lang, sender.menu, sender.pending = state.lang, state.menu, pages[1:]
    store.save(sender, now)
    return Outcome(pages[0], reply.intent, reply)
