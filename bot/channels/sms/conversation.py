"""One incoming SMS, start to finish: retries, opt-out, keywords, the engine, MORE.

Order matters and is the point of this module. A Twilio retry is answered from the
record of the first attempt before anything else, so it changes nothing twice. An
opted-out sender gets silence for everything but START (and a silent forget). Then
keywords, then the shared engine; its reply is cut into pages and the pages after
the first wait behind MORE.

The turn is worked out first, outside the write lock, against a snapshot of the
sender; then one BEGIN IMMEDIATE transaction checks the snapshot still holds (and
that no retry got there first) and writes. SQLite has one writer at a time, so
holding the lock while the engine thinks made every text wait for every other
(`make load` measured it). If the sender changed in between, the turn is worked out
again under the lock, so the result is the same as if it had all been one
transaction.
"""

from __future__ import annotations

import copy
import time
from dataclasses import dataclass

from flask import current_app

from ... import services
from ...engine import sms_segments as segments
from ...engine.sessions import State
from ...platform import privacy, retention
from ...platform.db import get_db
from ...platform.i18n import force_locale
from . import compose, keywords, replies
from .keywords import Keyword
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
    forgot: bool = False  # the sender asked to be deleted: keep no reply linked to them
    lang: str | None = None  # an opt-out's or opt-in's language, for the counts


def handle(inbound: Inbound) -> Outcome:
    config = current_app.config
    store = Store(get_db(), config["SENDER_HASH_KEY"])
    now = int(time.time())
    message_key = store.digest(inbound.message_sid)
    sender_key = store.sender_key(inbound.number)
    max_age = config["SMS_STATE_MAX_AGE"]
    snapshot = store.load_fresh(sender_key, now, max_age)
    planned = _Planned()
    outcome = _turn(inbound, copy.deepcopy(snapshot), planned, now)
    with store.transaction():
        before = store.replayed(message_key)
        if before is not None:
            return Outcome(before, "retry", replayed=True)
        current = store.load_fresh(sender_key, now, max_age)
        if current == snapshot:
            planned.apply(store)
        else:  # another message from this sender landed meanwhile: think again
            outcome = _turn(inbound, current, store, now)
        store.record(message_key, outcome.text, now, None if outcome.forgot else sender_key)
        # In the same write: a hook's own transaction would be a second writer turn
        # per text (`make load`). A hook that fails rolls back only its own part.
        if outcome.turn is not None:
            services.after_turn("sms", inbound.body, outcome.turn)
        elif outcome.intent in ("opt_out", "opt_in"):  # counted, never who (staff insight)
            services.after_keyword("sms", outcome.intent, outcome.lang)
    if outcome.forgot:
        retention.scrub_soon()  # the deleted rows' bytes leave the WAL too
    return outcome


class _Planned:
    """Stands in for the Store while the turn is worked out: remembers the writes."""

    def __init__(self):
        self._writes: list[tuple] = []

    def save(self, sender: Sender, now: int) -> None:
        self._writes.append(("save", copy.deepcopy(sender), now))

    def delete(self, key: str) -> None:
        self._writes.append(("delete", key))

    def apply(self, store: Store) -> None:
        for name, *args in self._writes:
            getattr(store, name)(*args)


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
            store.delete(sender.key)
            store.save(Sender(sender.key, opted_out=True), now)
            return Outcome("", "forget", forgot=True)
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


def _help(lang: str, service: str, city: str) -> str:
    """HELP with the privacy page's address, unless a long address would cost more
    segments than a reply may: then HELP without it (the page is still linked from
    the chat and docs/sms.md)."""
    with force_locale(lang):
        text = replies.help_text(service, city, privacy.page_url(lang, external=True))
        if segments.fits(text, current_app.config["SMS_MAX_SEGMENTS"]):
            return text
        return replies.help_text(service, city)


def _opt_in(sender: Sender, store: Store, now: int, lang: str) -> Outcome:
    names, _ = _service()
    store.save(Sender(sender.key, lang=lang), now)
    return Outcome(_say(lang, replies.opted_in, names[lang]), "opt_in", lang=lang)


def _opt_out(sender: Sender, store: Store, now: int, lang: str, text: str | None = None):
    names, _ = _service()
    store.save(Sender(sender.key, lang=lang, opted_out=True), now)
    return Outcome(text or _say(lang, replies.opted_out, names[lang]), "opt_out", lang=lang)


def _keyword(found: Keyword, sender: Sender, store: Store, now: int, lang: str) -> Outcome:
    if found.kind == keywords.OPT_OUT:
        return _opt_out(sender, store, now, lang)
    if found.kind == keywords.OPT_IN:
        return _opt_in(sender, store, now, lang)
    if found.kind == keywords.FORGET:
        store.delete(sender.key)
        return Outcome(_say(lang, replies.forgotten), "forget", forgot=True)
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
        return Outcome(_help(lang, names[lang], city), "help")
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
        pages = compose.pages(reply, engine.knowledge, config["SMS_MAX_SEGMENTS"],
                              replies.more_prompt(), engine.service)  # fmt: skip
    if reply.intent == "opt_out":  # the matcher heard a STOP the keyword list did not
        return _opt_out(sender, store, now, lang, pages[0])
    if reply.forget:
        store.delete(sender.key)
        return Outcome(pages[0], reply.intent, reply, forgot=True)
    sender.lang, sender.menu, sender.pending = state.lang, state.menu, pages[1:]
    store.save(sender, now)
    return Outcome(pages[0], reply.intent, reply)
