"""Which intent a resident's message is about, and how sure we are.

Residents write stories, typos and SMS shorthand in two languages, so a message is
reduced to *keys*: words with shorthand expanded ("xq" -> "porque"), typos corrected
against the patterns' own vocabulary with rapidfuzz, synonyms mapped ("migra" ->
"ice") and stemmed (Snowball, Spanish then English, so "deportación", "deportan" and
"deported" meet). An intent scores by two measured signals:

* pattern recall: how much of its closest pattern's weight the message contains;
* coverage: how much of the message's weight the intent's vocabulary explains
  (words no pattern knows count against every intent, so "report a pothole" does
  not become "report a crime"; out_of_scope's words shared with other intents count
  only within one of its patterns, see CATCH_ALL).

Words that only some intents use weigh more (IDF over intents). An intent with
keywords scores less when none is present. Below the threshold the answer is
`out_of_scope`. Emergencies are checked separately and win at their own threshold.
"""

from __future__ import annotations

import math
import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from functools import lru_cache

import snowballstemmer
from rapidfuzz import fuzz, process
from rapidfuzz.distance import Indel, Levenshtein
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
_DOUBLE = re.compile(r"(.)\1+")
# Words a phrase may have in between: "trabaja con la migra" is "trabaja con ice".
_FILLERS = frozenset(
    ["the", "a", "an", "la", "el", "los", "las", "al", "un", "una", "de", "del", "lo", "le", "les"]
)
# Conversation intents ("hi", "menu", "english") answer short messages: one that is
# mostly about something else ("help me, ICE took my dad") is not a request for the menu.
SHORT_FORM_COVERAGE = 0.8
# The intent for everything else is many unrelated topics. Its own words (pothole,
# trash) all count for it, but a word other intents use too ("ice" of ice skating,
# "policia" of police jobs, "llamo") counts only within its one closest pattern:
# summed, "la migra me puede llevar si llamo a la policia" was out of scope.
CATCH_ALL = "out_of_scope"
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


class _NearPatterns:
    """The pattern text closest to a message by `fuzz.ratio`, when at least NEAR_EXACT.

    A ratio of r% needs the two lengths within a factor (200 - r) / r of each other,
    so only patterns of about the message's length are compared: the same answer as
    comparing all of them (ties: the pattern that comes first), in a fifth of the time.
    """

    def __init__(self, texts: list[str]):
        order = sorted(range(len(texts)), key=lambda i: (len(texts[i]), i))
        self._lengths = [len(texts[i]) for i in order]
        self._texts = [texts[i] for i in order]
        self._index = order

    def best(self, text: str) -> tuple[float, int] | None:
        """(score, index of the pattern in the list given) or None."""
        slack = (200 - NEAR_EXACT) / NEAR_EXACT
        lo = bisect_left(self._lengths, math.floor(len(text) / slack) - 1)
        hi = bisect_right(self._lengths, math.ceil(len(text) * slack) + 1)
        found = process.extract(text, self._texts[lo:hi], scorer=fuzz.ratio,
                                score_cutoff=NEAR_EXACT, limit=None)  # fmt: skip
        if not found:
            return None
        score = max(f[1] for f in found)
        return score, min(self._index[lo + f[2]] for f in found if f[1] == score)


class _Phrases:
    """Phrases rewritten to one word ("trabaja con la migra" -> "cooperate"), on words.

    Longest phrase first, so "because i was speaking spanish" beats "speaking
    spanish"; filler words ("la", "the") may come between a phrase's words; matches
    do not overlap and are taken left to right. This was one regular expression
    over the joined words, with every phrase as an alternative: 0.26 ms a message,
    more than the rest of the matcher (`make bench`). Here only the phrases that
    start with the word at hand are tried, with the same order and the same result.
    """

    def __init__(self, phrases: dict[tuple[str, ...], str]):
        self._by_first: dict[str, list[tuple[tuple[str, ...], str]]] = {}
        for words in sorted(phrases, key=len, reverse=True):  # stable: data order kept
            self._by_first.setdefault(words[0], []).append((words, phrases[words]))

    def rewrite(self, words: list[str]) -> list[str]:
        out: list[str] = []
        i, n = 0, len(words)
        while i < n:
            for phrase, word in self._by_first.get(words[i], ()):
                end = self._rest(words, i + 1, phrase, 1)
                if end is not None:
                    out.append(word)
                    i = end
                    break
            else:
                out.append(words[i])
                i += 1
        return out

    def _rest(self, words: list[str], at: int, phrase: tuple[str, ...], k: int) -> int | None:
        """Where phrase[k:] ends when it starts at words[at] after any fillers, or None.

        Fillers are tried most first, then fewer, as the regular expression did."""
        if k == len(phrase):
            return at
        last = at
        while last < len(words) and words[last] in _FILLERS:
            last += 1
        for start in range(min(last, len(words) - 1), at - 1, -1):
            if words[start] == phrase[k]:
                end = self._rest(words, start + 1, phrase, k + 1)
                if end is not None:
                    return end
        return None


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
        self._phrases = _Phrases(phrases)
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
            i.id for i in fuzzy if i.type == "conversation" and i.id != CATCH_ALL
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
                        pats.append(_Pattern(keys))
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
        # Which patterns hold each key, and which intents' vocabularies, so scoring
        # touches only what shares a word with the message (the same sums, faster).
        self._pattern_intent: list[str] = []
        self._pattern_weight: list[float] = []
        self._postings: dict[str, list[int]] = {}
        for intent, pats in self.patterns.items():
            for p in pats:
                for k in p.keys:
                    self._postings.setdefault(k, []).append(len(self._pattern_weight))
                self._pattern_intent.append(intent)
                self._pattern_weight.append(sum(self.idf[k] for k in p.keys))
        # The catch-all's coverage is counted apart (see CATCH_ALL).
        self._key_intents: dict[str, list[str]] = {}
        for intent, vocab in self.vocab.items():
            if intent != CATCH_ALL:
                for k in vocab:
                    self._key_intents.setdefault(k, []).append(intent)
        self._catch_all_only = self.vocab.get(CATCH_ALL, frozenset()) - self._key_intents.keys()
        self._catch_all_postings = {
            k: found
            for k, ns in self._postings.items()
            if (found := [n for n in ns if self._pattern_intent[n] == CATCH_ALL])
        }
        self._near = _NearPatterns(self._texts)

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
        found = process.extract(
            word, self.vocabulary, scorer=Levenshtein.distance, score_cutoff=limit, limit=None
        )
        if not found:
            return word
        # Ties go to the word reached by adding or dropping letters, not changing them:
        # "lawer" is "lawyer" (a letter left out), not "later".
        return min(found, key=lambda f: (f[1], Indel.distance(word, f[0]), f[2]))[0]

    def canonical(self, text: str) -> list[str]:
        """The message's words after shorthand, typo, phrase and synonym mapping."""
        words = self._expand(
            [squeeze(w, 2) if w not in self.spellings else w for w in tokens(text)]
        )
        words = [self.synonyms.get(w, w) for w in map(self._correct, words)]
        return self._phrases.rewrite(words)

    def keys(self, text: str) -> set[str]:
        return {self._stemmer.stem(w) for w in self.canonical(text) if w not in self.stopwords}

    # -- scoring -------------------------------------------------------------

    def scores(self, message: str) -> tuple[dict[str, float], set[str]]:
        """Every intent's score for the message, and the message's keys."""
        canon = self.canonical(message)
        keys = {self._stemmer.stem(w) for w in canon if w not in self.stopwords}
        out: dict[str, float] = {}
        known = sorted(k for k in keys if k in self.idf)  # a fixed order: the same sums
        total = sum(self.idf[k] for k in known) + OOV_WEIGHT * (len(keys) - len(known))
        shared: dict[int, float] = {}
        covered: dict[str, float] = {}
        ambiguous: dict[int, float] = {}  # the catch-all's patterns: words others use too
        for k in known:
            weight = self.idf[k]
            for n in self._postings.get(k, ()):
                shared[n] = shared.get(n, 0.0) + weight
            for intent in self._key_intents.get(k, ()):
                covered[intent] = covered.get(intent, 0.0) + weight
            if k in self._catch_all_only:
                covered[CATCH_ALL] = covered.get(CATCH_ALL, 0.0) + weight
            else:
                for n in self._catch_all_postings.get(k, ()):
                    ambiguous[n] = ambiguous.get(n, 0.0) + weight
        if ambiguous:
            covered[CATCH_ALL] = covered.get(CATCH_ALL, 0.0) + max(ambiguous.values())
        best: dict[str, float] = {}
        for n, weight in shared.items():
            intent, recall = self._pattern_intent[n], weight / self._pattern_weight[n]
            if recall > best.get(intent, 0.0):
                best[intent] = recall
        for intent in self.patterns:
            if not covered.get(intent):
                continue
            recall = best.get(intent, 0.0)
            coverage = covered[intent] / total
            score = (recall + coverage) / 2
            if self.kw[intent] and not keys & self.kw[intent]:
                score *= NO_KEYWORD_FACTOR
            if intent in self.short_form and coverage < SHORT_FORM_COVERAGE:
                score *= coverage / SHORT_FORM_COVERAGE
            out[intent] = score
        # A message that is almost exactly a pattern ("what can you do", all stopwords)
        # matches it whatever the weights say.
        near = self._near.best(" ".join(canon))
        if near:
            intent = self._text_intent[near[1]]
            out[intent] = max(out.get(intent, 0.0), near[0] / 100)
        return out, keys

    def match(self, message: str) -> Match:
        exact = self.exact.get(keyword(message))
        if exact:
            return Match(exact, 1.0, {exact: 1.0})
        scores, keys = self.scores(message)
        # Danger needs one of emergency's own words ("gun", "ahorita") and then wins
        # at a lower bar than any other intent: a false alarm costs less than a miss.
        danger = scores.get("emergency", 0.0)
        unrelated = scores.get(CATCH_ALL, 0.0)
        if (
            danger >= self.emergency_threshold
            and keys & self.kw.get("emergency", frozenset())
            and not (unrelated >= CLEARLY_UNRELATED and unrelated > danger)
            and danger >= EMERGENCY_SHARE * max(scores.values())
        ):
            return Match("emergency", danger, scores)
        if scores:
            best = max(scores, key=scores.get)
            if best != CATCH_ALL and scores[best] >= self.threshold:
                return Match(best, scores[best], scores)
        return Match(CATCH_ALL, 0.0, scores)
