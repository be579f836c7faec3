"""One conversation turn, whatever the channel: message and state in, reply and state out.

The chat API, the SMS webhook and the web widget all call `Engine.respond`, so a
resident gets the same answer, the same sources and the same numbers everywhere.
Channels only shape the reply (JSON, SMS segments) and keep the state.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace

from ..platform.i18n import force_locale
from ..platform.i18n import gettext as _
from .knowledge import Knowledge
from .language import LanguageDetector
from .matcher import Match, Matcher
from .sessions import State
from .text import keyword, tokens

# listings(categories, lang, limit, intent=...) -> listings; told which intent is
# answered so staff can put the most relevant listing first (`featured_for`).
Listings = Callable[..., list[dict]]


_NEGATIONS = {"no", "not", "dont", "don", "nope", "cant", "never", "nunca"}


@dataclass
class Reply:
    intent: str
    confidence: float
    language: str
    answer: str
    text: str
    attributions: list[str] = field(default_factory=list)
    sources: list[dict] = field(default_factory=list)
    resources: list[dict] = field(default_factory=list)
    quick_replies: list[dict] = field(default_factory=list)
    menu: list[str] = field(default_factory=list)
    closest: tuple[str, float] = ("out_of_scope", 0.0)
    kind: str | None = None  # emergency: the kind of danger the reply is for
    sms: str = ""  # a shorter answer for a text, where the reply has its own (emergency)
    forget: bool = False  # the channel must delete what it holds about this resident


class Engine:
    def __init__(self, knowledge: Knowledge, service: dict, listings_per_answer: int = 3,
                 model_dir=None):  # fmt: skip
        self.knowledge = knowledge
        self.matcher = Matcher(knowledge, model_dir=model_dir)
        self.detector = LanguageDetector(knowledge)
        self.service = service
        self.listings_per_answer = listings_per_answer
        names = knowledge.lexicon.get("language_names", {})
        self._language_names = {
            lang: {t for w in words for t in tokens(w)} for lang, words in names.items()
        }

    # -- language ------------------------------------------------------------

    def conversation_language(self, message: str, state: State, default: str) -> str:
        """Keep the conversation's language unless this message is clearly the other one."""
        found = self.detector.detect(message)
        if state.lang is None:
            return found.lang or default
        if found.clear and found.lang != state.lang:
            return found.lang
        return state.lang

    def requested_language(self, message: str, current: str) -> str:
        """The language a "language" message asks for: "english please", "no hablo inglés"."""
        words = tokens(message)
        for i, w in enumerate(words):
            for lang, names in self._language_names.items():
                if w in names:
                    negated = any(x in _NEGATIONS for x in words[max(0, i - 3) : i])
                    if negated:
                        return "es" if lang == "en" else "en"
                    return lang
        return self.detector.detect(message).lang or current

    # -- the turn ------------------------------------------------------------

    def respond(
        self, message: str, state: State, listings: Listings, default_lang: str = "en"
    ) -> tuple[Reply, State]:
        lang = self.conversation_language(message, state, default_lang)
        menu = state.menu or self.knowledge.menu
        picked = keyword(message)
        found = None
        if picked.isdigit() and 1 <= int(picked) <= len(menu):
            intent, confidence, closest = menu[int(picked) - 1], 1.0, (menu[int(picked) - 1], 1.0)
        else:
            found = self.matcher.match(message)
            intent, confidence, closest = found.intent, found.confidence, found.closest
        if intent == "language":
            lang = self.requested_language(message, lang)
        with force_locale(lang):
            reply = self._build(intent, confidence, lang, listings, found)
        reply.closest = closest
        new_state = replace(state, lang=lang, menu=reply.menu or [])
        if reply.forget:
            new_state = State(lang=lang)
        return reply, new_state

    def _build(self, intent_id: str, confidence: float, lang: str, listings: Listings,
               found: Match | None = None) -> Reply:  # fmt: skip
        intent = self.knowledge.intents[intent_id]
        reply = Reply(intent=intent_id, confidence=round(confidence, 3), language=lang, answer="",
                      text="")  # fmt: skip
        if intent.type == "safety":
            self._danger(reply, intent, lang, listings, found)
        elif intent.type == "content":
            reply.answer = intent.text(lang, "answer").strip()
            self._attach_sources(reply, intent.sources, lang)
            reply.resources = self._listings(listings, intent, lang)
            reply.quick_replies = self._after_answer_buttons(lang)
        else:
            self._conversation(reply, intent_id, lang, found)
        reply.text = self._render(reply, lang)
        return reply

    def _listings(self, listings: Listings, intent, lang: str) -> list[dict]:
        """The directory's listings for the answer, in its order, except that one with no
        phone never takes a slot from one with a phone: a text can only show a number,
        and a resident in trouble needs one to call. Phone-less listings fill the
        slots left over, after those with a phone."""
        limit = self.listings_per_answer
        found = listings(intent.categories, lang, limit, intent=intent.id)
        if len(found) == limit and not all(r["phone"] for r in found):
            # More to pick from, but never a service less able to serve the person
            # asking: when every listing chosen serves undocumented residents, so must
            # the one with a phone that takes a slot (a legal answer's KTT is not
            # replaced by the Florence Project, which serves detained people only).
            floor = min(r.get("serves_undocumented", False) for r in found)
            found = [r for r in listings(intent.categories, lang, limit * 4, intent=intent.id)
                     if r.get("serves_undocumented", False) >= floor]  # fmt: skip
        with_phone = [r for r in found if r["phone"]]
        without_phone = [r for r in found if not r["phone"]]
        return (with_phone + without_phone)[:limit]

    def _conversation(self, reply: Reply, intent_id: str, lang: str,
                      found: Match | None = None) -> None:  # fmt: skip
        service = self.service["name"][lang]
        if intent_id == "greeting":
            reply.answer = _(
                "Hi! I'm %(service)s. I answer questions about police and immigration in "
                "%(city)s, with who said it and when, and I share free services you can call.",
                service=service,
                city=self.service["city"],
            )
            self._with_menu(reply, lang)
        elif intent_id == "help":
            reply.answer = _("These are the topics I can help with:")
            self._with_menu(reply, lang)
        elif intent_id == "out_of_scope" and found is not None and found.elsewhere:
            reply.answer = _(
                "I only know what Tucson's police and city have said, so I can't answer "
                "for another city or state. I can help with these topics in Tucson. "
                "If you are in danger, call 911 now."
            )
            self._with_menu(reply, lang)
        elif intent_id == "out_of_scope":
            reply.answer = _(
                "Sorry, I can't answer that. I can help with these topics. "
                "If you are in danger, call 911 now."
            )
            self._with_menu(reply, lang)
        elif intent_id == "thanks":
            reply.answer = _("You're welcome. Take care. Write MENU any time to see the topics.")
        elif intent_id == "language":
            reply.answer = _("OK, I'll answer in English. Escriba ESPAÑOL para cambiar.")
            self._with_menu(reply, lang)
        elif intent_id == "opt_out":
            reply.answer = _(
                "You're unsubscribed and will get no more messages from %(service)s. "
                "Reply START to subscribe again.",
                service=service,
            )
        elif intent_id == "opt_in":
            reply.answer = _(
                "You're subscribed to %(service)s again. Write MENU to see the topics. "
                "Reply STOP to unsubscribe.",
                service=service,
            )
        elif intent_id == "forget_me":
            reply.answer = _(
                "Done: what this service held about this conversation is deleted, "
                "and the conversation starts over."
            )
            reply.forget = True

    def _danger(self, reply: Reply, intent, lang: str, listings: Listings,
                found: Match | None) -> None:  # fmt: skip
        """911 first, in the words and with the numbers for this kind of danger; the
        police chief's "report without fear" only where immigration fear was named."""
        kind = intent.kinds.get(found.kind) if found is not None and found.kind else None
        reply.kind = found.kind if kind else None
        block = kind[lang] if kind else intent.lang[lang]
        reply.answer = block["answer"].strip()
        short = block.get("sms", block["answer"]).strip()
        sources = list(kind.get("sources", [])) if kind else []
        general = intent.lang[lang]
        if found is not None and found.fear and general.get("fear"):
            reply.answer += " " + general["fear"].strip()
            short += " " + general.get("fear_sms", general["fear"]).strip()
            sources += [s for s in intent.sources if s not in sources]
        reply.sms = short
        self._attach_sources(reply, sources, lang)
        categories = kind["categories"] if kind else intent.categories
        reply.resources = listings(categories, lang, self.listings_per_answer, intent=intent.id)
        reply.quick_replies = self._after_answer_buttons(lang)

    def _with_menu(self, reply: Reply, lang: str) -> None:
        reply.menu = list(self.knowledge.menu)
        reply.quick_replies = [
            {"label": self.knowledge.intents[i].text(lang, "label"), "message": str(n)}
            for n, i in enumerate(reply.menu, 1)
        ]
        other = "es" if lang == "en" else "en"
        switch = {"en": "English", "es": "Español"}[other]
        reply.quick_replies.append({"label": switch, "message": switch})

    def _after_answer_buttons(self, lang: str) -> list[dict]:
        return [
            {"label": _("Menu"), "message": _("menu")},
            {"label": _("Talk to a person"), "message": _("talk to a person")},
        ]

    def _attach_sources(self, reply: Reply, source_ids: list[str], lang: str) -> None:
        seen = set()
        for sid in source_ids:
            st = self.knowledge.statements[sid]
            reply.sources.append(
                {
                    "id": sid,
                    "speaker": st["speaker"],
                    "role": st["role"][lang],
                    "outlet": st["outlet"][lang],
                    "date": st["date"][lang],
                    "quote": st[f"quote_{lang}"].strip(),
                    "translated": lang != "en",
                }
            )
            line = f"{st['speaker']}, {st['role'][lang]}, {st['outlet'][lang]}, {st['date'][lang]}"
            if line not in seen:
                seen.add(line)
                reply.attributions.append(line)

    def _render(self, reply: Reply, lang: str) -> str:
        parts = [reply.answer]
        if reply.attributions:
            parts.append("\n".join(f"— {a}" for a in reply.attributions))
        if reply.menu:
            parts.append(
                "\n".join(
                    f"{n}. {self.knowledge.intents[i].text(lang, 'label')}"
                    for n, i in enumerate(reply.menu, 1)
                )
                + "\n"
                + _("Reply with a number.")
            )
        if reply.resources:
            lines = []
            for r in reply.resources:
                line = f"• {r['name']}"
                if r["phone"]:
                    line += f": {r['phone']}"
                if not r["verified"]:
                    line += " " + _("(unverified)")
                lines.append(line)
            parts.append("\n".join(lines))
        if reply.intent not in ("greeting", "help", "out_of_scope", "language") and (
            reply.sources or reply.resources
        ):
            parts.append(_("Write MENU to see all topics."))
        return "\n\n".join(p for p in parts if p)
