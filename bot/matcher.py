"""Which intent a resident's message is about, and how sure we are.

Residents write stories, typos and SMS shorthand in two languages, so a message is
reduced to *keys*: words with shorthand expanded ("xq" -> "porque"), typos corrected
against the patterns' own vocabulary with rapidfuzz, synonyms mapped ("migra" ->
"ice") and stemmed (Snowball, Spanish then English, so "deportación", "deportan" and
"deported" meet). An intent scores by two measured signals:

* pattern recall: how much of its closest pattern's weight the message contains;
* coverage: how much of the message's weight the intent's vocabulary explains
  (words no pattern knows count against every intent, so "report a pothole" does
  not become "report a crime").

Words that only some intents use weigh more (IDF over intents). An intent with
keywords scores less when none is present. Below the threshold the answer is
`out_of_scope`. Emergencies are checked separately and win at their own threshold.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import lru_cache

import snowballstemmer
from rapidfuzz import fuzz, process
from rapidfuzz.distance import Levenshtein

from .knowledge import LANGS, Knowledge
from .text import keyword, squeeze, tokens

# Measured on tests/data/sentences (see `make bench`); change only with the figures.
THRESHOLD = 0.5
EMERGENCY_THRESHOLD = 0.5
NO_KEYWORD_FACTOR = 0.7
OOV_WEIGHT = 1.0
NEAR_EXACT = 92


@dataclass
class Match:
    intent: str
    confidence: float
    scores: dict[str, float] = field(default_factory=dict)

    @property
    def closest(self) -> tuple[str, float]:
        """The best-scoring intent even when the match fell below the threshold."""
        if not self.scores:
            return self.intent, self.confidence
        best = max(self.scores, key=self.scores.get)
        return best, self.scores[best]


class _Stemmer:
    def __init__(self):
        self._es = snowballstemmer.stemmer("spanish")
        self._en = snowballstemmer.stemmer("english")
        self.stem = lru_cache(maxsize=20000)(self._stem)

    def _stem(self, word: str) -> str:
        return self._en.stemWord(self._es.stemWord(word))


@dataclass
class _Pattern:
    keys: frozenset[str]
    weight: float
    text: str


class Matcher:
    def __init__(
        self,
        knowledge: Knowledge,
        threshold: float = THRESHOLD,
        emergency_threshold: float = EMERGENCY_THRESHOLD,
    ):
        self.threshold = threshold
        self.emergency_threshold = emergency_threshold
        lex = knowledge.lexicon
        self.spellings = {k: v.split() for k, v in lex.get("spellings", {}).items()}
        self.synonyms = dict(lex.get("synonyms", {}))
        stop = lex.get("stopwords", {})
        self.stopwords = {w for lang in LANGS for s in stop.get(lang, []) for w in tokens(s)}
        self._stemmer = _Stemmer()
        self.exact: dict[str, str] = {}
        fuzzy = [i for i in knowledge.intents.values() if i.match == "fuzzy"]
        for intent in knowledge.intents.values():
            if intent.match == "exact":
                for lang in LANGS:
                    for p in intent.lang[lang]["patterns"]:
                        self.exact[keyword(p)] = intent.id

        # Surface vocabulary for typo correction: every word the data uses.
        words: set[str] = set(self.synonyms) | set(self.synonyms.values())
        for intent in fuzzy:
            for lang in LANGS:
                block = intent.lang[lang]
                for text in block["patterns"] + block.get("keywords", []):
                    words.update(self._expand(tokens(text)))
        self.vocabulary = sorted(words)
        self._vocab_set = frozenset(words)
        self._correct = lru_cache(maxsize=20000)(self._correct_uncached)

        self.patterns: dict[str, list[_Pattern]] = {}
        self.vocab: dict[str, frozenset[str]] = {}
        self.kw: dict[str, frozenset[str]] = {}
        for intent in fuzzy:
            pats, vocab, kws = [], set(), set()
            for lang in LANGS:
                block = intent.lang[lang]
                for text in block["patterns"]:
                    keys = frozenset(self.keys(text))
                    if keys:
                        pats.append(_Pattern(keys, 0.0, " ".join(self.canonical(text))))
                        vocab |= keys
                for text in block.get("keywords", []):
                    kws |= self.keys(text)
            if pats:
                self.patterns[intent.id] = pats
                self.vocab[intent.id] = frozenset(vocab | kws)
                self.kw[intent.id] = frozenset(kws)
        df: dict[str, int] = {}
        for vocab in self.vocab.values():
            for k in vocab:
                df[k] = df.get(k, 0) + 1
        n = max(len(self.vocab), 1)
        self.idf = {k: math.log(1 + n / c) for k, c in df.items()}
        for pats in self.patterns.values():
            for p in pats:
                p.weight = sum(self.idf[k] for k in p.keys)

    # -- normalisation -------------------------------------------------------

    def _expand(self, words: list[str]) -> list[str]:
        out: list[str] = []
        for w in words:
            out.extend(self.spellings.get(w, [w]))
        return out

    def _correct_uncached(self, word: str) -> str:
        if word in self._vocab_set or word.isdigit():
            return word
        for keep in (2, 1):
            squeezed = squeeze(word, keep)
            if squeezed in self._vocab_set:
                return squeezed
        word = squeeze(word, 1)
        if len(word) < 4:
            return word
        limit = 1 if len(word) <= 6 else 2
        found = process.extractOne(
            word, self.vocabulary, scorer=Levenshtein.distance, score_cutoff=limit
        )
        return found[0] if found else word

    def canonical(self, text: str) -> list[str]:
        """The message's words after shorthand, typo and synonym mapping."""
        words = self._expand(
            [squeeze(w, 2) if w not in self.spellings else w for w in tokens(text)]
        )
        out = []
        for w in words:
            w = self._correct(w)
            out.append(self.synonyms.get(w, w))
        return out

    def keys(self, text: str) -> set[str]:
        return {self._stemmer.stem(w) for w in self.canonical(text) if w not in self.stopwords}

    # -- scoring -------------------------------------------------------------

    def scores(self, message: str) -> dict[str, float]:
        canon = self.canonical(message)
        keys = {self._stemmer.stem(w) for w in canon if w not in self.stopwords}
        if not keys:
            return {}
        joined = " ".join(canon)
        known = [k for k in keys if k in self.idf]
        total = sum(self.idf[k] for k in known) + OOV_WEIGHT * (len(keys) - len(known))
        out = {}
        for intent, pats in self.patterns.items():
            vocab = self.vocab[intent]
            covered = sum(self.idf[k] for k in known if k in vocab)
            if not covered:
                continue
            recall = 0.0
            near = 0.0
            for p in pats:
                common = keys & p.keys
                if common:
                    recall = max(recall, sum(self.idf[k] for k in common) / p.weight)
                    if recall >= 1.0 and len(p.text) >= 3:
                        near = max(near, fuzz.ratio(joined, p.text) / 100)
            score = (recall + covered / total) / 2
            if self.kw[intent] and not keys & self.kw[intent]:
                score *= NO_KEYWORD_FACTOR
            out[intent] = max(score, near if near * 100 >= NEAR_EXACT else 0.0)
        return out

    def match(self, message: str) -> Match:
        exact = self.exact.get(keyword(message))
        if exact:
            return Match(exact, 1.0, {exact: 1.0})
        scores = self.scores(message)
        if scores.get("emergency", 0.0) >= self.emergency_threshold:
            return Match("emergency", scores["emergency"], scores)
        if scores:
            best = max(scores, key=scores.get)
            if scores[best] >= self.threshold:
                return Match(best, scores[best], scores)
        return Match("out_of_scope", 0.0, scores)
