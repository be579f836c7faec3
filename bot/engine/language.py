"""Which language a message is written in, and when that should switch a conversation.

Residents mix languages ("mi jefe dice que ICE viene, is it true?") and write short
messages ("ICE?") that say nothing about language. So detection counts words that
only one language uses (stopwords and the patterns' own words) plus Spanish-only
marks (ñ, ¿, ¡, accented vowels), and a conversation changes language only when a
message is *clearly* in the other one.
"""

from __future__ import annotations

from dataclasses import dataclass

from .knowledge import LANGS, Knowledge
from .text import tokens

_SPANISH_MARKS = set("ñ¿¡áéíóúü")
CLEAR_MARGIN = 2


@dataclass(frozen=True)
class Detection:
    lang: str | None  # None: no evidence either way
    margin: int  # winning count minus the other language's count

    @property
    def clear(self) -> bool:
        return self.lang is not None and self.margin >= CLEAR_MARGIN


class LanguageDetector:
    def __init__(self, knowledge: Knowledge):
        words: dict[str, set[str]] = {lang: set() for lang in LANGS}
        stop = knowledge.lexicon.get("stopwords", {})
        for lang in LANGS:
            for w in stop.get(lang, []):
                words[lang].update(tokens(w))
            for intent in knowledge.intents.values():
                block = intent.lang[lang]
                for text in block["patterns"] + block.get("keywords", []):
                    words[lang].update(tokens(text))
        # Proper nouns and loanwords both languages use (ICE, DACA, Tucson) say nothing.
        shared = words["en"] & words["es"]
        self.words = {lang: frozenset(words[lang] - shared) for lang in LANGS}

    def detect(self, message: str) -> Detection:
        counts = {lang: 0 for lang in LANGS}
        for w in tokens(message):
            for lang in LANGS:
                if w in self.words[lang]:
                    counts[lang] += 1
        counts["es"] += min(2, sum(1 for c in message.lower() if c in _SPANISH_MARKS))
        en, es = counts["en"], counts["es"]
        if en == es:
            return Detection(None, 0)
        lang = "en" if en > es else "es"
        return Detection(lang, abs(en - es))
