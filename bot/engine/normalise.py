"""A resident's message as the classifier reads it: shorthand expanded, typos fixed.

Residents write stories, typos and SMS shorthand in two languages. Before any
feature is taken, words are folded (bot/engine/text.py), shorthand is expanded ("xq" ->
"porque"), typos are corrected against the data's own vocabulary with rapidfuzz,
synonyms are mapped ("migra" -> "ice") and phrases become one word ("trabaja con la
migra" -> "cooperate"). Everything it knows comes from data: intents/_lexicon.yaml,
the intents' patterns and keywords (what typos are corrected to), the training
sentences and wordfreq's word lists (what is a real word and left alone). A new city
or a new word is a data change.

Cross-validation over the training data (`make bench`, "what normalisation adds")
keeps this step only as far as it helps the classifier.
"""

from __future__ import annotations

import re
from collections import Counter
from functools import lru_cache

from rapidfuzz import process
from rapidfuzz.distance import Indel, Levenshtein
from wordfreq import get_frequency_dict, zipf_frequency

from .knowledge import LANGS, Knowledge
from .text import squeeze, tokens

# A word this common in English or Spanish (Zipf scale, wordfreq) is a real word,
# not a typo: "account" must not be "corrected" to the pattern word "accent".
REAL_WORD_ZIPF = 3.0
# A word this many training sentences use is the residents' word, not a typo
# ("reten", a police checkpoint, is not "rehen", a hostage).
RESIDENTS_WORD_SENTENCES = 3


@lru_cache(maxsize=1)
def _spanish_words() -> frozenset[str]:
    """Spanish words at least REAL_WORD_ZIPF common, folded as messages are: residents
    write "banarme" for "bañarme", which wordfreq knows only with its ñ, and a folded
    real word must not be corrected into a danger word ("matarme")."""
    floor = 10 ** (REAL_WORD_ZIPF - 9)  # zipf is log10 of frequency per billion words
    words = set()
    for word, frequency in get_frequency_dict("es").items():
        if frequency >= floor and len(folded := tokens(word)) == 1:
            words.add(folded[0])
    return frozenset(words)


_DOUBLE = re.compile(r"(.)\1+")
# Words a phrase may have in between: "trabaja con la migra" is "trabaja con ice".
_FILLERS = frozenset(
    ["the", "a", "an", "la", "el", "los", "las", "al", "un", "una", "de", "del", "lo", "le", "les"]
)


class _Phrases:
    """Phrases rewritten to one word ("trabaja con la migra" -> "cooperate"), on words.

    Longest phrase first, so "because i was speaking spanish" beats "speaking
    spanish"; filler words ("la", "the") may come between a phrase's words; matches
    do not overlap and are taken left to right. This was one regular expression
    over the joined words, with every phrase as an alternative: 0.26 ms a message.
    Here only the phrases that start with the word at hand are tried, with the same
    order and the same result (tests/test_normalise.py keeps the expression).
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


class Normaliser:
    """`canonical(text)`: the message's words after shorthand, typo, synonym and
    phrase mapping. Each step can be turned off, so cross-validation can say what
    each one adds."""

    def __init__(self, knowledge: Knowledge, *, typos: bool = True, lexicon: bool = True,
                 extra_words: set[str] = frozenset()):  # fmt: skip
        lex = knowledge.lexicon if lexicon else {}
        self.typos = typos
        self.spellings = {k: v.split() for k, v in lex.get("spellings", {}).items()}
        self.synonyms = dict(lex.get("synonyms", {}))
        phrases = {}
        for text, word in lex.get("phrases", {}).items():
            words = [self.synonyms.get(w, w) for w in self._expand(tokens(text))]
            phrases[tuple(words)] = word
        self._phrases = _Phrases(phrases)
        # The vocabulary typos are corrected to: the words the curated data uses
        # (patterns, keywords, lexicon), not every training sentence, whose own typos
        # would become targets.
        words: set[str] = set(self.synonyms) | set(self.synonyms.values())
        for phrase, word in phrases.items():
            words.update(phrase)
            words.add(word)
        for intent in knowledge.intents.values():
            for lang in LANGS:
                block = intent.lang[lang]
                for text in block["patterns"] + block.get("keywords", []):
                    words.update(self._expand(tokens(text)))
        words |= set(extra_words)  # e.g. the danger words (bot/danger.py)
        used = Counter(w for e in knowledge.examples for w in set(tokens(e.text)))
        self._residents = frozenset(w for w, n in used.items() if n >= RESIDENTS_WORD_SENTENCES)
        self.vocabulary = sorted(words)
        self._vocab_set = frozenset(words)
        # A word within edit distance d of another differs in length by at most d, so a
        # typo is compared only with words of about its length (same answers, fewer
        # comparisons); ties still go by the vocabulary's alphabetical order.
        self._rank = {w: n for n, w in enumerate(self.vocabulary)}
        self._by_length: dict[int, list[str]] = {}
        for w in self.vocabulary:
            self._by_length.setdefault(len(w), []).append(w)
        self._correct = lru_cache(maxsize=20000)(self._correct_uncached)

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
        if not self.typos or len(word) < 4 or word in self._vocab_set:
            return word
        if word in self._residents or word in _spanish_words():
            return word
        if max(zipf_frequency(word, "en"), zipf_frequency(word, "es")) >= REAL_WORD_ZIPF:
            return word
        return self._search(word, 1 if len(word) <= 6 else 2)

    def _search(self, word: str, limit: int) -> str:
        """The vocabulary's word within `limit` edits of `word`, else `word`."""
        near = [w for n in range(len(word) - limit, len(word) + limit + 1)
                for w in self._by_length.get(n, ())]  # fmt: skip
        found = process.extract(
            word, near, scorer=Levenshtein.distance, score_cutoff=limit, limit=None
        )
        if not found:
            return word
        # Ties go to the word reached by adding or dropping letters, not changing them:
        # "lawer" is "lawyer" (a letter left out), not "later".
        rank = self._rank
        return min(found, key=lambda f: (f[1], Indel.distance(word, f[0]), rank[f[0]]))[0]

    def replaced(self, text: str, canon: list[str]) -> list[str]:
        """The message's own words that normalisation replaced ("migra", now "ice"): the
        classifier reads them beside the canonical words, so what a synonym or a
        correction loses can still be learned ("migra" never means a skating rink).
        Cross-validation kept this (docs/figures.md)."""
        kept = set(canon)
        return [w for w in tokens(text) if w not in kept]

    def canonical(self, text: str) -> list[str]:
        words = self._expand(
            [squeeze(w, 2) if w not in self.spellings else w for w in tokens(text)]
        )
        words = [self.synonyms.get(w, w) for w in map(self._correct, words)]
        return self._phrases.rewrite(words)
