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
import re
from dataclasses import dataclass, field
from functools import lru_cache

import snowballstemmer
from rapidfuzz import fuzz, process
from rapidfuzz.distance import Levenshtein
from wordfreq import zipf_frequency

from .knowledge import LANGS, Knowledge
from .text import keyword, squeeze, tokens

# Measured on tests/data/sentences (see `make bench`); change only with the figures.
THRESHOLD = 0.4
EMERGENCY_THRESHOLD = 0.3
NO_KEYWORD_FACTOR = 0.7
OOV_WEIGHT = 1.0
NEAR_EXACT = 92
# A word this common in English or Spanish (Zipf scale, wordfreq) is a real word,
# not a typo: "account" must not be "corrected" to the pattern word "accent".
REAL_WORD_ZIPF = 3.0
# Words a phrase may have in between: "trabaja con la migra" is "trabaja con ice".
_DOUBLE = re.compile(r"(.)\1+")
_FILLERS = "(?: (?:the|a|an|la|el|los|las|al|un|una|de|del|lo|le|les))*"
# Conversation intents ("hi", "menu", "english") answer short messages: one that is
# mostly about something else ("help me, ICE took my dad") is not a request for the menu.
SHORT_FORM_COVERAGE = 0.8
# Only a message that is clearly another city service ("burn permit from the fire
# department") overrides an emergency word in it.
CLEARLY_UNRELATED = 0.8
# ... and a message far more about something else ("someone beat up my cousin and
# called him racist names": a hate crime, over) is that something else.
EMERGENCY_SHARE = 0.7


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
        # One stemmer per word, by the language that uses it more: stacking both
        # made "human" and "humo" (smoke) one key.
        if zipf_frequency(word, "es") > zipf_frequency(word, "en"):
            return self._es.stemWord(word)
        return self._en.stemWord(word)


@dataclass
class _Pattern:
    keys: frozenset[str]
    weight: float


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
        phrases = {}
        for text, word in lex.get("phrases", {}).items():
            words = [self.synonyms.get(w, w) for w in self._expand(tokens(text))]
            phrases[tuple(words)] = word
        # Longest phrase first, so "because i was speaking spanish" beats "speaking spanish";
        # group n of the pattern is phrase n of this list.
        ordered = sorted(phrases, key=len, reverse=True)
        self._phrase_by_group = [phrases[words] for words in ordered]
        self._phrase_re = (
            re.compile(
                r"\b(?:"
                + "|".join(
                    "(" + (_FILLERS + " ").join(re.escape(w) for w in words) + ")"
                    for words in ordered
                )
                + r")\b"
            )
            if phrases
            else None
        )
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
        for phrase, word in phrases.items():
            words.update(phrase)
            words.add(word)
        for intent in fuzzy:
            for lang in LANGS:
                block = intent.lang[lang]
                for text in block["patterns"] + block.get("keywords", []):
                    words.update(self._expand(tokens(text)))
        self.vocabulary = sorted(words)
        self._vocab_set = frozenset(words)
        self._correct = lru_cache(maxsize=20000)(self._correct_uncached)

        self.short_form = {
            i.id for i in fuzzy if i.type == "conversation" and i.id != "out_of_scope"
        }
        self._texts: list[str] = []
        self._text_intent: list[str] = []
        self.patterns: dict[str, list[_Pattern]] = {}
        self.vocab: dict[str, frozenset[str]] = {}
        self.kw: dict[str, frozenset[str]] = {}
        for intent in fuzzy:
            pats, vocab, kws = [], set(), set()
            for lang in LANGS:
                block = intent.lang[lang]
                for text in block["patterns"]:
                    keys = frozenset(self.keys(text))
                    self._texts.append(" ".join(self.canonical(text)))
                    self._text_intent.append(intent.id)
                    if keys:
                        pats.append(_Pattern(keys, 0.0))
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
        # Which patterns hold each key, so scoring touches only the patterns that share
        # a word with the message instead of all of them (the same sums, found faster).
        self._postings: dict[str, list[tuple[str, int]]] = {}
        for intent, pats in self.patterns.items():
            for n, p in enumerate(pats):
                p.weight = sum(self.idf[k] for k in p.keys)
                for k in p.keys:
                    self._postings.setdefault(k, []).append((intent, n))

    # -- normalisation -------------------------------------------------------

    def _expand(self, words: list[str]) -> list[str]:
        out: list[str] = []
        for w in words:
            out.extend(self.spellings.get(w, [w]))
        return out

    def _correct_uncached(self, word: str) -> str:
        if word in self._vocab_set or word.isdigit():
            return word
        for candidate in (squeeze(word, 2), squeeze(word, 1), _DOUBLE.sub(r"\1", word)):
            if candidate in self._vocab_set:
                return candidate
        word = squeeze(word, 1)
        if len(word) < 4 or word in self._vocab_set:
            return word
        if max(zipf_frequency(word, "en"), zipf_frequency(word, "es")) >= REAL_WORD_ZIPF:
            return word
        limit = 1 if len(word) <= 6 else 2
        found = process.extractOne(
            word, self.vocabulary, scorer=Levenshtein.distance, score_cutoff=limit
        )
        return found[0] if found else word

    def canonical(self, text: str) -> list[str]:
        """The message's words after shorthand, typo, phrase and synonym mapping."""
        words = self._expand(
            [squeeze(w, 2) if w not in self.spellings else w for w in tokens(text)]
        )
        words = [self.synonyms.get(w, w) for w in map(self._correct, words)]
        if self._phrase_re:
            joined = self._phrase_re.sub(self._phrase_word, " ".join(words))
            words = joined.split()
        return words

    def _phrase_word(self, m: re.Match) -> str:
        return self._phrase_by_group[m.lastindex - 1]

    def keys(self, text: str) -> set[str]:
        return {self._stemmer.stem(w) for w in self.canonical(text) if w not in self.stopwords}

    # -- scoring -------------------------------------------------------------

    def scores(self, message: str) -> tuple[dict[str, float], set[str]]:
        """Every intent's score for the message, and the message's keys."""
        canon = self.canonical(message)
        keys = {self._stemmer.stem(w) for w in canon if w not in self.stopwords}
        out: dict[str, float] = {}
        known = [k for k in keys if k in self.idf]
        total = sum(self.idf[k] for k in known) + OOV_WEIGHT * (len(keys) - len(known))
        shared: dict[tuple[str, int], float] = {}
        for k in sorted(known):  # a fixed order: the same sums on every run
            weight = self.idf[k]
            for hit in self._postings.get(k, ()):
                shared[hit] = shared.get(hit, 0.0) + weight
        best: dict[str, float] = {}
        for (intent, n), weight in shared.items():
            recall = weight / self.patterns[intent][n].weight
            if recall > best.get(intent, 0.0):
                best[intent] = recall
        for intent in self.patterns:
            vocab = self.vocab[intent]
            covered = sum(self.idf[k] for k in known if k in vocab)
            if not covered:
                continue
            recall = best.get(intent, 0.0)
            coverage = covered / total
            score = (recall + coverage) / 2
            if self.kw[intent] and not keys & self.kw[intent]:
                score *= NO_KEYWORD_FACTOR
            if intent in self.short_form and coverage < SHORT_FORM_COVERAGE:
                score *= coverage / SHORT_FORM_COVERAGE
            out[intent] = score
        # A message that is almost exactly a pattern ("what can you do", all stopwords)
        # matches it whatever the weights say.
        near = process.extractOne(
            " ".join(canon), self._texts, scorer=fuzz.ratio, score_cutoff=NEAR_EXACT
        )
        if near:
            intent = self._text_intent[near[2]]
            out[intent] = max(out.get(intent, 0.0), near[1] / 100)
        return out, keys

    def match(self, message: str) -> Match:
        exact = self.exact.get(keyword(message))
        if exact:
            return Match(exact, 1.0, {exact: 1.0})
        scores, keys = self.scores(message)
        # Danger needs one of emergency's own words ("gun", "ahorita") and then wins
        # at a lower bar than any other intent: a false alarm costs less than a miss.
        danger = scores.get("emergency", 0.0)
        unrelated = scores.get("out_of_scope", 0.0)
        if (
            danger >= self.emergency_threshold
            and keys & self.kw.get("emergency", frozenset())
            and not (unrelated >= CLEARLY_UNRELATED and unrelated > danger)
            and danger >= EMERGENCY_SHARE * max(scores.values())
        ):
            return Match("emergency", danger, scores)
        if scores:
            best = max(scores, key=scores.get)
            if best != "out_of_scope" and scores[best] >= self.threshold:
                return Match(best, scores[best], scores)
        return Match("out_of_scope", 0.0, scores)
