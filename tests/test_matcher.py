"""The matcher's fast paths give exactly what the plain versions they replaced gave.

Phrases were one regular expression over the joined words, and the near-exact check
compared the message with every pattern; both are kept here as the reference.
"""

import re

import pytest
from conftest import scaled
from hypothesis import given, settings
from hypothesis import strategies as st
from rapidfuzz import fuzz, process

from bot import matcher
from bot.knowledge import load
from bot.matcher import _FILLERS, NEAR_EXACT, _NearPatterns, _Phrases
from bot.text import tokens


def reference_rewrite(phrases: dict[tuple[str, ...], str], words: list[str]) -> list[str]:
    """The regular expression the matcher used before `_Phrases`."""
    ordered = sorted(phrases, key=len, reverse=True)
    fillers = "(?: (?:" + "|".join(sorted(_FILLERS)) + "))*"
    pattern = re.compile(
        r"\b(?:"
        + "|".join("(" + (fillers + " ").join(map(re.escape, p)) + ")" for p in ordered)
        + r")\b"
    )
    joined = pattern.sub(lambda m: phrases[ordered[m.lastindex - 1]], " ".join(words))
    return joined.split()


PHRASES = {
    ("speaking", "spanish"): "language",
    ("because", "i", "was", "speaking", "spanish"): "profiling",
    ("trabaja", "con", "ice"): "cooperate",
    ("a", "la", "b"): "ab",
    ("la", "migra"): "ice",
}


@pytest.mark.parametrize(("text", "expected"), [
    ("because i was speaking spanish today", ["profiling", "today"]),  # longest first
    ("i was speaking spanish", ["i", "was", "language"]),
    ("trabaja con la ice", ["cooperate"]),  # a filler in between
    ("trabaja con la el de ice", ["cooperate"]),
    ("la trabaja con ice", ["la", "cooperate"]),  # never a filler before the first word
    ("a la la b", ["ab"]),  # fillers give one back when the phrase needs it
    ("a la b la migra", ["ab", "ice"]),  # left to right, no overlap
    ("trabaja con", ["trabaja", "con"]),
    ("", []),
])  # fmt: skip
def test_phrases_rewrite_like_the_regular_expression(text, expected):
    words = text.split()
    assert _Phrases(PHRASES).rewrite(words) == expected
    assert reference_rewrite(PHRASES, words) == expected


@pytest.fixture(scope="module")
def real():
    knowledge = load("intents", "resources")
    return knowledge, matcher.Matcher(knowledge)


def lexicon_phrases(knowledge, m) -> dict[tuple[str, ...], str]:
    """The lexicon's phrases in the matcher's own words, as it reads them."""
    return {tuple(m.synonyms.get(w, w) for w in m._expand(tokens(text))): word
            for text, word in knowledge.lexicon["phrases"].items()}  # fmt: skip


@settings(max_examples=scaled(400), deadline=None)
@given(data=st.data())
def test_the_lexicons_phrases_rewrite_like_the_regular_expression(real, data):
    knowledge, m = real
    phrases = lexicon_phrases(knowledge, m)
    # Words of the phrases and fillers only, so phrases overlap, nest and repeat.
    vocabulary = sorted({w for p in phrases for w in p} | _FILLERS)
    words = data.draw(st.lists(st.sampled_from(vocabulary), max_size=14))
    assert m._phrases.rewrite(words) == reference_rewrite(phrases, words)


@settings(max_examples=scaled(300), deadline=None)
@given(data=st.data())
def test_near_patterns_find_what_comparing_every_pattern_finds(real, data):
    _knowledge, m = real
    base = data.draw(st.sampled_from(m._texts))
    cut = data.draw(st.integers(0, 3))
    extra = data.draw(st.text("abcdeiou ", max_size=3))
    text = (base[: len(base) - cut] if cut else base) + extra
    every = process.extractOne(text, m._texts, scorer=fuzz.ratio, score_cutoff=NEAR_EXACT)
    found = _NearPatterns(m._texts).best(text)
    assert (found and (found[0], found[1])) == (every and (every[1], every[2]))


def test_near_patterns_break_ties_by_the_first_pattern():
    near = _NearPatterns(["zzzz", "abcd", "abce", "abcd"])
    assert near.best("abcd") == (100.0, 1)
    assert near.best("") is None


def test_a_typo_goes_to_the_word_with_a_letter_left_out_not_one_changed(real):
    _knowledge, m = real
    # "later" and "lawyer" are both one edit from "lawer"; only one of them drops a letter.
    assert m.canonical("were can i find a free lawer")[-1] == "lawyer"
    assert m.match("were can i find a free lawer").intent == "legal_help"


@pytest.mark.parametrize("text, expected", [
    ("where can i buy ice", "out_of_scope"),
    ("how do i become a police officer", "out_of_scope"),
    ("when is street sweeping on my block", "out_of_scope"),
    # Each of "ice", "policia" and "llamo" is in some out-of-scope pattern, none in one.
    ("si llamo a la policia me va a llevar la migra", "federal_cooperation"),
    ("can la migra take me if i call the police", "federal_cooperation"),
])  # fmt: skip
def test_out_of_scope_covers_shared_words_only_within_one_pattern(real, text, expected):
    _knowledge, m = real
    assert m.match(text).intent == expected
